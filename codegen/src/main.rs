//! `fapiao-codegen`: check specs, print the Rust generated for one, or render the docs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fapiao_codegen::{Builder, emit};

const USAGE: &str = "\
usage: fapiao-codegen <command>

commands:
  check <specs-dir>     validate every spec; print all problems; exit 1 if any
  expand <spec-file>    print the Rust generated for one spec (its directory is read
                        too, for imports)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["check", dir] => check(Path::new(dir)),
        ["expand", file] => expand(Path::new(file)),
        ["-h" | "--help" | "help"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn builder(dir: &Path) -> Builder {
    Builder::new(dir).manifest_dir(std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
}

fn check(dir: &Path) -> ExitCode {
    match builder(dir).check() {
        Ok(checked) => {
            let n = checked.ir.apis.len();
            println!(
                "ok: {n} API{} in {}",
                if n == 1 { "" } else { "s" },
                dir.display()
            );
            for api in &checked.ir.apis {
                println!("  {:<36} {}", api.id, emit_title(api));
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("{failure}");
            ExitCode::FAILURE
        }
    }
}

fn emit_title(api: &fapiao_codegen::ir::ApiIr) -> &str {
    if api.title.zh.is_empty() {
        &api.title.en
    } else {
        &api.title.zh
    }
}

fn expand(file: &Path) -> ExitCode {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let checked = match builder(dir).check() {
        Ok(c) => c,
        Err(failure) => {
            eprintln!("{failure}");
            return ExitCode::FAILURE;
        }
    };
    let wanted = std::fs::canonicalize(file).ok();
    let api = checked.ir.apis.iter().find(|a| {
        let p = dir.join(Path::new(&a.spec_path).file_name().unwrap_or_default());
        std::fs::canonicalize(p).ok() == wanted
    });
    let Some(api) = api else {
        eprintln!(
            "error: {} is not a spec in {}",
            file.display(),
            dir.display()
        );
        return ExitCode::FAILURE;
    };
    match emit::emit_api(api, &checked.ir) {
        Ok(code) => {
            print!("{code}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
