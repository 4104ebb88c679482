//! The XML or XBRL attached to a PDF or OFD against what the same file prints: the
//! attachment wins every field, and each field the printed page states differently is
//! recorded in `extra["local:attachment_mismatch"]` (one object per field: `field`,
//! `attachment`, `printed`, `printed_in`), where the validator reports it as
//! `attachment.mismatch` in the language asked for.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::invoice::Invoice;
use crate::validate::ATTACHMENT_MISMATCH_KEY;

use super::fields::Draft;

/// Records every field where `printed` (read from the page, tags or custom data only)
/// disagrees with the draft, which holds the attachment's values; `printed_in` is `pdf` or
/// `ofd`.
pub(super) fn record(draft: &mut Draft, printed: &Invoice, printed_in: &str) {
    let lines: Vec<Value> = compared(&draft.invoice, printed)
        .into_iter()
        .filter_map(|(field, attached, shown)| {
            let (Some(attached), Some(shown)) = (attached, shown) else {
                return None;
            };
            (compact(&attached) != compact(&shown)).then(|| {
                serde_json::json!({
                    "field": field,
                    "attachment": attached,
                    "printed": shown,
                    "printed_in": printed_in,
                })
            })
        })
        .collect();
    if !lines.is_empty() {
        draft
            .invoice
            .extra
            .insert(ATTACHMENT_MISMATCH_KEY.to_owned(), Value::Array(lines));
    }
}

type Pair = (&'static str, Option<String>, Option<String>);

/// The fields compared, as text (amounts normalised: `181.00` and `181.0` agree).
fn compared(a: &Invoice, b: &Invoice) -> Vec<Pair> {
    let money = |v: Option<Decimal>| v.map(|d| d.normalize().to_string());
    let date = |v: Option<NaiveDate>| v.map(|d| d.to_string());
    vec![
        ("number", a.number.clone(), b.number.clone()),
        ("code", a.code.clone(), b.code.clone()),
        ("date", date(a.date), date(b.date)),
        ("amount", money(a.amount), money(b.amount)),
        ("tax", money(a.tax), money(b.tax)),
        ("total", money(a.total), money(b.total)),
        (
            "buyer.tax_id",
            a.buyer.tax_id.clone(),
            b.buyer.tax_id.clone(),
        ),
        (
            "seller.tax_id",
            a.seller.tax_id.clone(),
            b.seller.tax_id.clone(),
        ),
    ]
}

/// Text without whitespace.
fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}
