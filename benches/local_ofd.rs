//! Offline OFD reading: files per second through `fapiao::local::recognize` (zip, XML,
//! fields, QR text), on the synthetic 增值税电子普通发票 the CLI tests build, and on the real
//! samples in `../shared/samples` when that folder exists (the 2020 Zhejiang e-invoice with
//! `original_invoice.xml`, and the 2024 数电 invoice read through `CustomTag.xml` and its QR
//! PNG).
//!
//! Run with `cargo bench --bench local_ofd`; instruction counts with
//! `benches/callgrind.sh local_ofd <filter>`. QR decoding of images is `benches/qr_decode.rs`.

#[path = "../tests/cli_fixtures/mod.rs"]
mod cli_fixtures;
#[path = "../tests/local_fixtures/mod.rs"]
mod local_fixtures;
#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fapiao::local::{LocalLimits, recognize};
use support::Group;

/// The OFDs to read: (label, bytes).
fn files() -> Vec<(String, Vec<u8>)> {
    let mut files = vec![(
        "synthetic e-invoice (original_invoice.xml)".to_owned(),
        cli_fixtures::einvoice_ofd(),
    )];
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    for name in ["einvoice-zhejiang-2020.ofd", "digital-special-2024.ofd"] {
        match std::fs::read(samples.join(name)) {
            Ok(bytes) => files.push((format!("sample {name}"), bytes)),
            Err(_) => println!("{name} is not in {}: skipped", samples.display()),
        }
    }
    files
}

fn benches(c: &mut Criterion) {
    let limits = LocalLimits::default();
    for (label, bytes) in files() {
        let invoices = recognize(&bytes, None, &limits).expect("the OFD reads");
        assert!(invoices.iter().any(|i| i.number.is_some()), "{label}");
        let mut g = Group::new(c, format!("local_ofd/{label}"));
        g.throughput(Throughput::Elements(1));
        g.bench("recognize", || recognize(black_box(&bytes), None, &limits));
        g.finish();
    }
}

criterion_group!(local_ofd, benches);
criterion_main!(local_ofd);
