//! CSV (RFC 4180, UTF-8, no byte-order mark): one row per invoice, optionally a second file
//! with one row per line item.

use std::io::{self, Write};

use super::columns::{self, Cell, INVOICE_COLUMNS, ITEM_COLUMNS};
use crate::cli::record::Record;

/// Writes the invoice rows of `records` to `out`, and their item rows to `items`.
pub fn write(
    records: impl Iterator<Item = io::Result<Record>>,
    out: &mut dyn Write,
    mut items: Option<&mut dyn Write>,
) -> io::Result<()> {
    write_row(
        out,
        columns::headers(INVOICE_COLUMNS)
            .into_iter()
            .map(str::to_owned),
    )?;
    if let Some(items) = items.as_deref_mut() {
        write_row(
            items,
            columns::headers(ITEM_COLUMNS)
                .into_iter()
                .map(str::to_owned),
        )?;
    }
    for record in records {
        let record = record?;
        for row in columns::invoice_rows(&record) {
            write_row(out, texts(columns::cells(INVOICE_COLUMNS, &row)))?;
        }
        if let Some(items) = items.as_deref_mut() {
            for row in columns::item_rows(&record) {
                write_row(items, texts(columns::cells(ITEM_COLUMNS, &row)))?;
            }
        }
    }
    Ok(())
}

fn texts(cells: Vec<Cell>) -> impl Iterator<Item = String> {
    cells.into_iter().map(|c| c.to_text())
}

fn write_row(out: &mut dyn Write, fields: impl Iterator<Item = String>) -> io::Result<()> {
    let quoted: Vec<String> = fields.map(|f| quote(&f)).collect();
    out.write_all(quoted.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

/// A field quoted when it holds a separator, a quote or a line break.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_separators_quotes_or_breaks_are_quoted() {
        assert_eq!(quote("plain 文本"), "plain 文本");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("line\nbreak"), "\"line\nbreak\"");
    }
}
