//! 纳税人识别号: the 统一社会信用代码 (GB 32100-2015) and the older taxpayer-ID shapes.
//!
//! Since 2015 organisations use an 18-character unified social credit code (USCC) whose last
//! character is a check character; characters 9–17 embed a GB 11714 organisation code with
//! its own check character. Older taxpayer IDs are 15, 17 or 20 characters (region +
//! organisation code, or a resident ID padded with zeros) and carry no check we can verify.
//! Natural-person buyers may give an 18-digit resident ID (GB 11643) instead.
//!
//! Errors never repeat the ID itself: resident IDs are personal data.

use super::parse_yyyymmdd;
use crate::lang::{Lang, Phrase, english_display, say};

/// The 31 USCC characters (no I, O, S, V, Z); a character's value is its index.
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^(i−1) mod 31 for positions 1–17.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714-1997 weights for the 8 body characters of an organisation code.
const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
/// GB 11643-1999 (ISO 7064 MOD 11-2) weights for the first 17 digits of a resident ID.
const RESIDENT_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_ID_CHECKS: &[u8; 11] = b"10X98765432";

/// What form a valid taxpayer ID has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaxIdForm {
    /// An 18-character 统一社会信用代码 whose check character is right.
    UnifiedSocialCreditCode,
    /// An 18-character resident ID number (a natural-person buyer) whose check digit is right.
    ResidentId,
    /// A 15-, 17- or 20-character taxpayer ID from before 2015 (shape checked only).
    Legacy,
}

/// Why a text is not a valid taxpayer ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxIdError {
    /// The length is not 15, 17, 18 or 20 characters.
    Length(usize),
    /// A character outside `0-9`/`A-Z` (or outside the USCC set for an 18-character code):
    /// [`TAXPAYER_ID`] or [`USCC`], the form whose characters were expected.
    Characters(Phrase),
    /// The 18th character does not match the GB 32100 check.
    CheckCharacter {
        /// The character printed.
        found: char,
        /// The character the first 17 imply.
        expected: char,
    },
    /// The embedded organisation code (characters 9–17) fails its GB 11714 check.
    OrganizationCode {
        /// The 17th character printed.
        found: char,
        /// The character characters 9–16 imply.
        expected: char,
    },
}

/// A taxpayer ID of any form, as named in [`TaxIdError::Characters`].
pub const TAXPAYER_ID: Phrase = Phrase::new("taxpayer ID", "纳税人识别号");
/// The 18-character 统一社会信用代码, as named in [`TaxIdError::Characters`].
pub const USCC: Phrase = Phrase::new("unified social credit code", "统一社会信用代码");

impl TaxIdError {
    /// The explanation in `lang`; `Display` gives the English one.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            TaxIdError::Length(n) => say!(
                lang,
                "taxpayer ID has {} characters; legal lengths are 15, 17, 18 and 20",
                "纳税人识别号为 {} 位，合法长度为 15、17、18 或 20 位",
                n
            ),
            TaxIdError::Characters(form) => say!(
                lang,
                "taxpayer ID contains characters a {} cannot hold",
                "纳税人识别号含有{}不允许的字符",
                form.get(lang)
            ),
            TaxIdError::CheckCharacter { found, expected } => say!(
                lang,
                "unified social credit code check character is {:?}, expected {:?}",
                "统一社会信用代码校验位为 {:?}，应为 {:?}",
                found,
                expected
            ),
            TaxIdError::OrganizationCode { found, expected } => say!(
                lang,
                "organisation code inside the unified social credit code has check {:?}, expected {:?}",
                "统一社会信用代码内的组织机构代码校验位为 {:?}，应为 {:?}",
                found,
                expected
            ),
        }
    }
}

english_display!(TaxIdError);

/// Classifies and checks a taxpayer ID as printed on an invoice.
///
/// 18 characters are checked as a USCC (check character and embedded organisation code);
/// an 18-character resident ID with a valid GB 11643 check digit is accepted as
/// [`TaxIdForm::ResidentId`]. 15, 17 and 20 characters of `0-9A-Z` are [`TaxIdForm::Legacy`].
pub fn check(id: &str) -> Result<TaxIdForm, TaxIdError> {
    let len = id.chars().count();
    match len {
        18 => check_18(id),
        15 | 17 | 20 => {
            if id
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            {
                Ok(TaxIdForm::Legacy)
            } else {
                Err(TaxIdError::Characters(TAXPAYER_ID))
            }
        }
        _ => Err(TaxIdError::Length(len)),
    }
}

/// The GB 32100 check character for the first 17 characters of a USCC, or `None` when
/// `first17` is not 17 USCC characters.
pub fn uscc_check_character(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.bytes().zip(USCC_WEIGHTS) {
        sum += uscc_value(c)? * w;
    }
    let index = (31 - sum % 31) % 31;
    USCC_CHARSET.get(index as usize).map(|&b| char::from(b))
}

/// The GB 11714 check character (`0`–`9` or `X`) for an 8-character organisation-code body,
/// or `None` when `body` is not 8 ASCII digits or upper-case letters.
pub fn organization_code_check_character(body: &str) -> Option<char> {
    if body.len() != 8 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in body.bytes().zip(ORG_CODE_WEIGHTS) {
        let value = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += value * w;
    }
    match (11 - sum % 11) % 11 {
        10 => Some('X'),
        d => char::from_digit(d, 10),
    }
}

/// A USCC, or failing that a resident ID; the USCC error is reported when neither fits.
fn check_18(id: &str) -> Result<TaxIdForm, TaxIdError> {
    check_uscc(id).or_else(|err| {
        if is_resident_id(id) {
            Ok(TaxIdForm::ResidentId)
        } else {
            Err(err)
        }
    })
}

fn check_uscc(id: &str) -> Result<TaxIdForm, TaxIdError> {
    let shape_ok = id.len() == 18
        && id.bytes().all(|b| uscc_value(b).is_some())
        && id.bytes().skip(2).take(6).all(|b| b.is_ascii_digit());
    if !shape_ok {
        return Err(TaxIdError::Characters(USCC));
    }
    let (Some(first17), Some(found)) = (id.get(..17), id.chars().nth(17)) else {
        return Err(TaxIdError::Characters(USCC));
    };
    let expected = uscc_check_character(first17).ok_or(TaxIdError::Characters(USCC))?;
    if found != expected {
        return Err(TaxIdError::CheckCharacter { found, expected });
    }
    let (Some(org_body), Some(org_found)) = (id.get(8..16), id.chars().nth(16)) else {
        return Err(TaxIdError::Characters(USCC));
    };
    match organization_code_check_character(org_body) {
        Some(expected) if expected == org_found => Ok(TaxIdForm::UnifiedSocialCreditCode),
        Some(expected) => Err(TaxIdError::OrganizationCode {
            found: org_found,
            expected,
        }),
        None => Err(TaxIdError::Characters(USCC)),
    }
}

/// 17 digits with a valid birth date at 7–14 and a GB 11643 check character (`0`–`9`, `X`).
fn is_resident_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    let (Some(body), Some(&last)) = (bytes.get(..17), bytes.get(17)) else {
        return false;
    };
    if bytes.len() != 18 || !body.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if id.get(6..14).and_then(parse_yyyymmdd).is_none() {
        return false;
    }
    let sum: u32 = body
        .iter()
        .zip(RESIDENT_ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    RESIDENT_ID_CHECKS.get((sum % 11) as usize) == Some(&last)
}

fn uscc_value(c: u8) -> Option<u32> {
    USCC_CHARSET
        .iter()
        .position(|&x| x == c)
        .and_then(|i| u32::try_from(i).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_unified_social_credit_codes() {
        for id in [
            "91320621MA1MRHG205",
            "91320211739560225X",
            "91320200796148368W",
            "91110108690017781B",
            "91460300MAA92DJN95",
            "915107006823699713",
            "91510700205412308D",
            "91320115MA202UKD7X",
        ] {
            assert_eq!(check(id), Ok(TaxIdForm::UnifiedSocialCreditCode), "{id}");
        }
    }

    #[test]
    fn computes_the_worked_check_character() {
        assert_eq!(uscc_check_character("91320621MA1MRHG20"), Some('5'));
        assert_eq!(uscc_check_character("91320621MA1MRHGI0"), None);
        assert_eq!(uscc_check_character("short"), None);
    }

    #[test]
    fn rejects_wrong_check_characters() {
        assert_eq!(
            check("91320621MA1MRHG207"),
            Err(TaxIdError::CheckCharacter {
                found: '7',
                expected: '5'
            })
        );
        assert!(matches!(
            check("91500106MA2CE71F65"),
            Err(TaxIdError::CheckCharacter { .. })
        ));
        // The seller ID in Tencent's VatInvoiceOCR documentation example is not a real code.
        assert_eq!(
            check("911201103409033300"),
            Err(TaxIdError::CheckCharacter {
                found: '0',
                expected: 'J'
            })
        );
    }

    #[test]
    fn rejects_characters_outside_the_uscc_set() {
        assert_eq!(
            check("9150010807MGZHI002"),
            Err(TaxIdError::Characters(USCC))
        );
        assert!(matches!(
            check("91320621ma1mrhg205"),
            Err(TaxIdError::Characters(_))
        ));
        assert!(matches!(
            check("统一社会信用代码统一社会信用代码统一"),
            Err(TaxIdError::Characters(_))
        ));
    }

    #[test]
    fn checks_the_embedded_organisation_code() {
        assert_eq!(organization_code_check_character("73956022"), Some('5'));
        assert_eq!(organization_code_check_character("MA1MRHG2"), Some('0'));
        assert_eq!(organization_code_check_character("ma1mrhg2"), None);
        // Same first 16 characters as a valid code, with the 17th changed and the 18th
        // recomputed so only the organisation-code check fails.
        let mut id = String::from("9132021173956022");
        id.push('6');
        let check_char = uscc_check_character(&id).unwrap();
        id.push(check_char);
        assert_eq!(
            check(&id),
            Err(TaxIdError::OrganizationCode {
                found: '6',
                expected: '5'
            })
        );
    }

    #[test]
    fn accepts_resident_ids_for_natural_person_buyers() {
        // Example ID from the GB 11643 standard.
        assert_eq!(check("11010519491231002X"), Ok(TaxIdForm::ResidentId));
        assert!(check("110105194912310021").is_err());
        // Right check digit but month 13: not a resident ID, so reported as a bad USCC.
        assert!(check("110105194913310021").is_err());
    }

    #[test]
    fn legacy_lengths_are_shape_checked() {
        assert_eq!(check("320102739560225"), Ok(TaxIdForm::Legacy));
        assert_eq!(check("32010273956022500"), Ok(TaxIdForm::Legacy));
        assert_eq!(check("11010519491231002X00"), Ok(TaxIdForm::Legacy));
        assert_eq!(check("32010273956022"), Err(TaxIdError::Length(14)));
        assert_eq!(check(""), Err(TaxIdError::Length(0)));
        assert_eq!(check("TEST23232"), Err(TaxIdError::Length(9)));
        assert!(matches!(
            check("320102-39560225"),
            Err(TaxIdError::Characters(_))
        ));
    }
}
