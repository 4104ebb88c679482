//! fapiao-codegen: compiles invoice-API specs (YAML) into typed Rust clients, mapping tables
//! and documentation.
//!
//! The pipeline is `parse` (serde-saphyr, spans kept, duplicate keys rejected) →
//! [`validate`] (every problem collected, each located) → [`ir`] → [`emit`] (quote +
//! prettyplease, deterministic) → write only what changed.
//!
//! Use it from a build script the way prost-build is used:
//!
//! ```no_run
//! // build.rs
//! let generated = fapiao_codegen::Builder::new("specs")
//!     .generate()
//!     .unwrap_or_else(|failure| {
//!         eprintln!("{failure}");
//!         std::process::exit(1);
//!     });
//! for path in &generated.files_read {
//!     println!("cargo:rerun-if-changed={}", path.display());
//! }
//! ```
//!
//! and include the registry it writes: `include!(concat!(env!("OUT_DIR"), "/apis.rs"));`.

pub mod catalog;
pub mod diagnostic;
#[cfg(feature = "docs")]
pub mod docs;
pub mod emit;
pub mod ir;
pub mod names;
pub mod spec;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use diagnostic::{Diagnostic, Label, Sources};
use ir::Ir;
use validate::{Parsed, Paths};

/// Name of the registry file written next to the API modules.
pub const REGISTRY_FILE: &str = "apis.rs";

/// Spec files are small; these bounds stop hostile YAML (alias bombs, deep nesting) early.
fn parse_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 32;
    budget.max_aliases = 0;
    budget.max_anchors = 0;
    budget.max_events = 2_000_000;
    budget.max_reader_input_bytes = Some(8 * 1024 * 1024);
    options.budget = Some(budget);
    options
}

/// Why generation failed: the located diagnostics, with the sources to render them.
#[derive(Debug)]
pub struct Failure {
    /// The problems.
    pub diagnostics: Vec<Diagnostic>,
    /// The files they point into.
    pub sources: Sources,
    /// Files read before failing (a build script still reruns when they change).
    pub files_read: Vec<PathBuf>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&diagnostic::render_all(&self.diagnostics, &self.sources))
    }
}

impl std::error::Error for Failure {}

/// What a successful run produced.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The validated IR.
    pub ir: Ir,
    /// Every file read (spec files, example files) and the specs directory itself, for
    /// `cargo:rerun-if-changed`.
    pub files_read: Vec<PathBuf>,
    /// Files written because their content changed.
    pub files_written: Vec<PathBuf>,
}

/// Compiles a directory of specs.
#[derive(Debug, Clone)]
pub struct Builder {
    specs_dir: PathBuf,
    out_dir: Option<PathBuf>,
    manifest_dir: Option<PathBuf>,
    display_prefix: Option<String>,
}

impl Builder {
    /// A builder for the specs in `specs_dir` (every `*.yaml` file directly inside it).
    ///
    /// When run from a build script, output goes to `OUT_DIR` and example files are
    /// included relative to `CARGO_MANIFEST_DIR`, unless overridden.
    pub fn new(specs_dir: impl Into<PathBuf>) -> Builder {
        Builder {
            specs_dir: specs_dir.into(),
            out_dir: std::env::var_os("OUT_DIR").map(PathBuf::from),
            manifest_dir: std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
            display_prefix: None,
        }
    }

    /// Writes generated modules to `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.out_dir = Some(dir.into());
        self
    }

    /// Makes example includes relative to `dir` (through `CARGO_MANIFEST_DIR`).
    pub fn manifest_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.manifest_dir = Some(dir.into());
        self
    }

    /// How spec paths are shown in headers, docs and diagnostics (default: the specs
    /// directory as given).
    pub fn display_prefix(mut self, prefix: impl Into<String>) -> Builder {
        self.display_prefix = Some(prefix.into());
        self
    }

    /// Parses and validates every spec.
    pub fn check(&self) -> Result<Checked, Failure> {
        let mut sources = Sources::default();
        let mut files_read = vec![self.specs_dir.clone()];
        let mut diagnostics = Vec::new();
        let files = match spec_files(&self.specs_dir) {
            Ok(f) => f,
            Err(e) => {
                let id = sources.add(self.specs_dir.display().to_string(), "");
                return Err(Failure {
                    diagnostics: vec![Diagnostic::new(
                        format!("cannot read the specs directory: {e}"),
                        Label::file(id, "here"),
                    )],
                    sources,
                    files_read,
                });
            }
        };
        let mut parsed = Vec::new();
        for path in files {
            files_read.push(path.clone());
            match self.parse_file(&path, &mut sources) {
                Ok(p) => parsed.push(p),
                Err(d) => diagnostics.push(d),
            }
        }
        let paths = Paths {
            manifest_dir: self.manifest_dir.clone(),
        };
        let result = validate::validate(&parsed, &mut sources, &paths, &mut files_read);
        match result {
            Ok(ir) if diagnostics.is_empty() => Ok(Checked {
                ir,
                files_read,
                sources,
            }),
            Ok(_) => Err(Failure {
                diagnostics,
                sources,
                files_read,
            }),
            Err(more) => {
                diagnostics.extend(more);
                Err(Failure {
                    diagnostics,
                    sources,
                    files_read,
                })
            }
        }
    }

    fn display(&self, path: &Path) -> String {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match &self.display_prefix {
            Some(prefix) => format!("{prefix}/{name}"),
            None => path.to_string_lossy().replace('\\', "/"),
        }
    }

    fn parse_file(&self, path: &Path, sources: &mut Sources) -> Result<Parsed, Diagnostic> {
        let display = self.display(path);
        let text = std::fs::read_to_string(path).map_err(|e| {
            let id = sources.add(display.clone(), "");
            Diagnostic::new(format!("cannot read spec: {e}"), Label::file(id, "here"))
        })?;
        parse_text(path, display, text, sources)
    }

    /// Validates, emits and writes every module that changed, plus the registry.
    pub fn generate(&self) -> Result<Generated, Failure> {
        let Checked {
            ir,
            mut files_read,
            sources,
        } = self.check()?;
        files_read.sort();
        files_read.dedup();
        let fail = |message: String, sources: Sources, files_read: Vec<PathBuf>| {
            let mut sources = sources;
            let id = sources.add("<generator>", "");
            Failure {
                diagnostics: vec![Diagnostic::new(message, Label::file(id, "while writing"))],
                sources,
                files_read,
            }
        };
        let Some(out) = self.out_dir.clone() else {
            return Err(fail(
                "no output directory: set OUT_DIR or call Builder::out_dir".into(),
                sources,
                files_read,
            ));
        };
        let mut outputs = Vec::new();
        for (api, emitted) in ir.apis.iter().zip(emit_all(&ir)) {
            match emitted {
                Ok(code) => outputs.push((out.join(emit::module_file(api)), code)),
                Err(e) => return Err(fail(e.to_string(), sources, files_read)),
            }
        }
        match emit::emit_registry(&ir, "") {
            Ok(code) => outputs.push((out.join(REGISTRY_FILE), code)),
            Err(e) => return Err(fail(e.to_string(), sources, files_read)),
        }
        let mut files_written = Vec::new();
        for (path, code) in outputs {
            match write_if_changed(&path, &code) {
                Ok(true) => files_written.push(path),
                Ok(false) => {}
                Err(e) => {
                    return Err(fail(
                        format!("cannot write {}: {e}", path.display()),
                        sources,
                        files_read,
                    ));
                }
            }
        }
        Ok(Generated {
            ir,
            files_read,
            files_written,
        })
    }
}

/// Every API's module, emitted on as many threads as the machine has cores (emitting and
/// formatting is most of `generate`, and each API is independent); results in API order.
fn emit_all(ir: &Ir) -> Vec<Result<String, emit::EmitError>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(ir.apis.len());
    if threads <= 1 {
        return ir.apis.iter().map(|api| emit::emit_api(api, ir)).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<String, emit::EmitError>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(api) = ir.apis.get(i) else {
                            return mine;
                        };
                        mine.push((i, emit::emit_api(api, ir)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, emitted)| emitted).collect()
}

/// The result of [`Builder::check`].
#[derive(Debug, Clone)]
pub struct Checked {
    /// The validated IR.
    pub ir: Ir,
    /// Files read.
    pub files_read: Vec<PathBuf>,
    /// Their text.
    pub sources: Sources,
}

/// Parses and validates one spec given as text, as [`Builder::check`] does for a file.
///
/// `name` is the file name diagnostics show; example files the spec names are read
/// relative to the current directory. Nothing is written. Meant for editors, tests and
/// fuzzing, where the spec is not (yet) a file in a specs directory.
pub fn check_source(name: &str, text: &str) -> Result<Ir, Failure> {
    let mut sources = Sources::default();
    let mut files_read = Vec::new();
    let parsed = match parse_text(
        Path::new(name),
        name.to_owned(),
        text.to_owned(),
        &mut sources,
    ) {
        Ok(p) => p,
        Err(d) => {
            return Err(Failure {
                diagnostics: vec![d],
                sources,
                files_read,
            });
        }
    };
    let paths = Paths::default();
    match validate::validate(&[parsed], &mut sources, &paths, &mut files_read) {
        Ok(ir) => Ok(ir),
        Err(diagnostics) => Err(Failure {
            diagnostics,
            sources,
            files_read,
        }),
    }
}

/// Parses spec `text`, registering it in `sources` so diagnostics can point into it.
fn parse_text(
    path: &Path,
    display: String,
    text: String,
    sources: &mut Sources,
) -> Result<Parsed, Diagnostic> {
    let file = sources.add(display.clone(), text.clone());
    match serde_saphyr::from_str_with_options::<spec::Spec>(&text, parse_options()) {
        Ok(spec) => Ok(Parsed {
            file,
            path: path.to_owned(),
            display,
            spec,
        }),
        Err(e) => Err(yaml_diagnostic(&e, file, &text)),
    }
}

/// `*.yaml` files directly inside `dir`, sorted.
pub fn spec_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Writes `content` unless the file already holds exactly that; true when written.
pub fn write_if_changed(path: &Path, content: &str) -> std::io::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, content)?;
    Ok(true)
}

/// Byte offset of a 1-based line and column (in characters) in `text`.
fn byte_offset(text: &str, line: u64, column: u64) -> Option<usize> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(usize::try_from(line.checked_sub(1)?).ok()?)
        .map(str::len)
        .sum();
    let rest = text.get(line_start..)?;
    let skip = usize::try_from(column.checked_sub(1)?).ok()?;
    let within = rest.char_indices().nth(skip).map_or(rest.len(), |(i, _)| i);
    Some(line_start + within)
}

/// `start..start + len` in `text`, widened to whole characters and to at least one (the
/// parser may give no length, or one that ends inside a multi-byte character).
fn whole_chars(text: &str, start: usize, len: usize) -> Option<std::ops::Range<usize>> {
    if start >= text.len() {
        return None;
    }
    let start = (0..=start).rev().find(|&i| text.is_char_boundary(i))?;
    let end = (start + len.max(1)).min(text.len());
    let end = (end..=text.len()).find(|&i| text.is_char_boundary(i))?;
    Some(start..end)
}

/// Rewords parser messages that speak of parser internals rather than of the spec.
fn friendlier(message: &str) -> String {
    if let Some(key) = message
        .strip_prefix("duplicate mapping key: ")
        .and_then(|rest| rest.split(", set DuplicateKeyPolicy").next())
    {
        return format!("duplicate key `{key}`: each key may appear only once");
    }
    if message.contains("budget breached: Anchors") || message.contains("budget breached: Aliases")
    {
        return "anchors and aliases are not allowed in specs".to_owned();
    }
    if message.contains("budget breached: Depth") {
        return "the spec nests too deeply".to_owned();
    }
    if message.contains("budget breached") {
        return "the spec is too large".to_owned();
    }
    message.to_owned()
}

fn yaml_diagnostic(e: &serde_saphyr::Error, file: diagnostic::FileId, text: &str) -> Diagnostic {
    use serde_saphyr::MessageFormatter;
    let raw = serde_saphyr::DefaultMessageFormatter
        .format_message(e)
        .escape_debug()
        .to_string();
    let message = friendlier(&raw);
    // Scanner errors carry a line and column but no byte span; derive it from the text.
    let span = e
        .location()
        .and_then(|l| {
            let s = l.span();
            let start = match s.byte_offset() {
                Some(b) => usize::try_from(b).ok()?,
                None => byte_offset(text, l.line(), l.column())?,
            };
            let len = s
                .byte_len()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(1);
            whole_chars(text, start, len)
        })
        .filter(|r| r.start < r.end && r.end <= text.len())
        .unwrap_or(0..0);
    Diagnostic::new(
        format!("invalid spec: {message}"),
        Label {
            file,
            span,
            text: message,
        },
    )
}
