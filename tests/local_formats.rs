//! The e-invoice files the tax system issues besides PDF/OFD page text: the 数电 XML, the
//! railway and air e-ticket XBRL — standalone, attached to an OFD and embedded in a PDF —
//! on fixtures built here, one per trap of the real files.

#[path = "local_fixtures/mod.rs"]
mod fixtures;

use fixtures::{dec, one, source};

use chrono::{NaiveDate, NaiveTime};
use fapiao::InvoiceKind;
use fapiao::invoice::{Invoice, TaxRate};
use fapiao::local::{LocalError, LocalLimits, recognize};
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use rust_decimal::Decimal;

fn finding_codes(inv: &Invoice) -> Vec<&'static str> {
    inv.validate().into_iter().map(|f| f.code).collect()
}

// ------------------------------------------------------------------ 数电 XML

/// A 0.37 普票: a personal buyer (empty `BuyerIdNum`), an empty seller bank name with name
/// and account merged into `SellerBankAccNum`, a 不征税 toll line with `*` rate and tax, an
/// unknown `<ptbh>`, a toll `SpecificInformation`, no `TaxBureauSignature`.
const GENERAL_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<EInvoice>
  <Header>
    <EIid>24322000000012345678</EIid>
    <EInvoiceTag>SWEI3200</EInvoiceTag>
    <Version>0.37</Version>
    <InherentLabel>
      <InIssuType><LabelCode>Y</LabelCode><LabelName>蓝字发票</LabelName></InIssuType>
      <EInvoiceType><LabelCode>01</LabelCode><LabelName>电子发票</LabelName></EInvoiceType>
      <GeneralOrSpecialVAT><LabelCode>02</LabelCode><LabelName>普通发票</LabelName></GeneralOrSpecialVAT>
    </InherentLabel>
    <UndefinedLabel>
      <Label><LabelType>特定征税方式标签</LabelType><LabelCode>05</LabelCode><LabelName>不征税</LabelName></Label>
      <Label><LabelType>发票开具方式标签</LabelType><LabelCode>02</LabelCode></Label>
    </UndefinedLabel>
  </Header>
  <EInvoiceData>
    <SellerInformation>
      <SellerIdNum>92330781MA2EDMFU50</SellerIdNum>
      <SellerName>某某高速公路有限公司</SellerName>
      <SellerAddr>南京市某路1号</SellerAddr>
      <SellerTelNum>025-1234567</SellerTelNum>
      <SellerBankName></SellerBankName>
      <SellerBankAccNum>某某银行南京分行 1234567890</SellerBankAccNum>
    </SellerInformation>
    <BuyerInformation>
      <BuyerIdNum></BuyerIdNum>
      <BuyerName>张三</BuyerName>
    </BuyerInformation>
    <BasicInformation>
      <TotalAmWithoutTax>110.00</TotalAmWithoutTax>
      <TotalTaxAm>3.00</TotalTaxAm>
      <TotalTax-includedAmount>113.00</TotalTax-includedAmount>
      <TotalTax-includedAmountInChinese>壹佰壹拾叁圆整</TotalTax-includedAmountInChinese>
      <Drawer>开票员乙</Drawer>
      <RequestTime>2024-05-14 10:11:12</RequestTime>
    </BasicInformation>
    <IssuItemInformation>
      <ItemName>*经营租赁*通行费</ItemName>
      <SpecMod></SpecMod>
      <MeaUnits>次</MeaUnits>
      <Quantity>1</Quantity>
      <UnPrice>100.000000000000</UnPrice>
      <Amount>100.00</Amount>
      <TaxRate>0.03</TaxRate>
      <ComTaxAm>3.00</ComTaxAm>
      <TotaltaxIncludedAmount>103.00</TotaltaxIncludedAmount>
      <TaxClassificationCode>3040502020200000000</TaxClassificationCode>
    </IssuItemInformation>
    <IssuItemInformation>
      <ItemName>*经营租赁*通行费</ItemName>
      <Amount>10.00</Amount>
      <TaxRate>*</TaxRate>
      <ComTaxAm>*</ComTaxAm>
    </IssuItemInformation>
    <SpecificInformation>
      <Toll>
        <PlateNumber>苏A12345</PlateNumber>
        <StartDatesOfPassage>2024-05-13</StartDatesOfPassage>
      </Toll>
    </SpecificInformation>
    <AdditionalInformation><Remark>备注 &amp; 说明</Remark></AdditionalInformation>
    <ptbh>P-0001</ptbh>
  </EInvoiceData>
  <TaxSupervisionInfo>
    <InvoiceNumber>24322000000012345678</InvoiceNumber>
    <IssueTime>2024-05-14 10:11:12</IssueTime>
    <TaxBureauCode>13200000000</TaxBureauCode>
  </TaxSupervisionInfo>
</EInvoice>"#;

#[test]
fn einvoice_xml_reads_every_field_and_survives_each_real_file_trap() {
    let inv = one(GENERAL_XML.as_bytes());
    assert_eq!(inv.kind, InvoiceKind::DigitalGeneral);
    assert_eq!(inv.number.as_deref(), Some("24322000000012345678"));
    assert_eq!(source(&inv, "number"), "xml:EIid");
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2024, 5, 14));
    assert_eq!(source(&inv, "date"), "xml:IssueTime");
    assert_eq!(inv.seller.name.as_deref(), Some("某某高速公路有限公司"));
    assert_eq!(inv.seller.tax_id.as_deref(), Some("92330781MA2EDMFU50"));
    assert_eq!(
        inv.seller.address_phone.as_deref(),
        Some("南京市某路1号 025-1234567")
    );
    // Empty bank name: the merged account text is kept as written.
    assert_eq!(
        inv.seller.bank_account.as_deref(),
        Some("某某银行南京分行 1234567890")
    );
    // A person: name, no tax ID.
    assert_eq!(inv.buyer.name.as_deref(), Some("张三"));
    assert_eq!(inv.buyer.tax_id, None);
    assert_eq!(inv.amount, Some(dec("110.00")));
    assert_eq!(inv.tax, Some(dec("3.00")));
    assert_eq!(inv.total, Some(dec("113.00")));
    assert_eq!(inv.total_in_words.as_deref(), Some("壹佰壹拾叁圆整"));
    assert_eq!(inv.issuer.as_deref(), Some("开票员乙"));
    assert_eq!(inv.remark.as_deref(), Some("备注 & 说明"));
    assert_eq!(inv.items.len(), 2);
    let first = &inv.items[0];
    assert_eq!(first.name.as_deref(), Some("*经营租赁*通行费"));
    assert_eq!(first.unit.as_deref(), Some("次"));
    assert_eq!(first.quantity, Some(dec("1")));
    assert_eq!(first.unit_price, Some(dec("100.000000000000")));
    assert_eq!(first.tax_rate, Some(TaxRate::Percent(dec("3"))));
    assert_eq!(
        first.extra["xml:TaxClassificationCode"],
        "3040502020200000000"
    );
    // `*` rate and tax on the 不征税 line.
    assert_eq!(inv.items[1].tax_rate, Some(TaxRate::NotTaxable));
    assert_eq!(inv.items[1].tax, Some(Decimal::ZERO));
    assert_eq!(inv.extra["xml:label:特定征税方式标签"], "不征税");
    assert_eq!(inv.extra["xml:label:发票开具方式标签"], "02");
    assert_eq!(
        inv.extra["xml:EInvoiceData/SpecificInformation/Toll/PlateNumber"],
        "苏A12345"
    );
    assert_eq!(inv.ticket.license_plate.as_deref(), Some("苏A12345"));
    assert_eq!(inv.extra["xml:EInvoiceData/ptbh"], "P-0001");
    assert!(inv.mapping_issues.is_empty(), "{:?}", inv.mapping_issues);
    // The file's own arithmetic holds: no finding.
    assert_eq!(finding_codes(&inv), Vec::<&str>::new());
}

/// A 0.36 专票 with the signature block, numbers only in `TaxSupervisionInfo`, and the date
/// only in `RequestTime`.
fn special_xml(total: &str, words: &str) -> String {
    format!(
        r#"<EInvoice><Header><Version>0.36</Version><UndefinedLabel><LabelType>发票开具方式标签</LabelType><LabelCode>01</LabelCode></UndefinedLabel><InherentLabel><GeneralOrSpecialVAT><LabelCode>01</LabelCode></GeneralOrSpecialVAT></InherentLabel></Header>
<EInvoiceData><SellerInformation><SellerIdNum>91320000134767268X</SellerIdNum><SellerName>卖方公司</SellerName><SellerBankName>某银行</SellerBankName><SellerBankAccNum>6222</SellerBankAccNum></SellerInformation>
<BuyerInformation><BuyerIdNum>91110108690017781B</BuyerIdNum><BuyerName>买方公司</BuyerName></BuyerInformation>
<BasicInformation><TotalAmWithoutTax>100.00</TotalAmWithoutTax><TotalTaxAm>6.00</TotalTaxAm><TotalTax-includedAmount>{total}</TotalTax-includedAmount><TotalTax-includedAmountInChinese>{words}</TotalTax-includedAmountInChinese><RequestTime>2023-01-30 09:00:00</RequestTime></BasicInformation>
<IssuItemInformation><ItemName>*信息技术服务*服务费</ItemName><Amount>100.00</Amount><TaxRate>0.06</TaxRate><ComTaxAm>6.00</ComTaxAm></IssuItemInformation></EInvoiceData>
<TaxSupervisionInfo><InvoiceNumber>23512000000005197325</InvoiceNumber></TaxSupervisionInfo>
<TaxBureauSignature><SignatureAlgorithm>1.2.156.10197.1.501</SignatureAlgorithm><SignatureTime>2023-01-30 09:00:01</SignatureTime><SignatureValue>3082ABCD</SignatureValue></TaxBureauSignature></EInvoice>"#
    )
}

#[test]
fn einvoice_xml_keeps_the_signature_and_falls_back_to_supervision_number_and_request_time() {
    let inv = one(special_xml("106.00", "壹佰零陆圆整").as_bytes());
    assert_eq!(inv.kind, InvoiceKind::DigitalSpecial);
    assert_eq!(inv.number.as_deref(), Some("23512000000005197325"));
    assert_eq!(source(&inv, "number"), "xml:InvoiceNumber");
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2023, 1, 30));
    assert_eq!(source(&inv, "date"), "xml:RequestTime");
    assert_eq!(inv.seller.bank_account.as_deref(), Some("某银行 6222"));
    assert_eq!(inv.items[0].tax_rate, Some(TaxRate::Percent(dec("6"))));
    let signature = |leaf: &str| inv.extra[&format!("xml:TaxBureauSignature/{leaf}")].clone();
    assert_eq!(signature("SignatureAlgorithm"), "1.2.156.10197.1.501");
    assert_eq!(signature("SignatureTime"), "2023-01-30 09:00:01");
    assert_eq!(signature("SignatureValue"), "3082ABCD");
    // A single label written straight into UndefinedLabel.
    assert_eq!(inv.extra["xml:label:发票开具方式标签"], "01");
}

#[test]
fn einvoice_xml_that_contradicts_itself_is_flagged_by_validation() {
    // 100.00 + 6.00 ≠ 107.00, and the 大写 says 106: both are findings; the seller's credit
    // code check character is wrong too (…268X).
    let inv = one(special_xml("107.00", "壹佰零陆圆整").as_bytes());
    let codes = finding_codes(&inv);
    for code in ["totals.sum", "total_in_words.mismatch", "tax_id.check"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}

// ------------------------------------------------------------------ XBRL tickets

fn railway_xbrl(taxonomy: &str, business: &str, id: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<xbrl xmlns="http://www.xbrl.org/2003/instance" xmlns:rai="http://xbrl.mof.gov.cn/taxonomy/{taxonomy}/rai" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <context id="c"><entity><identifier scheme="http://xbrl.mof.gov.cn">25319132270000640546</identifier></entity><period><instant>2025-08-21</instant></period></context>
  <rai:TypeOfVoucher contextRef="c">电子发票（铁路电子客票）</rai:TypeOfVoucher>
  <rai:ETicketNumber contextRef="c">E123456789</rai:ETicketNumber>
  <rai:DateOfIssue contextRef="c">2025-08-21</rai:DateOfIssue>
  <rai:IssueParty contextRef="c" xsi:nil="true"/>
  <rai:TypeOfBusiness contextRef="c">{business}</rai:TypeOfBusiness>
  <rai:DepartureStation contextRef="c">北京南</rai:DepartureStation>
  <rai:DestinationStation contextRef="c">上海虹桥</rai:DestinationStation>
  <rai:TrainNumber contextRef="c">G1</rai:TrainNumber>
  <rai:TravelDate contextRef="c">2025-08-25</rai:TravelDate>
  <rai:DepartureTime contextRef="c">09:00</rai:DepartureTime>
  <rai:SeatLevel contextRef="c">二等座</rai:SeatLevel>
  <rai:Carriage contextRef="c">05车</rai:Carriage>
  <rai:Seat contextRef="c">12F号</rai:Seat>
  <rai:Fare contextRef="c" decimals="2" unitRef="CNY">86.00</rai:Fare>
  <rai:ElectronicInvoiceRailwayETicketNumber contextRef="c">25319132270000640546</rai:ElectronicInvoiceRailwayETicketNumber>
  <rai:IdNumber contextRef="c">{id}</rai:IdNumber>
  <rai:Name contextRef="c">王某</rai:Name>
  <rai:TotalAmountExcludingTax contextRef="c" decimals="2" unitRef="CNY">78.90</rai:TotalAmountExcludingTax>
  <rai:TaxRate contextRef="c" decimals="2" unitRef="CNY">0.09</rai:TaxRate>
  <rai:TaxAmount contextRef="c" decimals="2" unitRef="CNY">7.10</rai:TaxAmount>
  <rai:NameOfPurchaser contextRef="c">某某科技有限公司</rai:NameOfPurchaser>
  <rai:UnifiedSocialCreditCodeOfPurchaser contextRef="c">91110108690017781B</rai:UnifiedSocialCreditCodeOfPurchaser>
  <rai:Remarks contextRef="c" xsi:nil="true"/>
</xbrl>"#
    )
}

/// Every field of the railway XBRL fixture.
fn assert_railway_ticket(inv: &Invoice) {
    assert_eq!(inv.kind, InvoiceKind::DigitalTrainTicket);
    assert_eq!(source(inv, "kind"), "xbrl:rai");
    assert_eq!(inv.number.as_deref(), Some("25319132270000640546"));
    assert_eq!(
        source(inv, "number"),
        "xbrl:rai:ElectronicInvoiceRailwayETicketNumber"
    );
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2025, 8, 21));
    assert_eq!(inv.total, Some(dec("86.00")));
    assert_eq!(source(inv, "total"), "xbrl:rai:Fare");
    assert_eq!(inv.amount, Some(dec("78.90")));
    assert_eq!(inv.tax, Some(dec("7.10")));
    assert_eq!(inv.extra["local:tax_rate"], "9%");
    assert_eq!(inv.buyer.name.as_deref(), Some("某某科技有限公司"));
    assert_eq!(inv.buyer.tax_id.as_deref(), Some("91110108690017781B"));
    assert_eq!(inv.seller.name, None, "a nil fact fills nothing");
    let t = &inv.ticket;
    assert_eq!(t.passenger.as_deref(), Some("王某"));
    assert_eq!(t.passenger_id.as_deref(), Some("1101011990****123X"));
    assert_eq!(t.train_number.as_deref(), Some("G1"));
    assert_eq!(t.departure.as_deref(), Some("北京南"));
    assert_eq!(t.arrival.as_deref(), Some("上海虹桥"));
    assert_eq!(t.travel_date, NaiveDate::from_ymd_opt(2025, 8, 25));
    assert_eq!(t.time, NaiveTime::from_hms_opt(9, 0, 0));
    assert_eq!(t.seat_class.as_deref(), Some("二等座"));
    assert_eq!(t.seat_number.as_deref(), Some("05车12F号"));
    assert_eq!(t.serial_number.as_deref(), Some("E123456789"));
    assert_eq!(source(inv, "ticket.passenger_id"), "xbrl:rai:IdNumber");
    assert!(inv.mapping_issues.is_empty(), "{:?}", inv.mapping_issues);
}

#[test]
fn railway_xbrl_reads_into_the_ticket_with_the_id_masked_as_printed() {
    let inv = one(railway_xbrl("2021-11-30", "售", "11010119900101123X").as_bytes());
    assert_railway_ticket(&inv);
    assert!(!inv.extra.contains_key("local:refund"));
    // The full id appears nowhere in the result.
    let json = serde_json::to_string(&inv).unwrap();
    assert!(!json.contains("11010119900101123X"), "{json}");
    assert_eq!(finding_codes(&inv), Vec::<&str>::new());
}

#[test]
fn refund_railway_xbrl_of_a_later_taxonomy_is_flagged_as_a_refund() {
    let inv = one(railway_xbrl("2023-12-31", "退", "1101011990****123X").as_bytes());
    assert_railway_ticket(&inv);
    assert_eq!(inv.extra["local:refund"], true);
    assert_eq!(inv.extra["xbrl:TypeOfBusiness"], "退");
}

const AIR_XBRL: &str = r#"<xbrl xmlns:atr="http://xbrl.mof.gov.cn/taxonomy/2021-11-30/atr">
  <atr:ElectronicInvoiceAirTransportReceiptNumber>25117000000000000001</atr:ElectronicInvoiceAirTransportReceiptNumber>
  <atr:IssueDate>2025-07-04</atr:IssueDate>
  <atr:PassengerName>测试旅客</atr:PassengerName>
  <atr:ValidIdNumber>110101199001011234</atr:ValidIdNumber>
  <atr:ETicketNumber>7812345678901</atr:ETicketNumber>
  <atr:DetailInformationOfAirTicketTuple>
    <atr:DepartureStation>北京</atr:DepartureStation><atr:DestinationStation>上海</atr:DestinationStation>
    <atr:Carrier>CA</atr:Carrier><atr:Flight>CA1234</atr:Flight><atr:Class>Y</atr:Class>
    <atr:CarrierDate>2025-07-05</atr:CarrierDate><atr:DepartureTime>08:15</atr:DepartureTime>
  </atr:DetailInformationOfAirTicketTuple>
  <atr:DetailInformationOfAirTicketTuple>
    <atr:DepartureStation>上海</atr:DepartureStation><atr:DestinationStation>广州</atr:DestinationStation>
    <atr:Flight>MU5301</atr:Flight><atr:CarrierDate>2025-07-06</atr:CarrierDate><atr:FareBasis>YOW</atr:FareBasis>
  </atr:DetailInformationOfAirTicketTuple>
  <atr:Fare>550.46</atr:Fare>
  <atr:FuelSurcharge>9.17</atr:FuelSurcharge>
  <atr:VatRate>0.09</atr:VatRate>
  <atr:VatTaxAmount>50.37</atr:VatTaxAmount>
  <atr:CivilAviationDevelopmentFund>50.00</atr:CivilAviationDevelopmentFund>
  <atr:TotalAmount>660.00</atr:TotalAmount>
  <atr:NameOfSeller>某某航空有限公司</atr:NameOfSeller>
  <atr:NameOfPurchaser>某某科技有限公司</atr:NameOfPurchaser>
  <atr:UnifiedSocialCreditCodeOfPurchaser>91110108690017781B</atr:UnifiedSocialCreditCodeOfPurchaser>
</xbrl>"#;

#[test]
fn air_xbrl_reads_every_flight_in_order() {
    let inv = one(AIR_XBRL.as_bytes());
    assert_eq!(inv.kind, InvoiceKind::DigitalAirItinerary);
    assert_eq!(inv.number.as_deref(), Some("25117000000000000001"));
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2025, 7, 4));
    assert_eq!(inv.total, Some(dec("660.00")));
    // Taxable base = fare + fuel surcharge; the development fund is outside VAT.
    assert_eq!(inv.amount, Some(dec("559.63")));
    assert_eq!(inv.tax, Some(dec("50.37")));
    assert_eq!(inv.seller.name.as_deref(), Some("某某航空有限公司"));
    assert_eq!(inv.buyer.tax_id.as_deref(), Some("91110108690017781B"));
    let t = &inv.ticket;
    assert_eq!(t.passenger.as_deref(), Some("测试旅客"));
    assert_eq!(t.passenger_id.as_deref(), Some("1101011990****1234"));
    assert_eq!(t.serial_number.as_deref(), Some("7812345678901"));
    assert_eq!(t.fuel_surcharge, Some(dec("9.17")));
    assert_eq!(t.airport_fee, Some(dec("50.00")));
    let legs: Vec<_> = t
        .flights
        .iter()
        .map(|f| {
            (
                f.from.as_deref(),
                f.to.as_deref(),
                f.flight_number.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        legs,
        [
            (Some("北京"), Some("上海"), Some("CA1234")),
            (Some("上海"), Some("广州"), Some("MU5301"))
        ]
    );
    assert_eq!(t.flights[0].carrier.as_deref(), Some("CA"));
    assert_eq!(t.flights[0].seat_class.as_deref(), Some("Y"));
    assert_eq!(t.flights[0].date, NaiveDate::from_ymd_opt(2025, 7, 5));
    assert_eq!(t.flights[0].time, NaiveTime::from_hms_opt(8, 15, 0));
    assert_eq!(t.flights[1].extra["xbrl:FareBasis"], "YOW");
    // 559.63 + 50.37 + 50.00 = 660.00: the fund is part of the total.
    assert_eq!(finding_codes(&inv), Vec::<&str>::new());
}

#[test]
fn unrelated_xml_is_refused_naming_what_was_expected() {
    for (xml, what) in [
        ("<html><body/></html>", "XML with root <html>"),
        (
            r#"<xbrl xmlns:x="http://xbrl.mof.gov.cn/taxonomy/2023-12-31/gl"><x:A>1</x:A></xbrl>"#,
            "an XBRL instance of another taxonomy",
        ),
        ("<EInvoice", "unreadable XML"),
    ] {
        let err = recognize(xml.as_bytes(), Some("x.xml"), &LocalLimits::default()).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, LocalError::Unsupported { .. }), "{message}");
        assert!(message.contains(what), "{message}");
        if what != "unreadable XML" {
            assert!(message.contains("expected a 数电 e-invoice"), "{message}");
        }
    }
    let empty = recognize(b"<EInvoice/>", None, &LocalLimits::default()).unwrap_err();
    assert!(matches!(empty, LocalError::NothingFound { .. }), "{empty}");
}

#[test]
fn truncated_xml_never_panics() {
    for xml in [
        GENERAL_XML.to_owned(),
        railway_xbrl("2021-11-30", "售", "x"),
        AIR_XBRL.to_owned(),
    ] {
        for end in (0..xml.len()).step_by(7) {
            if let Some(head) = xml.get(..end) {
                let _ = recognize(head.as_bytes(), None, &LocalLimits::default());
            }
        }
    }
}

// ------------------------------------------------------------------ attachments

/// A one-page PDF (blank content) with `xml` embedded as `name`, through the
/// `/EmbeddedFiles` name tree and the catalog's `/AF`, as 12306 does.
fn pdf_with_attachment(name: &str, xml: &str) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content = Stream::new(
        dictionary! {},
        Content {
            operations: vec![Operation::new("q", vec![]), Operation::new("Q", vec![])],
        }
        .encode()
        .unwrap(),
    );
    let content_id = doc.add_object(content);
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 420.into()],
        "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let mut file = Stream::new(
        dictionary! { "Type" => "EmbeddedFile" },
        xml.as_bytes().to_vec(),
    );
    file.compress().unwrap();
    let file_id = doc.add_object(file);
    let spec = doc.add_object(dictionary! {
        "Type" => "Filespec", "F" => Object::string_literal(name),
        "EF" => dictionary! { "F" => file_id }, "AFRelationship" => "Data",
    });
    let names = dictionary! { "EmbeddedFiles" => dictionary! {
        "Names" => vec![Object::string_literal(name), spec.into()],
    } };
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id, "Names" => names, "AF" => vec![spec.into()],
    });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn pdf_with_an_embedded_railway_xbrl_reads_the_ticket() {
    let name = "rai_issuer_20250821_25319132270000640546.xml";
    let pdf = pdf_with_attachment(
        name,
        &railway_xbrl("2021-11-30", "售", "11010119900101123X"),
    );
    let inv = one(&pdf);
    assert_railway_ticket(&inv);
    assert_eq!(inv.extra["local:attachments"], name);
}

#[test]
fn pdf_with_an_embedded_einvoice_xml_reads_it() {
    let inv = one(&pdf_with_attachment("invoice.xml", GENERAL_XML));
    assert_eq!(inv.number.as_deref(), Some("24322000000012345678"));
    assert_eq!(inv.items.len(), 2);
    assert_eq!(inv.extra["xml:label:特定征税方式标签"], "不征税");
}

/// A one-page OFD whose page prints a few words, whose `OFD.xml` holds the `custom` data
/// entries and whose `Attachs/` holds `xml` as `file`, listed by `Attachments.xml` when
/// `listed`.
fn ofd_with_attachment(file: &str, xml: &str, listed: bool, custom: &str) -> Vec<u8> {
    let ofd = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" DocType="OFD" Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID><ofd:CustomDatas>{custom}</ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
    );
    let attachments_ref = if listed {
        "<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>"
    } else {
        ""
    };
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:MaxUnitID>9</ofd:MaxUnitID></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>{attachments_ref}</ofd:Document>"#
    );
    let attachments = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Attachment ID="48" Name="ticket" Format="xml"><ofd:FileLoc>{file}</ofd:FileLoc></ofd:Attachment></ofd:Attachments>"#
    );
    let page = r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2"><ofd:TextObject ID="3" Boundary="10 10 60 6" Font="1" Size="4"><ofd:TextCode X="0" Y="4">电子发票（铁路电子客票）</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"#;
    let path = format!("Doc_0/Attachs/{file}");
    fixtures::zip(&[
        ("OFD.xml", ofd.as_bytes()),
        ("Doc_0/Document.xml", document.as_bytes()),
        ("Doc_0/Attachs/Attachments.xml", attachments.as_bytes()),
        (&path, xml.as_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml", page.as_bytes()),
    ])
}

#[test]
fn ofd_with_an_attached_railway_xbrl_reads_the_ticket() {
    let xbrl = railway_xbrl("2021-11-30", "售", "11010119900101123X");
    for listed in [true, false] {
        let ofd = ofd_with_attachment("rai_issuer_1.xml", &xbrl, listed, "");
        let inv = one(&ofd);
        assert_railway_ticket(&inv);
        assert_eq!(
            inv.extra["local:attachments"],
            "Doc_0/Attachs/rai_issuer_1.xml"
        );
    }
}

#[test]
fn ofd_with_an_attached_air_xbrl_reads_every_flight() {
    let inv = one(&ofd_with_attachment("atr_issuer_1.xml", AIR_XBRL, true, ""));
    assert_eq!(inv.kind, InvoiceKind::DigitalAirItinerary);
    assert_eq!(inv.ticket.flights.len(), 2);
    assert_eq!(inv.total, Some(dec("660.00")));
}

#[test]
fn an_attachment_that_disagrees_with_what_the_ofd_prints_wins_and_is_flagged() {
    let xbrl = railway_xbrl("2021-11-30", "售", "11010119900101123X");
    let agreeing = r#"<ofd:CustomData Name="发票号码">25319132270000640546</ofd:CustomData><ofd:CustomData Name="价税合计">86.00</ofd:CustomData>"#;
    let inv = one(&ofd_with_attachment("rai_1.xml", &xbrl, true, agreeing));
    assert!(
        !inv.extra.contains_key("local:attachment_mismatch"),
        "{:?}",
        inv.extra
    );
    assert_eq!(finding_codes(&inv), Vec::<&str>::new());

    let disagreeing = r#"<ofd:CustomData Name="发票号码">25319132270000640546</ofd:CustomData><ofd:CustomData Name="价税合计">96.00</ofd:CustomData>"#;
    let inv = one(&ofd_with_attachment("rai_1.xml", &xbrl, true, disagreeing));
    assert_eq!(inv.total, Some(dec("86.00")), "the attachment wins");
    let findings = inv.validate();
    let mismatch: Vec<_> = findings
        .iter()
        .filter(|f| f.code == "attachment.mismatch")
        .collect();
    assert_eq!(mismatch.len(), 1, "{findings:#?}");
    assert_eq!(mismatch[0].fields, ["total"]);
    assert!(
        mismatch[0].message.contains("\"86\"") && mismatch[0].message.contains("\"96\""),
        "{}",
        mismatch[0].message
    );
}

// ------------------------------------------------------------------ multi-page OFD

/// A text object whose baseline starts at (`x`, `y`) mm, in 3.15 mm type.
fn text_at(id: usize, x: f64, y: f64, text: &str) -> String {
    let size = 3.15;
    format!(
        r#"<ofd:TextObject ID="{id}" Boundary="{x:.2} {:.2} 150 5" Font="1" Size="{size}"><ofd:TextCode X="0" Y="{size}">{text}</ofd:TextCode></ofd:TextObject>"#,
        y - size
    )
}

/// A page with the item table header of a legacy form, then `rows`; positions are in
/// 0.35 mm units (the layout tests' coordinates, on an A4 page).
fn table_page(first_id: usize, rows: &[(f64, f64, String)]) -> String {
    let header = [
        (40.0, 150.0, "货物或应税劳务、服务名称"),
        (180.0, 150.0, "规格型号"),
        (230.0, 150.0, "单 位"),
        (275.0, 150.0, "数 量"),
        (340.0, 150.0, "单 价"),
        (420.0, 150.0, "金 额"),
        (480.0, 150.0, "税率"),
        (535.0, 150.0, "税 额"),
    ];
    let header = header.map(|(x, y, s)| (x, y, s.to_owned()));
    let objects: String = header
        .iter()
        .chain(rows)
        .enumerate()
        .map(|(i, (x, y, s))| text_at(first_id + i, x * 0.35, y * 0.35, s))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="{first_id}0">{objects}</ofd:Layer></ofd:Content></ofd:Page>"#
    )
}

fn item_row(
    y: f64,
    name: &str,
    amount: &'static str,
    tax: &'static str,
) -> Vec<(f64, f64, String)> {
    vec![
        (27.0, y, name.to_owned()),
        (440.0, y, amount.to_owned()),
        (486.0, y, "13%".to_owned()),
        (545.0, y, tax.to_owned()),
    ]
}

#[test]
fn multi_page_ofd_page_text_keeps_every_item_in_order() {
    let page0_rows = [
        vec![(40.0, 40.0, "发票号码：25417000000256819006".to_owned())],
        vec![(40.0, 55.0, "开票日期：2025年11月08日".to_owned())],
        item_row(165.0, "*电子计算机*笔记本电脑", "100.00", "13.00"),
        item_row(180.0, "*电子计算机*显示器", "200.00", "26.00"),
    ]
    .concat();
    let page1_rows = [
        item_row(165.0, "*电子计算机*键盘", "300.00", "39.00"),
        vec![
            (60.0, 260.0, "合       计".to_owned()),
            (440.0, 260.0, "¥600.00".to_owned()),
            (545.0, 260.0, "¥78.00".to_owned()),
        ],
    ]
    .concat();
    let page0 = table_page(100, &page0_rows);
    let page1 = table_page(200, &page1_rows);
    let ofd = r#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" DocType="OFD" Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#;
    let document = r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/><ofd:Page ID="2" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages></ofd:Document>"#;
    let file = fixtures::zip(&[
        ("OFD.xml", ofd.as_bytes()),
        ("Doc_0/Document.xml", document.as_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml", page0.as_bytes()),
        ("Doc_0/Pages/Page_1/Content.xml", page1.as_bytes()),
    ]);
    let inv = one(&file);
    let names: Vec<_> = inv.items.iter().map(|i| i.name.as_deref()).collect();
    assert_eq!(
        names,
        [
            Some("*电子计算机*笔记本电脑"),
            Some("*电子计算机*显示器"),
            Some("*电子计算机*键盘")
        ],
        "{inv:#?}"
    );
    assert_eq!(inv.items[2].amount, Some(dec("300.00")));
    assert_eq!(
        source(&inv, "items[2].amount"),
        source(&inv, "items[0].amount")
    );
    assert_eq!(inv.number.as_deref(), Some("25417000000256819006"));
}

// ------------------------------------------------------------------ hostile inputs

#[test]
fn entities_are_not_expanded_and_a_cyclic_name_tree_ends() {
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE EInvoice [<!ENTITY a "24322000000012345678"><!ENTITY b "&a;&a;&a;&a;">]><EInvoice><Header><EIid>&b;</EIid></Header></EInvoice>"#;
    let err = recognize(bomb.as_bytes(), None, &LocalLimits::default()).unwrap_err();
    assert!(matches!(err, LocalError::NothingFound { .. }), "{err}");

    // An /EmbeddedFiles node whose /Kids list itself.
    let mut doc = Document::load_mem(&pdf_with_attachment("a.xml", AIR_XBRL)).unwrap();
    let mut catalog = doc.catalog().unwrap().clone();
    let names_id = doc.add_object(dictionary! {});
    let tree = dictionary! { "Kids" => vec![names_id.into()] };
    doc.objects.insert(names_id, Object::Dictionary(tree));
    catalog.set("Names", dictionary! { "EmbeddedFiles" => names_id });
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    doc.objects.insert(root, Object::Dictionary(catalog));
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    // The /AF entry still carries the ticket.
    assert_eq!(one(&bytes).ticket.flights.len(), 2);
}

#[test]
fn mutated_xml_pdf_and_ofd_fixtures_never_panic() {
    let xbrl = railway_xbrl("2021-11-30", "售", "11010119900101123X");
    let files = [
        GENERAL_XML.as_bytes().to_vec(),
        pdf_with_attachment("r.xml", &xbrl),
        ofd_with_attachment("r.xml", &xbrl, true, ""),
    ];
    for file in files {
        for (step, seed) in [(97usize, 0x5Au8), (31, 0xFF), (13, b'<')] {
            let mut mutated = file.clone();
            for byte in mutated.iter_mut().step_by(step) {
                *byte ^= seed;
            }
            let _ = recognize(&mutated, None, &LocalLimits::default());
        }
    }
}
