//! Where a `recognize` run's records go while the batch runs: JSONL on stdout, or a journal
//! (the jsonl output itself, a file beside the output, or a temporary file for a whole-file
//! format printed to stdout) from which the whole-file formats are rendered at the end.

use std::path::{Path, PathBuf};

use super::CliError;
use super::args::RecognizeArgs;
use super::duplicates::{Hashes, Identities, Policy};
use super::inputs::InputFile;
use super::journal::{self, Journal, Resumed};
use super::output::{self, Format};
use super::record::Record;

/// Where records go while the batch runs.
pub enum Sink {
    /// JSONL on stdout, one line per record as it completes.
    Stdout,
    /// A journal: the output itself (jsonl), next to the output, or a temporary file for a
    /// whole-file format rendered to stdout (removed when done).
    Journal {
        journal: Journal,
        path: PathBuf,
        temporary: bool,
    },
}

impl Sink {
    /// Opens the journal for `format` and `output`. With `resume` (the largest file the run
    /// reads), compacts an existing one.
    pub fn open(
        format: Format,
        output: Option<&Path>,
        resume: Option<u64>,
        inputs: &[InputFile],
    ) -> Result<(Sink, Resumed), CliError> {
        let (path, temporary) = match (format, output) {
            (Format::Jsonl, None) => return Ok((Sink::Stdout, Resumed::default())),
            (_, Some(output)) => (journal::of_output(format, output), false),
            (_, None) => (temporary_journal(), true),
        };
        let cannot =
            |e: std::io::Error| CliError::usage(format!("cannot write {}: {e}", path.display()));
        let (journal, resumed) = match resume {
            Some(max_file_bytes) => {
                Journal::resume(&path, inputs, max_file_bytes).map_err(cannot)?
            }
            None => (Journal::create(&path).map_err(cannot)?, Resumed::default()),
        };
        let sink = Sink::Journal {
            journal,
            path,
            temporary,
        };
        Ok((sink, resumed))
    }

    /// Records one completed input.
    pub fn write(&mut self, record: &Record) -> std::io::Result<()> {
        match self {
            Sink::Stdout => {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                out.write_all(&journal::line(record)?)?;
                out.flush()
            }
            Sink::Journal { journal, .. } => journal.append(record),
        }
    }

    /// Remembers the hashes and invoices of the journal's records, so files of this run that
    /// repeat them are duplicates.
    pub fn seed(&self, hashes: &Hashes, identities: &mut Identities) -> Result<(), CliError> {
        let Sink::Journal { path, .. } = self else {
            return Ok(());
        };
        let cannot =
            |e: std::io::Error| CliError::fatal(format!("cannot read {}: {e}", path.display()));
        for record in journal::sorted_records(path).map_err(cannot)? {
            let mut record = record.map_err(cannot)?;
            // The first file of each invoice stands for it; its duplicates point to it.
            if let (Some(sha256), Some(_), None) =
                (&record.sha256, record.recognized(), &record.duplicate_of)
            {
                hashes.claim(sha256, &record.path);
                identities.mark(&mut record);
            }
        }
        Ok(())
    }

    /// Renders a whole-file format from the journal; with `--duplicates skip`, the rows of
    /// duplicates are left out of the tabular formats.
    pub fn render(&self, format: Format, args: &RecognizeArgs) -> Result<(), CliError> {
        let Sink::Journal { path, .. } = self else {
            return Ok(());
        };
        if format == Format::Jsonl {
            return Ok(());
        }
        let output = args.output.as_deref();
        let target = output.map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
        let failed = |e: std::io::Error| CliError::write(&target, &e);
        let skip = args.duplicates == Policy::Skip && format != Format::Json;
        let records = journal::sorted_records(path)
            .map_err(failed)?
            .filter(|r| !(skip && r.as_ref().is_ok_and(|r| r.duplicate_of.is_some())));
        let options = output::Options {
            headers: args.headers,
            bom: !args.no_bom,
        };
        output::render(format, records, options, output, args.items.as_deref()).map_err(failed)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Sink::Journal {
            path,
            temporary: true,
            ..
        } = self
        {
            // A leftover temporary journal is harmless; nothing to report.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A fresh path in the temporary folder.
fn temporary_journal() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!(
        "fapiao-{}-{nanos}.journal.jsonl",
        std::process::id()
    ))
}
