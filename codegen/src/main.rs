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
  docs [--specs DIR] --out OUT
                        render the Markdown docs of every spec in DIR (default: specs)
                        into OUT/README.md and OUT/apis/<api-id>.md; writes only what
                        changed
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
        ["docs", options @ ..] => match DocsOptions::parse(options) {
            Some(options) => docs(&options),
            None => {
                eprint!("{USAGE}");
                ExitCode::from(2)
            }
        },
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

/// Writes to stdout; a reader that went away (`| head`) is not an error worth a panic.
fn stdout(text: &str) -> ExitCode {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            ExitCode::FAILURE
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
            let mut text = format!(
                "ok: {n} API{} in {}\n",
                if n == 1 { "" } else { "s" },
                dir.display()
            );
            for api in &checked.ir.apis {
                text.push_str(&format!("  {:<36} {}\n", api.id, emit_title(api)));
            }
            stdout(&text)
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
        Ok(code) => stdout(&code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Arguments of `docs`.
#[derive(Debug, PartialEq, Eq)]
struct DocsOptions {
    specs: String,
    out: PathBuf,
}

impl DocsOptions {
    /// `[--specs DIR] --out DIR`, each at most once; `None` for anything else.
    fn parse(args: &[&str]) -> Option<DocsOptions> {
        let (mut specs, mut out) = (None, None);
        for pair in args.chunks(2) {
            let slot = match pair.first().copied() {
                Some("--specs") => &mut specs,
                Some("--out") => &mut out,
                _ => return None,
            };
            let value = pair.get(1).copied().filter(|v| !v.is_empty())?;
            if slot.replace(value).is_some() {
                return None;
            }
        }
        Some(DocsOptions {
            specs: specs.unwrap_or("specs").to_owned(),
            out: PathBuf::from(out?),
        })
    }
}

/// The specs directory as pages name it: as given, `/`-separated, without `./` or a
/// trailing slash.
fn specs_display(dir: &str) -> String {
    let dir = dir.replace('\\', "/");
    let dir = dir.strip_prefix("./").unwrap_or(&dir).trim_end_matches('/');
    if dir.is_empty() {
        ".".to_owned()
    } else {
        dir.to_owned()
    }
}

fn docs(options: &DocsOptions) -> ExitCode {
    let checked = match builder(Path::new(&options.specs))
        .display_prefix(specs_display(&options.specs))
        .check()
    {
        Ok(c) => c,
        Err(failure) => {
            eprintln!("{failure}");
            return ExitCode::FAILURE;
        }
    };
    match fapiao_codegen::docs::write(&checked.ir, &options.out) {
        Ok(result) => {
            for path in result.written.iter().chain(&result.removed) {
                println!("  {}", path.display());
            }
            println!(
                "docs: {} files in {}; {} written, {} removed",
                result.pages.len(),
                options.out.display(),
                result.written.len(),
                result.removed.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_options_default_the_specs_dir_and_need_an_out_dir() {
        assert_eq!(
            DocsOptions::parse(&["--out", "generated"]),
            Some(DocsOptions {
                specs: "specs".to_owned(),
                out: PathBuf::from("generated")
            })
        );
        assert_eq!(
            DocsOptions::parse(&["--out", "g", "--specs", "s"]).map(|o| o.specs),
            Some("s".to_owned())
        );
        for bad in [
            &[][..],
            &["--specs", "s"],
            &["--out"],
            &["--out", ""],
            &["--out", "a", "--out", "b"],
            &["--out", "a", "--verbose"],
        ] {
            assert_eq!(DocsOptions::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn specs_display_is_relative_and_slash_separated() {
        assert_eq!(specs_display("./specs/"), "specs");
        assert_eq!(specs_display("a\\b"), "a/b");
        assert_eq!(specs_display("./"), ".");
    }
}
