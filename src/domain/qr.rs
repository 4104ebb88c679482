//! The QR code printed on VAT invoices (legacy tax-control and 数电).
//!
//! The payload is comma-separated ASCII:
//!
//! ```text
//! 01,10,042002200411,51596863,176.99,20230326,85843253062804096561,3D56,
//! f0 f1 f2           f3       f4     f5       f6                   f7
//! ```
//!
//! f0 version, f1 kind code, f2 发票代码 (empty on 数电), f3 发票号码, f4 an amount whose
//! meaning depends on the kind (see [`AmountMeaning`]), f5 `YYYYMMDD` 开票日期, f6 校验码
//! (empty on paper 专票 and 数电), f7 four opaque hex characters (kept, never checked).
//! Usually a trailing comma ends the string; some issuers omit it, and some omit f7 entirely.
//! Some renderers write an empty field as a single space (`01,32, ,2344…,7894.25,20230207, ,2889`).
//! The 2022 railway e-ticket pilot printed six fields, without 发票代码 and 校验码:
//! `01,10,22119130671000000049,166.05,20220317,b2b2` — version, kind code `10` (not meaning
//! 电子普票 here), 20-digit 发票号码, the amount excluding tax, date, four hex characters
//! ([`QrLayout::RailwayPilot`]).
//!
//! Some documents print a link instead (深圳区块链发票, 财政电子票据): see [`UrlQr`]. [`InvoiceQr`]
//! reads either form.

mod url;

pub use self::url::{UrlQr, UrlQrError, UrlQrIssuer};

use std::borrow::Cow;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::parse_yyyymmdd;
use crate::invoice::{Invoice, InvoiceKind, Provenance};
use crate::lang::{Lang, Phrase, english_display, say};

/// A parsed invoice QR payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPayload {
    /// f0: payload version (`01` in every known sample).
    pub version: String,
    /// f1: two-digit kind code (`01` 专票, `04` 普票, `10` 电子普票, `20` 电子专票, `31`/`32` 数电, …).
    pub kind_code: String,
    /// f2: 发票代码 (10 or 12 digits); `None` on 数电 invoices.
    pub code: Option<String>,
    /// f3: 发票号码 (8 digits, or 20 digits on 数电 invoices).
    pub number: String,
    /// f4: an amount; [`QrPayload::amount_meaning`] says whether it includes tax.
    pub amount: Decimal,
    /// f5: 开票日期.
    pub date: NaiveDate,
    /// f6: 校验码 (20 digits); `None` when the field is empty.
    pub check_code: Option<String>,
    /// f7: four opaque hex characters, as printed (either case); `None` when absent or empty.
    pub tail: Option<String>,
    /// The payload with surrounding whitespace and byte-order mark removed.
    pub raw: String,
    /// Which field layout the payload has.
    pub layout: QrLayout,
}

/// The field layout of a comma-separated payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrLayout {
    /// Seven or eight fields, f0 … f7 as in the module docs.
    Standard,
    /// Six fields of the 2022 railway e-ticket pilot: version, kind, 发票号码, amount
    /// excluding tax, date, tail.
    RailwayPilot,
}

/// What the QR amount field (f4) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AmountMeaning {
    /// 合计金额, the total excluding tax (legacy 专票/普票, 电子普票, 电子专票, 机动车).
    ExcludingTax,
    /// 价税合计, the total including tax (数电 invoices and 数电 tickets).
    IncludingTax,
    /// Not established for this kind code (卷票, 通行费, 二手车, unknown codes).
    Unknown,
}

/// Why a string is not an invoice QR payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrPayloadError {
    /// The string does not split into 6 (railway pilot), 7 or 8 comma-separated fields.
    FieldCount {
        /// Number of fields found (after dropping one trailing empty field).
        found: usize,
    },
    /// One field has the wrong shape.
    InvalidField {
        /// Position of the field, 0-based (`f0` … `f7`).
        index: usize,
        /// What the field holds, e.g. [`field::NUMBER`].
        name: Phrase,
        /// The field as found.
        value: String,
        /// The shape that was expected.
        expected: Phrase,
    },
}

/// Shapes several fields share, as [`QrPayloadError::InvalidField`] expects them.
const TWO_DIGITS: Phrase = Phrase::new("2 digits", "2 位数字");
const DECIMAL_AMOUNT: Phrase = Phrase::new("a decimal amount", "十进制金额");
const YYYYMMDD_DATE: Phrase = Phrase::new(
    "a valid YYYYMMDD (or YYYY-MM-DD) date",
    "有效的 YYYYMMDD（或 YYYY-MM-DD）日期",
);

/// The names of the comma payload's fields, as [`QrPayloadError::InvalidField`] gives them.
pub mod field {
    use crate::lang::Phrase;

    /// f-field 版本.
    pub const VERSION: Phrase = Phrase::new("version", "版本");
    /// f-field 发票种类代码.
    pub const KIND_CODE: Phrase = Phrase::new("kind code", "发票种类代码");
    /// f-field 发票代码.
    pub const CODE: Phrase = Phrase::new("invoice code", "发票代码");
    /// f-field 发票号码.
    pub const NUMBER: Phrase = Phrase::new("invoice number", "发票号码");
    /// f-field 金额.
    pub const AMOUNT: Phrase = Phrase::new("amount", "金额");
    /// f-field 开票日期.
    pub const DATE: Phrase = Phrase::new("issue date", "开票日期");
    /// f-field 校验码.
    pub const CHECK_CODE: Phrase = Phrase::new("check code", "校验码");
    /// f-field 防伪码.
    pub const SECURITY_CODE: Phrase = Phrase::new("security code", "防伪码");
}

impl QrPayloadError {
    /// The explanation in `lang`; `Display` gives the English one.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            QrPayloadError::FieldCount { found } => say!(
                lang,
                "invoice QR payload has {} comma-separated fields; expected 6, 7 or 8",
                "发票二维码有 {} 个逗号分隔字段，应为 6、7 或 8 个",
                found
            ),
            QrPayloadError::InvalidField {
                index,
                name,
                value,
                expected,
            } => say!(
                lang,
                "invoice QR field f{} ({}) is {:?}; expected {}",
                "发票二维码字段 f{}（{}）为 {:?}，应为{}",
                index,
                name.get(lang),
                value,
                expected.get(lang)
            ),
        }
    }
}

english_display!(QrPayloadError);

impl QrPayload {
    /// Parses a payload such as `01,10,033002000211,83089647,510.68,20200723,16197833567414507415,0941,`.
    ///
    /// Tolerates surrounding whitespace and a byte-order mark, a missing trailing comma, a
    /// missing f7, amounts without two decimals (`64.9`, `112`) and lower-case f7.
    pub fn parse(s: &str) -> Result<QrPayload, QrPayloadError> {
        let raw = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let mut fields: Vec<&str> = raw.split(',').collect();
        if fields.len() == 9 && fields.last() == Some(&"") {
            fields.pop();
        }
        if let &[f0, f1, number, amount, date, tail] = fields.as_slice() {
            return Self::parse_railway_pilot(raw, [f0, f1, number, amount, date, tail]);
        }
        let &[f0, f1, f2, f3, f4, f5, f6, ref rest @ ..] = fields.as_slice() else {
            return Err(QrPayloadError::FieldCount {
                found: fields.len(),
            });
        };
        if rest.len() > 1 {
            return Err(QrPayloadError::FieldCount {
                found: fields.len(),
            });
        }
        let f7 = rest.first().copied().unwrap_or("");

        let version = digits_field(0, field::VERSION, f0, &[2], TWO_DIGITS)?;
        let kind_code = digits_field(1, field::KIND_CODE, f1, &[2], TWO_DIGITS)?;
        let code = optional(f2)
            .map(|c| {
                digits_field(
                    2,
                    field::CODE,
                    c,
                    &[10, 12],
                    Phrase::new("10 or 12 digits, or empty", "10 位或 12 位数字，或为空"),
                )
            })
            .transpose()?;
        let number = match code {
            Some(_) => digits_field(3, field::NUMBER, f3, &[8], super::EIGHT_DIGITS)?,
            None => digits_field(
                3,
                field::NUMBER,
                f3,
                &[20],
                Phrase::new("20 digits when f2 is empty", "20 位数字（f2 为空时）"),
            )?,
        };
        let amount =
            parse_amount(f4).ok_or_else(|| invalid(4, field::AMOUNT, f4, DECIMAL_AMOUNT))?;
        let date = qr_date(f5).ok_or_else(|| invalid(5, field::DATE, f5, YYYYMMDD_DATE))?;
        let check_code = optional(f6)
            .map(|c| {
                digits_field(
                    6,
                    field::CHECK_CODE,
                    c,
                    &[20],
                    Phrase::new("20 digits, or empty", "20 位数字，或为空"),
                )
            })
            .transpose()?;
        let tail = parse_tail(7, f7)?;

        Ok(QrPayload {
            version,
            kind_code,
            code,
            number,
            amount,
            date,
            check_code,
            tail,
            raw: raw.to_owned(),
            layout: QrLayout::Standard,
        })
    }

    /// The six fields of [`QrLayout::RailwayPilot`].
    fn parse_railway_pilot(raw: &str, fields: [&str; 6]) -> Result<QrPayload, QrPayloadError> {
        let [f0, f1, f2, f3, f4, f5] = fields;
        Ok(QrPayload {
            version: digits_field(0, field::VERSION, f0, &[2], TWO_DIGITS)?,
            kind_code: digits_field(1, field::KIND_CODE, f1, &[2], TWO_DIGITS)?,
            code: None,
            number: digits_field(
                2,
                field::NUMBER,
                f2,
                &[20],
                Phrase::new(
                    "20 digits in a six-field payload",
                    "20 位数字（六字段格式）",
                ),
            )?,
            amount: parse_amount(f3)
                .ok_or_else(|| invalid(3, field::AMOUNT, f3, DECIMAL_AMOUNT))?,
            date: qr_date(f4).ok_or_else(|| invalid(4, field::DATE, f4, YYYYMMDD_DATE))?,
            check_code: None,
            tail: parse_tail(5, f5)?,
            raw: raw.to_owned(),
            layout: QrLayout::RailwayPilot,
        })
    }

    /// The invoice kind the kind code stands for.
    ///
    /// Codes `31`/`32` (数电 专票/普票) and `33`/`34` (机动车/二手车) denote the electronic
    /// 数电 form when f2 is empty and the paper form when a 发票代码 is present.
    pub fn kind(&self) -> InvoiceKind {
        use InvoiceKind::*;
        if self.layout == QrLayout::RailwayPilot {
            return DigitalTrainTicket;
        }
        let digital = self.code.is_none();
        match self.kind_code.as_str() {
            "01" => VatSpecial,
            "02" => FreightVatSpecial,
            "03" => MotorVehicleSale,
            "04" => VatGeneral,
            // Without a code, `10` is the railway pilot's six-field form, not an 电子普票.
            "10" if digital => Unknown,
            "10" => VatElectronicGeneral,
            "11" => VatRoll,
            "14" => VatToll,
            "15" => UsedCarSale,
            "20" => VatElectronicSpecial,
            "31" if digital => DigitalSpecial,
            "31" => VatSpecial,
            "32" if digital => DigitalGeneral,
            "32" => VatGeneral,
            "33" if digital => MotorVehicleSaleElectronic,
            "33" => MotorVehicleSale,
            "34" if digital => UsedCarSaleElectronic,
            "34" => UsedCarSale,
            "51" => DigitalTrainTicket,
            "61" => DigitalAirItinerary,
            _ => Unknown,
        }
    }

    /// Whether f4 is the total excluding tax or including tax, by kind code.
    ///
    /// Established from real samples and verification-API rules: excluding tax for `01`,
    /// `03`, `04`, `10`, `20`; including tax for the 数电 codes `31`, `32`, `51`, `61`.
    pub fn amount_meaning(&self) -> AmountMeaning {
        if self.layout == QrLayout::RailwayPilot {
            return AmountMeaning::ExcludingTax;
        }
        match self.kind_code.as_str() {
            "01" | "03" | "04" | "10" | "20" => AmountMeaning::ExcludingTax,
            "31" | "32" | "51" | "61" => AmountMeaning::IncludingTax,
            _ => AmountMeaning::Unknown,
        }
    }

    /// The fields the QR carries, as an [`Invoice`].
    ///
    /// The amount goes to [`Invoice::amount`] or [`Invoice::total`] per
    /// [`QrPayload::amount_meaning`]; when its meaning is unknown it is kept in
    /// [`Invoice::extra`] under `qr:f4`. f7 is kept in `extra` under `qr:f7`. Provenance
    /// names the QR field each value came from (`qr:f3`).
    pub fn to_invoice(&self) -> Invoice {
        let [number_at, amount_at, date_at, tail_at] = self.field_labels();
        let mut invoice = Invoice {
            kind: self.kind(),
            code: self.code.clone(),
            number: Some(self.number.clone()),
            date: Some(self.date),
            check_code: self.check_code.clone(),
            qr_payload: Some(self.raw.clone()),
            ..Invoice::default()
        };
        let mut from = |field: &'static str, source: &'static str| {
            invoice
                .provenance
                .insert(Cow::Borrowed(field), Provenance::from_field(source));
        };
        from("kind", "qr:f1");
        if self.code.is_some() {
            from("code", "qr:f2");
        }
        from("number", number_at);
        from("date", date_at);
        if self.check_code.is_some() {
            from("check_code", "qr:f6");
        }
        from("qr_payload", "qr");
        match self.amount_meaning() {
            AmountMeaning::ExcludingTax => {
                from("amount", amount_at);
                invoice.amount = Some(self.amount);
            }
            AmountMeaning::IncludingTax => {
                from("total", amount_at);
                invoice.total = Some(self.amount);
            }
            AmountMeaning::Unknown => {
                invoice
                    .extra
                    .insert(amount_at.to_owned(), self.amount.to_string().into());
            }
        }
        if let Some(tail) = &self.tail {
            invoice
                .extra
                .insert(tail_at.to_owned(), tail.clone().into());
        }
        invoice
    }

    /// Where the number, amount, date and tail sit in this payload's layout.
    fn field_labels(&self) -> [&'static str; 4] {
        match self.layout {
            QrLayout::Standard => ["qr:f3", "qr:f4", "qr:f5", "qr:f7"],
            QrLayout::RailwayPilot => ["qr:f2", "qr:f3", "qr:f4", "qr:f5"],
        }
    }
}

/// Any invoice QR payload: the comma-separated form or a known link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceQr {
    /// The comma-separated VAT payload.
    Vat(QrPayload),
    /// A verification or download link.
    Url(UrlQr),
}

/// Why a string is no invoice QR payload of either form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceQrError {
    /// Not a comma-separated payload (and not a link).
    #[error(transparent)]
    Vat(#[from] QrPayloadError),
    /// A link, but not a known invoice link.
    #[error(transparent)]
    Url(#[from] UrlQrError),
}

impl InvoiceQrError {
    /// The explanation in `lang`; `Display` gives the English one.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            InvoiceQrError::Vat(err) => err.message(lang),
            InvoiceQrError::Url(err) => err.message(lang),
        }
    }
}

impl InvoiceQr {
    /// Parses a link (`http://` or `https://`, any case) as [`UrlQr`], anything else as
    /// [`QrPayload`].
    pub fn parse(s: &str) -> Result<InvoiceQr, InvoiceQrError> {
        let trimmed = s.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let head = trimmed.get(..7).unwrap_or(trimmed).to_ascii_lowercase();
        if head.starts_with("http://") || head.starts_with("https:") {
            Ok(InvoiceQr::Url(UrlQr::parse(s)?))
        } else {
            Ok(InvoiceQr::Vat(QrPayload::parse(s)?))
        }
    }

    /// The payload as read (trimmed).
    pub fn raw(&self) -> &str {
        match self {
            InvoiceQr::Vat(qr) => &qr.raw,
            InvoiceQr::Url(qr) => &qr.raw,
        }
    }

    /// The fields the payload carries, as an [`Invoice`] (see each form's `to_invoice`).
    pub fn to_invoice(&self) -> Invoice {
        match self {
            InvoiceQr::Vat(qr) => qr.to_invoice(),
            InvoiceQr::Url(qr) => qr.to_invoice(),
        }
    }
}

impl FromStr for QrPayload {
    type Err = QrPayloadError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        QrPayload::parse(s)
    }
}

/// The payload's date: `YYYYMMDD`, or `YYYY-MM-DD` as some issuers write it.
fn qr_date(s: &str) -> Option<NaiveDate> {
    parse_yyyymmdd(s).or_else(|| {
        let compact: String = s.split('-').collect();
        let dashed = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        dashed.then(|| parse_yyyymmdd(&compact)).flatten()
    })
}

fn invalid(index: usize, name: Phrase, value: &str, expected: Phrase) -> QrPayloadError {
    QrPayloadError::InvalidField {
        index,
        name,
        value: value.to_owned(),
        expected,
    }
}

/// The four hex characters at `index`, or `None` when empty.
fn parse_tail(index: usize, field: &str) -> Result<Option<String>, QrPayloadError> {
    optional(field)
        .map(|t| {
            if t.len() == 4 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(t.to_owned())
            } else {
                Err(invalid(
                    index,
                    field::SECURITY_CODE,
                    t,
                    Phrase::new("4 hex characters, or empty", "4 位十六进制字符，或为空"),
                ))
            }
        })
        .transpose()
}

/// A field, or `None` when empty or blank (some renderers write an empty field as a space).
fn optional(field: &str) -> Option<&str> {
    (!field.trim().is_empty()).then_some(field)
}

/// Accepts a field of ASCII digits whose length is one of `lengths`.
fn digits_field(
    index: usize,
    name: Phrase,
    value: &str,
    lengths: &[usize],
    expected: Phrase,
) -> Result<String, QrPayloadError> {
    if lengths.contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(invalid(index, name, value, expected))
    }
}

/// `[-]digits[.digits]` — checked by hand because `Decimal::from_str` also accepts forms
/// (underscores, exponents) that no invoice prints.
fn parse_amount(s: &str) -> Option<Decimal> {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || unsigned.ends_with('.') {
        return None;
    }
    Decimal::from_str(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_legacy_electronic_general_invoice() {
        let qr = QrPayload::parse(
            "01,10,042002200411,51596863,176.99,20230326,85843253062804096561,3D56,",
        )
        .unwrap();
        assert_eq!(qr.version, "01");
        assert_eq!(qr.kind_code, "10");
        assert_eq!(qr.code.as_deref(), Some("042002200411"));
        assert_eq!(qr.number, "51596863");
        assert_eq!(qr.amount, dec("176.99"));
        assert_eq!(qr.date, date(2023, 3, 26));
        assert_eq!(qr.check_code.as_deref(), Some("85843253062804096561"));
        assert_eq!(qr.tail.as_deref(), Some("3D56"));
        assert_eq!(qr.kind(), InvoiceKind::VatElectronicGeneral);
        assert_eq!(qr.amount_meaning(), AmountMeaning::ExcludingTax);
    }

    #[test]
    fn parses_digital_invoice_without_trailing_comma_and_short_amount() {
        let qr = QrPayload::parse("01,32,,23442000000014209621,112,20230215,,74AE").unwrap();
        assert_eq!(qr.code, None);
        assert_eq!(qr.number, "23442000000014209621");
        assert_eq!(qr.amount, dec("112"));
        assert_eq!(qr.check_code, None);
        assert_eq!(qr.kind(), InvoiceKind::DigitalGeneral);
        assert_eq!(qr.amount_meaning(), AmountMeaning::IncludingTax);
    }

    #[test]
    fn tolerates_missing_tail_one_decimal_lower_case_tail_and_bom() {
        let qr = QrPayload::parse("01,10,011001605111,80100798,64.9,20161018,85342965681116380258")
            .unwrap();
        assert_eq!(qr.tail, None);
        assert_eq!(qr.amount, dec("64.90"));

        let qr = QrPayload::parse("\u{feff} 01,51,,26339132621000219582,56.00,20260423,,219a\n")
            .unwrap();
        assert_eq!(qr.tail.as_deref(), Some("219a"));
        assert_eq!(qr.raw, "01,51,,26339132621000219582,56.00,20260423,,219a");
        assert_eq!(qr.kind(), InvoiceKind::DigitalTrainTicket);
    }

    #[test]
    fn paper_special_invoice_has_no_check_code_and_empty_tail_is_none() {
        let qr = QrPayload::parse("01,01,1200154130,03630024,94339.62,20160621,,9335,").unwrap();
        assert_eq!(qr.kind(), InvoiceKind::VatSpecial);
        assert_eq!(qr.check_code, None);
        let qr = QrPayload::parse("01,31,,26442000005310626521,31605.00,20260514,,").unwrap();
        assert_eq!(qr.tail, None);
        assert_eq!(qr.kind(), InvoiceKind::DigitalSpecial);
    }

    #[test]
    fn blank_fields_written_as_a_space_are_empty() {
        let qr = QrPayload::parse("01,32, ,23442000000010967536,7894.25,20230207, ,2889").unwrap();
        assert_eq!(qr.code, None);
        assert_eq!(qr.number, "23442000000010967536");
        assert_eq!(qr.amount, dec("7894.25"));
        assert_eq!(qr.check_code, None);
        assert_eq!(qr.tail.as_deref(), Some("2889"));
        assert_eq!(qr.kind(), InvoiceKind::DigitalGeneral);
        let qr = QrPayload::parse("01,31, ,23512000000005197325,2150.63,20230130, ,F366").unwrap();
        assert_eq!(qr.kind(), InvoiceKind::DigitalSpecial);
        assert!(QrPayload::parse("01,31, ,23512000000005197325,2150.63,20230130, , ").is_ok());
    }

    #[test]
    fn dates_written_with_dashes_are_read() {
        let qr = QrPayload::parse("01,32,,25417000000256819006,27.33,2025-11-08,,DB92").unwrap();
        assert_eq!(qr.date, date(2025, 11, 8));
        assert!(QrPayload::parse("01,32,,25417000000256819006,27.33,2025-1-108,,DB92").is_err());
        assert!(QrPayload::parse("01,32,,25417000000256819006,27.33,2025-02-30,,DB92").is_err());
    }

    #[test]
    fn railway_pilot_six_field_payload() {
        let qr = QrPayload::parse("01,10,22119130671000000049,166.05,20220317,b2b2").unwrap();
        assert_eq!(qr.layout, QrLayout::RailwayPilot);
        assert_eq!(qr.number, "22119130671000000049");
        assert_eq!((&qr.code, &qr.check_code), (&None, &None));
        assert_eq!(qr.amount, dec("166.05"));
        assert_eq!(qr.date, date(2022, 3, 17));
        assert_eq!(qr.kind(), InvoiceKind::DigitalTrainTicket);
        let invoice = qr.to_invoice();
        assert_eq!(invoice.amount, Some(dec("166.05")));
        assert_eq!(invoice.provenance["number"].field, "qr:f2");
        assert_eq!(invoice.extra["qr:f5"], "b2b2");
    }

    #[test]
    fn invoice_qr_reads_either_form() {
        let link = "HTTP://einvoice.jsczt.cn/page/32020124/0007445174/RolVjv";
        let InvoiceQr::Url(url) = InvoiceQr::parse(link).unwrap() else {
            panic!("a link is a UrlQr");
        };
        assert_eq!(url.number, "0007445174");
        let vat = InvoiceQr::parse("01,32,,25417000000256819006,27.33,20251108,,DB92").unwrap();
        assert!(matches!(vat, InvoiceQr::Vat(_)));
        assert_eq!(
            vat.raw(),
            "01,32,,25417000000256819006,27.33,20251108,,DB92"
        );
        assert!(matches!(
            InvoiceQr::parse("https://example.com/x"),
            Err(InvoiceQrError::Url(UrlQrError::UnknownHost(_)))
        ));
        assert!(matches!(
            InvoiceQr::parse("hello"),
            Err(InvoiceQrError::Vat(_))
        ));
    }

    #[test]
    fn kind_code_with_invoice_code_means_paper_form() {
        let qr = QrPayload::parse("01,32,044002300111,12345678,10.00,20240101,,").unwrap();
        assert_eq!(qr.kind(), InvoiceKind::VatGeneral);
        assert_eq!(
            QrPayload::parse("01,99,044002300111,12345678,10.00,20240101,,")
                .unwrap()
                .kind(),
            InvoiceKind::Unknown
        );
    }

    #[test]
    fn rejects_malformed_payloads() {
        // Expected: `None` for a wrong field count, `Some(i)` for a bad field fi.
        let cases = [
            ("", None),
            ("hello", None),
            ("01,10,042002200411,51596863,176.99", None),
            ("01,10,042002200411,51596863,176.99,20230326", Some(2)),
            ("01,10,22119130671000000049,166.05,20220317,b2b2x", Some(5)),
            (
                "01,10,042002200411,51596863,176.99,20230326,85843253062804096561,3D56,x,",
                None,
            ),
            ("1,10,042002200411,51596863,176.99,20230326,,", Some(0)),
            ("01,1A,042002200411,51596863,176.99,20230326,,", Some(1)),
            ("01,10,04200220041,51596863,176.99,20230326,,", Some(2)),
            ("01,10,042002200411,5159686,176.99,20230326,,", Some(3)),
            ("01,32,,2344200000001420962,112,20230215,,74AE", Some(3)),
            ("01,10,042002200411,51596863,1e3,20230326,,", Some(4)),
            ("01,10,042002200411,51596863,17.,20230326,,", Some(4)),
            ("01,10,042002200411,51596863,,20230326,,", Some(4)),
            ("01,10,042002200411,51596863,176.99,20230230,,", Some(5)),
            ("01,10,042002200411,51596863,176.99,2023-3-26,,", Some(5)),
            ("01,10,042002200411,51596863,176.99,20230326,1234,", Some(6)),
            (
                "01,10,042002200411,51596863,176.99,20230326,,3D5G,",
                Some(7),
            ),
        ];
        for (input, expected) in cases {
            let got = match QrPayload::parse(input) {
                Err(QrPayloadError::FieldCount { .. }) => None,
                Err(QrPayloadError::InvalidField { index, .. }) => Some(index),
                Ok(qr) => panic!("{input:?} parsed as {qr:?}"),
            };
            assert_eq!(got, expected, "{input:?}");
        }
    }

    #[test]
    fn to_invoice_puts_amount_by_meaning_with_provenance() {
        let legacy = QrPayload::parse(
            "01,10,033002000211,83089647,510.68,20200723,16197833567414507415,0941,",
        )
        .unwrap()
        .to_invoice();
        assert_eq!(legacy.kind, InvoiceKind::VatElectronicGeneral);
        assert_eq!(legacy.code.as_deref(), Some("033002000211"));
        assert_eq!(legacy.number.as_deref(), Some("83089647"));
        assert_eq!(legacy.amount, Some(dec("510.68")));
        assert_eq!(legacy.total, None);
        assert_eq!(legacy.date, Some(date(2020, 7, 23)));
        assert_eq!(legacy.check_code.as_deref(), Some("16197833567414507415"));
        assert_eq!(legacy.provenance["number"].field, "qr:f3");
        assert_eq!(legacy.provenance["amount"].field, "qr:f4");
        assert_eq!(legacy.extra["qr:f7"], "0941");

        let digital = QrPayload::parse("01,32,,25417000000256819006,27.33,20251108,,DB92")
            .unwrap()
            .to_invoice();
        assert_eq!(digital.kind, InvoiceKind::DigitalGeneral);
        assert_eq!(digital.code, None);
        assert_eq!(digital.total, Some(dec("27.33")));
        assert_eq!(digital.amount, None);
        assert_eq!(digital.provenance["total"].field, "qr:f4");
        assert_eq!(
            digital.qr_payload.as_deref(),
            Some("01,32,,25417000000256819006,27.33,20251108,,DB92")
        );

        let roll =
            QrPayload::parse("01,11,044002300106,12345678,9.50,20240101,12345678901234567890,")
                .unwrap()
                .to_invoice();
        assert_eq!((roll.amount, roll.total), (None, None));
        assert_eq!(roll.extra["qr:f4"], "9.50");
    }
}
