//! The offline `local` backend end to end, on fixtures built here: OFD archives in both XML
//! flavours, QR images (PNG/JPEG, scales, rotations, noise), PDFs built with lopdf, hostile
//! inputs; and the real samples in `../shared/samples` when that folder exists.

#[path = "local_fixtures/mod.rs"]
mod fixtures;

use fixtures::{dec, one, source};

use std::path::Path;

use chrono::NaiveDate;
use fapiao::InvoiceKind;
use fapiao::local::{LocalError, LocalLimits, decode_qr_image, recognize};
use fixtures::{PAYLOADS, encode_jpeg, encode_png, jbig2_generic, render_qr, zip};
use image::GrayImage;
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, StringFormat, dictionary};

// ---------------------------------------------------------------- OFD fixtures

const LEGACY_QR: &str = "01,10,033002000211,83089647,510.68,20200723,16197833567414507415,0941,";
const DIGITAL_QR: &str = "01,32,,25417000000256819006,3390.00,20251108,,DB92";

fn ofd_xml(custom: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" DocType="OFD" Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID><ofd:CustomDatas>{custom}</ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
    )
}

fn res_xml(media: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="http://www.ofdspec.org/2016" BaseLoc="Res"><ofd:MultiMedias><ofd:MultiMedia ID="90" Type="Image"><ofd:MediaFile>{media}</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"#
    )
}

fn text_object(id: u32, x: f64, y: f64, size: f64, text: &str) -> String {
    format!(
        r#"<ofd:TextObject ID="{id}" Boundary="{x} {y} 40 5" Font="1" Size="{size}"><ofd:TextCode X="0" Y="4">{text}</ofd:TextCode></ofd:TextObject>"#
    )
}

fn page_xml(objects: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Template TemplateID="2" ZOrder="Background"/><ofd:Content><ofd:Layer ID="50">{objects}</ofd:Layer></ofd:Content></ofd:Page>"#
    )
}

const QR_IMAGE_OBJECT: &str =
    r#"<ofd:ImageObject ID="91" CTM="20 0 0 20 0 0" Boundary="8.5 3.5 20 20" ResourceID="90"/>"#;

/// Legacy flavour: `original_invoice.xml` with two goods lines, a PNG QR, custom data.
fn legacy_ofd() -> Vec<u8> {
    let document = r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:MaxUnitID>99</ofd:MaxUnitID><ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments></ofd:Document>"#;
    let attachments = r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Attachment ID="98" Name="original_invoice" Format="xml"><ofd:FileLoc>original_invoice.xml</ofd:FileLoc></ofd:Attachment></ofd:Attachments>"#;
    let original = r#"<?xml version="1.0" encoding="utf-8"?><eInvoice xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019" Version="1.0"><fp:DocID>01</fp:DocID><fp:InvoiceCode>033002000211</fp:InvoiceCode><fp:InvoiceNo>83089647</fp:InvoiceNo><fp:IssueDate>2020年07月23日</fp:IssueDate><fp:InvoiceCheckCode>16197833567414507415</fp:InvoiceCheckCode><fp:MachineNo>927000236092</fp:MachineNo><fp:Buyer><fp:BuyerName>甲方科技有限公司</fp:BuyerName><fp:BuyerTaxID>91320115MA202UKD7X</fp:BuyerTaxID><fp:BuyerAddrTel></fp:BuyerAddrTel></fp:Buyer><fp:Seller><fp:SellerName>乙方餐厅</fp:SellerName><fp:SellerTaxID>92330781MA2EDMFU50</fp:SellerTaxID><fp:SellerAddrTel>某路1号 0579-1</fp:SellerAddrTel></fp:Seller><fp:TaxInclusiveTotalAmount>526.00</fp:TaxInclusiveTotalAmount><fp:Note>备注 &amp; 说明</fp:Note><fp:InvoiceClerk>管理员</fp:InvoiceClerk><fp:TaxTotalAmount>15.32</fp:TaxTotalAmount><fp:TaxExclusiveTotalAmount>510.68</fp:TaxExclusiveTotalAmount><fp:GraphCode>01,10,033002000211,83089647,510.68,20200723,16197833567414507415,0941,</fp:GraphCode><fp:Tpvn>7</fp:Tpvn><fp:GoodsInfos><fp:GoodsInfo><fp:Item>*餐饮服务*餐费</fp:Item><fp:Specification></fp:Specification><fp:MeasurementDimension>次</fp:MeasurementDimension><fp:Price>500.679612</fp:Price><fp:Quantity>1</fp:Quantity><fp:Amount>500.68</fp:Amount><fp:TaxScheme>3%</fp:TaxScheme><fp:TaxAmount>15.02</fp:TaxAmount></fp:GoodsInfo><fp:GoodsInfo><fp:Item>*餐饮服务*茶位费</fp:Item><fp:Price>10</fp:Price><fp:Quantity>1</fp:Quantity><fp:Amount>10.00</fp:Amount><fp:TaxScheme>3%</fp:TaxScheme><fp:TaxAmount>0.30</fp:TaxAmount></fp:GoodsInfo></fp:GoodsInfos></eInvoice>"#;
    let page = page_xml(&format!(
        "{}{}{}",
        text_object(62, 69.0, 7.0, 6.7, "浙江增值税电子普通发票"),
        text_object(81, 63.0, 95.8, 3.2, "伍佰贰拾陆圆整"),
        QR_IMAGE_OBJECT
    ));
    let template = page_xml(&text_object(5, 10.0, 10.0, 3.0, "购买方"));
    let custom = r#"<ofd:CustomData Name="发票号码">83089647</ofd:CustomData><ofd:CustomData Name="合计金额">999.99</ofd:CustomData><ofd:CustomData Name="native-producer">test</ofd:CustomData>"#;
    let qr = encode_png(&render_qr(LEGACY_QR, 4, 0));
    zip(&[
        ("OFD.xml", ofd_xml(custom).as_bytes()),
        ("Doc_0/Document.xml", document.as_bytes()),
        ("Doc_0/DocumentRes.xml", res_xml("qr.png").as_bytes()),
        ("Doc_0/Attachs/Attachments.xml", attachments.as_bytes()),
        ("Doc_0/Attachs/original_invoice.xml", original.as_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml", page.as_bytes()),
        ("Doc_0/Tpls/Tpl_0/Content.xml", template.as_bytes()),
        ("Doc_0/Res/qr.png", &qr),
    ])
}

/// 数电 flavour: no `original_invoice.xml`; `CustomTag.xml` points at text objects on two
/// pages and in the template; items are listed flat and grouped by position.
fn digital_ofd(qr_media: (&str, &[u8])) -> Vec<u8> {
    let document = r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData><ofd:Pages><ofd:Page ID="61" BaseLoc="Pages/Page_0/Content.xml"/><ofd:Page ID="62" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages><ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags></ofd:Document>"#;
    let tags_index = r#"<?xml version="1.0" encoding="UTF-8"?><ofd:CustomTags xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CustomTag TypeID="root"><ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>"#;
    let r = |page: u32, id: u32| format!(r#"<ofd:ObjectRef PageRef="{page}">{id}</ofd:ObjectRef>"#);
    let tag = |name: &str, refs: &[(u32, u32)]| {
        let inner: String = refs.iter().map(|(p, i)| r(*p, *i)).collect();
        format!("<ofd:{name}>{inner}</ofd:{name}>")
    };
    let tags = [
        tag("InvoiceNo", &[(61, 100)]),
        tag("IssueDate", &[(61, 101)]),
        format!(
            "<ofd:Buyer>{}{}</ofd:Buyer>",
            tag("BuyerName", &[(61, 102)]),
            tag("BuyerTaxID", &[(61, 103)])
        ),
        format!(
            "<ofd:Seller>{}</ofd:Seller>",
            tag("SellerName", &[(61, 104)])
        ),
        tag("Item", &[(61, 110), (61, 111), (61, 120), (62, 130)]),
        tag("Amount", &[(61, 112), (61, 121), (62, 131)]),
        tag("TaxScheme", &[(61, 113), (61, 122), (62, 132)]),
        tag("TaxAmount", &[(61, 114), (61, 123), (62, 133)]),
        tag("TaxExclusiveTotalAmount", &[(62, 140), (62, 141)]),
        tag("TaxTotalAmount", &[(62, 142), (62, 143)]),
        tag("TaxInclusiveTotalAmount", &[(62, 144), (62, 145)]),
        tag("InvoiceClerk", &[(61, 150)]),
        tag("SpecialMark", &[(61, 151)]),
    ]
    .concat();
    let custom_tag = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:root xmlns:ofd="http://www.ofdspec.org/2016" version="1.0">{tags}</ofd:root>"#
    );
    let t = text_object;
    let page0 = page_xml(
        &[
            t(100, 170.0, 10.3, 3.2, "25417000000256819006"),
            t(101, 170.0, 16.4, 3.2, "2025年11月08日"),
            t(102, 20.0, 33.8, 3.2, "丙方有限公司"),
            t(103, 54.0, 43.3, 4.2, "91460300MAA92DJN95"),
            t(104, 120.0, 33.8, 3.2, "丁方有限公司"),
            t(110, 4.5, 56.0, 3.2, "*信息技术服务*技术服"),
            t(111, 4.5, 60.5, 3.2, "务费"),
            t(112, 127.5, 56.1, 3.2, "1000.00"),
            t(113, 154.0, 56.1, 3.2, "6%"),
            t(114, 179.5, 56.1, 3.2, "60.00"),
            t(120, 4.5, 65.0, 3.2, "*软件*软件使用费"),
            t(121, 127.5, 65.1, 3.2, "2000.00"),
            t(122, 154.0, 65.1, 3.2, "13%"),
            t(123, 179.5, 65.1, 3.2, "260.00"),
            t(150, 32.0, 129.1, 3.2, "开票员甲"),
            t(151, 32.0, 132.1, 3.2, "无"),
            QR_IMAGE_OBJECT.to_owned(),
        ]
        .concat(),
    );
    let page1 = page_xml(
        &[
            t(130, 4.5, 20.0, 3.2, "*运输服务*运费"),
            t(131, 127.5, 20.1, 3.2, "-0.00"),
            t(132, 154.0, 20.1, 3.2, "9%"),
            t(133, 179.5, 20.1, 3.2, "0.00"),
            t(140, 127.5, 90.5, 3.9, "¥"),
            t(141, 130.0, 90.5, 3.2, "3000.00"),
            t(142, 179.5, 90.5, 3.9, "¥"),
            t(143, 181.0, 90.5, 3.2, "320.00"),
            t(144, 155.0, 96.0, 3.9, "¥"),
            t(145, 157.0, 96.0, 3.2, "3320.00"),
            t(146, 62.0, 96.0, 3.2, "叁仟叁佰贰拾圆整"),
        ]
        .concat(),
    );
    let template = page_xml(&t(3, 70.0, 8.0, 6.5, "电子发票（普通发票）"));
    let (media_name, media) = qr_media;
    let public_res = r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Fonts><ofd:Font ID="1" FontName="宋体"/></ofd:Fonts></ofd:Res>"#;
    let custom = r#"<ofd:CustomData Name="发票号码">25417000000256819006</ofd:CustomData><ofd:CustomData Name="购买方纳税人识别号">91460300MAA92DJN95</ofd:CustomData><ofd:CustomData Name="销售方纳税人识别号">91110108690017781B</ofd:CustomData>"#;
    zip(&[
        ("OFD.xml", ofd_xml(custom).as_bytes()),
        ("Doc_0/Document.xml", document.as_bytes()),
        ("Doc_0/PublicRes.xml", public_res.as_bytes()),
        ("Doc_0/DocumentRes.xml", res_xml(media_name).as_bytes()),
        ("Doc_0/Tags/CustomTags.xml", tags_index.as_bytes()),
        ("Doc_0/Tags/CustomTag.xml", custom_tag.as_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml", page0.as_bytes()),
        ("Doc_0/Pages/Page_1/Content.xml", page1.as_bytes()),
        ("Doc_0/Tpls/Tpl_0/Content.xml", template.as_bytes()),
        (&format!("Doc_0/Res/{media_name}"), media),
    ])
}

#[test]
fn legacy_ofd_takes_every_field_from_original_invoice_xml() {
    let inv = one(&legacy_ofd());
    assert_eq!(inv.api, "local");
    assert_eq!(inv.kind, InvoiceKind::VatElectronicGeneral);
    assert_eq!(inv.code.as_deref(), Some("033002000211"));
    assert_eq!(inv.number.as_deref(), Some("83089647"));
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2020, 7, 23));
    assert_eq!(inv.machine_code.as_deref(), Some("927000236092"));
    assert_eq!(inv.buyer.name.as_deref(), Some("甲方科技有限公司"));
    assert_eq!(inv.seller.address_phone.as_deref(), Some("某路1号 0579-1"));
    assert_eq!(inv.remark.as_deref(), Some("备注 & 说明"));
    assert_eq!(inv.issuer.as_deref(), Some("管理员"));
    // original_invoice.xml outranks the (deliberately different) CustomData 合计金额.
    assert_eq!(inv.amount, Some(dec("510.68")));
    assert_eq!(source(&inv, "amount"), "ofd-xml:TaxExclusiveTotalAmount");
    assert_eq!(
        (inv.tax, inv.total),
        (Some(dec("15.32")), Some(dec("526.00")))
    );
    assert_eq!(inv.items.len(), 2);
    let first = &inv.items[0];
    assert_eq!(first.name.as_deref(), Some("*餐饮服务*餐费"));
    assert_eq!(first.unit.as_deref(), Some("次"));
    assert_eq!(first.unit_price, Some(dec("500.679612")));
    assert_eq!(first.tax_rate, Some(fapiao::TaxRate::Percent(dec("3"))));
    assert_eq!(inv.items[1].tax, Some(dec("0.30")));
    assert_eq!(source(&inv, "items[1].tax"), "ofd-xml:TaxAmount");
    // The QR image decoded and agrees with GraphCode, so no disagreement is recorded.
    assert_eq!(inv.qr_payload.as_deref(), Some(LEGACY_QR));
    assert_eq!(inv.extra["local:qr_source"], "image:Doc_0/Res/qr.png");
    assert!(!inv.extra.contains_key("ofd-xml:GraphCode"));
    // Unclaimed XML elements and custom data are kept, not dropped.
    assert_eq!(inv.extra["ofd-xml:Tpvn"], "7");
    assert_eq!(inv.extra["ofd-custom:native-producer"], "test");
    assert_eq!(inv.title.as_deref(), Some("浙江增值税电子普通发票"));
    assert_eq!(inv.total_in_words.as_deref(), Some("伍佰贰拾陆圆整"));
    assert!(inv.mapping_issues.is_empty(), "{:?}", inv.mapping_issues);
}

#[test]
fn digital_ofd_resolves_custom_tags_across_pages_and_groups_items_by_row() {
    let qr = encode_png(&render_qr(DIGITAL_QR, 9, 0));
    let inv = one(&digital_ofd(("image_1.png", &qr)));
    assert_eq!(inv.kind, InvoiceKind::DigitalGeneral);
    assert_eq!(inv.code, None);
    assert_eq!(inv.number.as_deref(), Some("25417000000256819006"));
    assert_eq!(source(&inv, "number"), "ofd-tags:InvoiceNo");
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2025, 11, 8));
    assert_eq!(inv.buyer.tax_id.as_deref(), Some("91460300MAA92DJN95"));
    // Only the custom data knows the seller's tax ID.
    assert_eq!(inv.seller.tax_id.as_deref(), Some("91110108690017781B"));
    assert_eq!(
        source(&inv, "seller.tax_id"),
        "ofd-custom:销售方纳税人识别号"
    );
    assert_eq!(inv.amount, Some(dec("3000.00")));
    assert_eq!(inv.total, Some(dec("3320.00")));
    assert_eq!(source(&inv, "total"), "ofd-tags:TaxInclusiveTotalAmount");
    let names: Vec<_> = inv
        .items
        .iter()
        .map(|i| i.name.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "*信息技术服务*技术服务费",
            "*软件*软件使用费",
            "*运输服务*运费"
        ]
    );
    let amounts: Vec<_> = inv.items.iter().map(|i| i.amount).collect();
    assert_eq!(
        amounts,
        [
            Some(dec("1000.00")),
            Some(dec("2000.00")),
            Some(dec("0.00"))
        ]
    );
    assert_eq!(
        inv.items[1].tax_rate,
        Some(fapiao::TaxRate::Percent(dec("13")))
    );
    assert_eq!(inv.items[2].tax, Some(dec("0.00")));
    assert_eq!(inv.title.as_deref(), Some("电子发票（普通发票）"));
    assert_eq!(inv.issuer.as_deref(), Some("开票员甲"));
    assert_eq!(inv.extra["ofd-tags:SpecialMark"], "无");
    // The QR says 3390.00 while the tags say 3320.00: the tags win, the QR text is kept.
    assert_eq!(inv.qr_payload.as_deref(), Some(DIGITAL_QR));
    assert_eq!(source(&inv, "qr_payload"), "qr");
}

#[test]
fn ofd_qr_in_jbig2_is_skipped_with_the_reason_recorded() {
    let jbig2 = b"\x97JB2\r\n\x1a\n\x01fake";
    let inv = one(&digital_ofd(("image_1.jb2", jbig2)));
    assert_eq!(inv.qr_payload, None);
    let reason = inv.extra["local:qr_image"].as_str().unwrap();
    assert!(
        reason.contains("Doc_0/Res/image_1.jb2") && reason.contains("JBIG2"),
        "{reason}"
    );
    // Without a QR the kind still comes from the printed title.
    assert_eq!(inv.kind, InvoiceKind::DigitalGeneral);
    assert_eq!(source(&inv, "kind"), "title");
}

// ---------------------------------------------------------------- hostile archives

fn err(bytes: &[u8], limits: &LocalLimits) -> LocalError {
    recognize(bytes, Some("input"), limits).expect_err("hostile input must be refused")
}

#[test]
fn zip_bomb_is_refused_while_inflating() {
    let zeros = vec![0u8; 4 << 20];
    let bomb = zip(&[
        ("OFD.xml", ofd_xml("").as_bytes()),
        ("Doc_0/big.xml", &zeros),
    ]);
    assert!(
        bomb.len() < 64 << 10,
        "fixture should compress well: {}",
        bomb.len()
    );
    let e = err(&bomb, &LocalLimits::default());
    assert!(matches!(e, LocalError::CompressionRatio { .. }), "{e}");
    assert!(e.to_string().contains("Doc_0/big.xml"), "{e}");

    let small = LocalLimits {
        max_uncompressed_bytes: 4 << 10,
        ..LocalLimits::default()
    };
    let e = err(&legacy_ofd(), &small);
    assert!(matches!(e, LocalError::UncompressedTooLarge { .. }), "{e}");
}

#[test]
fn too_many_entries_are_refused_before_reading() {
    let limits = LocalLimits {
        max_zip_entries: 3,
        ..LocalLimits::default()
    };
    let e = err(&legacy_ofd(), &limits);
    assert_eq!(e, LocalError::TooManyEntries { count: 8, limit: 3 });
}

#[test]
fn traversal_and_absolute_entry_names_are_refused() {
    for name in [
        "../evil.xml",
        "Doc_0/../../evil.xml",
        "/etc/passwd",
        "C:/x.xml",
        "a\\..\\..\\b",
    ] {
        let bytes = zip(&[("OFD.xml", ofd_xml("").as_bytes()), (name, b"x")]);
        let e = err(&bytes, &LocalLimits::default());
        assert_eq!(
            e,
            LocalError::UnsafeEntryName {
                name: name.to_owned()
            },
            "{name}"
        );
    }
}

#[test]
fn broken_archives_fail_with_clear_errors() {
    let not_ofd = zip(&[("word/document.xml", b"<w/>")]);
    assert!(matches!(
        err(&not_ofd, &LocalLimits::default()),
        LocalError::Unsupported { .. }
    ));

    let full = legacy_ofd();
    let truncated = &full[..full.len() / 2];
    assert!(matches!(
        err(truncated, &LocalLimits::default()),
        LocalError::Archive { .. }
    ));

    let bad_xml = zip(&[("OFD.xml", b"<ofd:OFD><ofd:DocBody></ofd:Doc")]);
    let e = err(&bad_xml, &LocalLimits::default());
    assert!(
        matches!(&e, LocalError::OfdPart { part, .. } if part == "OFD.xml"),
        "{e}"
    );

    let missing_doc = zip(&[("OFD.xml", ofd_xml("").as_bytes())]);
    let e = err(&missing_doc, &LocalLimits::default());
    assert!(e.to_string().contains("Doc_0/Document.xml: missing"), "{e}");
}

// ---------------------------------------------------------------- images

#[test]
fn qr_png_and_jpeg_decode_at_several_scales() {
    for payload in PAYLOADS {
        for module_px in [2, 3, 5, 9] {
            let image = render_qr(payload, module_px, 0);
            let inv = one(&encode_png(&image));
            assert_eq!(
                inv.qr_payload.as_deref(),
                Some(payload),
                "png {module_px}px"
            );
            let inv = one(&encode_jpeg(&image, 85, None));
            assert_eq!(
                inv.qr_payload.as_deref(),
                Some(payload),
                "jpeg {module_px}px"
            );
        }
    }
}

#[test]
fn qr_image_fields_and_provenance_come_from_the_payload() {
    let inv = one(&encode_png(&render_qr(PAYLOADS[2], 4, 4)));
    assert_eq!(inv.kind, InvoiceKind::DigitalTrainTicket);
    assert_eq!(inv.number.as_deref(), Some("25319132270000640546"));
    assert_eq!(inv.total, Some(dec("86.00")));
    assert_eq!(source(&inv, "total"), "qr:f4");
    assert_eq!(source(&inv, "number"), "qr:f3");
    assert_eq!(inv.api, "local");
}

#[test]
fn rotated_noisy_and_faded_qr_images_decode() {
    let base = render_qr(PAYLOADS[0], 5, 4);
    let cases = [
        ("rot90", fixtures::rotate(&base, 90.0)),
        ("rot180", fixtures::rotate(&base, 180.0)),
        ("rot270", fixtures::rotate(&base, 270.0)),
        ("skew8", fixtures::rotate(&base, 8.0)),
        ("noise60", fixtures::noise(&base, 60, 3)),
        ("noise110", fixtures::noise(&base, 110, 5)),
        ("faded", fixtures::contrast(&base, 110, 170)),
        ("blur", fixtures::blur(&base, 1)),
    ];
    for (name, image) in cases {
        let texts = decode_qr_image(&encode_png(&image), &LocalLimits::default()).unwrap();
        assert_eq!(texts, [PAYLOADS[0]], "{name}");
    }
}

#[test]
fn degraded_set_success_rate_stays_high() {
    let set = fixtures::degraded_set();
    let failed: Vec<&str> = set
        .iter()
        .filter(|case| {
            decode_qr_image(&encode_png(&case.image), &LocalLimits::default())
                .map_or(true, |texts| !texts.iter().any(|t| t == case.payload))
        })
        .map(|case| case.name.as_str())
        .collect();
    let rate = 1.0 - failed.len() as f64 / set.len() as f64;
    println!(
        "degraded set: {}/{} decoded; failed: {failed:?}",
        set.len() - failed.len(),
        set.len()
    );
    assert!(rate >= 0.9, "success rate {rate:.2}; failed {failed:?}");
}

#[test]
fn jpeg_exif_orientation_is_applied() {
    // A QR photographed sideways: the pixels are turned, EXIF says how to turn them back.
    let upright = render_qr(PAYLOADS[1], 4, 4);
    let sideways = image::imageops::rotate270(&upright);
    let bytes = encode_jpeg(&sideways, 90, Some(6));
    let texts = decode_qr_image(&bytes, &LocalLimits::default()).unwrap();
    assert_eq!(texts, [PAYLOADS[1]]);
}

#[test]
fn images_without_an_invoice_qr_say_so() {
    let blank = encode_png(&GrayImage::from_pixel(200, 120, image::Luma([255])));
    let e = err(&blank, &LocalLimits::default());
    assert_eq!(e.to_string(), "no invoice data found: no QR code found");

    let other = encode_png(&render_qr("https://example.com/", 4, 4));
    let e = err(&other, &LocalLimits::default());
    assert!(e.to_string().contains("not an invoice payload"), "{e}");
}

/// PNG chunk with its CRC.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in kind.iter().chain(data) {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&(!crc).to_be_bytes());
    out
}

#[test]
fn absurd_png_dimensions_are_refused_from_the_header() {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&60000u32.to_be_bytes());
    ihdr.extend_from_slice(&60000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(png_chunk(b"IEND", &[]));
    assert_eq!(
        err(&png, &LocalLimits::default()),
        LocalError::ImageTooLarge {
            width: 60000,
            height: 60000,
            limit: 40_000_000
        }
    );
}

#[test]
fn truncated_and_random_inputs_are_refused() {
    let png = encode_png(&render_qr(PAYLOADS[0], 4, 4));
    assert!(matches!(
        err(&png[..png.len() / 2], &LocalLimits::default()),
        LocalError::Image { .. }
    ));
    let jpeg = encode_jpeg(&render_qr(PAYLOADS[0], 4, 4), 90, None);
    let e = err(&jpeg[..40], &LocalLimits::default());
    assert!(
        matches!(
            e,
            LocalError::Image { .. } | LocalError::NothingFound { .. }
        ),
        "{e}"
    );

    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut random = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as u8
    };
    for len in [1usize, 7, 100, 5000] {
        let mut bytes: Vec<u8> = (0..len).map(|_| random()).collect();
        assert!(recognize(&bytes, None, &LocalLimits::default()).is_err());
        for magic in [
            &b"PK\x03\x04"[..],
            b"%PDF-1.7\n",
            b"\x89PNG\r\n\x1a\n",
            &[0xFF, 0xD8, 0xFF],
        ] {
            bytes.splice(0..0, magic.iter().copied());
            assert!(
                recognize(&bytes, None, &LocalLimits::default()).is_err(),
                "{magic:?}"
            );
        }
    }
}

// ---------------------------------------------------------------- PDF

/// UCS-2 big-endian code units, as legacy e-invoice PDFs store text in `UniGB-UCS2-H` fonts.
fn ucs2(text: &str) -> Object {
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn text_ops(lines: &[(f64, f64, f64, &str)]) -> Vec<Operation> {
    let mut ops = vec![Operation::new("BT", vec![])];
    for &(x, y, size, text) in lines {
        ops.push(Operation::new("Tf", vec!["F1".into(), size.into()]));
        ops.push(Operation::new(
            "Tm",
            vec![1.into(), 0.into(), 0.into(), 1.into(), x.into(), y.into()],
        ));
        ops.push(Operation::new("Tj", vec![ucs2(text)]));
    }
    ops.push(Operation::new("ET", vec![]));
    ops
}

/// The invoice text of a legacy 电子普票 page, positioned like the real layout.
const PDF_TEXT: &[(f64, f64, f64, &str)] = &[
    (180.0, 560.0, 18.0, "北京增值税电子普通发票"),
    (420.0, 560.0, 9.0, "发票代码: 011001900111"),
    (420.0, 545.0, 9.0, "发票号码: 12345678"),
    (420.0, 530.0, 9.0, "开票日期: 2020年01月02日"),
    (420.0, 515.0, 9.0, "校 验 码: 12345 67890 12345 67890"),
    (40.0, 515.0, 9.0, "机器编号: 499099999999"),
    (60.0, 490.0, 9.0, "名    称: 测试买方有限公司"),
    (60.0, 476.0, 9.0, "纳税人识别号: 91320211739560225X"),
    (60.0, 440.0, 9.0, "货物或应税劳务、服务名称"),
    (200.0, 440.0, 9.0, "规格型号"),
    (260.0, 440.0, 9.0, "单 位"),
    (300.0, 440.0, 9.0, "数 量"),
    (340.0, 440.0, 9.0, "单 价"),
    (420.0, 440.0, 9.0, "金 额"),
    (480.0, 440.0, 9.0, "税率"),
    (520.0, 440.0, 9.0, "税 额"),
    (60.0, 425.0, 9.0, "*日用杂品*日用品"),
    (262.0, 425.0, 9.0, "个"),
    (310.0, 425.0, 9.0, "2"),
    (345.0, 425.0, 9.0, "50"),
    (430.0, 425.0, 9.0, "100.00"),
    (482.0, 425.0, 9.0, "13%"),
    (530.0, 425.0, 9.0, "13.00"),
    (60.0, 411.0, 9.0, "*日用杂品*清洁用品（加长"),
    (430.0, 411.0, 9.0, "100.00"),
    (482.0, 411.0, 9.0, "13%"),
    (530.0, 411.0, 9.0, "13.00"),
    (60.0, 399.0, 9.0, "型）"),
    (60.0, 380.0, 9.0, "合      计"),
    (425.0, 380.0, 9.0, "¥200.00"),
    (525.0, 380.0, 9.0, "¥26.00"),
    (60.0, 360.0, 9.0, "价税合计（大写）"),
    (150.0, 360.0, 9.0, "ⓧ贰佰贰拾陆圆整"),
    (420.0, 360.0, 9.0, "（小写）¥226.00"),
    (60.0, 340.0, 9.0, "名    称: 测试卖方有限公司"),
    (60.0, 326.0, 9.0, "纳税人识别号: 91320200796148368W"),
    (60.0, 300.0, 9.0, "收款人: 张三"),
    (200.0, 300.0, 9.0, "复核: 李四"),
    (340.0, 300.0, 9.0, "开票人: 王五"),
];

const PDF_QR: &str = "01,10,011001900111,12345678,200.00,20200102,12345678901234567890,AB12,";

/// How the QR image is stored in the fixture PDF.
enum PdfQr {
    /// 1-bit `[/Indexed /DeviceRGB 1 <000000FFFFFF>]`, Flate, 2 px/module, no quiet zone.
    IndexedOneBit,
    /// DeviceRGB drawn black everywhere, the code shape in its `/SMask`.
    RgbWithSoftMask,
    /// Drawn as vector paths in the given style; with `decoy`, a gray image XObject of a QR
    /// that is no invoice (a shop link) too.
    Vector {
        style: VectorStyle,
        decoy: bool,
    },
    /// An 8-bit gray inline image (`BI … ID … EI`), Flate-compressed (`/F /Fl`) or not.
    Inline {
        flate: bool,
    },
    /// A `/JBIG2Decode` image of `size` px square: embedded-organisation segments, and
    /// those of `/JBIG2Globals` when given.
    Jbig2 {
        data: Vec<u8>,
        globals: Option<Vec<u8>>,
        size: u32,
    },
    None,
}

/// How a generator draws a QR as vectors.
#[derive(Debug, Clone, Copy, PartialEq)]
enum VectorStyle {
    /// One `re` per dark module, all filled by a single `f`.
    Squares,
    /// One `re f` per horizontal run of dark modules.
    Runs,
    /// Each run stroked as a line one module wide through the row's middle (node-qrcode).
    Lines,
}

/// `draw` (an image's `Do` or `BI`) scaled to the QR's 60-unit square at its place on the
/// fixture page.
fn placed_qr(draw: Operation) -> [Operation; 4] {
    let place = [60, 0, 0, 60, 30, 520].map(Object::from).to_vec();
    [
        Operation::new("q", vec![]),
        Operation::new("cm", place),
        draw,
        Operation::new("Q", vec![]),
    ]
}

/// Operators drawing `image` (1 px a module) in `style`, `module` units a module, top-left
/// module at (`x`, `top`) in user space (y up).
fn vector_qr_ops(
    image: &GrayImage,
    x: f64,
    top: f64,
    module: f64,
    style: VectorStyle,
) -> Vec<Operation> {
    let mut ops = vec![
        Operation::new("q", vec![]),
        Operation::new("g", vec![0.into()]),
        Operation::new("G", vec![0.into()]),
        Operation::new("w", vec![module.into()]),
    ];
    let (w, h) = image.dimensions();
    let dark = |col: u32, row: u32| col < w && image.get_pixel(col, row).0[0] < 128;
    for row in 0..h {
        let mut col = 0;
        while col < w {
            if !dark(col, row) {
                col += 1;
                continue;
            }
            let start = col;
            col += 1;
            while style != VectorStyle::Squares && dark(col, row) {
                col += 1;
            }
            let y = top - f64::from(row + 1) * module;
            let left = x + f64::from(start) * module;
            let right = x + f64::from(col) * module;
            match style {
                VectorStyle::Squares | VectorStyle::Runs => {
                    let rect = vec![left.into(), y.into(), (right - left).into(), module.into()];
                    ops.push(Operation::new("re", rect));
                    if style == VectorStyle::Runs {
                        ops.push(Operation::new("f", vec![]));
                    }
                }
                VectorStyle::Lines => {
                    let middle = y + module / 2.0;
                    ops.push(Operation::new("m", vec![left.into(), middle.into()]));
                    ops.push(Operation::new("l", vec![right.into(), middle.into()]));
                    ops.push(Operation::new("S", vec![]));
                }
            }
        }
    }
    if style == VectorStyle::Squares {
        ops.push(Operation::new("f", vec![]));
    }
    ops.push(Operation::new("Q", vec![]));
    ops
}

fn pdf(text: &[(f64, f64, f64, &str)], qr: PdfQr, object_streams: bool) -> Vec<u8> {
    pdf_pages(text, qr, object_streams, &[])
}

/// A PDF whose first page draws `text` and the QR, followed by pages of text only.
fn pdf_pages(
    text: &[(f64, f64, f64, &str)],
    qr: PdfQr,
    object_streams: bool,
    more: &[&[(f64, f64, f64, &str)]],
) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "STSong-Light",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("GB1"), "Supplement" => 2 },
    });
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "STSong-Light",
        "Encoding" => "UniGB-UCS2-H", "DescendantFonts" => vec![cid_font.into()],
    });
    let mut xobjects = lopdf::Dictionary::new();
    let mut ops = text_ops(text);
    let image = render_qr(PDF_QR, 2, 0);
    let (w, h) = image.dimensions();
    let image_stream = match qr {
        PdfQr::IndexedOneBit => {
            let row_bytes = w.div_ceil(8) as usize;
            let mut packed = vec![0u8; row_bytes * h as usize];
            for (x, y, p) in image.enumerate_pixels() {
                if p.0[0] > 127 {
                    packed[y as usize * row_bytes + x as usize / 8] |= 0x80 >> (x % 8);
                }
            }
            let palette = Object::String(vec![0, 0, 0, 255, 255, 255], StringFormat::Hexadecimal);
            Some(Stream::new(
                dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
                "BitsPerComponent" => 1,
                "ColorSpace" => vec!["Indexed".into(), "DeviceRGB".into(), 1.into(), palette] },
                packed,
            ))
        }
        PdfQr::RgbWithSoftMask => {
            let alpha: Vec<u8> = image.pixels().map(|p| 255 - p.0[0]).collect();
            let mut mask = Stream::new(
                dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
                "BitsPerComponent" => 8, "ColorSpace" => "DeviceGray" },
                alpha,
            );
            mask.compress().unwrap();
            let mask_id = doc.add_object(mask);
            Some(Stream::new(
                dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
                "BitsPerComponent" => 8, "ColorSpace" => "DeviceRGB", "SMask" => mask_id },
                vec![0u8; (w * h * 3) as usize],
            ))
        }
        PdfQr::Vector { style, decoy } => {
            ops.extend(vector_qr_ops(
                &render_qr(PDF_QR, 1, 0),
                30.0,
                390.0,
                1.7,
                style,
            ));
            decoy.then(|| {
                let shop = render_qr("https://example.com/shop", 2, 4);
                let (w, h) = shop.dimensions();
                Stream::new(
                    dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => w,
                    "Height" => h, "BitsPerComponent" => 8, "ColorSpace" => "DeviceGray" },
                    shop.into_raw(),
                )
            })
        }
        PdfQr::Inline { flate } => {
            let mut inline = Stream::new(
                dictionary! { "W" => w, "H" => h, "BPC" => 8, "CS" => "G" },
                image.as_raw().clone(),
            );
            if flate {
                let mut packed = inline.clone();
                packed.compress().unwrap();
                inline.dict.set("F", "Fl");
                inline.set_content(packed.content);
            }
            ops.extend(placed_qr(Operation::new(
                "BI",
                vec![Object::Stream(inline)],
            )));
            None
        }
        PdfQr::Jbig2 {
            data,
            globals,
            size,
        } => {
            let mut dict = dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => size,
            "Height" => size, "BitsPerComponent" => 1, "ColorSpace" => "DeviceGray",
            "Filter" => "JBIG2Decode" };
            if let Some(globals) = globals {
                let id = doc.add_object(Stream::new(dictionary! {}, globals));
                dict.set("DecodeParms", dictionary! { "JBIG2Globals" => id });
            }
            Some(Stream::new(dict, data))
        }
        PdfQr::None => None,
    };
    if let Some(mut stream) = image_stream {
        if stream.dict.get(b"Filter").is_err() {
            stream.compress().unwrap();
        }
        let id = doc.add_object(stream);
        xobjects.set("Im1", id);
        ops.extend(placed_qr(Operation::new("Do", vec!["Im1".into()])));
    }
    // A form that draws itself: the reader must not loop.
    let form_id = doc.new_object_id();
    let mut form = Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()],
        "Resources" => dictionary! { "XObject" => dictionary! { "Fm1" => form_id } } },
        b"/Fm1 Do".to_vec(),
    );
    form.compress().unwrap();
    doc.objects.insert(form_id, Object::Stream(form));
    xobjects.set("Fm1", form_id);
    ops.push(Operation::new("Do", vec!["Fm1".into()]));

    let mut content = Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    );
    content.compress().unwrap();
    let content_id = doc.add_object(content);
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 800.into(), 600.into()],
        "Contents" => content_id,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font }, "XObject" => xobjects },
    });
    let mut kids: Vec<Object> = vec![page.into()];
    for text in more {
        let content = Stream::new(
            dictionary! {},
            Content {
                operations: text_ops(text),
            }
            .encode()
            .unwrap(),
        );
        let content_id = doc.add_object(content);
        kids.push(
            doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 800.into(), 600.into()],
                "Contents" => content_id,
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            })
            .into(),
        );
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    if object_streams {
        doc.save_modern(&mut out).unwrap();
    } else {
        doc.save_to(&mut out).unwrap();
    }
    out
}

#[test]
fn pdf_text_layer_in_ucs2_fonts_maps_labelled_fields_and_items() {
    let inv = one(&pdf(PDF_TEXT, PdfQr::IndexedOneBit, false));
    assert_eq!(inv.kind, InvoiceKind::VatElectronicGeneral);
    assert_eq!(inv.title.as_deref(), Some("北京增值税电子普通发票"));
    assert_eq!(inv.code.as_deref(), Some("011001900111"));
    assert_eq!(source(&inv, "code"), "pdf-text:发票代码");
    assert_eq!(inv.number.as_deref(), Some("12345678"));
    assert_eq!(inv.date, NaiveDate::from_ymd_opt(2020, 1, 2));
    assert_eq!(inv.check_code.as_deref(), Some("12345678901234567890"));
    assert_eq!(inv.machine_code.as_deref(), Some("499099999999"));
    assert_eq!(inv.buyer.name.as_deref(), Some("测试买方有限公司"));
    assert_eq!(inv.buyer.tax_id.as_deref(), Some("91320211739560225X"));
    assert_eq!(inv.seller.name.as_deref(), Some("测试卖方有限公司"));
    assert_eq!(inv.seller.tax_id.as_deref(), Some("91320200796148368W"));
    assert_eq!(
        (inv.amount, inv.tax),
        (Some(dec("200.00")), Some(dec("26.00")))
    );
    assert_eq!(inv.total, Some(dec("226.00")));
    assert_eq!(inv.total_in_words.as_deref(), Some("贰佰贰拾陆圆整"));
    assert_eq!(
        (
            inv.payee.as_deref(),
            inv.reviewer.as_deref(),
            inv.issuer.as_deref()
        ),
        (Some("张三"), Some("李四"), Some("王五"))
    );
    assert_eq!(inv.items.len(), 2, "{:#?}", inv.items);
    let first = &inv.items[0];
    assert_eq!(first.name.as_deref(), Some("*日用杂品*日用品"));
    assert_eq!(first.unit.as_deref(), Some("个"));
    assert_eq!(
        (first.quantity, first.unit_price),
        (Some(dec("2")), Some(dec("50")))
    );
    assert_eq!(
        (first.amount, first.tax),
        (Some(dec("100.00")), Some(dec("13.00")))
    );
    assert_eq!(
        inv.items[1].name.as_deref(),
        Some("*日用杂品*清洁用品（加长型）")
    );
    // The 1-bit QR without quiet zone decoded too, and the text outranks it.
    assert_eq!(inv.qr_payload.as_deref(), Some(PDF_QR));
    assert_eq!(source(&inv, "amount"), "pdf-text:合计");
}

#[test]
fn items_listed_on_a_sales_list_page_replace_the_placeholder_line() {
    // Page 1 prints one line, （详见销货清单）, carrying the totals; page 2 is the 销货清单.
    let mut first: Vec<(f64, f64, f64, &str)> = PDF_TEXT
        .iter()
        .copied()
        .filter(|(_, y, _, _)| !(399.0..=425.0).contains(y))
        .collect();
    first.extend([
        (60.0, 425.0, 9.0, "（详见销货清单）"),
        (430.0, 425.0, 9.0, "200.00"),
        (482.0, 425.0, 9.0, "13%"),
        (530.0, 425.0, 9.0, "26.00"),
    ]);
    let list: &[(f64, f64, f64, &str)] = &[
        (150.0, 560.0, 14.0, "销售货物或者提供应税劳务、服务清单"),
        (40.0, 530.0, 9.0, "购买方名称: 测试买方有限公司"),
        (
            40.0,
            515.0,
            9.0,
            "所属增值税电子普通发票代码: 011001900111 号码: 12345678",
        ),
        (40.0, 490.0, 9.0, "序号"),
        (80.0, 490.0, 9.0, "货物(劳务)名称"),
        (200.0, 490.0, 9.0, "规格型号"),
        (260.0, 490.0, 9.0, "单位"),
        (300.0, 490.0, 9.0, "数量"),
        (340.0, 490.0, 9.0, "单价"),
        (420.0, 490.0, 9.0, "金额"),
        (480.0, 490.0, 9.0, "税率"),
        (520.0, 490.0, 9.0, "税额"),
        (40.0, 475.0, 9.0, "1"),
        (80.0, 475.0, 9.0, "*日用杂品*毛巾"),
        (262.0, 475.0, 9.0, "条"),
        (310.0, 475.0, 9.0, "10"),
        (345.0, 475.0, 9.0, "12"),
        (430.0, 475.0, 9.0, "120.00"),
        (482.0, 475.0, 9.0, "13%"),
        (530.0, 475.0, 9.0, "15.60"),
        (40.0, 460.0, 9.0, "2"),
        (80.0, 460.0, 9.0, "*日用杂品*牙刷"),
        (262.0, 460.0, 9.0, "支"),
        (310.0, 460.0, 9.0, "20"),
        (345.0, 460.0, 9.0, "4"),
        (430.0, 460.0, 9.0, "80.00"),
        (482.0, 460.0, 9.0, "13%"),
        (530.0, 460.0, 9.0, "10.40"),
        (80.0, 445.0, 9.0, "小计"),
        (430.0, 445.0, 9.0, "200.00"),
        (530.0, 445.0, 9.0, "26.00"),
        (80.0, 430.0, 9.0, "总计"),
        (430.0, 430.0, 9.0, "200.00"),
        (530.0, 430.0, 9.0, "26.00"),
    ];
    let invoices = fapiao::local::recognize(
        &pdf_pages(&first, PdfQr::IndexedOneBit, false, &[list]),
        None,
        &LocalLimits::default(),
    )
    .unwrap();
    assert_eq!(
        invoices.len(),
        1,
        "the list is part of the invoice, not a second one"
    );
    let inv = &invoices[0];
    let names: Vec<_> = inv.items.iter().map(|i| i.name.as_deref()).collect();
    assert_eq!(names, [Some("*日用杂品*毛巾"), Some("*日用杂品*牙刷")]);
    assert_eq!(inv.items[1].amount, Some(dec("80.00")));
    assert_eq!(inv.items[1].quantity, Some(dec("20")));
    assert_eq!(source(inv, "items[1].amount"), "pdf-text:金额");
    assert_eq!(inv.amount, Some(dec("200.00")));
}

#[test]
fn pdf_with_object_streams_and_soft_masked_qr_is_read() {
    let bytes = pdf(PDF_TEXT, PdfQr::RgbWithSoftMask, true);
    assert!(
        bytes.windows(6).any(|w| w == b"ObjStm"),
        "fixture should use object streams"
    );
    let inv = one(&bytes);
    assert_eq!(inv.qr_payload.as_deref(), Some(PDF_QR));
    assert_eq!(inv.buyer.name.as_deref(), Some("测试买方有限公司"));
}

#[test]
fn pdf_qr_drawn_as_rectangles_is_rebuilt_and_read() {
    use VectorStyle::{Lines, Runs, Squares};
    for (style, decoy) in [
        (Squares, false),
        (Runs, false),
        (Lines, false),
        (Runs, true),
    ] {
        let inv = one(&pdf(PDF_TEXT, PdfQr::Vector { style, decoy }, false));
        assert_eq!(inv.qr_payload.as_deref(), Some(PDF_QR), "{style:?} {decoy}");
        assert_eq!(inv.extra["local:qr_source"], "pdf-vector");
    }
    let vector = PdfQr::Vector {
        style: Runs,
        decoy: false,
    };
    let inv = one(&pdf(&[], vector, true));
    assert_eq!(inv.number.as_deref(), Some("12345678"));
    assert_eq!(source(&inv, "number"), "qr:f3");
}

#[test]
fn pdf_inline_image_qr_is_read() {
    let inv = one(&pdf(&[], PdfQr::Inline { flate: false }, false));
    assert_eq!(inv.qr_payload.as_deref(), Some(PDF_QR));
    assert_eq!(inv.extra["local:qr_source"], "pdf-image");
    assert_eq!(inv.amount, Some(dec("200.00")));
    // Filtered: lopdf skips the data, the raw content still has it.
    let inv = one(&pdf(&[], PdfQr::Inline { flate: true }, false));
    assert_eq!(inv.qr_payload.as_deref(), Some(PDF_QR));
}

#[test]
fn pdf_without_text_layer_still_yields_qr_fields() {
    let inv = one(&pdf(&[], PdfQr::IndexedOneBit, false));
    assert_eq!(inv.number.as_deref(), Some("12345678"));
    assert_eq!(source(&inv, "number"), "qr:f3");
    assert_eq!(inv.amount, Some(dec("200.00")));
    assert_eq!(inv.buyer.name, None);
}

#[test]
fn pdf_without_invoice_data_is_reported() {
    let e = err(
        &pdf(&[(60.0, 300.0, 9.0, "会议纪要")], PdfQr::None, false),
        &LocalLimits::default(),
    );
    assert_eq!(e.to_string(), "no invoice data found: no QR code found");
    assert!(matches!(
        err(b"%PDF-1.4\n garbage", &LocalLimits::default()),
        LocalError::Pdf { .. }
    ));
}

// ---------------------------------------------------------------- real samples

fn sample(name: &str) -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/samples")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            println!("skipping {name}: {} not readable ({e})", path.display());
            None
        }
    }
}

/// Every QR form the real samples carry: JBIG2 in OFD, links, blank-as-space fields.
#[test]
fn real_sample_qr_forms_are_read() {
    if let Some(bytes) = sample("ofd-vat-special-guizhou-2022.ofd") {
        let inv = one(&bytes);
        let qr_source = inv.extra["local:qr_source"].as_str().unwrap_or_default();
        assert!(qr_source.ends_with(".jb2"), "{qr_source}");
        assert_eq!(
            inv.qr_payload.as_deref(),
            Some("01,20,052002100113,00008006,24519.05,20220505,18001801513030862041,88CD,")
        );
    }
    if let Some(bytes) = sample("pdf-fiscal-toll-jiangsu-2024.pdf") {
        let inv = one(&bytes);
        assert_eq!(
            inv.qr_payload.as_deref(),
            Some("http://einvoice.jsczt.cn/page/32020124/0007445174/RolVjv")
        );
        assert_eq!(inv.number.as_deref(), Some("0007445174"));
        assert_eq!(inv.code.as_deref(), Some("32020124"));
        assert_eq!(inv.check_code.as_deref(), Some("RolVjv"));
        let qr_findings: Vec<_> = inv
            .validate()
            .into_iter()
            .filter(|f| f.code.starts_with("qr."))
            .collect();
        assert!(qr_findings.is_empty(), "{qr_findings:#?}");
    }
    if let Some(bytes) = sample("render-shudian-general-guangdong-2023.jpg") {
        let inv = one(&bytes);
        assert_eq!(inv.number.as_deref(), Some("23442000000010967536"));
        assert_eq!(inv.total, Some(dec("7894.25")));
    }
}

/// A JBIG2 file's segments in the embedded organisation PDF uses: the file header (ID,
/// flags, and the page count unless the flags say it is unknown) removed.
fn jbig2_embedded(file: &[u8]) -> Vec<u8> {
    assert!(file.starts_with(b"\x97JB2\r\n\x1a\n"), "not a JBIG2 file");
    let header = if file[8] & 2 == 0 { 13 } else { 9 };
    file[header..].to_vec()
}

#[test]
fn pdf_jbig2_qr_image_with_globals_is_read() {
    let image = render_qr(PDF_QR, 2, 0);
    let (page, region) = jbig2_generic(&image);
    // The page segment moved to the globals only to prove they reach the decoder: without
    // them the region has no page to land on.
    let jbig2 = PdfQr::Jbig2 {
        data: region,
        globals: Some(page),
        size: image.width(),
    };
    let inv = one(&pdf(&[], jbig2, true));
    assert_eq!(inv.qr_payload.as_deref(), Some(PDF_QR));
    assert_eq!(inv.extra["local:qr_source"], "pdf-image");

    // Without its page segment the image does not decode: the file reads as one without
    // a QR code, not as a broken PDF.
    let (_, region) = jbig2_generic(&image);
    let broken = PdfQr::Jbig2 {
        data: region,
        globals: None,
        size: image.width(),
    };
    let e = err(&pdf(&[], broken, false), &LocalLimits::default());
    assert_eq!(e.to_string(), "no invoice data found: no QR code found");
}

/// The same path on a real JBIG2 QR: an OFD sample's, moved into a PDF image XObject.
#[test]
fn pdf_jbig2_qr_image_is_read() {
    let Some(ofd) = sample("ofd-vat-special-guizhou-2022.ofd") else {
        return;
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(ofd)).unwrap();
    let mut file = Vec::new();
    std::io::Read::read_to_end(
        &mut archive.by_name("Doc_0/Res/image_80.jb2").unwrap(),
        &mut file,
    )
    .unwrap();
    let data = jbig2_embedded(&file);
    let jbig2 = PdfQr::Jbig2 {
        data,
        globals: None,
        size: 100,
    };
    let inv = one(&pdf(&[], jbig2, false));
    assert_eq!(
        inv.qr_payload.as_deref(),
        Some("01,20,052002100113,00008006,24519.05,20220505,18001801513030862041,88CD,")
    );
    assert_eq!(inv.extra["local:qr_source"], "pdf-image");
}

#[test]
fn real_samples_match_their_ground_truth() {
    if let Some(bytes) = sample("einvoice-zhejiang-2020.ofd") {
        let inv = one(&bytes);
        assert_eq!(inv.kind, InvoiceKind::VatElectronicGeneral);
        assert_eq!(inv.code.as_deref(), Some("033002000211"));
        assert_eq!(inv.number.as_deref(), Some("83089647"));
        assert_eq!(inv.date, NaiveDate::from_ymd_opt(2020, 7, 23));
        assert_eq!(inv.buyer.name.as_deref(), Some("江苏京利华新材料有限公司"));
        assert_eq!(inv.total, Some(dec("526.00")));
        assert_eq!(
            (inv.amount, inv.tax),
            (Some(dec("510.68")), Some(dec("15.32")))
        );
        assert_eq!(inv.items.len(), 1);
        let item = &inv.items[0];
        assert_eq!(item.name.as_deref(), Some("*餐饮服务*餐费"));
        assert_eq!(item.unit_price, Some(dec("510.679612")));
        assert_eq!(item.quantity, Some(dec("1")));
        assert_eq!(
            (item.amount, item.tax),
            (Some(dec("510.68")), Some(dec("15.32")))
        );
        assert_eq!(item.tax_rate, Some(fapiao::TaxRate::Percent(dec("3"))));
        assert_eq!(
            inv.qr_payload.as_deref(),
            Some("01,10,033002000211,83089647,510.68,20200723,16197833567414507415,0941,")
        );
        // The QR image is JBIG2: decoded, not skipped.
        assert_eq!(inv.extra["local:qr_source"], "image:Doc_0/Res/image_78.jb2");
        assert!(!inv.extra.contains_key("local:qr_image"));
    }
    if let Some(bytes) = sample("digital-special-2024.ofd") {
        let inv = one(&bytes);
        assert_eq!(inv.kind, InvoiceKind::DigitalSpecial);
        assert_eq!(inv.number.as_deref(), Some("24112000000048542163"));
        assert_eq!(inv.date, NaiveDate::from_ymd_opt(2024, 5, 28));
        assert_eq!(inv.total, Some(dec("4449.00")));
        assert_eq!(
            (inv.amount, inv.tax),
            (Some(dec("4197.17")), Some(dec("251.83")))
        );
        assert_eq!(inv.items.len(), 1);
        assert_eq!(
            inv.items[0].name.as_deref(),
            Some("*信息技术服务*技术服务费")
        );
        assert_eq!(inv.items[0].unit_price, Some(dec("4197.16981132075")));
        assert_eq!(
            inv.qr_payload.as_deref(),
            Some("01,31,,24112000000048542163,4449.00,20240528,,B2B6")
        );
        // 数电 invoices print 收款人/复核人 inside the remark.
        assert_eq!(inv.payee.as_deref(), Some("李蓉蓉"));
        assert_eq!(inv.reviewer.as_deref(), Some("周欣铭"));
    }
    if let Some(bytes) = sample("train-ticket-qr.png") {
        let inv = one(&bytes);
        assert_eq!(inv.kind, InvoiceKind::DigitalTrainTicket);
        assert_eq!(inv.number.as_deref(), Some("25319132270000640546"));
        assert_eq!(inv.total, Some(dec("86.00")));
        assert_eq!(inv.date, NaiveDate::from_ymd_opt(2025, 8, 21));
    }
}

/// Deterministic byte flips and truncations of every fixture kind: each must end in a value
/// or a typed error, never a panic.
#[test]
fn mutated_fixtures_never_panic() {
    let originals = [
        legacy_ofd(),
        pdf(PDF_TEXT, PdfQr::IndexedOneBit, true),
        encode_png(&render_qr(PAYLOADS[0], 3, 0)),
        encode_jpeg(&render_qr(PAYLOADS[1], 3, 2), 80, Some(3)),
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let limits = LocalLimits::default();
    for original in &originals {
        for _ in 0..60 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 8 {
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
            }
            let cut = bytes.len() - (next() as usize) % (bytes.len() / 4);
            let _ = recognize(&bytes, None, &limits);
            let _ = recognize(&bytes[..cut], None, &limits);
        }
    }
}
