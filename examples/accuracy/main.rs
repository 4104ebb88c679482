//! Accuracy harness: runs the local backend over a folder of real files and scores every
//! field against the folder's `expected.json`.
//!
//! ```sh
//! cargo run --release --example accuracy -- ../shared/samples
//! cargo run --release --example accuracy -- ../shared/samples --only pdf   # one extension
//! ```
//!
//! Prints, per file, each field that did not match (expected and got), then totals per file
//! and per field. Exits 1 when any field missed, so scripts can gate on it.

mod score;

use std::path::PathBuf;
use std::process::ExitCode;

use score::{FIELDS, FileScore};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut folder = None;
    let mut only = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => only = args.next(),
            _ => folder = Some(PathBuf::from(arg)),
        }
    }
    let Some(folder) = folder else {
        eprintln!("usage: accuracy FOLDER [--only EXTENSION]  (FOLDER holds expected.json)");
        return ExitCode::from(2);
    };
    let expected = match read_expected(&folder) {
        Ok(map) => map,
        Err(e) => {
            eprintln!("{}: {e}", folder.join("expected.json").display());
            return ExitCode::from(2);
        }
    };
    let expected = expected
        .into_iter()
        .filter(|(file, _)| {
            only.as_ref()
                .is_none_or(|ext| file.ends_with(&format!(".{ext}")))
        })
        .collect();
    let scores = score::score_folder(&folder, &expected);
    print_report(&scores);
    let perfect = scores.iter().all(|s| s.matched() == s.fields.len());
    if perfect {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn read_expected(
    folder: &std::path::Path,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let text = std::fs::read_to_string(folder.join("expected.json")).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn print_report(scores: &[FileScore]) {
    for score in scores {
        println!(
            "{:>3}/{:<3} {:>7.1} ms  {}",
            score.matched(),
            score.fields.len(),
            score.millis,
            score.file
        );
        if let Some(error) = &score.error {
            println!("           error: {error}");
        }
        for field in score.fields.iter().filter(|f| !f.matched()) {
            println!(
                "           {:<24} expected {:?}\n           {:<24} got      {:?}",
                field.field, field.expected, "", field.got
            );
        }
    }
    println!();
    for name in FIELDS {
        let (hit, all) = scores
            .iter()
            .flat_map(|s| s.fields.iter().filter(|f| f.field == *name))
            .fold((0, 0), |(h, a), f| (h + usize::from(f.matched()), a + 1));
        println!("{name:<24} {hit:>3}/{all:<3}");
    }
    let matched: usize = scores.iter().map(FileScore::matched).sum();
    let total: usize = scores.iter().map(|s| s.fields.len()).sum();
    let complete = scores
        .iter()
        .filter(|s| s.matched() == s.fields.len())
        .count();
    println!(
        "total                    {matched}/{total} fields, {complete}/{} files complete",
        scores.len()
    );
}
