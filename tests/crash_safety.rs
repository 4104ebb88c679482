//! Crash safety of `fapiao recognize` batches: the binary is killed (SIGKILL) at seeded random
//! points — before it has started, while its journal is being compacted, between records —
//! over and over, then resumed until a run completes. After every kill the journal holds only
//! complete records, except at most a torn last line, and never two records for one input;
//! some kills also leave a torn line behind on purpose (as a write cut short by a power loss
//! would), which `--resume` must drop. The completed output must parse and hold exactly one
//! record per input, in `jsonl` (the output is the journal) and in `json` (rendered from a
//! journal next to it).
//!
//! `tests/cli.rs` kills one 1,000-file run once, half-way; this covers many points, early ones
//! included, on a small batch of the local backend (no network). Nothing asserts a duration.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_fapiao");
/// E-invoices (recognised) and broken images (error records, tried again on every resume).
const INVOICES: usize = 90;
const BROKEN: usize = 30;
/// Rounds per output format, and kills per round before the run is let finish.
const ROUNDS: u64 = 3;
const KILLS: usize = 5;
/// A run that neither finishes nor reaches its kill point by then is stuck.
const STUCK: Duration = Duration::from_secs(120);

/// A folder of inputs, and every path a record may name.
struct Inputs {
    dir: TempDir,
    paths: HashSet<String>,
}

impl Inputs {
    fn new() -> Inputs {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("in");
        std::fs::create_dir(&folder).expect("folder");
        let invoice =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quickstart-einvoice.ofd");
        let mut paths = HashSet::new();
        for n in 0..INVOICES {
            let path = folder.join(format!("invoice-{n:03}.ofd"));
            std::fs::copy(&invoice, &path).expect("copied");
            paths.insert(path.display().to_string());
        }
        for n in 0..BROKEN {
            let path = folder.join(format!("broken-{n:03}.png"));
            let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
            bytes.extend(format!("cut short {n}").as_bytes());
            std::fs::write(&path, bytes).expect("written");
            paths.insert(path.display().to_string());
        }
        Inputs { dir, paths }
    }

    fn folder(&self) -> PathBuf {
        self.dir.path().join("in")
    }
}

/// One output format under test: where the output and its journal are.
struct Target {
    format: &'static str,
    output: PathBuf,
    journal: PathBuf,
}

impl Target {
    fn new(dir: &Path, format: &'static str) -> Target {
        let output = dir.join(format!("out.{format}"));
        let journal = match format {
            "jsonl" => output.clone(),
            _ => dir.join(format!("out.{format}.journal.jsonl")),
        };
        Target {
            format,
            output,
            journal,
        }
    }

    /// Starts a run over `inputs`, resuming when asked.
    fn start(&self, inputs: &Inputs, resume: bool) -> Child {
        let mut command = Command::new(BIN);
        command
            .env_clear()
            .args([
                "recognize",
                "--concurrency",
                "1",
                "--format",
                self.format,
                "--output",
            ])
            .arg(&self.output)
            .arg(inputs.folder())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if resume {
            command.arg("--resume");
        }
        command.spawn().expect("fapiao runs")
    }

    /// Lines in the journal so far (0 while it does not exist).
    fn lines(&self) -> usize {
        std::fs::read(&self.journal).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
    }
}

/// Where a run is killed: a moment after it starts, or once the journal has so many lines.
#[derive(Debug, Clone, Copy)]
enum KillPoint {
    After(Duration),
    AtLine(usize),
}

impl KillPoint {
    /// Early points half of the time (from the very start), else any line of the batch.
    fn draw(rng: &mut fastrand::Rng, total: usize) -> KillPoint {
        if rng.bool() {
            KillPoint::After(Duration::from_micros(rng.u64(0..20_000)))
        } else {
            KillPoint::AtLine(rng.usize(0..total))
        }
    }
}

/// Runs until `point` or the end; true when it was killed, false when it finished first.
fn run_until(target: &Target, mut child: Child, point: KillPoint) -> bool {
    let started = Instant::now();
    loop {
        if child.try_wait().expect("waitable").is_some() {
            return false;
        }
        let reached = match point {
            KillPoint::After(delay) => started.elapsed() >= delay,
            KillPoint::AtLine(line) => target.lines() >= line,
        };
        if reached {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
            return true;
        }
        assert!(started.elapsed() < STUCK, "no progress: stuck?");
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The records of the journal's complete lines. Only the last line may be incomplete, no
/// input may have two records, and every record names an input.
fn check_journal(target: &Target, inputs: &Inputs) -> Vec<Value> {
    let Ok(bytes) = std::fs::read(&target.journal) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut records = Vec::new();
    let mut seen = HashSet::new();
    for line in text.split_inclusive('\n') {
        let Some(complete) = line.strip_suffix('\n') else {
            break; // the torn last line, left for --resume
        };
        let record: Value = serde_json::from_str(complete)
            .unwrap_or_else(|e| panic!("a complete line is a record ({e}): {complete:?}"));
        let path = record["path"].as_str().expect("a path").to_owned();
        assert!(
            inputs.paths.contains(&path),
            "a record for no input: {path}"
        );
        assert!(seen.insert(path.clone()), "two records for {path}");
        records.push(record);
    }
    records
}

/// Appends the first half of a complete record line, as a write cut short would leave it.
fn tear_tail(target: &Target) {
    use std::io::Write;
    let text = std::fs::read_to_string(&target.journal).unwrap_or_default();
    let Some(line) = text.lines().next() else {
        return;
    };
    let torn = &line[..line.len() / 2];
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&target.journal)
        .expect("journal");
    file.write_all(torn.as_bytes()).expect("appended");
}

/// The final output's records: JSONL lines or a JSON array.
fn output_records(target: &Target) -> Vec<Value> {
    let text = std::fs::read_to_string(&target.output).expect("output");
    match target.format {
        "jsonl" => text
            .lines()
            .map(|l| serde_json::from_str(l).expect("a record per line"))
            .collect(),
        _ => serde_json::from_str(&text).expect("a JSON array"),
    }
}

/// Exactly one record per input, each with the outcome its input calls for. The e-invoices
/// are copies of one file: one has the result, the others are its duplicates (not sent
/// again), whichever was read first.
fn check_output(target: &Target, inputs: &Inputs) {
    let records = output_records(target);
    assert_eq!(records.len(), inputs.paths.len(), "{}", target.format);
    let mut seen = HashSet::new();
    let mut results = 0;
    for record in &records {
        let path = record["path"].as_str().expect("a path");
        assert!(seen.insert(path), "two records for {path}");
        match (path.ends_with(".ofd"), record["status"].as_str()) {
            (true, Some("ok")) => results += 1,
            (true, Some("skipped")) => {
                assert_eq!(record["skipped"]["code"], "same_file", "{record}");
                let first = record["duplicate_of"].as_str().expect("duplicate_of");
                assert!(inputs.paths.contains(first), "{record}");
            }
            (false, Some("error")) => {}
            _ => panic!("unexpected outcome: {record}"),
        }
    }
    assert_eq!(results, 1, "one copy has the result");
    assert_eq!(seen.len(), inputs.paths.len());
}

/// One round: killed `KILLS` times at random points, then let finish.
fn round(format: &'static str, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let inputs = Inputs::new();
    let target = Target::new(inputs.dir.path(), format);
    let mut kills = 0;
    let mut resume = false;
    // Inputs with a result: a resumed run keeps them (and does not redo them).
    let mut done = HashSet::new();
    while kills < KILLS {
        let point = KillPoint::draw(&mut rng, inputs.paths.len());
        let child = target.start(&inputs, resume);
        resume = true;
        if !run_until(&target, child, point) {
            // Finished before its kill point: start the batch again from nothing.
            std::fs::remove_file(&target.journal).expect("journal");
            resume = false;
            done.clear();
            continue;
        }
        kills += 1;
        let records = check_journal(&target, &inputs);
        let now_done: HashSet<String> = records
            .iter()
            .filter(|r| r["status"] == "ok")
            .map(|r| r["path"].as_str().expect("a path").to_owned())
            .collect();
        assert!(done.is_subset(&now_done), "a result was lost");
        done = now_done;
        if rng.u8(0..3) == 0 {
            tear_tail(&target);
        }
        println!(
            "{format} seed {seed}: killed at {point:?} with {} records",
            records.len()
        );
    }
    let mut last = target.start(&inputs, true);
    let status = last.wait().expect("finishes");
    assert_eq!(status.code(), Some(1), "broken inputs fail the run");
    check_journal(&target, &inputs);
    check_output(&target, &inputs);
}

#[test]
fn jsonl_output_survives_kills_at_random_points() {
    for seed in 0..ROUNDS {
        round("jsonl", seed);
    }
}

#[test]
fn json_output_and_its_journal_survive_kills_at_random_points() {
    for seed in 100..100 + ROUNDS {
        round("json", seed);
    }
}
