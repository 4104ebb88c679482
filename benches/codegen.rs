//! Generator cost: `Builder::check` (parse + validate + lower) and `Builder::generate` (also
//! emit every module and the registry into an empty output directory) over the specs in
//! `specs/`, and over 10, 100 and 1,000 synthetic specs — copies of
//! `specs/tencent.vat_invoice_ocr.yaml` under generated ids, with its example, in a temp
//! directory. Criterion reports specs per second, so linear growth shows as a flat rate.
//!
//! Run with `cargo bench --bench codegen`. Target (PERFORMANCE.md): 1,000 specs generated in
//! under 2 s.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fapiao_codegen::Builder;
use support::Group;
use tempfile::TempDir;

/// The spec every synthetic copy is made from.
const SEED: &str = "tencent.vat_invoice_ocr";

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A builder over `specs` whose examples resolve against `root`, as `build.rs` sets it up.
fn builder(specs: &Path, root: &Path) -> Builder {
    Builder::new(specs)
        .manifest_dir(root)
        .display_prefix("specs")
}

/// `count` copies of the seed spec under ids `<seed>_0000`, … in `<dir>/specs`, with the
/// seed's example files.
fn synthetic(dir: &Path, count: usize) -> PathBuf {
    let specs = dir.join("specs");
    let examples = Path::new("examples").join(SEED);
    let source = crate_root().join("specs");
    copy_dir(&source.join(&examples), &specs.join(&examples));
    let seed = std::fs::read_to_string(source.join(format!("{SEED}.yaml"))).expect("seed spec");
    let id_line = format!("api: {SEED}\n");
    assert!(seed.contains(&id_line), "the seed names its id on one line");
    for n in 0..count {
        let id = format!("{SEED}_{n:04}");
        let copy = seed.replacen(&id_line, &format!("api: {id}\n"), 1);
        std::fs::write(specs.join(format!("{id}.yaml")), copy).expect("temp dir is writable");
    }
    specs
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("temp dir is writable");
    for entry in std::fs::read_dir(from).expect("examples dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy example");
        }
    }
}

/// Times check and generate over one specs directory.
fn bench_set(c: &mut Criterion, label: &str, specs: &Path, root: &Path, count: usize) {
    let builder = builder(specs, root);
    let checked = builder.check().unwrap_or_else(|f| panic!("{label}: {f}"));
    assert_eq!(checked.ir.apis.len(), count, "{label}: every spec compiles");
    let mut g = Group::new(c, format!("codegen/{label}"));
    g.throughput(Throughput::Elements(count as u64));
    if count >= 100 {
        g.sample_size(10).flat_sampling();
    }
    g.bench("check", || builder.check().map(|c| c.ir.apis.len()).ok());
    g.bench_with_setup(
        "generate (empty out dir)",
        || TempDir::new().expect("temp dir"),
        |out| {
            let generated = builder.clone().out_dir(out.path()).generate();
            (out, generated.map(|g| g.files_written.len()).ok())
        },
    );
    g.finish();
}

fn benches(c: &mut Criterion) {
    let root = crate_root();
    let specs = root.join("specs");
    let count = fapiao_codegen::spec_files(&specs).expect("specs dir").len();
    bench_set(c, &format!("specs/ ({count} specs)"), &specs, &root, count);
    for count in [10, 100, 1000] {
        let dir = TempDir::new().expect("temp dir");
        let specs = synthetic(dir.path(), count);
        bench_set(
            c,
            &format!("{count} synthetic specs"),
            &specs,
            dir.path(),
            count,
        );
    }
}

criterion_group!(codegen, benches);
criterion_main!(codegen);
