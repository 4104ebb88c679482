//! The accuracy harness as a test: every field of every OFD, XML, PDF and image in
//! `../shared/samples` must match its `expected.json` ground truth. Real files from many
//! producers decide; a synthetic fixture cannot stand in for them.
//!
//! The same scoring prints a full report with
//! `cargo run --release --example accuracy -- ../shared/samples`.

#[path = "../examples/accuracy/score.rs"]
mod score;

use std::path::PathBuf;

/// Formats whose every field is asserted: every file the tax platform issues.
const ASSERTED: &[&str] = &[".ofd", ".xml", ".pdf", ".png", ".jpg", ".jpeg"];

#[test]
fn every_field_of_every_real_file_matches_its_ground_truth() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    let Ok(text) = std::fs::read_to_string(folder.join("expected.json")) else {
        eprintln!(
            "skipping: {} is absent",
            folder.join("expected.json").display()
        );
        return;
    };
    let expected: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("expected.json is a JSON object");
    let expected = expected
        .into_iter()
        .filter(|(file, _)| {
            ASSERTED
                .iter()
                .any(|ext| file.to_lowercase().ends_with(ext))
        })
        .collect();
    let scores = score::score_folder(&folder, &expected);
    assert!(!scores.is_empty(), "no sample listed");
    let misses: Vec<String> = scores
        .iter()
        .flat_map(|file| {
            let error = file
                .error
                .iter()
                .map(move |e| format!("{}: {e}", file.file));
            let fields = file.fields.iter().filter(|f| !f.matched()).map(move |f| {
                format!(
                    "{}: {} expected {:?}, got {:?}",
                    file.file, f.field, f.expected, f.got
                )
            });
            error.chain(fields)
        })
        .collect();
    let total: usize = scores.iter().map(|s| s.fields.len()).sum();
    let matched: usize = scores.iter().map(score::FileScore::matched).sum();
    let slowest = scores.iter().map(|s| s.millis).fold(0.0, f64::max);
    eprintln!(
        "{} files, {matched}/{total} fields matched (slowest file {slowest:.0} ms, debug build)",
        scores.len()
    );
    assert!(
        misses.is_empty(),
        "{} of {total} fields missed:\n{}",
        misses.len(),
        misses.join("\n")
    );
}
