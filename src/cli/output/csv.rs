//! CSV (RFC 4180, UTF-8) for Excel as much as for scripts: one row per invoice, optionally a
//! second file with one row per line item.
//!
//! Excel on a Chinese Windows reads a CSV without byte-order mark as GBK (mojibake), so both
//! files start with one unless `--no-bom`. Excel also turns a 20-digit invoice number into
//! `2.41E+19` and drops the leading zero of a code, so identifiers made of digits are written
//! as the formula `="…"`, which Excel shows as the text itself.

use std::io::{self, Write};

use super::Options;
use super::columns::{self, Cell, INVOICE_COLUMNS, ITEM_COLUMNS};
use crate::cli::record::Record;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// Writes the invoice rows of `records` to `out`, and their item rows to `items`.
pub fn write(
    records: impl Iterator<Item = io::Result<Record>>,
    options: Options,
    out: &mut dyn Write,
    mut items: Option<&mut dyn Write>,
) -> io::Result<()> {
    let headers = |titles: Vec<&'static str>| titles.into_iter().map(str::to_owned);
    if options.bom {
        out.write_all(BOM)?;
    }
    write_row(
        out,
        headers(columns::headers(INVOICE_COLUMNS, options.headers)),
    )?;
    if let Some(items) = items.as_deref_mut() {
        if options.bom {
            items.write_all(BOM)?;
        }
        write_row(
            items,
            headers(columns::headers(ITEM_COLUMNS, options.headers)),
        )?;
    }
    for record in records {
        let record = record?;
        for row in columns::invoice_rows(&record) {
            write_row(out, texts(columns::cells(INVOICE_COLUMNS, &row), options))?;
        }
        if let Some(items) = items.as_deref_mut() {
            for row in columns::item_rows(&record) {
                write_row(items, texts(columns::cells(ITEM_COLUMNS, &row), options))?;
            }
        }
    }
    Ok(())
}

fn texts(cells: Vec<Cell>, options: Options) -> impl Iterator<Item = String> {
    cells.into_iter().map(move |cell| match cell {
        Cell::Id(id) if is_digits(&id) => format!("=\"{id}\""),
        cell => cell.to_text(options.headers),
    })
}

/// Text Excel would read as a number.
fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
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

    #[test]
    fn digit_identifiers_are_excel_text_formulas_and_other_cells_are_not() {
        let options = Options::default();
        let cells = vec![
            Cell::Id("24112000000048542163".into()),
            Cell::Id("033002000211".into()),
            Cell::Id("91440300MA5F0X7K3X".into()),
            Cell::Text("12345".into()),
        ];
        let texts: Vec<String> = texts(cells, options).collect();
        assert_eq!(
            texts,
            [
                "=\"24112000000048542163\"",
                "=\"033002000211\"",
                "91440300MA5F0X7K3X",
                "12345"
            ]
        );
        // The formula's quotes are escaped by CSV quoting, as Excel expects.
        assert_eq!(quote(&texts[1]), "\"=\"\"033002000211\"\"\"");
    }
}
