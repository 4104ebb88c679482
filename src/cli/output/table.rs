//! Aligned text tables for people (CJK characters count as two columns), as wide as the
//! terminal: when the columns do not fit, the widest are narrowed and their long cells cut
//! with `…`.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use unicode_width::UnicodeWidthStr;

use super::columns::{self, Headers, INVOICE_COLUMNS};
use crate::cli::record::Record;

/// The invoice columns the `table` format shows, by header, most wanted first: columns empty
/// in every row are left out, and when the rest cannot fit the terminal even narrowed, the
/// last ones go.
const SHOWN: &[&str] = &[
    "path",
    "status",
    "number",
    "total",
    "kind",
    "date",
    "code",
    "buyer_name",
    "duplicate_of",
    "findings",
    "error_message",
    "fallbacks",
    "api",
];

/// Columns holding paths, whose long cells keep their end (the file name).
const PATHS: &[&str] = &["path", "duplicate_of"];

/// Widest a cell is shown whatever room there is; longer ones are cut with `…`.
const MAX_CELL_WIDTH: usize = 48;

/// Narrowest a column is made to fit the terminal.
const MIN_COLUMN_WIDTH: usize = 6;

/// Columns between cells.
const GAP: usize = 2;

/// Writes one line per invoice of `records` (one per record without invoices), fitted to
/// `width` columns when given.
pub fn write_records(
    records: impl Iterator<Item = io::Result<Record>>,
    out: &mut dyn Write,
    width: Option<usize>,
) -> io::Result<()> {
    let shown: Vec<usize> = SHOWN
        .iter()
        .filter_map(|name| INVOICE_COLUMNS.iter().position(|c| c.header == *name))
        .collect();
    let headers: Vec<&str> = shown.iter().map(|&i| INVOICE_COLUMNS[i].header).collect();
    let paths: Vec<bool> = headers.iter().map(|h| PATHS.contains(h)).collect();
    let here = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    let mut rows = Vec::new();
    for record in records {
        let record = record?;
        for row in columns::invoice_rows(&record) {
            let cells = columns::cells(INVOICE_COLUMNS, &row);
            let texts = shown.iter().zip(&paths).map(|(&i, &path)| {
                let mut text = flat(&cells[i].to_text(Headers::En));
                if path {
                    text = relative(text, here.as_deref());
                }
                cut(&text, MAX_CELL_WIDTH, path)
            });
            rows.push(texts.collect());
        }
    }
    let table = Table {
        headers,
        rows,
        paths,
    };
    out.write_all(table.without_empty_columns().render(width).as_bytes())
}

/// `path` relative to `here` (the current folder) when it lies below it: records carry
/// canonical paths, a person reads the short ones they typed.
fn relative(path: String, here: Option<&Path>) -> String {
    match here.and_then(|here| Path::new(&path).strip_prefix(here).ok()) {
        Some(below) => below.display().to_string(),
        None => path,
    }
}

/// The width tables are fitted to: `$COLUMNS` when set, else the terminal's when stdout is
/// one; `None` (no limit) for a pipe or file.
pub fn output_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(columns);
    }
    if !io::stdout().is_terminal() {
        return None;
    }
    let (_, width) = console::Term::stdout().size_checked()?;
    Some(usize::from(width))
}

/// `headers` and `rows` as aligned lines (see [`Table::render`]).
pub fn render(headers: &[&str], rows: &[Vec<String>], width: Option<usize>) -> String {
    let table = Table {
        headers: headers.to_vec(),
        rows: rows.to_vec(),
        paths: vec![false; headers.len()],
    };
    table.render(width)
}

/// A table to print.
struct Table<'a> {
    headers: Vec<&'a str>,
    rows: Vec<Vec<String>>,
    /// Per column: long cells keep their end.
    paths: Vec<bool>,
}

impl<'a> Table<'a> {
    /// The table without the columns that are empty in every row.
    fn without_empty_columns(self) -> Table<'a> {
        let keep: Vec<bool> = (0..self.headers.len())
            .map(|col| self.rows.iter().any(|row| !row[col].is_empty()))
            .collect();
        Table {
            headers: pick(self.headers, &keep),
            paths: pick(self.paths, &keep),
            rows: self.rows.into_iter().map(|row| pick(row, &keep)).collect(),
        }
    }

    /// Aligned lines, columns two spaces apart, line breaks inside a cell turned into spaces;
    /// fitted to `width` by narrowing the widest columns, then dropping the last ones.
    fn render(&self, width: Option<usize>) -> String {
        let cells: Vec<Vec<String>> =
            std::iter::once(self.headers.iter().map(|h| (*h).to_owned()).collect())
                .chain(
                    self.rows
                        .iter()
                        .map(|row| row.iter().map(|c| flat(c)).collect()),
                )
                .collect();
        let mut widths = vec![0; self.headers.len()];
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.width());
            }
        }
        if let Some(width) = width {
            fit(&mut widths, width);
        }
        let mut out = String::new();
        for row in &cells {
            let mut line = String::new();
            for ((cell, width), path) in row.iter().zip(&widths).zip(&self.paths) {
                let cell = cut(cell, *width, *path);
                line.push_str(&cell);
                line.push_str(&" ".repeat(width - cell.width() + GAP));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// The values whose `keep` is true.
fn pick<T>(values: Vec<T>, keep: &[bool]) -> Vec<T> {
    values
        .into_iter()
        .zip(keep)
        .filter_map(|(v, &k)| k.then_some(v))
        .collect()
}

/// Narrows the widest column, one character at a time, until the line fits `width`; when
/// every column is down to [`MIN_COLUMN_WIDTH`] and it still does not, drops the last ones.
fn fit(widths: &mut Vec<usize>, width: usize) {
    let line = |widths: &[usize]| widths.iter().map(|w| w + GAP).sum::<usize>();
    while line(widths) > width + GAP {
        let widest = (0..widths.len())
            .filter(|&i| widths[i] > MIN_COLUMN_WIDTH)
            .max_by_key(|&i| widths[i]);
        match widest {
            Some(i) => widths[i] -= 1,
            None if widths.len() > 1 => {
                widths.pop();
            }
            None => return,
        }
    }
}

fn flat(cell: &str) -> String {
    cell.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `cell` cut to at most `width` columns with `…` where it was cut: at the end, or at the
/// start for a path (whose end names the file).
fn cut(cell: &str, width: usize, path: bool) -> String {
    if cell.width() <= width {
        return cell.to_owned();
    }
    let room = width.saturating_sub(1);
    let mut kept = Vec::new();
    let mut used = 0;
    let chars: Vec<char> = if path {
        cell.chars().rev().collect()
    } else {
        cell.chars().collect()
    };
    for c in chars {
        let w = c.to_string().width();
        if used + w > room {
            break;
        }
        used += w;
        kept.push(c);
    }
    if path {
        kept.reverse();
        format!("…{}", kept.into_iter().collect::<String>())
    } else {
        format!("{}…", kept.into_iter().collect::<String>())
    }
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
            None,
        );
        let lines: Vec<&str> = text.lines().collect();
        // "江苏京利华" is 10 columns wide, so the second column starts at 12 everywhere.
        assert_eq!(lines[0], "name        n");
        assert_eq!(lines[1], "江苏京利华  1");
        assert_eq!(lines[2], "ab          2");
        let long = cut(&"长".repeat(100), MAX_CELL_WIDTH, false);
        assert!(
            long.width() <= MAX_CELL_WIDTH && long.ends_with('…'),
            "{long}"
        );
        assert_eq!(cut("short", MAX_CELL_WIDTH, false), "short");
        assert_eq!(cut("/a/long/path/发票.pdf", 10, true), "…/发票.pdf");
        assert_eq!(flat("two\nlines"), "two lines");
    }

    #[test]
    fn paths_below_the_current_folder_are_shown_relative() {
        let here = Path::new("/work/scans");
        assert_eq!(
            relative("/work/scans/2024/a.pdf".into(), Some(here)),
            "2024/a.pdf"
        );
        assert_eq!(
            relative("/elsewhere/a.pdf".into(), Some(here)),
            "/elsewhere/a.pdf"
        );
        assert_eq!(relative("-".into(), Some(here)), "-");
    }

    #[test]
    fn a_table_too_wide_for_the_terminal_narrows_its_widest_columns() {
        let rows = vec![vec!["a".repeat(40), "b".repeat(30), "ok".into()]];
        let text = render(&["one", "two", "s"], &rows, Some(40));
        for line in text.lines() {
            assert!(line.width() <= 40, "{line:?} ({})", line.width());
        }
        assert!(text.contains('…'), "{text}");
        assert!(text.lines().nth(1).unwrap().ends_with("ok"), "{text}");
        // Too narrow for every column even narrowed: the last ones go.
        let text = render(&["one", "two", "s"], &rows, Some(12));
        assert!(text.lines().all(|l| l.width() <= 12), "{text}");
        assert!(!text.contains("ok"), "{text}");
    }
}
