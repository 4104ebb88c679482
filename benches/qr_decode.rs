//! QR decoding on a synthetic degraded set (scales, rotations, blur, noise, low contrast,
//! JPEG artefacts, a small code on a page): images per second and success rate of the
//! local backend, and of `zbarimg` (Debian `zbar-tools`) on the same PNG files when it is
//! installed, for comparison.
//!
//! Run with `cargo bench --bench qr_decode`.

#[path = "../tests/local_fixtures/mod.rs"]
mod fixtures;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fapiao::local::{LocalLimits, decode_qr_image};

/// One encoded case of the set.
struct Case {
    name: String,
    png: Vec<u8>,
    payload: &'static str,
}

fn cases() -> Vec<Case> {
    fixtures::degraded_set()
        .into_iter()
        .map(|d| Case {
            png: fixtures::encode_png(&d.image),
            name: d.name,
            payload: d.payload,
        })
        .collect()
}

fn decodes(case: &Case, limits: &LocalLimits) -> bool {
    decode_qr_image(&case.png, limits).is_ok_and(|texts| texts.iter().any(|t| t == case.payload))
}

/// Success rate and throughput of one pass, printed once before criterion's timing.
fn report_local(cases: &[Case]) {
    let limits = LocalLimits::default();
    let start = Instant::now();
    let failed: Vec<&str> = cases
        .iter()
        .filter(|c| !decodes(c, &limits))
        .map(|c| c.name.as_str())
        .collect();
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "fapiao local (rqrr + preprocessing): {}/{} decoded ({:.1} %), {:.1} images/s; failed: {failed:?}",
        cases.len() - failed.len(),
        cases.len(),
        100.0 * (cases.len() - failed.len()) as f64 / cases.len() as f64,
        cases.len() as f64 / elapsed
    );
}

/// The set written as PNG files for zbarimg.
fn write_files(cases: &[Case], dir: &Path) -> Vec<PathBuf> {
    cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let path = dir.join(format!("{i:03}.png"));
            std::fs::write(&path, &case.png).expect("temp dir is writable");
            path
        })
        .collect()
}

/// Runs zbarimg once over all files; returns its XML report, or `None` when absent.
fn run_zbarimg(files: &[PathBuf]) -> Option<String> {
    let output = Command::new("zbarimg")
        .args(["--quiet", "--xml", "-Sdisable", "-Sqrcode.enable"])
        .args(files)
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The decoded texts zbarimg's XML lists for one source file.
fn zbar_texts<'a>(xml: &'a str, file: &Path) -> Vec<&'a str> {
    let marker = format!("<source href='{}'>", file.display());
    let Some(start) = xml.find(&marker) else {
        return Vec::new();
    };
    let section = &xml[start + marker.len()..];
    let section = &section[..section.find("</source>").unwrap_or(section.len())];
    section
        .split("<![CDATA[")
        .skip(1)
        .filter_map(|s| s.split("]]>").next())
        .collect()
}

fn report_zbar(cases: &[Case], files: &[PathBuf]) -> bool {
    let start = Instant::now();
    let Some(xml) = run_zbarimg(files) else {
        println!("zbarimg not found: skipping the comparison (apt-get install zbar-tools)");
        return false;
    };
    let elapsed = start.elapsed().as_secs_f64();
    let failed: Vec<&str> = cases
        .iter()
        .zip(files)
        .filter(|(case, file)| !zbar_texts(&xml, file).contains(&case.payload))
        .map(|(case, _)| case.name.as_str())
        .collect();
    println!(
        "zbarimg (one process over all files): {}/{} decoded ({:.1} %), {:.1} images/s; failed: {failed:?}",
        cases.len() - failed.len(),
        cases.len(),
        100.0 * (cases.len() - failed.len()) as f64 / cases.len() as f64,
        cases.len() as f64 / elapsed
    );
    true
}

fn bench(c: &mut Criterion) {
    let cases = cases();
    report_local(&cases);
    let dir = tempfile::tempdir().expect("temp dir");
    let files = write_files(&cases, dir.path());
    let zbar = report_zbar(&cases, &files);

    let mut group = c.benchmark_group("qr_decode_degraded_set");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.sample_size(10);
    let limits = LocalLimits::default();
    group.bench_function("fapiao_local", |b| {
        b.iter(|| {
            for case in &cases {
                black_box(decode_qr_image(black_box(&case.png), &limits).ok());
            }
        })
    });
    if zbar {
        group.bench_function("zbarimg", |b| b.iter(|| black_box(run_zbarimg(&files))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
