//! Validation and lowering: spec structs → [`Ir`], collecting every problem as a located
//! [`Diagnostic`] in one run.
//!
//! Work happens in two passes because specs refer to each other: the first lowers each spec's
//! own declarations (names, types, errors); the second resolves imports and everything that
//! refers to types (response, mapping), which may live in another spec.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::catalog::{self, ValueType};
use crate::diagnostic::{Diagnostic, FileId, Label, Sources};
use crate::ir::*;
use crate::names;
use crate::spec::{self, Sp, SpMap};

mod declarations;
mod mapping;
mod references;

use mapping::MapCx;

/// A parsed spec file.
#[derive(Debug)]
pub struct Parsed {
    /// File id in [`Sources`].
    pub file: FileId,
    /// Path on disk.
    pub path: PathBuf,
    /// Display path used in headers and docs (e.g. `specs/tencent.vat_invoice_ocr.yaml`).
    pub display: String,
    /// The parsed spec.
    pub spec: spec::Spec,
}

/// Where generated code finds files at compile time.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// Directory `include_str!` paths are made relative to, through `CARGO_MANIFEST_DIR`
    /// (None: absolute paths are emitted).
    pub manifest_dir: Option<PathBuf>,
}

/// Names the generated module itself defines; spec types may not take them.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Request",
    "RequestBuilder",
    "ErrorCode",
    "Api",
    "ApiRequest",
    "ToInvoices",
];

/// Validates every spec and lowers them into one [`Ir`], or returns every problem found.
pub fn validate(
    parsed: &[Parsed],
    sources: &mut Sources,
    paths: &Paths,
    files_read: &mut Vec<PathBuf>,
) -> Result<Ir, Vec<Diagnostic>> {
    let _ = sources;
    let mut cx = Cx {
        diags: Vec::new(),
        paths,
        files_read,
    };
    cx.check_unique_ids(parsed);
    let firsts: Vec<Option<ApiIr>> = parsed.iter().map(|p| cx.lower_own(p)).collect();
    let all_types: BTreeMap<String, Vec<TypeIr>> = firsts
        .iter()
        .flatten()
        .map(|a| (a.id.clone(), a.types.clone()))
        .collect();
    let all_errors: BTreeMap<String, Vec<ErrorIr>> = firsts
        .iter()
        .flatten()
        .map(|a| (a.id.clone(), a.errors.clone()))
        .collect();
    let mut apis = Vec::new();
    for (p, first) in parsed.iter().zip(firsts) {
        if let Some(mut api) = first {
            cx.lower_refs(p, &mut api, &all_types, &all_errors);
            apis.push(api);
        }
    }
    cx.resolve_reuse(parsed, &mut apis);
    if cx.diags.is_empty() {
        apis.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Ir { apis })
    } else {
        Err(cx.diags)
    }
}

struct Cx<'a> {
    diags: Vec<Diagnostic>,
    paths: &'a Paths,
    files_read: &'a mut Vec<PathBuf>,
}

/// Tracks Rust names given within one namespace so collisions report both places.
struct Namespace<'s> {
    what: &'static str,
    seen: BTreeMap<String, (FileId, &'s Sp<String>)>,
}

impl<'s> Namespace<'s> {
    fn new(what: &'static str) -> Namespace<'s> {
        Namespace {
            what,
            seen: BTreeMap::new(),
        }
    }
}

fn text(zh: &Option<String>, en: &Option<String>) -> Text {
    Text {
        zh: zh.clone().unwrap_or_default(),
        en: en.clone().unwrap_or_default(),
    }
}

fn dotted(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split('.').map(str::to_owned).collect()
    }
}

impl Cx<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn at<T>(&mut self, file: FileId, value: &Sp<T>, message: impl Into<String>, label: &str) {
        self.diags
            .push(Diagnostic::new(message, Label::at(file, value, label)));
    }

    fn name<'s>(
        &mut self,
        ns: &mut Namespace<'s>,
        file: FileId,
        wire: &'s Sp<String>,
        explicit: Option<&'s Sp<String>>,
        sanitize: fn(&str) -> Result<String, names::NameError>,
    ) -> Option<String> {
        let result = match explicit {
            Some(r) => names::check_explicit(&r.value),
            None => sanitize(&wire.value),
        };
        let name = match result {
            Ok(n) => n,
            Err(names::NameError(why)) => {
                let at = explicit.unwrap_or(wire);
                self.err(
                    Diagnostic::new(
                        format!("{} `{}` cannot be named in Rust", ns.what, wire.value),
                        Label::at(file, at, why),
                    )
                    .with_help("add `rust_name: <identifier>`"),
                );
                return None;
            }
        };
        self.claim(ns, file, wire, &name);
        Some(name)
    }

    fn claim<'s>(
        &mut self,
        ns: &mut Namespace<'s>,
        file: FileId,
        wire: &'s Sp<String>,
        name: &str,
    ) {
        if let Some((first_file, first)) = ns.seen.get(name) {
            let d = Diagnostic::new(
                format!(
                    "{} `{}` and `{}` both become `{name}` in Rust",
                    ns.what, first.value, wire.value
                ),
                Label::at(file, wire, format!("this {} becomes `{name}`", ns.what)),
            )
            .with_secondary(Label::at(*first_file, first, "so does this one"))
            .with_help("rename one of them with `rust_name:`");
            self.err(d);
        } else {
            ns.seen.insert(name.to_owned(), (file, wire));
        }
    }

    fn check_unique_ids(&mut self, parsed: &[Parsed]) {
        let mut seen: BTreeMap<&str, &Parsed> = BTreeMap::new();
        for p in parsed {
            if let Some(first) = seen.get(p.spec.api.value.as_str()) {
                let d = Diagnostic::new(
                    format!("API id `{}` is declared twice", p.spec.api.value),
                    Label::at(p.file, &p.spec.api, "declared again here"),
                )
                .with_secondary(Label::at(
                    first.file,
                    &first.spec.api,
                    "first declared here",
                ));
                self.err(d);
            } else {
                seen.insert(&p.spec.api.value, p);
            }
        }
    }
}

/// `{name}` placeholders in a URL.
pub fn placeholders(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = url;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    out
}

/// Parses a type expression.
pub fn parse_type(s: &str) -> Option<TypeRef> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return parse_type(inner).map(|t| TypeRef::List(Box::new(t)));
    }
    Some(match s {
        "string" => TypeRef::String,
        "int" => TypeRef::Int,
        "float" => TypeRef::Float,
        "bool" => TypeRef::Bool,
        "json" => TypeRef::Json,
        name if !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            TypeRef::Named(name.to_owned())
        }
        _ => return None,
    })
}

fn named_in(t: &TypeRef) -> Option<&str> {
    match t {
        TypeRef::Named(n) => Some(n),
        TypeRef::List(inner) => named_in(inner),
        _ => None,
    }
}

/// Splits `name` or `name(arg)` / `name("arg")`.
pub fn parse_norm(s: &str) -> Option<(&str, Option<String>)> {
    let s = s.trim();
    let Some(open) = s.find('(') else {
        let ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        return ok.then_some((s, None));
    };
    let name = &s[..open];
    let inner = s[open + 1..].strip_suffix(')')?;
    let arg = inner
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(inner);
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    ok.then(|| (name, Some(arg.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions() {
        assert_eq!(parse_type("string"), Some(TypeRef::String));
        assert_eq!(
            parse_type("[Coord]"),
            Some(TypeRef::List(Box::new(TypeRef::Named("Coord".into()))))
        );
        assert_eq!(
            parse_type("[[int]]"),
            Some(TypeRef::List(Box::new(TypeRef::List(Box::new(
                TypeRef::Int
            )))))
        );
        assert_eq!(parse_type("[Coord"), None);
        assert_eq!(parse_type("发票"), None);
    }

    #[test]
    fn normalizer_syntax() {
        assert_eq!(parse_norm("money"), Some(("money", None)));
        assert_eq!(
            parse_norm("strip_prefix(No)"),
            Some(("strip_prefix", Some("No".into())))
        );
        assert_eq!(
            parse_norm("strip_prefix(\"¥ \")"),
            Some(("strip_prefix", Some("¥ ".into())))
        );
        assert_eq!(parse_norm("Money"), None);
        assert_eq!(parse_norm("table(x"), None);
    }

    #[test]
    fn url_placeholders() {
        assert_eq!(
            placeholders("https://ocr.{region}.x.com/v2/{project_id}/ocr"),
            vec!["region".to_owned(), "project_id".to_owned()]
        );
    }
}
