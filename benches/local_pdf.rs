//! Local PDF reading against `pdftotext -layout`, per real file, in one run.
//!
//! For every PDF in `../shared/samples`: the median wall time of
//! `fapiao::local::recognize` (text layer, layout, fields and the QR code) over repeated
//! calls, and the median of running `pdftotext -layout FILE -` (poppler) as a process on the
//! same bytes. The peer column is skipped with a note when poppler is not installed, and
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
        println!("pdftotext (poppler-utils) is not installed: the peer column is skipped");
    }
    println!("| file | fapiao | pdftotext -layout | fapiao ÷ peer |");
    println!("| --- | ---: | ---: | ---: |");
    let (mut ours_total, mut peer_total) = (Duration::ZERO, Duration::ZERO);
    for file in &files {
        let bytes = std::fs::read(file).expect("sample readable");
        let ours = median(|| {
            std::hint::black_box(recognize(&bytes, None, &LocalLimits::default()).ok());
        });
        ours_total += ours;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        if peer {
            let theirs = median(|| {
                let status = Command::new("pdftotext")
                    .args(["-layout".as_ref(), file.as_os_str(), "-".as_ref()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                assert!(
                    status.is_ok_and(|s| s.success()),
                    "pdftotext failed on {name}"
                );
            });
            peer_total += theirs;
            println!(
                "| `{name}` | {} | {} | {:.2}× |",
                ms(ours),
                ms(theirs),
                ours.as_secs_f64() / theirs.as_secs_f64()
            );
        } else {
            println!("| `{name}` | {} | — | — |", ms(ours));
        }
    }
    let n = files.len().max(1) as u32;
    if peer {
        println!(
            "| **mean of {} files** | **{}** | **{}** | **{:.2}×** |",
            files.len(),
            ms(ours_total / n),
            ms(peer_total / n),
            ours_total.as_secs_f64() / peer_total.as_secs_f64()
        );
    } else {
        println!(
            "| **mean of {} files** | **{}** | — | — |",
            files.len(),
            ms(ours_total / n)
        );
    }
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
