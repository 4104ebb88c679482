//! Rendering records in the output formats.
//!
//! `jsonl` is written record by record as inputs complete (to stdout, or to the output file,
//! which is then also the run's journal). The other formats are whole-file formats: the run
//! appends records to a JSONL journal and renders the file from it at the end, ordered by
//! path, through a temporary file and a rename — so a killed run never leaves a torn output
//! file, and `--resume` picks the journal up.

pub mod columns;
mod csv;
mod json;
pub mod table;
mod xlsx;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use clap::ValueEnum;

use super::journal::sibling;
use super::record::Record;
use columns::Headers;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A JSON array of records.
    Json,
    /// One JSON record per line, written as inputs complete.
    Jsonl,
    /// One row per invoice (`--items FILE` adds one row per line item).
    Csv,
    /// A workbook: invoices with a totals row, line items, and a summary.
    Xlsx,
    /// An aligned text table for people.
    Table,
}

impl Format {
    /// The format an output file's extension implies, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "csv" => Format::Csv,
            "xlsx" => Format::Xlsx,
            "txt" => Format::Table,
            _ => return None,
        })
    }
}

/// How the tabular formats (csv, xlsx) are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// The language of headers and kind names.
    pub headers: Headers,
    /// Whether CSV files start with a UTF-8 byte-order mark.
    pub bom: bool,
}

/// Renders `records` as `format` into `output` (stdout when `None`); `items` receives the
/// line items of a CSV rendering. JSONL is not rendered: it is written record by record as
/// inputs complete (it is the journal format), so there is nothing left to do.
pub fn render(
    format: Format,
    records: impl Iterator<Item = io::Result<Record>>,
    options: Options,
    output: Option<&Path>,
    items: Option<&Path>,
) -> io::Result<()> {
    match format {
        Format::Xlsx => {
            let path = output.ok_or_else(|| io::Error::other("xlsx needs an output file"))?;
            replace_with(path, |temporary| xlsx::write(records, options, temporary))
        }
        Format::Csv => match items {
            Some(items) => replace_with(items, |items_file| {
                let mut items_out = BufWriter::new(File::create(items_file)?);
                to(output, |out| {
                    csv::write(records, options, out, Some(&mut items_out))
                })?;
                items_out.flush()
            }),
            None => to(output, |out| csv::write(records, options, out, None)),
        },
        Format::Json => to(output, |out| json::write_array(records, out)),
        Format::Jsonl => Ok(()),
        Format::Table => {
            // A table in a file is not cut to the terminal it was made on.
            let width = output.is_none().then(table::output_width).flatten();
            to(output, |out| table::write_records(records, out, width))
        }
    }
}

/// Writes through `write` to `path` (atomically), or to stdout.
fn to(path: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    match path {
        Some(path) => replace_with(path, |temporary| {
            let mut out = BufWriter::new(File::create(temporary)?);
            write(&mut out)?;
            out.flush()
        }),
        None => {
            let mut out = io::stdout().lock();
            write(&mut out)?;
            out.flush()
        }
    }
}

/// Lets `write` fill a temporary file next to `path`, then moves it over `path`.
fn replace_with(path: &Path, write: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    let temporary = sibling(path, ".partial");
    write(&temporary)?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_imply_formats() {
        assert_eq!(
            Format::from_path(Path::new("a/out.JSONL")),
            Some(Format::Jsonl)
        );
        assert_eq!(Format::from_path(Path::new("out.xlsx")), Some(Format::Xlsx));
        assert_eq!(Format::from_path(Path::new("out.csv")), Some(Format::Csv));
        assert_eq!(Format::from_path(Path::new("out")), None);
    }
}
