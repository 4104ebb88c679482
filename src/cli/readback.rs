//! Reading back the csv and xlsx `recognize` wrote, so `fapiao validate` checks the file a
//! finance user was handed, whatever its headers' language.
//!
//! Columns are found by their English id or Chinese label ([`INVOICE_COLUMNS`]); rows whose
//! status is not `ok` are counted as records without invoices, and rows without a status
//! (the xlsx totals row) are not invoices. Line items live in another file or sheet, so the
//! checks that need them do not run.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use fapiao::{Invoice, InvoiceKind};

use super::output::columns::{Headers, INVOICE_COLUMNS};
use super::validate::Subjects;

/// A text field of an invoice.
type TextField = fn(&mut Invoice) -> &mut Option<String>;

/// The text fields a row carries, by column id.
const TEXT_FIELDS: &[(&str, TextField)] = &[
    ("code", |i| &mut i.code),
    ("number", |i| &mut i.number),
    ("seller_name", |i| &mut i.seller.name),
    ("seller_tax_id", |i| &mut i.seller.tax_id),
    ("buyer_name", |i| &mut i.buyer.name),
    ("buyer_tax_id", |i| &mut i.buyer.tax_id),
    ("title", |i| &mut i.title),
    ("check_code", |i| &mut i.check_code),
    ("machine_code", |i| &mut i.machine_code),
    ("buyer_address_phone", |i| &mut i.buyer.address_phone),
    ("buyer_bank_account", |i| &mut i.buyer.bank_account),
    ("seller_address_phone", |i| &mut i.seller.address_phone),
    ("seller_bank_account", |i| &mut i.seller.bank_account),
    ("total_in_words", |i| &mut i.total_in_words),
    ("payee", |i| &mut i.payee),
    ("reviewer", |i| &mut i.reviewer),
    ("issuer", |i| &mut i.issuer),
    ("remark", |i| &mut i.remark),
    ("province", |i| &mut i.province),
    ("city", |i| &mut i.city),
    ("qr_payload", |i| &mut i.qr_payload),
    ("passenger", |i| &mut i.ticket.passenger),
    ("train_number", |i| &mut i.ticket.train_number),
    ("departure", |i| &mut i.ticket.departure),
    ("arrival", |i| &mut i.ticket.arrival),
];

/// A money field of an invoice.
type MoneyField = fn(&mut Invoice) -> &mut Option<Decimal>;

/// The money fields a row carries, by column id.
const MONEY_FIELDS: &[(&str, MoneyField)] = &[
    ("amount", |i| &mut i.amount),
    ("tax", |i| &mut i.tax),
    ("total", |i| &mut i.total),
];

/// Reads a CSV `recognize` wrote (with or without byte-order mark).
pub fn csv(text: &str) -> Result<Subjects, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = parse_csv(text).into_iter();
    let headers = rows.next().ok_or("an empty CSV")?;
    read(
        &headers,
        rows.map(|row| row.into_iter().map(unformula).collect()),
    )
}

/// Reads the invoice sheet (the first) of a workbook `recognize` wrote.
pub fn xlsx(path: &Path) -> Result<Subjects, String> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook(path).map_err(|e: calamine::XlsxError| e.to_string())?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or("a workbook without sheets")?
        .map_err(|e| e.to_string())?;
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .ok_or("an empty sheet")?
        .iter()
        .map(text)
        .collect();
    read(&headers, rows.map(|row| row.iter().map(text).collect()))
}

/// The invoices of `rows` under `headers`.
fn read(headers: &[String], rows: impl Iterator<Item = Vec<String>>) -> Result<Subjects, String> {
    let at: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, title)| {
            let column = INVOICE_COLUMNS.iter().find(|c| {
                [Headers::En, Headers::Zh]
                    .iter()
                    .any(|&h| c.title(h) == title.trim())
            })?;
            Some((column.header, i))
        })
        .collect();
    let (Some(&status), Some(&path)) = (at.get("status"), at.get("path")) else {
        return Err("no status and path columns: not a table `fapiao recognize` wrote".into());
    };
    let mut out = Subjects::default();
    for (line, row) in rows.enumerate() {
        let cell = |i: usize| row.get(i).map(String::as_str).unwrap_or_default();
        match cell(status) {
            "ok" => {}
            "" => continue,
            _ => {
                out.error_records += 1;
                continue;
            }
        }
        let value = |id: &str| at.get(id).map(|&i| cell(i)).filter(|v| !v.is_empty());
        // Row 1 is the header row.
        let invoice = invoice(value).map_err(|e| format!("row {}: {e}", line + 2))?;
        let label = match at.get("invoice").map(|&i| cell(i)) {
            Some(n) if !n.is_empty() && n != "1" => format!("{} #{n}", cell(path)),
            _ => cell(path).to_owned(),
        };
        out.invoices.push((Some(label), invoice));
    }
    Ok(out)
}

/// The invoice of one row, from its cells by column id.
fn invoice<'a>(value: impl Fn(&str) -> Option<&'a str>) -> Result<Invoice, String> {
    let mut invoice = Invoice::default();
    for (id, field) in TEXT_FIELDS {
        *field(&mut invoice) = value(id).map(str::to_owned);
    }
    for (id, field) in MONEY_FIELDS {
        *field(&mut invoice) = value(id).map(money).transpose()?;
    }
    if let Some(text) = value("kind") {
        invoice.kind = kind(text)?;
    }
    invoice.date = value("date").map(date).transpose()?;
    Ok(invoice)
}

fn kind(text: &str) -> Result<InvoiceKind, String> {
    InvoiceKind::from_id(text)
        .or_else(|| {
            InvoiceKind::ALL
                .iter()
                .copied()
                .find(|k| k.label_zh() == text)
        })
        .ok_or_else(|| format!("`{text}` is not an invoice kind"))
}

fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::from_str(text).map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)"))
}

fn money(text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text).map_err(|_| format!("`{text}` is not an amount"))
}

/// A cell as text; an Excel date as `YYYY-MM-DD`, a number with its shortest exact digits.
fn text(cell: &Data) -> String {
    match cell {
        Data::DateTime(excel) => {
            excel_date(excel.as_f64()).map_or_else(String::new, |d| d.to_string())
        }
        Data::Float(f) => f.to_string(),
        other => other.to_string(),
    }
}

/// The date of an Excel serial day number (day 1 is 1900-01-01; Excel counts a 29 February
/// 1900 that never was, so serials from 61 on are one ahead).
fn excel_date(serial: f64) -> Option<NaiveDate> {
    let days = serial.floor();
    if !(61.0..=2_958_465.0).contains(&days) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(days as u64))
}

/// `="123"` (how the CSV keeps identifiers text in Excel) as `123`.
fn unformula(cell: String) -> String {
    match cell.strip_prefix("=\"").and_then(|c| c.strip_suffix('"')) {
        Some(inner) => inner.to_owned(),
        None => cell,
    }
}

/// RFC 4180 records: quoted fields may hold separators, doubled quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            // A quote opens a quoted field only at its start; elsewhere it is text.
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_unquote_and_identifier_formulas_unwrap() {
        let rows = parse_csv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",=\"\"\"007\"\"\"\r\n");
        assert_eq!(rows[0], ["a", "b,c", "say \"hi\""]);
        assert_eq!(rows[1][0], "two\nlines");
        assert_eq!(unformula("=\"007\"".into()), "007");
        assert_eq!(unformula("plain".into()), "plain");
    }

    #[test]
    fn rows_become_invoices_under_either_language_and_error_rows_are_counted() {
        let text = "\u{feff}发票类型,发票号码,价税合计,开票日期,状态,文件,文件内序号\r\n\
                    增值税电子普通发票,=\"00012345\",106.00,2023-06-15,ok,a.ofd,1\r\n\
                    ,,,,error,b.png,\r\n";
        let back = csv(text).unwrap();
        assert_eq!(back.error_records, 1);
        let (label, invoice) = &back.invoices[0];
        assert_eq!(label.as_deref(), Some("a.ofd"));
        assert_eq!(invoice.kind, InvoiceKind::VatElectronicGeneral);
        assert_eq!(invoice.number.as_deref(), Some("00012345"));
        assert_eq!(invoice.total, Some(Decimal::new(10600, 2)));
        assert_eq!(invoice.date, NaiveDate::from_ymd_opt(2023, 6, 15));

        let bad = "kind,total,status,path\r\nvat_special,1O.00,ok,c.png\r\n";
        assert_eq!(csv(bad).unwrap_err(), "row 2: `1O.00` is not an amount");
        assert!(csv("a,b\r\n1,2\r\n").is_err(), "not a recognize table");
    }

    #[test]
    fn excel_serial_days_are_dates() {
        assert_eq!(excel_date(45_092.0), NaiveDate::from_ymd_opt(2023, 6, 15));
        assert_eq!(excel_date(-1.0), None);
    }
}
