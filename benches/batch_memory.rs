//! Peak memory of a whole `fapiao recognize` run over 1,000 and over 10,000 files against the
//! sandbox: a bench binary (not criterion), since the figure is a property of the process.
//!
//! It writes distinct 64×64 PNGs into a temp dir, starts the sandbox in this process (icuapi
//! `invoice`, no faults), runs the release `fapiao` binary on them with `--concurrency 16` for
//! each output format that streams or renders (`jsonl`, `json`), samples its peak resident
//! set (`VmHWM` in `/proc/<pid>/status`) until it exits, and prints it with the wall time and
//! files per second, after checking that every file got an `ok` record.
//!
//! The binary: `$FAPIAO_BIN` when set; otherwise `cargo build --release --bin fapiao` is run
//! first and `fapiao` is taken from the target directory this bench runs from
//! (`target/release/`) — `CARGO_BIN_EXE_*` is not available to benches.
//!
//! Run with `cargo bench --bench batch_memory` (add `-- 1000` to run one size only).

#[path = "../tests/cli_fixtures/mod.rs"]
mod cli_fixtures;
#[path = "../tests/local_fixtures/mod.rs"]
mod local_fixtures;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fapiao::sandbox::{Sandbox, SandboxConfig};
use tempfile::TempDir;

const API: &str = "icuapi.invoice";
/// Credentials the sandbox accepts: (name, environment variable the CLI reads, value).
const CREDENTIALS: [(&str, &str, &str); 2] = [
    ("secret_id", "ICUAPI_SECRET_ID", "bench-icuapi-id"),
    ("secret_key", "ICUAPI_SECRET_KEY", "bench-icuapi-key"),
];
const SIZES: [u32; 2] = [1_000, 10_000];
const FORMATS: [&str; 2] = ["jsonl", "json"];
/// How often the child's peak resident set is read. `VmHWM` only grows, so a sample misses
/// at most the growth of the run's last few milliseconds.
const POLL: Duration = Duration::from_millis(5);

/// What one run of the binary took.
struct Run {
    files: u32,
    format: &'static str,
    elapsed: Duration,
    peak_rss_kib: u64,
}

fn main() {
    let sizes: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        SIZES.to_vec()
    } else {
        sizes
    };
    let bin = fapiao_binary();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let sandbox = runtime.block_on(sandbox());
    let home = TempDir::new().expect("temp dir");
    println!("binary: {}", bin.display());
    println!("| files | output | wall | files/s | peak RSS |");
    println!("|---:|---|---:|---:|---:|");
    for &files in &sizes {
        let dir = TempDir::new().expect("temp dir");
        let inputs = write_inputs(dir.path(), files);
        for format in FORMATS {
            let output = dir.path().join(format!("out.{format}"));
            let run = recognize(&bin, &sandbox, home.path(), &inputs, &output, format, files);
            check_output(&output, format, files);
            print_row(&run);
        }
    }
}

/// The release binary: `$FAPIAO_BIN`, or built now next to this bench.
fn fapiao_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("FAPIAO_BIN") {
        return PathBuf::from(bin);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--bin", "fapiao"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo build --release --bin fapiao failed"
    );
    // This bench is `<target>/release/deps/batch_memory-<hash>`.
    let exe = std::env::current_exe().expect("own path");
    let release = exe
        .parent()
        .and_then(Path::parent)
        .expect("bench runs from <target>/release/deps");
    release.join("fapiao")
}

async fn sandbox() -> Sandbox {
    let config = CREDENTIALS.iter().fold(
        SandboxConfig::new().environment(|_| None).seed(10),
        |config, (name, _, value)| config.credential(API, name, *value),
    );
    Sandbox::start(config).await.expect("sandbox starts")
}

/// `files` distinct PNGs in `<dir>/inputs`.
fn write_inputs(dir: &Path, files: u32) -> PathBuf {
    let inputs = dir.join("inputs");
    std::fs::create_dir(&inputs).expect("temp dir is writable");
    for n in 0..files {
        let path = inputs.join(format!("{n:05}.png"));
        std::fs::write(path, cli_fixtures::distinct_png(n)).expect("temp dir is writable");
    }
    inputs
}

/// Runs `fapiao recognize` over `inputs`, sampling its peak resident set until it exits.
fn recognize(
    bin: &Path,
    sandbox: &Sandbox,
    home: &Path,
    inputs: &Path,
    output: &Path,
    format: &'static str,
    files: u32,
) -> Run {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .args(["recognize", "--api", API, "--endpoint", &sandbox.base_url()])
        .args(["--concurrency", "16", "--format", format, "--output"])
        .arg(output)
        .arg(inputs)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (_, env, value) in CREDENTIALS {
        command.env(env, value);
    }
    let start = Instant::now();
    let mut child = command.spawn().expect("the binary starts");
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        peak_rss_kib = peak_rss_kib.max(high_water_kib(child.id()).unwrap_or(0));
        std::thread::sleep(POLL);
    };
    let elapsed = start.elapsed();
    assert!(status.success(), "fapiao recognize exits 0: {status}");
    Run {
        files,
        format,
        elapsed,
        peak_rss_kib,
    }
}

/// The peak resident set so far (`VmHWM`, KiB) of process `pid`, while it runs.
///
/// Not `ru_maxrss` from `wait4`: Linux carries the maximum over `exec`, and a child spawned
/// with `vfork` (as `Command` does) execs from this bench's address space, so it would report
/// this process's peak rather than the binary's.
fn high_water_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Every input has one `ok` record.
fn check_output(output: &Path, format: &str, files: u32) {
    let text = std::fs::read_to_string(output).expect("output written");
    let records: Vec<serde_json::Value> = match format {
        "json" => serde_json::from_str(&text).expect("a JSON array"),
        _ => text
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect(),
    };
    assert_eq!(records.len(), files as usize, "one record per file");
    assert!(
        records.iter().all(|r| r["status"] == "ok"),
        "every file recognised"
    );
}

fn print_row(run: &Run) {
    let secs = run.elapsed.as_secs_f64();
    println!(
        "| {} | {} | {:.1} s | {:.0} | {:.1} MiB |",
        run.files,
        run.format,
        secs,
        f64::from(run.files) / secs,
        run.peak_rss_kib as f64 / 1024.0
    );
}
