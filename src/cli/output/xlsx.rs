//! An xlsx workbook a finance user can hand in: an invoice sheet (one row per invoice, then a
//! totals row), an item sheet (one row per line item) and a summary sheet (by kind, by
//! seller, duplicates, failures). The two large sheets are written in constant-memory mode so
//! large batches stay small in RAM.
//!
//! Every sheet has its header row frozen, an autofilter and columns as wide as their content
//! (within bounds). Dates are Excel dates, tax rates percentages, money numbers formatted
//! with their own decimal places — when a spreadsheet number shows them exactly; otherwise
//! (more than ~15 significant digits) text, so no value is ever rounded. Identifiers are
//! text, so a 20-digit number and a code's leading zero survive.
//!
//! The totals row and the summary count each invoice once: duplicates (`duplicate_of`) are
//! counted apart, not added in.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;

use chrono::Datelike;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

use super::Options;
use super::columns::{self, Cell, Column, Headers, INVOICE_COLUMNS, ITEM_COLUMNS};
use crate::cli::record::{Outcome, Record};
use fapiao::{InvoiceKind, TaxRate};

/// Narrowest and widest a column is made, in character widths.
const WIDTH_BOUNDS: (usize, usize) = (6, 60);

/// Writes `records` to a new workbook at `path`.
pub fn write(
    records: impl Iterator<Item = io::Result<Record>>,
    options: Options,
    path: &Path,
) -> io::Result<()> {
    let headers = options.headers;
    let names = match headers {
        Headers::Zh => ["发票", "明细", "汇总"],
        Headers::En => ["invoices", "items", "summary"],
    };
    let mut workbook = Workbook::new();
    let mut invoices = Sheet::new(&mut workbook, names[0], INVOICE_COLUMNS, headers)?;
    let mut items = Sheet::new(&mut workbook, names[1], ITEM_COLUMNS, headers)?;
    let mut summary = Summary::default();
    for record in records {
        let record = record?;
        summary.add(&record);
        for row in columns::invoice_rows(&record) {
            invoices.append(&columns::cells(INVOICE_COLUMNS, &row))?;
        }
        for row in columns::item_rows(&record) {
            items.append(&columns::cells(ITEM_COLUMNS, &row))?;
        }
    }
    invoices.finish()?;
    summary.write_totals(&mut invoices, headers)?;
    items.finish()?;
    let summary = summary.sheet(names[2], headers)?;
    workbook.push_worksheet(invoices.worksheet);
    workbook.push_worksheet(items.worksheet);
    workbook.push_worksheet(summary);
    workbook.save(path).map_err(other)
}

fn other(e: XlsxError) -> io::Error {
    io::Error::other(e)
}

/// A worksheet being filled row by row.
struct Sheet {
    worksheet: Worksheet,
    headers: Headers,
    next_row: u32,
    /// Widest content per column, in character widths.
    widths: Vec<usize>,
    /// Column positions by English id.
    positions: HashMap<&'static str, u16>,
    formats: Formats,
}

impl Sheet {
    fn new<F>(
        workbook: &mut Workbook,
        name: &str,
        columns: &[Column<F>],
        headers: Headers,
    ) -> io::Result<Sheet> {
        let mut worksheet = workbook
            .new_worksheet_with_constant_memory()
            .map_err(other)?;
        worksheet.set_name(name).map_err(other)?;
        let bold = Format::new().set_bold();
        let mut widths = Vec::new();
        for (col, title) in (0u16..).zip(columns::headers(columns, headers)) {
            worksheet
                .write_string_with_format(0, col, title, &bold)
                .map_err(other)?;
            // Room for the autofilter's drop-down button.
            widths.push(title.width() + 3);
        }
        worksheet.set_freeze_panes(1, 0).map_err(other)?;
        let positions = (0u16..).zip(columns).map(|(i, c)| (c.header, i)).collect();
        Ok(Sheet {
            worksheet,
            headers,
            next_row: 1,
            widths,
            positions,
            formats: Formats::default(),
        })
    }

    fn append(&mut self, cells: &[Cell]) -> io::Result<()> {
        let row = self.next_row;
        for (col, cell) in (0u16..).zip(cells) {
            let width = self.write(row, col, cell).map_err(other)?;
            if let Some(widest) = self.widths.get_mut(usize::from(col)) {
                *widest = (*widest).max(width);
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// Writes one cell; returns its display width.
    fn write(&mut self, row: u32, col: u16, cell: &Cell) -> Result<usize, XlsxError> {
        let sheet = &mut self.worksheet;
        match cell {
            Cell::Empty => return Ok(0),
            Cell::Count(n) => {
                sheet.write_number(row, col, *n as f64)?;
            }
            Cell::Decimal(value) => {
                return write_decimal(sheet, &mut self.formats, row, col, *value);
            }
            Cell::Date(date) => {
                let month = u8::try_from(date.month()).unwrap_or_default();
                let day = u8::try_from(date.day()).unwrap_or_default();
                match u16::try_from(date.year())
                    .ok()
                    .and_then(|y| ExcelDateTime::from_ymd(y, month, day).ok())
                {
                    Some(excel) => {
                        sheet.write_datetime_with_format(row, col, &excel, &self.formats.date)?;
                    }
                    // Before 1900 or after 9999: Excel has no such date.
                    None => {
                        sheet.write_string(row, col, date.to_string())?;
                    }
                }
                return Ok(10);
            }
            Cell::Rate(TaxRate::Percent(percent)) => {
                let fraction = *percent / Decimal::ONE_HUNDRED;
                let format = self.formats.percent(percent.normalize().scale());
                sheet.write_number_with_format(
                    row,
                    col,
                    fraction.to_f64().unwrap_or(0.0),
                    format,
                )?;
            }
            cell => {
                let text = cell.to_text(self.headers);
                sheet.write_string(row, col, &text)?;
                return Ok(text.width());
            }
        }
        Ok(cell.to_text(self.headers).width())
    }

    /// Sets column widths and the autofilter over the rows written so far.
    fn finish(&mut self) -> io::Result<()> {
        let (least, most) = WIDTH_BOUNDS;
        for (col, width) in (0u16..).zip(&self.widths) {
            let width = (*width).clamp(least, most) + 1;
            self.worksheet
                .set_column_width(col, width as f64)
                .map_err(other)?;
        }
        let last_col = u16::try_from(self.widths.len().saturating_sub(1)).unwrap_or(u16::MAX);
        self.worksheet
            .autofilter(0, 0, self.next_row.saturating_sub(1).max(1), last_col)
            .map_err(other)?;
        Ok(())
    }
}

/// Writes a decimal as a number when that is exact, else as text; returns its width.
fn write_decimal(
    sheet: &mut Worksheet,
    formats: &mut Formats,
    row: u32,
    col: u16,
    value: Decimal,
) -> Result<usize, XlsxError> {
    let text = value.to_string();
    match exact_f64(&value) {
        Some(number) => {
            let format = formats.decimal(value.scale());
            sheet.write_number_with_format(row, col, number, format)?;
        }
        None => {
            sheet.write_string(row, col, &text)?;
        }
    }
    Ok(text.width())
}

/// Number formats, made once each.
struct Formats {
    date: Format,
    bold: Format,
    decimals: HashMap<u32, Format>,
    percents: HashMap<u32, Format>,
}

impl Default for Formats {
    fn default() -> Formats {
        Formats {
            date: Format::new().set_num_format("yyyy-mm-dd"),
            bold: Format::new().set_bold(),
            decimals: HashMap::new(),
            percents: HashMap::new(),
        }
    }
}

impl Formats {
    /// `0.00` for 2 places.
    fn decimal(&mut self, scale: u32) -> &Format {
        self.decimals
            .entry(scale)
            .or_insert_with(|| Format::new().set_num_format(places("0", scale)))
    }

    /// `0%` for a whole percentage, `0.5%`-style with its places otherwise.
    fn percent(&mut self, scale: u32) -> &Format {
        self.percents
            .entry(scale)
            .or_insert_with(|| Format::new().set_num_format(format!("{}%", places("0", scale))))
    }
}

/// `whole` followed by `scale` decimal places of `0`.
fn places(whole: &str, scale: u32) -> String {
    match scale {
        0 => whole.to_owned(),
        n => format!("{whole}.{}", "0".repeat(n as usize)),
    }
}

/// `value` as an `f64` that prints back to the same digits, if there is one.
fn exact_f64(value: &Decimal) -> Option<f64> {
    let number = value.to_f64()?;
    let scale = value.scale() as usize;
    (format!("{number:.scale$}") == value.to_string()).then_some(number)
}

/// Sums of amounts: count, amount, tax, total.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    count: usize,
    amount: Decimal,
    tax: Decimal,
    total: Decimal,
}

impl Sums {
    /// Adds an invoice; sums saturate rather than overflow on absurd amounts.
    fn add(&mut self, invoice: &fapiao::Invoice) {
        self.count += 1;
        let add = |sum: &mut Decimal, value: Option<Decimal>| {
            *sum = sum.saturating_add(value.unwrap_or_default());
        };
        add(&mut self.amount, invoice.amount);
        add(&mut self.tax, invoice.tax);
        add(&mut self.total, invoice.total);
    }
}

/// What the totals row and the summary sheet show.
#[derive(Debug, Default)]
struct Summary {
    all: Sums,
    by_kind: BTreeMap<InvoiceKind, Sums>,
    by_seller: BTreeMap<String, Sums>,
    duplicates: usize,
    failures: BTreeMap<String, usize>,
}

impl Summary {
    fn add(&mut self, record: &Record) {
        if record.duplicate_of.is_some() {
            self.duplicates += 1;
            return;
        }
        match &record.outcome {
            Outcome::Ok(ok) => {
                for invoice in &ok.invoices {
                    self.all.add(invoice);
                    self.by_kind.entry(invoice.kind).or_default().add(invoice);
                    let seller = invoice.seller.name.clone().unwrap_or_default();
                    self.by_seller.entry(seller).or_default().add(invoice);
                }
            }
            Outcome::Error { error } => *self.failures.entry(error.kind.clone()).or_default() += 1,
            Outcome::Skipped { skipped } => {
                *self.failures.entry(skipped.code.clone()).or_default() += 1;
            }
        }
    }

    /// The totals row under the invoice rows: count in the first column, sums under
    /// amount, tax and total.
    fn write_totals(&self, sheet: &mut Sheet, headers: Headers) -> io::Result<()> {
        let row = sheet.next_row;
        let label = match headers {
            Headers::Zh => format!("合计 {} 张（不含重复）", self.all.count),
            Headers::En => format!("total of {} invoices (duplicates excluded)", self.all.count),
        };
        let bold = sheet.formats.bold.clone();
        sheet
            .worksheet
            .write_string_with_format(row, 0, label, &bold)
            .map_err(other)?;
        let sums = [
            ("amount", self.all.amount),
            ("tax", self.all.tax),
            ("total", self.all.total),
        ];
        for (header, value) in sums {
            if let Some(&col) = sheet.positions.get(header) {
                write_decimal(&mut sheet.worksheet, &mut sheet.formats, row, col, value)
                    .map_err(other)?;
            }
        }
        Ok(())
    }

    /// The summary sheet: sums by kind and by seller, the grand total, then counts of
    /// duplicates and of files without a result.
    fn sheet(&self, name: &str, headers: Headers) -> io::Result<Worksheet> {
        let zh = headers == Headers::Zh;
        let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
        let mut out = SummarySheet::new(name).map_err(other)?;
        let kinds = self
            .by_kind
            .iter()
            .map(|(kind, sums)| (Cell::Kind(*kind).to_text(headers), *sums));
        let sellers = self.by_seller.iter().map(|(s, sums)| (s.clone(), *sums));
        let all = (
            t("合计（不含重复）", "all (duplicates excluded)").to_owned(),
            self.all,
        );
        let sums_heads = [
            t("张数", "invoices"),
            t("金额", "amount"),
            t("税额", "tax"),
            t("价税合计", "total"),
        ];
        let sections: [(&str, Vec<(String, Sums)>); 3] = [
            (t("发票类型", "kind"), kinds.collect()),
            (t("销售方", "seller"), sellers.collect()),
            (t("合计", "all"), vec![all]),
        ];
        for (title, rows) in sections {
            out.heads(title, &sums_heads).map_err(other)?;
            for (label, sums) in rows {
                out.sums(&label, sums).map_err(other)?;
            }
            out.row += 1;
        }
        out.heads(t("其他", "other"), &[t("文件数", "files")])
            .map_err(other)?;
        out.count(t("重复", "duplicates"), self.duplicates)
            .map_err(other)?;
        for (kind, n) in &self.failures {
            out.count(&format!("{} {kind}", t("未识别", "not recognised")), *n)
                .map_err(other)?;
        }
        out.finish().map_err(other)
    }
}

/// The summary sheet being written, top to bottom.
struct SummarySheet {
    sheet: Worksheet,
    row: u32,
    formats: Formats,
}

impl SummarySheet {
    fn new(name: &str) -> Result<SummarySheet, XlsxError> {
        let mut sheet = Worksheet::new();
        sheet.set_name(name)?;
        Ok(SummarySheet {
            sheet,
            row: 0,
            formats: Formats::default(),
        })
    }

    /// A bold header line: `title` then `heads`.
    fn heads(&mut self, title: &str, heads: &[&str]) -> Result<(), XlsxError> {
        let bold = &self.formats.bold;
        for (col, head) in (0u16..).zip(std::iter::once(&title).chain(heads)) {
            self.sheet
                .write_string_with_format(self.row, col, *head, bold)?;
        }
        self.row += 1;
        Ok(())
    }

    fn sums(&mut self, label: &str, sums: Sums) -> Result<(), XlsxError> {
        self.sheet.write_string(self.row, 0, label)?;
        self.sheet.write_number(self.row, 1, sums.count as f64)?;
        for (col, value) in [(2u16, sums.amount), (3, sums.tax), (4, sums.total)] {
            write_decimal(&mut self.sheet, &mut self.formats, self.row, col, value)?;
        }
        self.row += 1;
        Ok(())
    }

    fn count(&mut self, label: &str, n: usize) -> Result<(), XlsxError> {
        self.sheet.write_string(self.row, 0, label)?;
        self.sheet.write_number(self.row, 1, n as f64)?;
        self.row += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<Worksheet, XlsxError> {
        self.sheet.set_column_width(0, 40)?;
        for col in 1..5u16 {
            self.sheet.set_column_width(col, 14)?;
        }
        self.sheet.set_freeze_panes(1, 0)?;
        Ok(self.sheet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn sums_of_absurd_amounts_saturate_instead_of_panicking() {
        let huge = fapiao::Invoice {
            total: Some(Decimal::MAX),
            ..fapiao::Invoice::default()
        };
        let mut sums = Sums::default();
        sums.add(&huge);
        sums.add(&huge);
        assert_eq!(sums.total, Decimal::MAX);
        assert_eq!(sums.count, 2);
    }

    #[test]
    fn decimals_become_numbers_only_when_exact() {
        assert_eq!(
            exact_f64(&Decimal::from_str("526.00").unwrap()),
            Some(526.0)
        );
        assert_eq!(exact_f64(&Decimal::from_str("-0.30").unwrap()), Some(-0.3));
        assert_eq!(
            exact_f64(&Decimal::from_str("12345678901234567.89").unwrap()),
            None
        );
    }
}
