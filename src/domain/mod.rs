//! Pure invoice domain rules: the QR payload, 大写金额, tax IDs, invoice codes and titles.
//!
//! Nothing here does I/O; every function takes text or numbers and returns typed results.

pub mod amount_words;
pub mod invoice_code;
pub mod qr;
pub mod tax_id;
pub mod title;

use chrono::NaiveDate;

use crate::lang::Phrase;

/// `YYYYMMDD` with a real calendar date (QR payloads, resident IDs, compact printed dates).
pub(crate) fn parse_yyyymmdd(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = s.get(0..4)?.parse().ok()?;
    let month = s.get(4..6)?.parse().ok()?;
    let day = s.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The shape of a legacy 发票号码 and of several QR parts, as errors expect it.
pub(crate) const EIGHT_DIGITS: Phrase = Phrase::new("8 digits", "8 位数字");
