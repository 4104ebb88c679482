//! An xlsx workbook with an `invoices` sheet (one row per invoice) and an `items` sheet (one
//! row per line item), written in constant-memory mode so large batches stay small in RAM.
//!
//! Decimals are written as numbers, formatted with their own number of decimal places, when
//! a spreadsheet number shows them exactly; otherwise (more than ~15 significant digits) as
//! text, so no value is ever rounded.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::columns::{self, Cell, Column, INVOICE_COLUMNS, ITEM_COLUMNS};
use crate::cli::record::Record;

/// Writes `records` to a new workbook at `path`.
pub fn write(records: impl Iterator<Item = io::Result<Record>>, path: &Path) -> io::Result<()> {
    let mut workbook = Workbook::new();
    let mut invoices = Sheet::new(&mut workbook, "invoices", INVOICE_COLUMNS).map_err(other)?;
    let mut items = Sheet::new(&mut workbook, "items", ITEM_COLUMNS).map_err(other)?;
    for record in records {
        let record = record?;
        for row in columns::invoice_rows(&record) {
            invoices
                .append(&columns::cells(INVOICE_COLUMNS, &row))
                .map_err(other)?;
        }
        for row in columns::item_rows(&record) {
            items
                .append(&columns::cells(ITEM_COLUMNS, &row))
                .map_err(other)?;
        }
    }
    workbook.push_worksheet(invoices.worksheet);
    workbook.push_worksheet(items.worksheet);
    workbook.save(path).map_err(other)
}

fn other(e: XlsxError) -> io::Error {
    io::Error::other(e)
}

/// A worksheet being filled row by row.
struct Sheet {
    worksheet: Worksheet,
    next_row: u32,
    /// Number formats by decimal places.
    formats: HashMap<u32, Format>,
}

impl Sheet {
    fn new<F>(
        workbook: &mut Workbook,
        name: &str,
        columns: &[Column<F>],
    ) -> Result<Sheet, XlsxError> {
        let mut worksheet = workbook.new_worksheet_with_constant_memory()?;
        worksheet.set_name(name)?;
        let bold = Format::new().set_bold();
        for (col, header) in (0u16..).zip(columns::headers(columns)) {
            worksheet.write_string_with_format(0, col, header, &bold)?;
        }
        worksheet.set_freeze_panes(1, 0)?;
        Ok(Sheet {
            worksheet,
            next_row: 1,
            formats: HashMap::new(),
        })
    }

    fn append(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let row = self.next_row;
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => {
                    self.worksheet.write_string(row, col, text.as_str())?;
                }
                Cell::Count(n) => {
                    self.worksheet.write_number(row, col, *n as f64)?;
                }
                Cell::Decimal(value) => match exact_f64(value) {
                    Some(number) => {
                        let format = self
                            .formats
                            .entry(value.scale())
                            .or_insert_with(|| decimal_format(value.scale()));
                        self.worksheet
                            .write_number_with_format(row, col, number, format)?;
                    }
                    None => {
                        self.worksheet.write_string(row, col, value.to_string())?;
                    }
                },
            }
        }
        self.next_row += 1;
        Ok(())
    }
}

/// `value` as an `f64` that prints back to the same digits, if there is one.
fn exact_f64(value: &Decimal) -> Option<f64> {
    let number = value.to_f64()?;
    let scale = value.scale() as usize;
    (format!("{number:.scale$}") == value.to_string()).then_some(number)
}

/// A number format with `scale` decimal places (`0.00` for 2).
fn decimal_format(scale: u32) -> Format {
    let pattern = match scale {
        0 => "0".to_owned(),
        n => format!("0.{}", "0".repeat(n as usize)),
    };
    Format::new().set_num_format(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

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
