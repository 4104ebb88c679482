//! The files a `recognize` run writes — the output, its journal, the `--items` file — checked
//! before the first input is read, so a run never pays for cloud calls it cannot record and
//! never destroys the results of an earlier run.
//!
//! * Each target's folder must exist and accept a new file (probed with the `.partial` file
//!   the final rename uses anyway).
//! * Without `--resume` or `--overwrite`, a non-empty target that already exists stops the
//!   run: the message counts the journal's records and names both ways on.
//! * With `--resume`, an output whose journal is gone stops the run too: re-rendering from an
//!   empty journal would replace it with this run's records only.

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::CliError;
use super::journal::{self, sibling};
use super::output::Format;

/// What a run writes besides stdout.
#[derive(Debug)]
pub struct Targets {
    /// The rendered output (`None` for stdout, and for jsonl, whose output is the journal).
    rendered: Option<PathBuf>,
    /// The journal, when there is an output file.
    journal: Option<PathBuf>,
    /// The line-items file.
    items: Option<PathBuf>,
}

/// How the run treats what earlier runs left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse to touch it.
    Keep,
    /// Continue its journal (`--resume`).
    Resume,
    /// Replace it (`--overwrite`).
    Overwrite,
}

impl Targets {
    /// The targets of `format` written to `output` (stdout when `None`) and `items`.
    pub fn new(format: Format, output: Option<&Path>, items: Option<&Path>) -> Targets {
        Targets {
            rendered: output
                .filter(|_| format != Format::Jsonl)
                .map(Path::to_path_buf),
            journal: output.map(|output| journal::of_output(format, output)),
            items: items.map(Path::to_path_buf),
        }
    }

    /// Every file the run writes, canonical (for the targets whose folder exists), with the
    /// `.partial` files beside them: a folder input that holds the output does not read it.
    pub fn files(&self) -> HashSet<PathBuf> {
        let all = [&self.rendered, &self.journal, &self.items];
        all.into_iter()
            .flatten()
            .flat_map(|path| [path.clone(), sibling(path, ".partial")])
            .filter_map(|path| {
                let folder = match path.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => Path::new("."),
                };
                Some(fs::canonicalize(folder).ok()?.join(path.file_name()?))
            })
            .collect()
    }

    /// Checks every target (see the module docs).
    pub fn check(&self, existing: Existing) -> Result<(), CliError> {
        let all = [&self.rendered, &self.journal, &self.items];
        for path in all.into_iter().flatten() {
            writable(path)?;
        }
        match existing {
            Existing::Overwrite => Ok(()),
            Existing::Resume => self.check_resumable(),
            Existing::Keep => {
                if let Some(journal) = self.journal.as_deref().filter(|p| holds_data(p)) {
                    return Err(CliError::usage(format!(
                        "{} already holds {} of an earlier run; add --resume to continue it \
                         (recorded files are not sent again) or --overwrite to start afresh",
                        journal.display(),
                        super::counted(records_in(journal), "record")
                    )));
                }
                let outputs = [&self.rendered, &self.items];
                match outputs.into_iter().flatten().find(|p| holds_data(p)) {
                    Some(output) => Err(CliError::usage(format!(
                        "{} already exists; add --overwrite to replace it, or choose another \
                         --output",
                        output.display()
                    ))),
                    None => Ok(()),
                }
            }
        }
    }

    /// With `--resume`: an existing output needs its journal.
    fn check_resumable(&self) -> Result<(), CliError> {
        let (Some(rendered), Some(journal)) = (&self.rendered, &self.journal) else {
            return Ok(());
        };
        if holds_data(rendered) && !journal.exists() {
            return Err(CliError::usage(format!(
                "{} exists but its journal {} does not, so --resume cannot keep its records; \
                 add --overwrite instead of --resume to replace it",
                rendered.display(),
                journal.display()
            )));
        }
        Ok(())
    }
}

/// True when `path` is a file with content (an empty file has nothing to lose).
fn holds_data(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

/// Complete lines of a journal.
fn records_in(path: &Path) -> u64 {
    fs::File::open(path).map_or(0, |file| BufReader::new(file).split(b'\n').count() as u64)
}

/// Whether a file can be created beside `path`: its folder exists, and the `.partial` file
/// of the final rename can be created there (and is removed again at once).
fn writable(path: &Path) -> Result<(), CliError> {
    let cannot = |why: String| CliError::usage(format!("cannot write {}: {why}", path.display()));
    if path.is_dir() {
        return Err(cannot("it is a folder".to_owned()));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(cannot(format!(
            "the folder {} does not exist",
            folder.display()
        )));
    }
    let probe = sibling(path, ".partial");
    let created = !probe.exists();
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(&probe)
        .map_err(|e| cannot(e.to_string()))?;
    if created {
        // Only a probe; a leftover is overwritten by the next rename anyway.
        let _ = fs::remove_file(&probe);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(result: Result<(), CliError>) -> String {
        match result {
            Err(CliError::Usage(message)) => message,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn an_earlier_journal_is_kept_unless_resumed_or_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("out.csv");
        let targets = Targets::new(Format::Csv, Some(&output), None);
        targets.check(Existing::Keep).unwrap();
        fs::write(sibling(&output, ".journal.jsonl"), "{}\n{}\n").unwrap();
        let message = usage(targets.check(Existing::Keep));
        assert!(message.contains("2 records"), "{message}");
        assert!(message.contains("--resume") && message.contains("--overwrite"));
        targets.check(Existing::Resume).unwrap();
        targets.check(Existing::Overwrite).unwrap();
    }

    #[test]
    fn an_output_without_its_journal_is_not_resumed_over() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("out.xlsx");
        fs::write(&output, b"PK").unwrap();
        let targets = Targets::new(Format::Xlsx, Some(&output), None);
        assert!(usage(targets.check(Existing::Keep)).contains("out.xlsx already exists"));
        assert!(usage(targets.check(Existing::Resume)).contains("journal"));
        targets.check(Existing::Overwrite).unwrap();
    }

    #[test]
    fn a_missing_folder_is_named_with_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let items = dir.path().join("missing/items.csv");
        let targets = Targets::new(Format::Csv, Some(&dir.path().join("x.csv")), Some(&items));
        let message = usage(targets.check(Existing::Overwrite));
        assert!(message.contains("items.csv"), "{message}");
        assert!(message.contains("does not exist"), "{message}");
        assert!(!dir.path().join("x.csv.partial").exists());
    }
}
