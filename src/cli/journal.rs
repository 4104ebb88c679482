//! The journal: an append-only JSONL file of [`Record`]s, one complete line per input, and
//! what `--resume` makes of it.
//!
//! Crash safety: every record is serialised first and written with a single `write` of the
//! whole line, so a killed run leaves at most one torn line, at the end. Resuming reads the
//! journal, keeps the successful records whose file is unchanged (same path and SHA-256; or
//! whose path is not among this run's inputs), drops error records (those inputs are tried
//! again), stale and duplicate records and any torn line, and writes the result to a
//! temporary file that replaces the journal in one rename — so the journal is parseable at
//! every instant, and each input ends up with exactly one record.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fapiao::api::content_hash;

use super::inputs::InputFile;
use super::output::Format;
use super::record::{Record, RecordKey};

/// An open journal, appended to as records complete.
#[derive(Debug)]
pub struct Journal {
    file: File,
}

/// What resuming found.
#[derive(Debug, Default)]
pub struct Resumed {
    /// Paths (as displayed) of inputs that already have a result for their current content.
    pub done: HashSet<String>,
    /// Lines dropped because they were not complete records (a torn last line).
    pub unreadable_lines: usize,
}

impl Journal {
    /// Starts an empty journal at `path`, replacing any previous one.
    pub fn create(path: &Path) -> io::Result<Journal> {
        File::create(path)?;
        Journal::append_to(path)
    }

    /// Opens `path` for appending, creating it when missing.
    fn append_to(path: &Path) -> io::Result<Journal> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Journal { file })
    }

    /// Compacts the journal at `path` for this run's `inputs` (see the module docs) and opens
    /// it for appending. A missing journal is an empty one. Inputs larger than
    /// `max_file_bytes` (which the run refuses unread) are not read to be hashed.
    pub fn resume(
        path: &Path,
        inputs: &[InputFile],
        max_file_bytes: u64,
    ) -> io::Result<(Journal, Resumed)> {
        if !path.exists() {
            return Ok((Journal::create(path)?, Resumed::default()));
        }
        let (keys, unreadable_lines) = read_keys(path)?;
        let done = unchanged_inputs(&keys, inputs, max_file_bytes);
        let current: HashSet<&str> = inputs.iter().map(|i| i.display.as_str()).collect();
        let keep = |key: &RecordKey| {
            key.is_done()
                && (!current.contains(key.path.as_str())
                    || done.get(&key.path) == key.sha256.as_ref())
        };
        rewrite(path, keep)?;
        let resumed = Resumed {
            done: done.into_keys().collect(),
            unreadable_lines,
        };
        Ok((Journal::append_to(path)?, resumed))
    }

    /// Appends one record as one complete line.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        self.file.write_all(&line(record)?)
    }
}

/// A record as one JSONL line, newline included.
pub fn line(record: &Record) -> io::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(record)?;
    line.push(b'\n');
    Ok(line)
}

/// The key of every complete line, and how many lines were not complete records.
fn read_keys(path: &Path) -> io::Result<(Vec<RecordKey>, usize)> {
    let mut keys = Vec::new();
    let mut unreadable = 0;
    for line in BufReader::new(File::open(path)?).split(b'\n') {
        match serde_json::from_slice::<RecordKey>(&line?) {
            Ok(key) => keys.push(key),
            Err(_) => unreadable += 1,
        }
    }
    Ok((keys, unreadable))
}

/// The inputs whose current content has a successful record: path → its SHA-256. Only
/// files with such a record, and no larger than `max_file_bytes`, are read here.
fn unchanged_inputs(
    keys: &[RecordKey],
    inputs: &[InputFile],
    max_file_bytes: u64,
) -> HashMap<String, String> {
    let mut recorded: HashMap<&str, HashSet<&str>> = HashMap::new();
    for key in keys.iter().filter(|k| k.is_done()) {
        if let Some(sha) = &key.sha256 {
            recorded.entry(&key.path).or_default().insert(sha);
        }
    }
    inputs
        .iter()
        .filter_map(|input| {
            let hashes = recorded.get(input.display.as_str())?;
            // A file over the limit has no result for its current content: the run refuses it.
            if fs::metadata(&input.path).ok()?.len() > max_file_bytes {
                return None;
            }
            let sha = content_hash(&fs::read(&input.path).ok()?);
            hashes
                .contains(sha.as_str())
                .then(|| (input.display.clone(), sha))
        })
        .collect()
}

/// Rewrites the journal with the complete lines `keep` accepts, first occurrence of each
/// (path, hash) only, through a temporary file and a rename.
fn rewrite(path: &Path, keep: impl Fn(&RecordKey) -> bool) -> io::Result<()> {
    let temporary = sibling(path, ".partial");
    let mut out = io::BufWriter::new(File::create(&temporary)?);
    let mut seen = HashSet::new();
    for line in BufReader::new(File::open(path)?).split(b'\n') {
        let line = line?;
        let Ok(key) = serde_json::from_slice::<RecordKey>(&line) else {
            continue;
        };
        if keep(&key) && seen.insert((key.path, key.sha256)) {
            out.write_all(&line)?;
            out.write_all(b"\n")?;
        }
    }
    out.into_inner()
        .map_err(io::IntoInnerError::into_error)?
        .sync_all()?;
    fs::rename(&temporary, path)
}

/// Every complete record of the journal, ordered by path (then hash), read one at a time.
pub fn sorted_records(path: &Path) -> io::Result<SortedRecords> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut index = Vec::new();
    let mut offset = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        if let Ok(key) = serde_json::from_slice::<RecordKey>(&line) {
            index.push((key.path, key.sha256, offset));
        }
        offset += read as u64;
    }
    index.sort();
    Ok(SortedRecords {
        reader,
        offsets: index
            .into_iter()
            .map(|(_, _, o)| o)
            .collect::<Vec<_>>()
            .into_iter(),
    })
}

/// Iterator of [`sorted_records`].
pub struct SortedRecords {
    reader: BufReader<File>,
    offsets: std::vec::IntoIter<u64>,
}

impl Iterator for SortedRecords {
    type Item = io::Result<Record>;

    fn next(&mut self) -> Option<io::Result<Record>> {
        let offset = self.offsets.next()?;
        let mut line = Vec::new();
        let read = self
            .reader
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.reader.read_until(b'\n', &mut line));
        Some(read.and_then(|_| serde_json::from_slice(&line).map_err(io::Error::from)))
    }
}

/// The journal of a run writing `format` to `output`: the output itself for jsonl (written
/// record by record), else `OUTPUT.journal.jsonl` beside it.
pub fn of_output(format: Format, output: &Path) -> PathBuf {
    match format {
        Format::Jsonl => output.to_path_buf(),
        _ => sibling(output, ".journal.jsonl"),
    }
}

/// `path` with `suffix` appended to its file name.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::record::{Failure, Recognized};

    fn ok(path: &str, sha: &str) -> Record {
        Record::ok(
            path.into(),
            sha.into(),
            Recognized {
                api: "local".into(),
                invoices: Vec::new(),
                findings: Vec::new(),
                qr_cross_check: None,
                findings_lang: None,
            },
        )
    }

    fn input(dir: &Path, name: &str, content: &[u8]) -> InputFile {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        InputFile {
            display: path.display().to_string(),
            path,
            unsupported: false,
        }
    }

    #[test]
    fn resume_keeps_unchanged_results_and_drops_errors_stale_duplicates_and_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let same = input(dir.path(), "same.png", b"same");
        let changed = input(dir.path(), "changed.png", b"new content");
        let failed = input(dir.path(), "failed.png", b"failed");
        let journal = dir.path().join("out.jsonl");
        let error = Record::error(
            failed.display.clone(),
            Some(content_hash(b"failed")),
            Failure {
                api: "x".into(),
                kind: "unavailable".into(),
                code: "http_503".into(),
                message: "down".into(),
            },
        );
        let mut text = Vec::new();
        for record in [
            ok(&same.display, &content_hash(b"same")),
            ok(&same.display, &content_hash(b"same")),
            ok(&changed.display, &content_hash(b"old content")),
            ok("elsewhere.png", "feed"),
            error,
        ] {
            text.extend(line(&record).unwrap());
        }
        text.extend_from_slice(br#"{"path":"torn.png","sha2"#);
        fs::write(&journal, text).unwrap();

        let (mut opened, resumed) =
            Journal::resume(&journal, &[same.clone(), changed, failed], u64::MAX).unwrap();
        assert_eq!(resumed.done, HashSet::from([same.display.clone()]));
        assert_eq!(resumed.unreadable_lines, 1);
        opened.append(&ok("later.png", "beef")).unwrap();
        let paths: Vec<String> = sorted_records(&journal)
            .unwrap()
            .map(|r| r.unwrap().path)
            .collect();
        let mut expected = vec![same.display, "elsewhere.png".into(), "later.png".into()];
        expected.sort();
        assert_eq!(paths, expected);
    }

    #[test]
    fn resuming_without_a_journal_starts_one() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("new.jsonl");
        let (_, resumed) = Journal::resume(&journal, &[], u64::MAX).unwrap();
        assert!(resumed.done.is_empty());
        assert!(journal.exists());
    }
}
