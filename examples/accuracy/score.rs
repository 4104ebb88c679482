//! Field-by-field scoring of local-backend results against an `expected.json` of the shape
//! `../shared/samples/expected.json` uses: one object per file name, with the keys
//! `InvoiceNo`, `InvoiceCode`, `IssueDate`, `TaxInclusiveTotalAmount`,
//! `TaxExclusiveTotalAmount`, `TaxTotalAmount`, `BuyerName`, `SellerName`, `BuyerTaxID`,
//! `SellerTaxID`, `CheckCode`, `items` (names in order) and `qr`; other keys are notes.
//!
//! Shared by the `accuracy` example (which prints the report) and the test that asserts it.

use std::path::Path;

use fapiao::Invoice;
use fapiao::local::{LocalLimits, recognize};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// The keys of `expected.json` that name a field to score, in report order.
pub const FIELDS: &[&str] = &[
    "InvoiceNo",
    "InvoiceCode",
    "IssueDate",
    "TaxInclusiveTotalAmount",
    "TaxExclusiveTotalAmount",
    "TaxTotalAmount",
    "BuyerName",
    "BuyerTaxID",
    "SellerName",
    "SellerTaxID",
    "CheckCode",
    "items",
    "qr",
];

/// One scored field of one file.
#[derive(Debug, Clone)]
pub struct FieldScore {
    /// The `expected.json` key.
    pub field: &'static str,
    /// The expected value, as text.
    pub expected: String,
    /// What the backend returned, as text (`None`: nothing).
    pub got: Option<String>,
}

impl FieldScore {
    /// True when the backend's value equals the expected one.
    pub fn matched(&self) -> bool {
        self.got.as_deref() == Some(self.expected.as_str())
    }
}

/// The score of one file.
#[derive(Debug, Clone)]
pub struct FileScore {
    /// File name, as keyed in `expected.json`.
    pub file: String,
    /// The backend's error, when it returned no invoice.
    pub error: Option<String>,
    /// Every expected field with what came back.
    pub fields: Vec<FieldScore>,
    /// Milliseconds the backend took on this file.
    pub millis: f64,
}

impl FileScore {
    /// Fields that matched.
    pub fn matched(&self) -> usize {
        self.fields.iter().filter(|f| f.matched()).count()
    }
}

/// Runs the local backend over every file `expected` names inside `folder`.
pub fn score_folder(folder: &Path, expected: &Map<String, Value>) -> Vec<FileScore> {
    expected
        .iter()
        .map(|(file, want)| score_file(folder, file, want))
        .collect()
}

fn score_file(folder: &Path, file: &str, want: &Value) -> FileScore {
    let started = std::time::Instant::now();
    let result = std::fs::read(folder.join(file))
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            recognize(&bytes, Some(file), &LocalLimits::default()).map_err(|e| e.to_string())
        });
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let (invoice, error) = match result {
        Ok(mut invoices) if !invoices.is_empty() => (Some(invoices.remove(0)), None),
        Ok(_) => (None, Some("no invoice returned".to_owned())),
        Err(e) => (None, Some(e)),
    };
    let fields = FIELDS
        .iter()
        .filter_map(|field| {
            let expected = expected_text(field, want.get(*field)?)?;
            let got = invoice.as_ref().and_then(|i| actual_text(field, i));
            Some(FieldScore {
                field,
                expected,
                got,
            })
        })
        .collect();
    FileScore {
        file: file.to_owned(),
        error,
        fields,
        millis,
    }
}

/// The expected value in the form [`actual_text`] renders: whitespace removed from text,
/// money as a plain decimal, items joined with ` | `.
fn expected_text(field: &str, value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(squeeze)
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        Value::String(s) if is_money(field) => s.parse::<Decimal>().ok().map(money_text),
        Value::String(s) if field == "qr" => Some(s.clone()),
        Value::String(s) => Some(squeeze(s)),
        _ => None,
    }
}

fn actual_text(field: &str, invoice: &Invoice) -> Option<String> {
    let text = |s: &Option<String>| s.as_deref().map(squeeze);
    let money = |d: Option<Decimal>| d.map(money_text);
    match field {
        "InvoiceNo" => text(&invoice.number),
        "InvoiceCode" => text(&invoice.code),
        "IssueDate" => invoice.date.map(|d| d.format("%Y-%m-%d").to_string()),
        "TaxInclusiveTotalAmount" => money(invoice.total),
        "TaxExclusiveTotalAmount" => money(invoice.amount),
        "TaxTotalAmount" => money(invoice.tax),
        "BuyerName" => text(&invoice.buyer.name),
        "BuyerTaxID" => text(&invoice.buyer.tax_id),
        "SellerName" => text(&invoice.seller.name),
        "SellerTaxID" => text(&invoice.seller.tax_id),
        "CheckCode" => text(&invoice.check_code),
        "items" => Some(
            invoice
                .items
                .iter()
                .map(|i| i.name.as_deref().map(squeeze).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        "qr" => invoice.qr_payload.clone(),
        _ => None,
    }
}

fn is_money(field: &str) -> bool {
    field.ends_with("Amount")
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Money compared by value whatever scale the source wrote (`526.00` = `526`).
fn money_text(d: Decimal) -> String {
    d.normalize().to_string()
}
