//! Aligned text tables for people (CJK characters count as two columns).

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::columns::{self, Headers, INVOICE_COLUMNS};
use crate::cli::record::Record;

/// The invoice columns the `table` format shows, by header.
const SHOWN: &[&str] = &[
    "path",
    "status",
    "api",
    "kind",
    "code",
    "number",
    "date",
    "total",
    "buyer_name",
    "duplicate_of",
    "fallbacks",
    "findings",
    "error_message",
];

/// Widest a cell of the `table` format is shown; longer ones are cut with `…`.
const MAX_CELL_WIDTH: usize = 48;

/// Writes one line per invoice of `records` (one per record without invoices).
pub fn write_records(
    records: impl Iterator<Item = io::Result<Record>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let shown: Vec<usize> = SHOWN
        .iter()
        .filter_map(|name| INVOICE_COLUMNS.iter().position(|c| c.header == *name))
        .collect();
    let headers: Vec<&str> = shown.iter().map(|&i| INVOICE_COLUMNS[i].header).collect();
    let mut rows = Vec::new();
    for record in records {
        let record = record?;
        for row in columns::invoice_rows(&record) {
            let cells = columns::cells(INVOICE_COLUMNS, &row);
            rows.push(
                shown
                    .iter()
                    .map(|&i| cut(&cells[i].to_text(Headers::En)))
                    .collect(),
            );
        }
    }
    out.write_all(render(&headers, &rows).as_bytes())
}

/// `headers` and `rows` as aligned lines, columns two spaces apart; line breaks inside a
/// cell become spaces.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cells: Vec<Vec<String>> =
        std::iter::once(headers.iter().map(|h| (*h).to_owned()).collect())
            .chain(rows.iter().map(|row| row.iter().map(|c| flat(c)).collect()))
            .collect();
    let mut widths = vec![0; headers.len()];
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in &cells {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(cell);
            line.push_str(&" ".repeat(width - cell.width() + 2));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn flat(cell: &str) -> String {
    cell.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `cell` cut to at most [`MAX_CELL_WIDTH`] columns, ending in `…` when cut.
fn cut(cell: &str) -> String {
    if cell.width() <= MAX_CELL_WIDTH {
        return cell.to_owned();
    }
    let mut cut = String::new();
    for c in cell.chars() {
        if cut.width() + c.to_string().width() > MAX_CELL_WIDTH - 1 {
            break;
        }
        cut.push(c);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_align_and_long_cells_are_cut() {
        let text = render(
            &["name", "n"],
            &[
                vec!["江苏京利华".into(), "1".into()],
                vec!["ab".into(), "2".into()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        // "江苏京利华" is 10 columns wide, so the second column starts at 12 everywhere.
        assert_eq!(lines[0], "name        n");
        assert_eq!(lines[1], "江苏京利华  1");
        assert_eq!(lines[2], "ab          2");
        let long = cut(&"长".repeat(100));
        assert!(
            long.width() <= MAX_CELL_WIDTH && long.ends_with('…'),
            "{long}"
        );
        assert_eq!(cut("short"), "short");
        assert_eq!(flat("two\nlines"), "two lines");
    }
}
