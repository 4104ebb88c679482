//! The unified invoice model: one [`Invoice`] shape whatever API (or the local backend)
//! recognised the document.
//!
//! Money, quantities and prices are [`Decimal`] — never floats. Every field is optional
//! because no vendor fills them all; [`Invoice::provenance`] says where each filled field
//! came from, and [`Invoice::extra`] keeps the vendor fields no mapping claimed.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// One recognised invoice or ticket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Invoice {
    /// What kind of document this is.
    pub kind: InvoiceKind,
    /// The API that produced this record (`tencent.vat_invoice_ocr`, `local`, …).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api: String,
    /// Title as printed, e.g. `天津增值税电子普通发票` (发票名称).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// 发票代码: 10 or 12 digits; absent on 数电 invoices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// 发票号码: 8 digits, or 20 digits on 数电 invoices; ticket number for tickets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// 开票日期 (issue date; travel date for tickets when no issue date is printed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// 校验码 (20 digits on legacy 普票 and e-invoices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_code: Option<String>,
    /// 机器编号 (12 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_code: Option<String>,
    /// 购买方.
    #[serde(skip_serializing_if = "Party::is_empty")]
    pub buyer: Party,
    /// 销售方.
    #[serde(skip_serializing_if = "Party::is_empty")]
    pub seller: Party,
    /// 货物或应税劳务、服务 lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<LineItem>,
    /// 合计金额: total excluding tax.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub amount: Option<Decimal>,
    /// 合计税额: total tax.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub tax: Option<Decimal>,
    /// 价税合计 (小写): total including tax; the fare or face value for tickets.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub total: Option<Decimal>,
    /// 价税合计 (大写) as printed, e.g. `捌拾玖圆玖角整`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_in_words: Option<String>,
    /// 收款人.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payee: Option<String>,
    /// 复核.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    /// 开票人.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// 备注.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// 省 where the invoice was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// 市 where the invoice was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Seals found on the document.
    #[serde(skip_serializing_if = "Seals::is_empty")]
    pub seals: Seals,
    /// 密码区 (cipher area of legacy tax-control invoices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_text: Option<String>,
    /// Raw QR payload, e.g. `01,10,033002000211,83089647,510.68,20200723,16197833567414507415,0941,`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_payload: Option<String>,
    /// Fields only tickets carry (train, flight, toll, taxi, …).
    #[serde(skip_serializing_if = "TicketInfo::is_empty")]
    pub ticket: TicketInfo,
    /// Where each filled field came from, keyed by unified field path (`buyer.name`,
    /// `items[0].amount`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub provenance: BTreeMap<Cow<'static, str>, Provenance>,
    /// Vendor fields no mapping claimed, keyed by vendor field path; empty values are dropped.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
    /// Values the mapping could not interpret (e.g. `¥8x.2` for a money field). The field
    /// stays empty and the problem is kept here; [`crate::validate`] reports each as a finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mapping_issues: Vec<MappingIssue>,
}

/// Buyer (购买方) or seller (销售方).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Party {
    /// 名称.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 纳税人识别号 / 统一社会信用代码.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    /// 地址、电话.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_phone: Option<String>,
    /// 开户行及账号.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<String>,
}

impl Party {
    /// True when no field is filled.
    pub fn is_empty(&self) -> bool {
        self == &Party::default()
    }
}

/// One line of goods or services.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LineItem {
    /// 货物或应税劳务、服务名称, e.g. `*日用杂品*日用品`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 规格型号.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// 单位.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// 数量.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub quantity: Option<Decimal>,
    /// 单价 (excluding tax; up to 15 significant digits on 数电 invoices).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub unit_price: Option<Decimal>,
    /// 金额 (excluding tax).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub amount: Option<Decimal>,
    /// 税率.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<TaxRate>,
    /// 税额 (`***` on exempt lines is read as zero).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub tax: Option<Decimal>,
    /// Vendor line fields no mapping claimed (vehicle type, plate, places, …).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A VAT rate as printed: a percentage, or one of the no-rate markers.
///
/// Serialised as printed: `13%`, `免税`, `不征税`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaxRate {
    /// A percentage, e.g. `13` for 13 %.
    Percent(Decimal),
    /// 免税 (exempt).
    Exempt,
    /// 不征税 (not subject to VAT).
    NotTaxable,
}

impl TaxRate {
    /// The rate as a fraction (0.13 for 13 %); zero for exempt and not-taxable lines.
    pub fn fraction(&self) -> Decimal {
        match self {
            TaxRate::Percent(p) => *p / Decimal::ONE_HUNDRED,
            TaxRate::Exempt | TaxRate::NotTaxable => Decimal::ZERO,
        }
    }
}

impl fmt::Display for TaxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaxRate::Percent(p) => write!(f, "{}%", p.normalize()),
            TaxRate::Exempt => f.write_str("免税"),
            TaxRate::NotTaxable => f.write_str("不征税"),
        }
    }
}

/// The text was not a tax rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a tax rate: {0:?}")]
pub struct ParseTaxRateError(pub String);

impl FromStr for TaxRate {
    type Err = ParseTaxRateError;

    /// Accepts `13%`, `13％`, `13`, `0.13` is **not** accepted (ambiguous), `免税`, `不征税`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t {
            "免税" => return Ok(TaxRate::Exempt),
            "不征税" => return Ok(TaxRate::NotTaxable),
            _ => {}
        }
        let digits = t.trim_end_matches(['%', '％']).trim();
        let value = Decimal::from_str(digits).map_err(|_| ParseTaxRateError(s.to_owned()))?;
        if value.is_sign_negative() || value > Decimal::ONE_HUNDRED {
            return Err(ParseTaxRateError(s.to_owned()));
        }
        Ok(TaxRate::Percent(value))
    }
}

impl Serialize for TaxRate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TaxRate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for TaxRate {
    fn schema_name() -> Cow<'static, str> {
        "TaxRate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "VAT rate as printed: a percentage such as `13%`, or `免税` / `不征税`.",
            "pattern": "^([0-9]+(\\.[0-9]+)?%|免税|不征税)$"
        })
    }
}

/// Seal marks (印章).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Seals {
    /// A company seal (发票专用章) is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<bool>,
    /// Text of the company seal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_text: Option<String>,
    /// A supervision seal (监制章) is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supervision: Option<bool>,
    /// Text of the tax-bureau / supervision seal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supervision_text: Option<String>,
}

impl Seals {
    /// True when nothing is known about seals.
    pub fn is_empty(&self) -> bool {
        self == &Seals::default()
    }
}

/// Ticket-specific fields (train, flight, bus, ship, taxi, toll, vehicle invoices).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct TicketInfo {
    /// Passenger name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passenger: Option<String>,
    /// Passenger ID number (usually partly masked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passenger_id: Option<String>,
    /// Train number (车次), e.g. `Z196`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_number: Option<String>,
    /// Departure station / place (出发站).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departure: Option<String>,
    /// Arrival station / place (到达站).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrival: Option<String>,
    /// Travel date (乘车日期), which differs from the issue date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub travel_date: Option<NaiveDate>,
    /// Departure or travel time (乘车时间 / 时间).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub time: Option<NaiveTime>,
    /// Seat class (座位类型 / 席别), e.g. `二等座`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat_class: Option<String>,
    /// Seat number (座位号).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat_number: Option<String>,
    /// Serial or e-ticket number (序列号 / 电子客票号).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Toll entrance (入口).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrance: Option<String>,
    /// Toll exit (出口).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<String>,
    /// License plate (车牌号).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_plate: Option<String>,
    /// Distance travelled (里程), as printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mileage: Option<String>,
    /// Fuel surcharge (燃油附加费) for flights.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub fuel_surcharge: Option<Decimal>,
    /// Civil aviation development fund (民航发展基金) for flights.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub airport_fee: Option<Decimal>,
    /// Flight segments of an air itinerary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flights: Vec<FlightSegment>,
}

impl TicketInfo {
    /// True when no ticket field is filled.
    pub fn is_empty(&self) -> bool {
        self == &TicketInfo::default()
    }
}

/// One leg of an air itinerary (机票行程单).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FlightSegment {
    /// Departure airport or city (自).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Arrival airport or city (至).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Carrier (承运人).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Flight number (航班号).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flight_number: Option<String>,
    /// Seat class (座位等级).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat_class: Option<String>,
    /// Flight date (日期).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Departure time (时间).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub time: Option<NaiveTime>,
    /// Vendor segment fields no mapping claimed (terminals, fare basis, baggage, …).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Where one field's value came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    /// The vendor field (`VatInvoiceInfos[Name=发票代码]`, `result.invoice_no`) or, for the
    /// local backend, the source kind and element (`ofd-xml:InvoiceCode`, `qr:f3`).
    pub field: Cow<'static, str>,
    /// Vendor confidence in `[0, 1]` where the vendor reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// Where the value sits in the image, as the vendor reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polygon: Option<Polygon>,
}

impl Provenance {
    /// Provenance naming only its source field, with no confidence or polygon (what the
    /// local backend and QR payloads record).
    pub fn from_field(field: impl Into<Cow<'static, str>>) -> Provenance {
        Provenance {
            field: field.into(),
            confidence: None,
            polygon: None,
        }
    }
}

/// Four corners of a field in image pixels: left-top, right-top, right-bottom, left-bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Polygon(pub [Point; 4]);

impl Polygon {
    /// The quadrilateral of an axis-aligned rectangle (coordinates saturate rather than
    /// overflow on absurd vendor values).
    pub fn from_rect(x: i64, y: i64, width: i64, height: i64) -> Polygon {
        let (right, bottom) = (x.saturating_add(width), y.saturating_add(height));
        Polygon([
            Point { x, y },
            Point { x: right, y },
            Point {
                x: right,
                y: bottom,
            },
            Point { x, y: bottom },
        ])
    }
}

/// A pixel position, serialised as `[x, y]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(from = "[i64; 2]", into = "[i64; 2]")]
#[schemars(with = "[i64; 2]")]
pub struct Point {
    /// Horizontal pixel coordinate.
    pub x: i64,
    /// Vertical pixel coordinate.
    pub y: i64,
}

impl From<[i64; 2]> for Point {
    fn from([x, y]: [i64; 2]) -> Point {
        Point { x, y }
    }
}

impl From<Point> for [i64; 2] {
    fn from(p: Point) -> [i64; 2] {
        [p.x, p.y]
    }
}

/// A vendor value the mapping could not interpret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MappingIssue {
    /// Unified field path, e.g. `total` or `items[0].tax_rate`.
    pub field: String,
    /// Vendor field the value came from.
    pub source: String,
    /// The value as the vendor sent it.
    pub value: String,
    /// Why it could not be used, in English.
    pub message: String,
    /// Why it could not be used, in Chinese (absent on issues recorded before there was a
    /// Chinese wording).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
}

impl MappingIssue {
    /// An issue whose reason `reason` words in either language (e.g. a domain error's
    /// `message`).
    pub fn new(
        field: String,
        source: String,
        value: String,
        reason: impl Fn(Lang) -> String,
    ) -> Self {
        MappingIssue {
            field,
            source,
            value,
            message: reason(Lang::En),
            message_zh: Some(reason(Lang::Zh)),
        }
    }

    /// Why it could not be used, in `lang` (English when no Chinese wording was recorded).
    pub fn message_in(&self, lang: Lang) -> &str {
        match (lang, &self.message_zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => &self.message,
        }
    }
}

macro_rules! invoice_kinds {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $zh:literal; )*) => {
        /// What kind of invoice or ticket a document is.
        ///
        /// Serialised in snake_case (`vat_special`, `train_ticket`, …).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        #[non_exhaustive]
        pub enum InvoiceKind {
            $( $(#[$doc])* $variant, )*
        }

        impl InvoiceKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [InvoiceKind] = &[$(InvoiceKind::$variant),*];

            /// The snake_case identifier used in JSON, specs and the CLI.
            pub fn id(self) -> &'static str {
                match self { $(InvoiceKind::$variant => $id,)* }
            }

            /// The Chinese name of the kind.
            pub fn label_zh(self) -> &'static str {
                match self { $(InvoiceKind::$variant => $zh,)* }
            }

            /// Looks a kind up by its identifier.
            pub fn from_id(id: &str) -> Option<InvoiceKind> {
                match id { $($id => Some(InvoiceKind::$variant),)* _ => None }
            }
        }
    };
}

invoice_kinds! {
    /// Not determined.
    #[default]
    Unknown = "unknown", "未知";
    /// 增值税专用发票 (paper).
    VatSpecial = "vat_special", "增值税专用发票";
    /// 增值税普通发票 (paper).
    VatGeneral = "vat_general", "增值税普通发票";
    /// 增值税电子专用发票.
    VatElectronicSpecial = "vat_electronic_special", "增值税电子专用发票";
    /// 增值税电子普通发票.
    VatElectronicGeneral = "vat_electronic_general", "增值税电子普通发票";
    /// 数电 电子发票（增值税专用发票）.
    DigitalSpecial = "digital_special", "电子发票（增值税专用发票）";
    /// 数电 电子发票（普通发票）.
    DigitalGeneral = "digital_general", "电子发票（普通发票）";
    /// 增值税普通发票（卷票）.
    VatRoll = "vat_roll", "增值税普通发票（卷票）";
    /// 增值税电子普通发票（通行费）.
    VatToll = "vat_toll", "增值税电子普通发票（通行费）";
    /// 区块链电子发票.
    Blockchain = "blockchain", "区块链电子发票";
    /// 货物运输业增值税专用发票 (discontinued 2016).
    FreightVatSpecial = "freight_vat_special", "货物运输业增值税专用发票";
    /// 增值税销货清单.
    VatSalesList = "vat_sales_list", "增值税销货清单";
    /// 机动车销售统一发票.
    MotorVehicleSale = "motor_vehicle_sale", "机动车销售统一发票";
    /// 机动车销售统一发票（电子）.
    MotorVehicleSaleElectronic = "motor_vehicle_sale_electronic", "机动车销售统一发票（电子）";
    /// 二手车销售统一发票.
    UsedCarSale = "used_car_sale", "二手车销售统一发票";
    /// 二手车销售统一发票（电子）.
    UsedCarSaleElectronic = "used_car_sale_electronic", "二手车销售统一发票（电子）";
    /// 火车票 (paper).
    TrainTicket = "train_ticket", "火车票";
    /// 电子发票（铁路电子客票）.
    DigitalTrainTicket = "digital_train_ticket", "电子发票（铁路电子客票）";
    /// 航空运输电子客票行程单 (paper itinerary).
    AirItinerary = "air_itinerary", "航空运输电子客票行程单";
    /// 电子发票（航空运输电子客票行程单）.
    DigitalAirItinerary = "digital_air_itinerary", "电子发票（航空运输电子客票行程单）";
    /// 出租车发票.
    TaxiTicket = "taxi_ticket", "出租车发票";
    /// 定额发票.
    QuotaInvoice = "quota_invoice", "定额发票";
    /// 通用机打发票.
    MachinePrinted = "machine_printed", "通用机打发票";
    /// 汽车票.
    BusTicket = "bus_ticket", "汽车票";
    /// 轮船票.
    ShipTicket = "ship_ticket", "轮船票";
    /// 过路过桥费发票.
    TollInvoice = "toll_invoice", "过路过桥费发票";
    /// 通行费电子票据汇总单.
    TollSummary = "toll_summary", "通行费电子票据汇总单";
    /// 非税收入通用票据.
    NonTaxGeneral = "non_tax_general", "非税收入通用票据";
    /// 非税收入一般缴款书（电子）.
    NonTaxElectronic = "non_tax_electronic", "非税收入一般缴款书（电子）";
    /// 医疗门诊收费票据（电子）.
    MedicalOutpatient = "medical_outpatient", "医疗门诊收费票据（电子）";
    /// 医疗住院收费票据（电子）.
    MedicalInpatient = "medical_inpatient", "医疗住院收费票据（电子）";
    /// 完税凭证.
    TaxPayment = "tax_payment", "完税凭证";
    /// 海关缴款书.
    CustomsPayment = "customs_payment", "海关缴款书";
    /// 海关进/出口货物报关单.
    CustomsDeclaration = "customs_declaration", "海关进/出口货物报关单";
    /// 银行回单.
    BankSlip = "bank_slip", "银行回单";
    /// 网约车行程单.
    RideHailingItinerary = "ride_hailing_itinerary", "网约车行程单";
    /// 海外发票.
    OverseasInvoice = "overseas_invoice", "海外发票";
    /// 购物小票.
    ShoppingReceipt = "shopping_receipt", "购物小票";
    /// 销货清单.
    SalesInventory = "sales_inventory", "销货清单";
    /// Any other invoice (其他发票).
    Other = "other", "其他发票";
}

impl fmt::Display for InvoiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The text is not an [`InvoiceKind`] identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown invoice kind {0:?}")]
pub struct ParseInvoiceKindError(pub String);

impl FromStr for InvoiceKind {
    type Err = ParseInvoiceKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InvoiceKind::from_id(s).ok_or_else(|| ParseInvoiceKindError(s.to_owned()))
    }
}

impl Serialize for InvoiceKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for InvoiceKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for InvoiceKind {
    fn schema_name() -> Cow<'static, str> {
        "InvoiceKind".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let ids: Vec<&str> = InvoiceKind::ALL.iter().map(|k| k.id()).collect();
        schemars::json_schema!({
            "type": "string",
            "description": "Kind of invoice or ticket.",
            "enum": ids
        })
    }
}

impl InvoiceKind {
    /// True for the VAT invoice family (paper, electronic, 数电, roll, toll, blockchain),
    /// where buyer/seller tax IDs and the amount + tax = total arithmetic apply.
    pub fn is_vat(self) -> bool {
        use InvoiceKind::*;
        matches!(
            self,
            VatSpecial
                | VatGeneral
                | VatElectronicSpecial
                | VatElectronicGeneral
                | DigitalSpecial
                | DigitalGeneral
                | VatRoll
                | VatToll
                | Blockchain
                | FreightVatSpecial
                | VatSalesList
        )
    }

    /// True for 数电 (fully digitalised) invoices, which have no 发票代码 and a 20-digit number.
    pub fn is_digital(self) -> bool {
        use InvoiceKind::*;
        matches!(
            self,
            DigitalSpecial | DigitalGeneral | DigitalTrainTicket | DigitalAirItinerary
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `invoice_validate` fuzz target: an 18-digit vendor float in `extra` read
    /// back as a different number after a save (journal → json output, `fapiao validate`).
    #[test]
    fn an_invoice_reads_back_equal_after_it_is_saved() {
        let text = r#"{"kind": "toll_invoice", "total": "5.00",
            "provenance": {"total": {"field": "Total", "confidence": 0.987654321098765432}},
            "extra": {"Angle": 0.114502838033437727}}"#;
        let invoice: Invoice = serde_json::from_str(text).unwrap();
        let saved = serde_json::to_string(&invoice).unwrap();
        let again: Invoice = serde_json::from_str(&saved).unwrap();
        assert_eq!(again, invoice, "{saved}");
    }

    #[test]
    fn kind_ids_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for kind in InvoiceKind::ALL {
            assert!(seen.insert(kind.id()), "duplicate id {}", kind.id());
            assert_eq!(kind.id().parse::<InvoiceKind>(), Ok(*kind));
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(serde_json::from_str::<InvoiceKind>(&json).unwrap(), *kind);
        }
        assert!("vat".parse::<InvoiceKind>().is_err());
    }

    #[test]
    fn tax_rate_parses_printed_forms() {
        assert_eq!("13%".parse(), Ok(TaxRate::Percent(Decimal::new(13, 0))));
        assert_eq!("1.5％".parse(), Ok(TaxRate::Percent(Decimal::new(15, 1))));
        assert_eq!("免税".parse(), Ok(TaxRate::Exempt));
        assert_eq!(" 不征税 ".parse(), Ok(TaxRate::NotTaxable));
        assert!("13x".parse::<TaxRate>().is_err());
        assert!("-3%".parse::<TaxRate>().is_err());
        assert_eq!(TaxRate::Percent(Decimal::new(600, 2)).to_string(), "6%");
        assert_eq!(
            TaxRate::Percent(Decimal::new(13, 0)).fraction(),
            Decimal::new(13, 2)
        );
    }

    #[test]
    fn empty_invoice_serialises_to_kind_only() {
        let json = serde_json::to_value(Invoice::default()).unwrap();
        assert_eq!(json, serde_json::json!({ "kind": "unknown" }));
    }

    #[test]
    fn money_survives_json_exactly() {
        let inv = Invoice {
            total: Some(Decimal::new(8990, 2)),
            ..Invoice::default()
        };
        let json = serde_json::to_string(&inv).unwrap();
        assert!(json.contains("\"total\":\"89.90\""), "{json}");
        let back: Invoice = serde_json::from_str(&json).unwrap();
        assert_eq!(back.total, Some(Decimal::new(8990, 2)));
    }
}
