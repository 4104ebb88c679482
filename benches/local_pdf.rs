//! Local PDF reading against `pdftotext -layout`, per real file, in one run.
//!
//! For every PDF in `../shared/samples`: the median wall time of
//! `fapiao::local::recognize` (text layer, layout, fields and the QR code) over repeated
//! calls; the median of running `pdftotext -layout FILE -` (poppler) as a process on the
//! same file; and, process against process, `fapiao recognize FILE` (the built binary). The peer column is skipped with a note when poppler is not installed, and
//! the whole bench when the samples are absent.
//!
//! Run with `cargo bench --bench local_pdf` (prints a Markdown table).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fapiao::local::{LocalLimits, recognize};

/// Timed repetitions per file and tool; the median is reported.
const RUNS: usize = 21;

fn main() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    let Ok(entries) = std::fs::read_dir(&folder) else {
        println!("skipped: {} is absent", folder.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")))
        .collect();
    files.sort();
    let peer = Command::new("pdftotext")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !peer {
        println!("pdftotext (poppler-utils) is not installed: the peer columns are skipped");
    }
    println!(
        "| file | fapiao (library) | pdftotext -layout (process) | library ÷ peer | fapiao recognize (process) | process ÷ peer |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let mut totals = [Duration::ZERO; 3];
    for file in &files {
        let bytes = std::fs::read(file).expect("sample readable");
        let library = median(|| {
            std::hint::black_box(recognize(&bytes, None, &LocalLimits::default()).ok());
        });
        let process = median(|| {
            run(
                env!("CARGO_BIN_EXE_fapiao"),
                &["recognize".as_ref(), file.as_os_str()],
            )
        });
        let theirs = peer.then(|| {
            median(|| {
                run(
                    "pdftotext",
                    &["-layout".as_ref(), file.as_os_str(), "-".as_ref()],
                )
            })
        });
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        println!("{}", row(&format!("`{name}`"), library, theirs, process));
        totals[0] += library;
        totals[1] += process;
        totals[2] += theirs.unwrap_or_default();
    }
    let n = files.len().max(1) as u32;
    let label = format!("**mean of {} files**", files.len());
    let theirs = peer.then_some(totals[2] / n);
    println!("{}", row(&label, totals[0] / n, theirs, totals[1] / n));
}

/// One table row; the peer columns are dashes without a peer.
fn row(label: &str, library: Duration, peer: Option<Duration>, process: Duration) -> String {
    match peer {
        Some(peer) => format!(
            "| {label} | {} | {} | {:.2}× | {} | {:.2}× |",
            ms(library),
            ms(peer),
            ratio(library, peer),
            ms(process),
            ratio(process, peer)
        ),
        None => format!(
            "| {label} | {} | — | — | {} | — |",
            ms(library),
            ms(process)
        ),
    }
}

/// Runs a program to completion, its output discarded; it must succeed.
fn run(program: &str, args: &[&std::ffi::OsStr]) {
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "{program} {args:?} failed"
    );
}

fn ratio(ours: Duration, theirs: Duration) -> f64 {
    ours.as_secs_f64() / theirs.as_secs_f64()
}

/// Median wall time of `RUNS` calls, after one warm-up call.
fn median(mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
