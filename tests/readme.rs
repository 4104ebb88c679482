//! Every command in README.md is run here, the way a reader would type it: `fapiao …` and
//! `cargo run --release -- …` run the built binary, `export` sets the environment, a trailing
//! `&` starts a background process, and `cargo test --workspace` is checked to be what
//! `.ci/run` runs. Commands that go to a vendor are sent to an in-process sandbox instead
//! (through `FAPIAO_ENDPOINT_<API>`), with the credentials the README exports.
//!
//! A README command run by another test is listed in [`ELSEWHERE`] with that test's name.

#[path = "cli_fixtures/mod.rs"]
mod fixtures;
#[path = "local_fixtures/mod.rs"]
mod local_fixtures;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use fapiao::sandbox::{Sandbox, SandboxConfig};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_fapiao");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// README commands another test runs: (command, `tests/<file>.rs::<test>`).
const ELSEWHERE: &[(&str, &str)] = &[(
    "cargo run -p fapiao-codegen -- check specs",
    "codegen/tests/codegen.rs::check_command_lists_every_spec",
)];

/// The README sections whose command blocks the tests below run.
const RUN_HERE: &[&str] = &["Quick start", "Cloud APIs", "Batches", "Sandbox"];

// ---------------------------------------------------------------- the README

/// A fenced shell block and the heading it sits under.
#[derive(Debug)]
struct Block {
    heading: String,
    commands: Vec<String>,
}

/// Every ```sh / ```bash / ```shell block of README.md, comments dropped, continuation
/// lines joined.
fn readme_blocks() -> Vec<Block> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README.md");
    let mut blocks = Vec::new();
    let mut heading = String::new();
    let mut current: Option<Vec<String>> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        match &mut current {
            None if trimmed.starts_with('#') => {
                heading = trimmed.trim_start_matches('#').trim().to_owned()
            }
            None if ["```sh", "```bash", "```shell"].contains(&trimmed) => {
                current = Some(Vec::new())
            }
            None => {}
            Some(commands) if trimmed == "```" => {
                blocks.push(Block {
                    heading: heading.clone(),
                    commands: std::mem::take(commands),
                });
                current = None;
            }
            Some(commands) => {
                let continues = commands.last().is_some_and(|c: &String| c.ends_with('\\'));
                if continues {
                    let last = commands.last_mut().unwrap();
                    last.pop();
                    last.push_str(trimmed);
                } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
                    commands.push(trimmed.to_owned());
                }
            }
        }
    }
    blocks
}

/// The commands of the block under `heading`.
fn block(heading: &str) -> Vec<String> {
    readme_blocks()
        .into_iter()
        .find(|b| b.heading == heading)
        .unwrap_or_else(|| panic!("README.md has no command block under `{heading}`"))
        .commands
}

// ---------------------------------------------------------------- a tiny shell

/// What a command printed.
#[derive(Debug)]
struct Output {
    stdout: String,
    stderr: String,
}

/// Runs README commands in `cwd` with a clean environment plus what `export` set.
struct Shell {
    cwd: PathBuf,
    env: BTreeMap<String, String>,
    background: Vec<Child>,
    _home: TempDir,
}

impl Shell {
    fn new(cwd: &Path) -> Shell {
        let home = tempfile::tempdir().unwrap();
        let mut env = BTreeMap::new();
        for name in ["HOME", "XDG_CONFIG_HOME"] {
            env.insert(name.to_owned(), home.path().display().to_string());
        }
        Shell {
            cwd: cwd.to_path_buf(),
            env,
            background: Vec::new(),
            _home: home,
        }
    }

    /// Applies the `export` lines of `commands` (before starting what they configure).
    fn export_from(&mut self, commands: &[String]) {
        for command in commands.iter().filter(|c| c.starts_with("export ")) {
            self.run(command);
        }
    }

    /// Runs one command; `None` for those that print nothing here (`export`, the CI check,
    /// background processes). Panics when a command fails.
    fn run(&mut self, command: &str) -> Option<Output> {
        let mut words: Vec<&str> = command.split_whitespace().collect();
        if words[0] == "export" {
            for pair in &words[1..] {
                let (name, value) = pair.split_once('=').expect("export NAME=VALUE");
                self.env.insert(name.to_owned(), value.to_owned());
            }
            return None;
        }
        if words == ["cargo", "test", "--workspace"] {
            let ci = std::fs::read_to_string(Path::new(ROOT).join(".ci/run")).unwrap();
            assert!(
                ci.lines().any(|l| l.trim() == command),
                ".ci/run must run `{command}`"
            );
            return None;
        }
        let background = words.last() == Some(&"&");
        if background {
            words.pop();
        }
        let args = match words.as_slice() {
            ["cargo", "run", "--release", "--", args @ ..] | ["fapiao", args @ ..] => args,
            _ => panic!("tests/readme.rs does not know how to run `{command}`"),
        };
        let mut process = Command::new(BIN);
        process
            .args(args)
            .current_dir(&self.cwd)
            .env_clear()
            .envs(&self.env);
        if background {
            self.start(command, process);
            return None;
        }
        let output = process.output().unwrap();
        let out = Output {
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        // The sandbox answers with its example invoice, which is not the one in the README's
        // invoice.png: `--validate` rightly reports that, with exit 1.
        let invalid = command.contains("--validate")
            && output.status.code() == Some(1)
            && out.stderr.contains("with validation errors");
        assert!(
            output.status.success() || invalid,
            "`{command}` failed: {out:?}"
        );
        Some(out)
    }

    /// Starts a background process and waits for its first line of output (a server's
    /// banner), so the next command finds it ready.
    fn start(&mut self, command: &str, mut process: Command) {
        let mut child = process
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        if first.is_empty() {
            let output = child.wait_with_output().unwrap();
            panic!(
                "`{command}` exited: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        self.background.push(child);
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        for child in &mut self.background {
            // Already gone is fine too.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A working folder with the files the README examples name: `invoice.png` (an invoice QR
/// code) and `scans/` (three images).
fn workspace() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("invoice.png"),
        fixtures::qr_png(&fixtures::qr_payload()),
    )
    .unwrap();
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    for n in 0..3 {
        std::fs::write(
            scans.join(format!("scan-{n}.png")),
            fixtures::distinct_png(n),
        )
        .unwrap();
    }
    dir
}

// ---------------------------------------------------------------- the tests

#[test]
fn the_quickstart_fixture_is_what_the_test_helpers_build() {
    let path = Path::new(ROOT).join(fixtures::QUICKSTART_OFD);
    let built = fixtures::einvoice_ofd();
    if std::env::var_os("FAPIAO_BLESS").is_some() {
        std::fs::write(&path, &built).unwrap();
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(
        checked_in == built,
        "{} is stale; regenerate it with FAPIAO_BLESS=1 cargo test --test readme",
        path.display()
    );
}

#[test]
fn the_quick_start_commands_run() {
    let mut shell = Shell::new(Path::new(ROOT));
    let commands = block("Quick start");
    assert!(
        commands
            .iter()
            .any(|c| c.starts_with("cargo run --release -- recognize "))
    );
    assert!(commands.iter().any(|c| c == "cargo test --workspace"));
    for command in &commands {
        if let Some(out) = shell.run(command) {
            for fact in [
                fixtures::CODE,
                fixtures::NUMBER,
                fixtures::BUYER,
                fixtures::TOTAL,
                fixtures::ITEM,
            ] {
                assert!(
                    out.stdout.contains(fact),
                    "`{command}` should print {fact}: {out:?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloud_and_batch_examples_run_against_a_sandbox() {
    let dir = workspace();
    let cloud = block("Cloud APIs");
    let batches = block("Batches");
    let mut shell = Shell::new(dir.path());
    shell.export_from(&cloud);
    let env = shell.env.clone();
    let sandbox =
        Sandbox::start(SandboxConfig::new().environment(move |name| env.get(name).cloned()))
            .await
            .unwrap();
    for api in fapiao::api::registry() {
        let variable = fapiao::client::endpoint_env_var(api.descriptor().id);
        shell.env.insert(variable, sandbox.base_url());
    }
    let outputs = tokio::task::spawn_blocking(move || {
        let outputs: Vec<(String, Output)> = cloud
            .iter()
            .chain(&batches)
            .filter_map(|c| Some((c.clone(), shell.run(c)?)))
            .collect();
        outputs
    })
    .await
    .unwrap();
    let printed = |prefix: &str| {
        outputs
            .iter()
            .filter(|(c, _)| c.starts_with(prefix))
            .map(|(_, o)| o)
            .collect::<Vec<_>>()
    };
    assert!(
        printed("fapiao apis")[0]
            .stdout
            .contains("tencent.vat_invoice_ocr")
    );
    let resumed =
        printed("fapiao recognize --api tencent.vat_invoice_ocr --output invoices.xlsx --resume");
    assert!(resumed[0].stderr.contains("3 skipped"), "{:?}", resumed[0]);
    assert!(dir.path().join("invoices.xlsx").exists());
    assert!(sandbox.stats().apis["tencent.vat_invoice_ocr"].successes >= 5);
}

#[test]
fn the_sandbox_example_runs() {
    let dir = workspace();
    let mut shell = Shell::new(dir.path());
    let mut records = 0;
    for command in block("Sandbox") {
        if let Some(out) = shell.run(&command) {
            records += out
                .stdout
                .lines()
                .filter(|l| l.contains(r#""status":"ok""#))
                .count();
        }
    }
    assert_eq!(records, 3, "one successful record per scan");
}

#[test]
fn every_readme_command_is_run_by_a_test() {
    let tests: String = ["tests", "codegen/tests"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(Path::new(ROOT).join(dir))
                .into_iter()
                .flatten()
        })
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .collect();
    for block in readme_blocks() {
        for command in &block.commands {
            if RUN_HERE.contains(&block.heading.as_str()) {
                continue;
            }
            let (_, test) = ELSEWHERE
                .iter()
                .find(|(c, _)| c == command)
                .unwrap_or_else(|| {
                    panic!(
                        "README command `{command}` ({}) is run by no test",
                        block.heading
                    )
                });
            let name = test.rsplit("::").next().unwrap();
            assert!(
                tests.contains(&format!("fn {name}(")),
                "{test} does not exist"
            );
        }
    }
}
