//! 发票代码 and 发票号码 structure.
//!
//! * 10-digit codes (paper 专票/普票): digits 1–4 region, 5–6 year, 7 batch, 8 kind
//!   (1/5 专票, 3/6 普票, 2/7 货运专票), 9 number of copies (2–9), 10 amount version (0–4).
//! * 12-digit codes: digit 1 `0` for VAT invoices, 2–5 region, 6–7 year, 8–10 batch,
//!   11–12 kind (`11` 电子普票, `12` 通行费, `13` 电子专票, `04`/`05` 折叠普票, `06`/`07` 卷票,
//!   `17` 二手车). Codes starting with `1` are other invoices: 深圳 blockchain invoices
//!   (region 4403, digit 9 = `9`), 机动车 invoices (digit 8 = `2`), or local non-VAT invoices.
//! * 发票号码: 8 digits on legacy invoices; 20 digits on 数电 invoices (1–2 year, 3–4
//!   province, 5 issuing channel, 6–20 sequence), which have no 发票代码.

use crate::invoice::InvoiceKind;
use crate::lang::{Lang, Phrase, english_display, say};

/// What a 发票代码 says about its invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceCode {
    /// Region (GB/T 2260 prefix; province, 计划单列市 or city), 4 digits.
    pub region: String,
    /// Two-digit year the code was allocated (`15` for 2015).
    pub year: u8,
    /// The invoice kind the code implies; `None` when the code belongs to a kind the
    /// structure does not identify (local non-VAT invoices, unknown kind digits).
    pub kind: Option<InvoiceKind>,
}

/// What a 20-digit 数电 发票号码 encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalNumber {
    /// Two-digit year of issue (`24` for 2024).
    pub year: u8,
    /// Two-digit province-level tax bureau code (`11` 北京, `32` 江苏, `44` 广东).
    pub province: u8,
    /// Issuing channel digit.
    pub channel: u8,
}

/// Why a code or number does not have a legal structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceCodeError {
    /// A 发票代码 that is not 10 or 12 ASCII digits.
    CodeShape(String),
    /// A 10- or 12-digit 发票代码 whose digits break the structure of its kind.
    CodeStructure {
        /// The code.
        code: String,
        /// Which rule it breaks.
        reason: Phrase,
    },
    /// A 发票号码 of the wrong shape.
    NumberShape {
        /// The number.
        number: String,
        /// The shape required.
        expected: Phrase,
    },
}

impl InvoiceCodeError {
    /// The explanation in `lang`; `Display` gives the English one.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            InvoiceCodeError::CodeShape(code) => say!(
                lang,
                "invoice code {:?} is not 10 or 12 digits",
                "发票代码 {:?} 不是 10 位或 12 位数字",
                code
            ),
            InvoiceCodeError::CodeStructure { code, reason } => say!(
                lang,
                "invoice code {:?}: {}",
                "发票代码 {:?}：{}",
                code,
                reason.get(lang)
            ),
            InvoiceCodeError::NumberShape { number, expected } => say!(
                lang,
                "invoice number {:?} is not {}",
                "发票号码 {:?} 不是{}",
                number,
                expected.get(lang)
            ),
        }
    }
}

english_display!(InvoiceCodeError);

/// Reads the structure of a 10- or 12-digit 发票代码.
///
/// ```
/// use fapiao::domain::invoice_code::parse_code;
/// use fapiao::InvoiceKind;
///
/// let code = parse_code("012001100311").unwrap();
/// assert_eq!((code.region.as_str(), code.year), ("1200", 11));
/// assert_eq!(code.kind, Some(InvoiceKind::VatElectronicGeneral));
/// ```
pub fn parse_code(code: &str) -> Result<InvoiceCode, InvoiceCodeError> {
    let digits = digit_values(code).ok_or_else(|| InvoiceCodeError::CodeShape(code.to_owned()))?;
    match digits.len() {
        10 => parse_code_10(code, &digits),
        12 => parse_code_12(code, &digits),
        _ => Err(InvoiceCodeError::CodeShape(code.to_owned())),
    }
}

/// Checks an 8-digit legacy 发票号码.
pub fn check_legacy_number(number: &str) -> Result<(), InvoiceCodeError> {
    match digit_values(number) {
        Some(d) if d.len() == 8 => Ok(()),
        _ => Err(InvoiceCodeError::NumberShape {
            number: number.to_owned(),
            expected: super::EIGHT_DIGITS,
        }),
    }
}

/// Reads a 20-digit 数电 发票号码.
///
/// ```
/// use fapiao::domain::invoice_code::parse_digital_number;
///
/// let n = parse_digital_number("24112000000048542163").unwrap();
/// assert_eq!((n.year, n.province, n.channel), (24, 11, 2));
/// ```
pub fn parse_digital_number(number: &str) -> Result<DigitalNumber, InvoiceCodeError> {
    match digit_values(number).as_deref() {
        Some(&[y1, y2, p1, p2, channel, ref sequence @ ..]) if sequence.len() == 15 => {
            Ok(DigitalNumber {
                year: y1 * 10 + y2,
                province: p1 * 10 + p2,
                channel,
            })
        }
        _ => Err(InvoiceCodeError::NumberShape {
            number: number.to_owned(),
            expected: Phrase::new("20 digits (fully digital invoice)", "20 位数字（数电发票）"),
        }),
    }
}

/// True when an invoice recorded as `recorded` may carry a code implying `implied`.
///
/// The same kind, or a 通行费 code on an invoice recorded as a plain 电子普票 (vendors
/// often do not tell toll invoices apart).
pub fn kinds_compatible(implied: InvoiceKind, recorded: InvoiceKind) -> bool {
    use InvoiceKind::*;
    implied == recorded || matches!((implied, recorded), (VatToll, VatElectronicGeneral))
}

fn parse_code_10(code: &str, d: &[u8]) -> Result<InvoiceCode, InvoiceCodeError> {
    let &[r1, r2, r3, r4, y1, y2, _batch, kind, copies, version] = d else {
        return Err(InvoiceCodeError::CodeShape(code.to_owned()));
    };
    let kind = match kind {
        1 | 5 => Some(InvoiceKind::VatSpecial),
        3 | 6 => Some(InvoiceKind::VatGeneral),
        2 | 7 => Some(InvoiceKind::FreightVatSpecial),
        _ => None,
    };
    if kind.is_some() {
        let structure = |reason| InvoiceCodeError::CodeStructure {
            code: code.to_owned(),
            reason,
        };
        if copies < 2 {
            return Err(structure(Phrase::new(
                "digit 9 (number of copies) must be 2–9",
                "第 9 位（联次）应为 2–9",
            )));
        }
        if version > 4 {
            return Err(structure(Phrase::new(
                "digit 10 (amount version) must be 0–4",
                "第 10 位（金额版本）应为 0–4",
            )));
        }
    }
    Ok(InvoiceCode {
        region: region(&[r1, r2, r3, r4]),
        year: y1 * 10 + y2,
        kind,
    })
}

fn parse_code_12(code: &str, d: &[u8]) -> Result<InvoiceCode, InvoiceCodeError> {
    let &[first, r1, r2, r3, r4, y1, y2, b1, b2, _batch, k1, k2] = d else {
        return Err(InvoiceCodeError::CodeShape(code.to_owned()));
    };
    let region = region(&[r1, r2, r3, r4]);
    let kind = match (first, k1 * 10 + k2) {
        (0, 11) => Some(InvoiceKind::VatElectronicGeneral),
        (0, 12) => Some(InvoiceKind::VatToll),
        (0, 13) => Some(InvoiceKind::VatElectronicSpecial),
        (0, 4 | 5) => Some(InvoiceKind::VatGeneral),
        (0, 6 | 7) => Some(InvoiceKind::VatRoll),
        (0, 17) => Some(InvoiceKind::UsedCarSale),
        (0, _) => None,
        _ if b1 == 2 => Some(InvoiceKind::MotorVehicleSale),
        (1, _) if region == "4403" && b2 == 9 => Some(InvoiceKind::Blockchain),
        _ => None,
    };
    Ok(InvoiceCode {
        region,
        year: y1 * 10 + y2,
        kind,
    })
}

/// The decimal value of each character when all are ASCII digits.
fn digit_values(s: &str) -> Option<Vec<u8>> {
    s.bytes()
        .map(|b| b.is_ascii_digit().then(|| b - b'0'))
        .collect()
}

fn region(digits: &[u8; 4]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ten_digit_codes() {
        let code = parse_code("3100153130").unwrap();
        assert_eq!(code.region, "3100");
        assert_eq!(code.year, 15);
        assert_eq!(code.kind, Some(InvoiceKind::VatSpecial));
        assert_eq!(
            parse_code("1200154130").unwrap().kind,
            Some(InvoiceKind::VatSpecial)
        );
        assert_eq!(
            parse_code("4200161350").unwrap().kind,
            Some(InvoiceKind::VatGeneral)
        );
        assert_eq!(
            parse_code("4403161720").unwrap().kind,
            Some(InvoiceKind::FreightVatSpecial)
        );
        assert_eq!(parse_code("4403161420").unwrap().kind, None);
    }

    #[test]
    fn rejects_broken_ten_digit_structure() {
        assert!(matches!(
            parse_code("3100153110"),
            Err(InvoiceCodeError::CodeStructure { .. })
        ));
        assert!(matches!(
            parse_code("3100153135"),
            Err(InvoiceCodeError::CodeStructure { .. })
        ));
    }

    #[test]
    fn reads_twelve_digit_codes() {
        let cases = [
            ("012001100311", Some(InvoiceKind::VatElectronicGeneral)),
            ("033002000211", Some(InvoiceKind::VatElectronicGeneral)),
            ("050001700112", Some(InvoiceKind::VatToll)),
            ("065122100313", Some(InvoiceKind::VatElectronicSpecial)),
            ("051002000113", Some(InvoiceKind::VatElectronicSpecial)),
            ("011001800604", Some(InvoiceKind::VatGeneral)),
            ("044002300106", Some(InvoiceKind::VatRoll)),
            ("044002300117", Some(InvoiceKind::UsedCarSale)),
            ("044002300199", None),
            ("144031909110", Some(InvoiceKind::Blockchain)),
            ("144031809110", Some(InvoiceKind::Blockchain)),
            ("144001920021", Some(InvoiceKind::MotorVehicleSale)),
            ("131001560927", None),
        ];
        for (code, kind) in cases {
            assert_eq!(parse_code(code).unwrap().kind, kind, "{code}");
        }
        let code = parse_code("065122100313").unwrap();
        assert_eq!((code.region.as_str(), code.year), ("6512", 21));
    }

    #[test]
    fn rejects_codes_of_the_wrong_shape() {
        for bad in [
            "",
            "01200110031",
            "0120011003111",
            "01200110031a",
            "０１２００１１００３１１",
        ] {
            assert_eq!(
                parse_code(bad),
                Err(InvoiceCodeError::CodeShape(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn checks_invoice_numbers() {
        assert_eq!(check_legacy_number("63591128"), Ok(()));
        assert!(check_legacy_number("6359112").is_err());
        assert!(check_legacy_number("No635911").is_err());
        let n = parse_digital_number("25417000000256819006").unwrap();
        assert_eq!((n.year, n.province, n.channel), (25, 41, 7));
        assert!(parse_digital_number("2541700000025681900").is_err());
        assert!(parse_digital_number("63591128").is_err());
        assert!(parse_digital_number("2541700000025681900x").is_err());
    }

    #[test]
    fn toll_codes_fit_plain_electronic_general_records() {
        use InvoiceKind::*;
        assert!(kinds_compatible(VatToll, VatElectronicGeneral));
        assert!(kinds_compatible(VatSpecial, VatSpecial));
        assert!(!kinds_compatible(VatSpecial, VatGeneral));
        assert!(!kinds_compatible(VatElectronicGeneral, VatToll));
    }
}
