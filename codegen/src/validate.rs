//! Validation and lowering: spec structs → [`Ir`], collecting every problem as a located
//! [`Diagnostic`] in one run.
//!
//! Work happens in two passes because specs refer to each other: the first lowers each spec's
//! own declarations (names, types, errors); the second resolves imports and everything that
//! refers to types (response, mapping), which may live in another spec.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::catalog::{self, ValueType};
use crate::diagnostic::{Diagnostic, FileId, Label, Sources};
use crate::ir::*;
use crate::names;
use crate::spec::{self, Sp, SpMap};

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

    // ---------------------------------------------------------------- pass 1: own items

    fn lower_own(&mut self, p: &Parsed) -> Option<ApiIr> {
        let s = &p.spec;
        let f = p.file;
        let (vendor_module, api_module) = self.api_id(f, s)?;
        let marker = match &s.rust_name {
            Some(r) => names::check_explicit(&r.value).ok().or_else(|| {
                self.at(f, r, "invalid `rust_name`", "not a Rust identifier");
                None
            })?,
            None => names::camel(&api_module).ok()?,
        };
        let status = match &s.status {
            Some(st) => {
                if catalog::lookup(catalog::STATUSES, &st.value).is_none() {
                    self.at(
                        f,
                        st,
                        format!("unknown status `{}`", st.value),
                        &format!("expected one of {}", catalog::ids(catalog::STATUSES)),
                    );
                }
                st.value.clone()
            }
            None => "active".to_owned(),
        };
        if let Some(url) = &s.docs_url {
            self.check_url(f, url, false);
        }
        let local = status == "local";
        let errors = self.errors(f, s);
        let auth = self.auth(f, s, local);
        let endpoint = self.endpoint(f, s, local, auth.as_ref());
        let limits = self.limits(f, &s.limits);
        let request = self.request(f, s, endpoint.as_ref(), auth.as_ref());
        let types = self.types(f, s);
        let examples = self.examples(p);
        Some(ApiIr {
            id: s.api.value.clone(),
            vendor_id: s.vendor.id.value.clone(),
            vendor_name: text(&s.vendor.zh, &s.vendor.en),
            title: text(&s.title.zh, &s.title.en),
            docs_url: s.docs_url.as_ref().map(|u| u.value.clone()),
            status,
            spec_path: p.display.clone(),
            vendor_module,
            api_module,
            marker,
            endpoint,
            auth,
            limits,
            request,
            one_of: s
                .one_of
                .iter()
                .map(|g| g.value.iter().map(|n| n.value.clone()).collect())
                .collect(),
            response: None,
            types,
            imports: Vec::new(),
            errors,
            examples,
            mapping: None,
            fills: self.fills(f, s, local),
            emulation: {
                let e = &s.emulation;
                [
                    &e.missing_field,
                    &e.invalid_value,
                    &e.too_large,
                    &e.unsupported_format,
                    &e.rate_limited,
                ]
                .map(|c| c.as_ref().map(|c| c.value.clone()))
            },
        })
    }

    fn fills(&mut self, f: FileId, s: &spec::Spec, local: bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (target, source) in s.fills.iter() {
            if !local {
                self.at(
                    f,
                    target,
                    "`fills` is for `status: local` APIs",
                    "HTTP APIs declare a `mapping`",
                );
                continue;
            }
            let known = catalog::TARGETS.iter().any(|t| t.id == target.value)
                || catalog::LIST_TARGETS.iter().any(|(list, _, elems)| {
                    target
                        .value
                        .strip_prefix(list)
                        .and_then(|r| r.strip_prefix("[]."))
                        .is_some_and(|field| elems.iter().any(|e| e.id == field))
                });
            if !known {
                self.at(
                    f,
                    target,
                    format!("unknown unified field `{}`", target.value),
                    "not a field of `fapiao::Invoice` (list fields read `items[].name`)",
                );
                continue;
            }
            out.push((target.value.clone(), source.value.clone()));
        }
        out
    }

    fn api_id(&mut self, f: FileId, s: &spec::Spec) -> Option<(String, String)> {
        let id = &s.api.value;
        let valid_part = |p: &str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && p.starts_with(|c: char| c.is_ascii_lowercase())
        };
        let local = s.status.as_ref().is_some_and(|st| st.value == "local");
        // An in-process API may have a bare id (`local`); it lives under its vendor's module.
        let parts = match id.split_once('.') {
            Some(p) => Some(p),
            None if local => Some((s.vendor.id.value.as_str(), id.as_str())),
            None => None,
        };
        let Some((vendor, api)) = parts.filter(|(v, a)| valid_part(v) && valid_part(a)) else {
            self.at(
                f,
                &s.api,
                format!("invalid API id `{id}`"),
                "expected `<vendor>.<api>` in lower_snake_case, e.g. `tencent.vat_invoice_ocr`",
            );
            return None;
        };
        if s.vendor.id.value != vendor && id.contains('.') {
            self.err(
                Diagnostic::new(
                    format!(
                        "vendor id `{}` does not match the API id `{id}`",
                        s.vendor.id.value
                    ),
                    Label::at(f, &s.vendor.id, format!("expected `{vendor}`")),
                )
                .with_secondary(Label::at(f, &s.api, "API id declared here")),
            );
        }
        Some((vendor.to_owned(), api.to_owned()))
    }

    fn check_url(&mut self, f: FileId, url: &Sp<String>, allow_placeholders: bool) -> bool {
        let u = &url.value;
        let rest = u
            .strip_prefix("https://")
            .or_else(|| u.strip_prefix("http://"));
        let host = rest.map(|r| r.split(['/', '?']).next().unwrap_or(""));
        let host_ok = host.is_some_and(|h| {
            !h.is_empty()
                && h.chars().all(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, '.' | '-' | ':')
                        || (allow_placeholders && matches!(c, '{' | '}' | '_'))
                })
        });
        let chars_ok = !u.chars().any(|c| c.is_whitespace() || c.is_control());
        if !host_ok || !chars_ok {
            self.at(
                f,
                url,
                format!("bad URL `{u}`"),
                "expected an absolute http(s) URL with a host",
            );
            return false;
        }
        true
    }

    fn endpoint(
        &mut self,
        f: FileId,
        s: &spec::Spec,
        local: bool,
        auth: Option<&AuthIr>,
    ) -> Option<EndpointIr> {
        let Some(e) = &s.endpoint else {
            if !local {
                self.err(
                    Diagnostic::new(
                        "missing required section `endpoint`",
                        Label::at(f, &s.api, "this API has no endpoint"),
                    )
                    .with_help("add `endpoint: { method: POST, url: https://…, body: json }`"),
                );
            }
            return None;
        };
        if !matches!(e.method.value.as_str(), "GET" | "POST" | "PUT") {
            self.at(
                f,
                &e.method,
                format!("unsupported method `{}`", e.method.value),
                "expected GET, POST or PUT",
            );
        }
        if self.check_url(f, &e.url, true) {
            for ph in placeholders(&e.url.value) {
                let known = ph == "region"
                    || auth.is_some_and(|a| a.credentials.iter().any(|(c, _, _)| *c == ph));
                if !known {
                    self.at(
                        f,
                        &e.url,
                        format!("unknown URL placeholder `{{{ph}}}`"),
                        "placeholders must be `{region}` or one of the auth scheme's credentials",
                    );
                }
            }
        }
        let Some(body) = catalog::lookup(catalog::BODIES, &e.body.value) else {
            self.at(
                f,
                &e.body,
                format!("unknown body encoding `{}`", e.body.value),
                &format!("expected one of {}", catalog::ids(catalog::BODIES)),
            );
            return None;
        };
        let default_ct = match e.body.value.as_str() {
            "json" => "application/json",
            "raw" => "application/octet-stream",
            "form" => "application/x-www-form-urlencoded",
            "multipart" => "multipart/form-data",
            _ => "",
        };
        Some(EndpointIr {
            method: e.method.value.clone(),
            url: e.url.value.clone(),
            body: body.to_owned(),
            body_id: e.body.value.clone(),
            content_type: e
                .content_type
                .as_ref()
                .map_or_else(|| default_ct.to_owned(), |c| c.value.clone()),
        })
    }

    fn auth(&mut self, f: FileId, s: &spec::Spec, local: bool) -> Option<AuthIr> {
        let Some(a) = &s.auth else {
            if !local {
                self.err(
                    Diagnostic::new(
                        "missing required section `auth`",
                        Label::at(f, &s.api, "this API has no auth section"),
                    )
                    .with_help("add `auth: { scheme: …, credentials: { … } }`"),
                );
            }
            return None;
        };
        let Some(scheme) = catalog::scheme(&a.scheme.value) else {
            let known: Vec<&str> = catalog::SCHEMES.iter().map(|s| s.id).collect();
            self.at(
                f,
                &a.scheme,
                format!("unknown auth scheme `{}`", a.scheme.value),
                &format!("expected one of {}", known.join(", ")),
            );
            return None;
        };
        let mut params = Vec::new();
        for (k, v) in a.params.iter() {
            if !scheme.required_params.contains(&k.value.as_str())
                && !scheme.optional_params.contains(&k.value.as_str())
            {
                let mut all: Vec<&str> = scheme.required_params.to_vec();
                all.extend(scheme.optional_params);
                self.at(
                    f,
                    k,
                    format!("`{}` takes no parameter `{}`", scheme.id, k.value),
                    &format!("expected one of: {}", all.join(", ")),
                );
            }
            params.push((k.value.clone(), v.value.clone()));
        }
        for req in scheme.required_params {
            if a.params.get(req).is_none() {
                self.at(
                    f,
                    &a.scheme,
                    format!("`{}` needs the parameter `{req}`", scheme.id),
                    &format!("add `params: {{ {req}: … }}`"),
                );
            }
        }
        let mut credentials = Vec::new();
        for (k, env) in a.credentials.iter() {
            let name = k.value.as_str();
            if !scheme.credentials.contains(&name) && !scheme.optional_credentials.contains(&name) {
                self.at(
                    f,
                    k,
                    format!("`{}` uses no credential `{name}`", scheme.id),
                    &format!("expected: {}", scheme.credentials.join(", ")),
                );
            }
            let env_ok = env.value.starts_with(|c: char| c.is_ascii_uppercase())
                && env
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !env_ok {
                self.at(
                    f,
                    env,
                    format!("bad environment variable name `{}`", env.value),
                    "expected UPPER_SNAKE_CASE",
                );
            }
            let secret = !catalog::NON_SECRET_CREDENTIALS.contains(&name);
            credentials.push((name.to_owned(), env.value.clone(), secret));
        }
        for need in scheme.credentials {
            if a.credentials.get(need).is_none() {
                self.at(
                    f,
                    &a.scheme,
                    format!(
                        "credential `{need}` of `{}` has no environment variable",
                        scheme.id
                    ),
                    &format!(
                        "add `credentials: {{ {need}: VENDOR_{} }}`",
                        need.to_uppercase()
                    ),
                );
            }
        }
        let regions: Vec<String> = a.regions.iter().map(|r| r.value.clone()).collect();
        if let Some(d) = &a.default_region
            && !regions.is_empty()
            && !regions.contains(&d.value)
        {
            self.at(
                f,
                d,
                format!("default region `{}` is not in `regions`", d.value),
                "not listed",
            );
        }
        let fl = &a.failures;
        let failures = [&fl.bad_signature, &fl.expired, &fl.unknown_key, &fl.missing];
        Some(AuthIr {
            scheme: scheme.id.to_owned(),
            params,
            credentials,
            regions,
            default_region: a.default_region.as_ref().map(|d| d.value.clone()),
            failures: failures.map(|c| c.as_ref().map(|c| c.value.clone())),
        })
    }

    fn limits(&mut self, f: FileId, l: &spec::LimitsSpec) -> LimitsIr {
        let mut formats = Vec::new();
        for fm in &l.formats {
            match catalog::lookup(catalog::FORMATS, &fm.value) {
                Some(v) => formats.push((fm.value.clone(), v.to_owned())),
                None => self.at(
                    f,
                    fm,
                    format!("unknown file format `{}`", fm.value),
                    &format!("expected one of {}", catalog::ids(catalog::FORMATS)),
                ),
            }
        }
        if let Some(q) = &l.qps
            && !(q.value > 0.0 && q.value.is_finite())
        {
            self.at(f, q, "qps must be a positive number", "not positive");
        }
        let (min, max) = l
            .pixels
            .as_ref()
            .map_or((None, None), |p| (p.min.as_ref(), p.max.as_ref()));
        if let (Some(lo), Some(hi)) = (min, max)
            && lo.value > hi.value
        {
            self.at(f, lo, "pixel minimum exceeds maximum", "larger than `max`");
        }
        LimitsIr {
            qps: l.qps.as_ref().map(|q| q.value),
            max_file_bytes: l.max_file_bytes.as_ref().map(|v| v.value),
            max_base64_bytes: l.max_base64_bytes.as_ref().map(|v| v.value),
            max_request_bytes: l.max_request_bytes.as_ref().map(|v| v.value),
            min_pixels: min.map(|v| v.value),
            max_pixels: max.map(|v| v.value),
            formats,
            pdf_pages: l.pdf_pages.as_ref().map_or(0, |v| v.value),
        }
    }

    fn request(
        &mut self,
        f: FileId,
        s: &spec::Spec,
        endpoint: Option<&EndpointIr>,
        auth: Option<&AuthIr>,
    ) -> Vec<RequestFieldIr> {
        let mut ns = Namespace::new("request field");
        let mut out = Vec::new();
        let mut raw_bodies = 0;
        for (wire, fs) in s.request.iter() {
            let Some(rust) = self.name(&mut ns, f, wire, fs.rust_name.as_ref(), names::snake)
            else {
                continue;
            };
            let ty = match fs.ty.value.as_str() {
                "string" => RequestType::String,
                "int" => RequestType::Int,
                "float" => RequestType::Float,
                "bool" => RequestType::Bool,
                "bytes" => RequestType::Bytes,
                "[int]" => RequestType::IntList,
                "[string]" => RequestType::StringList,
                other => {
                    self.at(
                        f,
                        &fs.ty,
                        format!("unknown request field type `{other}`"),
                        "expected string, int, float, bool, bytes, [int] or [string]",
                    );
                    continue;
                }
            };
            let location = match fs.location.as_ref().map(|l| l.value.as_str()) {
                None | Some("body") => "Body",
                Some("query") => "Query",
                Some("header") => "Header",
                Some("raw_body") => "RawBody",
                Some(other) => {
                    let at = fs.location.as_ref().unwrap_or(&fs.ty);
                    self.at(
                        f,
                        at,
                        format!("unknown field location `{other}`"),
                        "expected body, query, header or raw_body",
                    );
                    continue;
                }
            };
            if location == "RawBody" {
                raw_bodies += 1;
                if endpoint.is_some_and(|e| e.body_id != "raw") {
                    self.at(
                        f,
                        wire,
                        "a `raw_body` field needs `endpoint.body: raw`",
                        "raw body field here",
                    );
                }
                if ty != RequestType::Bytes {
                    self.at(f, &fs.ty, "a `raw_body` field must be `bytes`", "not bytes");
                }
            }
            let input = fs.input.as_ref().and_then(|i| self.input(f, i, auth, ty));
            out.push(RequestFieldIr {
                wire: wire.value.clone(),
                rust,
                ty,
                ty_text: fs.ty.value.clone(),
                location: location.to_owned(),
                input,
                required: fs.required,
                default: fs.default.as_ref().map(|d| d.value.clone()),
                fixed: fs.fixed.as_ref().map(|d| d.value.clone()),
                doc: text(&fs.zh, &fs.en),
            });
        }
        if raw_bodies > 1 {
            self.at(
                f,
                &s.api,
                "more than one `raw_body` request field",
                "a request has one body",
            );
        }
        for group in &s.one_of {
            for name in &group.value {
                if s.request.get(&name.value).is_none() {
                    self.at(
                        f,
                        name,
                        format!("one_of names unknown request field `{}`", name.value),
                        "not declared under `request:`",
                    );
                }
            }
        }
        out
    }

    fn input(
        &mut self,
        f: FileId,
        input: &Sp<String>,
        auth: Option<&AuthIr>,
        ty: RequestType,
    ) -> Option<(String, String, Option<String>)> {
        if let Some(cred) = input
            .value
            .strip_prefix("credential(")
            .and_then(|r| r.strip_suffix(')'))
        {
            if !auth.is_some_and(|a| a.credentials.iter().any(|(c, _, _)| c == cred)) {
                self.at(
                    f,
                    input,
                    format!("input names unknown credential `{cred}`"),
                    "not one of the auth section's credentials",
                );
                return None;
            }
            return Some((
                "credential".to_owned(),
                "Credential".to_owned(),
                Some(cred.to_owned()),
            ));
        }
        let Some(variant) = catalog::lookup(catalog::INPUTS, &input.value) else {
            self.at(
                f,
                input,
                format!("unknown input `{}`", input.value),
                &format!(
                    "expected one of {}, or credential(<name>)",
                    catalog::ids(catalog::INPUTS)
                ),
            );
            return None;
        };
        let expected = match input.value.as_str() {
            "file_bytes" => RequestType::Bytes,
            "is_pdf" => RequestType::Bool,
            "page" => RequestType::Int,
            _ => RequestType::String,
        };
        if ty != expected {
            self.at(
                f,
                input,
                format!("input `{}` does not fit the field's type", input.value),
                &format!("this input needs type {expected:?}"),
            );
        }
        Some((input.value.clone(), variant.to_owned(), None))
    }

    fn types(&mut self, f: FileId, s: &spec::Spec) -> Vec<TypeIr> {
        let mut ns = Namespace::new("type");
        let mut out = Vec::new();
        for (wire, ts) in s.types.iter() {
            let Some(rust) = self.name(&mut ns, f, wire, ts.rust_name.as_ref(), names::camel)
            else {
                continue;
            };
            if RESERVED_TYPE_NAMES.contains(&rust.as_str()) || rust.starts_with("Wire") {
                self.at(
                    f,
                    wire,
                    format!("type name `{rust}` is taken by the generated module"),
                    "reserved name",
                );
                continue;
            }
            let mut fns = Namespace::new("field");
            let mut fields = Vec::new();
            for (fw, fs) in ts.fields.iter() {
                let Some(frust) = self.name(&mut fns, f, fw, fs.rust_name.as_ref(), names::snake)
                else {
                    continue;
                };
                let Some(ty) = parse_type(&fs.ty.value) else {
                    self.at(
                        f,
                        &fs.ty,
                        format!("bad type expression `{}`", fs.ty.value),
                        "expected string, int, float, bool, json, a type name, or [T]",
                    );
                    continue;
                };
                fields.push(FieldIr {
                    wire: fw.value.clone(),
                    rust: frust,
                    ty,
                    ty_text: fs.ty.value.clone(),
                    nullable: fs.nullable,
                    doc: text(&fs.zh, &fs.en),
                });
            }
            let geometry = ts
                .geometry
                .as_ref()
                .and_then(|g| self.geometry(f, wire, g, &fields));
            out.push(TypeIr {
                wire_name: wire.value.clone(),
                rust_name: rust,
                doc: text(&ts.zh, &ts.en),
                geometry,
                fields,
                owner: s.api.value.clone(),
            });
        }
        out
    }

    fn geometry(
        &mut self,
        f: FileId,
        wire: &Sp<String>,
        g: &spec::GeometrySpec,
        fields: &[FieldIr],
    ) -> Option<Geometry> {
        let given = [&g.point, &g.rect, &g.quad];
        if given.iter().filter(|x| x.is_some()).count() != 1 {
            self.at(
                f,
                wire,
                "geometry needs exactly one of `point`, `rect`, `quad`",
                "in this type",
            );
            return None;
        }
        let (list, want, numeric) = if let Some(p) = &g.point {
            (p, 2, true)
        } else if let Some(r) = &g.rect {
            (r, 4, true)
        } else {
            (g.quad.as_ref()?, 4, false)
        };
        if list.value.len() != want {
            self.at(
                f,
                list,
                format!("geometry needs {want} field names"),
                "wrong count",
            );
            return None;
        }
        let mut rust = Vec::new();
        for name in &list.value {
            match fields.iter().find(|x| x.wire == name.value) {
                Some(field) => {
                    let ok = if numeric {
                        matches!(field.ty, TypeRef::Int | TypeRef::Float)
                    } else {
                        matches!(field.ty, TypeRef::Named(_))
                    };
                    if !ok {
                        self.at(
                            f,
                            name,
                            format!("geometry field `{}` has the wrong type", name.value),
                            if numeric {
                                "expected int or float"
                            } else {
                                "expected a point type"
                            },
                        );
                    }
                    rust.push(field.rust.clone());
                }
                None => {
                    self.at(
                        f,
                        name,
                        format!("geometry names unknown field `{}`", name.value),
                        "not a field of this type",
                    );
                    return None;
                }
            }
        }
        Some(match (g.point.is_some(), g.rect.is_some()) {
            (true, _) => Geometry::Point([rust[0].clone(), rust[1].clone()]),
            (_, true) => Geometry::Rect(rust.try_into().ok()?),
            _ => Geometry::Quad(rust.try_into().ok()?),
        })
    }

    fn errors(&mut self, f: FileId, s: &spec::Spec) -> Vec<ErrorIr> {
        let mut ns = Namespace::new("error code");
        let checks: Vec<&str> = s
            .response
            .as_ref()
            .map(|r| r.checks.iter().map(|c| c.name.value.as_str()).collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        for (code, es) in s.errors.iter() {
            let variant = match &es.rust_name {
                Some(r) => self.name(&mut ns, f, code, Some(r), names::camel),
                None => self.name(&mut ns, f, code, None, names::error_variant),
            };
            let Some(variant) = variant else { continue };
            if variant == "Unknown" {
                self.at(
                    f,
                    code,
                    "error code would become the reserved variant `Unknown`",
                    "give it a `rust_name`",
                );
            }
            let Some(kind_variant) = catalog::lookup(catalog::ERROR_KINDS, &es.kind.value) else {
                self.at(
                    f,
                    &es.kind,
                    format!("unknown error kind `{}`", es.kind.value),
                    &format!("expected one of {}", catalog::ids(catalog::ERROR_KINDS)),
                );
                continue;
            };
            let check = match &es.check {
                Some(c) if !checks.contains(&c.value.as_str()) => {
                    self.at(
                        f,
                        c,
                        format!("unknown error check `{}`", c.value),
                        &format!("declared checks: {}", checks.join(", ")),
                    );
                    continue;
                }
                Some(c) => c.value.clone(),
                None => checks.first().map_or_else(String::new, |c| (*c).to_owned()),
            };
            out.push(ErrorIr {
                code: code.value.clone(),
                variant,
                message: text(&es.zh, &es.en),
                kind: es.kind.value.clone(),
                kind_variant: kind_variant.to_owned(),
                retryable: es.retryable,
                charged: es.charged,
                check,
                http_status: es.http_status.as_ref().map_or(200, |h| h.value),
                group: es.group.as_ref().map(|g| g.value.clone()),
            });
        }
        out
    }

    fn examples(&mut self, p: &Parsed) -> Vec<ExampleIr> {
        let f = p.file;
        let dir = p.path.parent().unwrap_or(Path::new("."));
        let mut names = BTreeSet::new();
        let mut out = Vec::new();
        for ex in &p.spec.examples {
            if !names.insert(ex.name.value.clone()) {
                self.at(
                    f,
                    &ex.name,
                    format!("example name `{}` is used twice", ex.name.value),
                    "duplicate",
                );
            }
            let path = dir.join(&ex.file.value);
            self.files_read.push(path.clone());
            let json = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    self.at(
                        f,
                        &ex.file,
                        format!("cannot read example `{}`: {e}", ex.file.value),
                        "file not readable",
                    );
                    continue;
                }
            };
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&json) {
                self.at(
                    f,
                    &ex.file,
                    format!("example `{}` is not valid JSON: {e}", ex.file.value),
                    "invalid JSON",
                );
                continue;
            }
            let display_dir = Path::new(&p.display).parent().unwrap_or(Path::new(""));
            out.push(ExampleIr {
                name: ex.name.value.clone(),
                include_path: self.include_path(&path),
                display_path: display_dir
                    .join(&ex.file.value)
                    .to_string_lossy()
                    .replace('\\', "/"),
                path,
                at: ex.at.as_ref().map_or_else(Vec::new, |a| dotted(&a.value)),
                constructed: ex.constructed,
                doc: text(&ex.zh, &ex.en),
                json,
            });
        }
        out
    }

    fn include_path(&self, path: &Path) -> String {
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        if let Some(dir) = &self.paths.manifest_dir {
            let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
            if let Ok(rel) = abs.strip_prefix(&dir) {
                return rel.to_string_lossy().replace('\\', "/");
            }
        }
        abs.to_string_lossy().into_owned()
    }

    // ---------------------------------------------------------------- pass 2: references

    fn lower_refs(
        &mut self,
        p: &Parsed,
        api: &mut ApiIr,
        all_types: &BTreeMap<String, Vec<TypeIr>>,
        all_errors: &BTreeMap<String, Vec<ErrorIr>>,
    ) {
        let f = p.file;
        let s = &p.spec;
        let mut visible: Vec<TypeIr> = api.types.clone();
        for imp in &s.imports {
            let Some(types) = all_types.get(&imp.from.value) else {
                self.at(
                    f,
                    &imp.from,
                    format!("imports from unknown API `{}`", imp.from.value),
                    "no spec declares this API id",
                );
                continue;
            };
            let (vendor_module, api_module) = imp
                .from
                .value
                .split_once('.')
                .map(|(v, a)| (v.to_owned(), a.to_owned()))
                .unwrap_or_default();
            let mut names = Vec::new();
            for t in &imp.types {
                match types.iter().find(|x| x.wire_name == t.value) {
                    Some(ty) => {
                        if visible.iter().any(|v| v.wire_name == ty.wire_name) {
                            self.at(
                                f,
                                t,
                                format!("type `{}` is both declared and imported", t.value),
                                "imported here",
                            );
                            continue;
                        }
                        names.push(ty.rust_name.clone());
                        visible.push(ty.clone());
                    }
                    None => self.at(
                        f,
                        t,
                        format!("`{}` declares no type `{}`", imp.from.value, t.value),
                        "unknown type",
                    ),
                }
            }
            for g in &imp.error_groups {
                let errors = all_errors.get(&imp.from.value).cloned().unwrap_or_default();
                let group: Vec<ErrorIr> = errors
                    .into_iter()
                    .filter(|e| e.group.as_deref() == Some(g.value.as_str()))
                    .collect();
                if group.is_empty() {
                    self.at(
                        f,
                        g,
                        format!("`{}` has no error group `{}`", imp.from.value, g.value),
                        "unknown group",
                    );
                }
                for mut e in group {
                    if api
                        .errors
                        .iter()
                        .any(|x| x.code == e.code || x.variant == e.variant)
                    {
                        self.at(
                            f,
                            g,
                            format!("imported error `{}` is already declared", e.code),
                            "duplicate error code",
                        );
                        continue;
                    }
                    e.check = api.errors.first().map_or_else(
                        || {
                            s.response
                                .as_ref()
                                .and_then(|r| r.checks.first())
                                .map_or_else(String::new, |c| c.name.value.clone())
                        },
                        |x| x.check.clone(),
                    );
                    api.errors.push(e);
                }
            }
            api.imports.push(ImportIr {
                from: imp.from.value.clone(),
                vendor_module,
                api_module,
                types: names,
            });
        }
        self.check_type_refs(f, s, &visible);
        self.check_failure_codes(f, s, api);
        api.response = self.response(f, s, &visible, api);
        let payload_owner = api.response.as_ref().and_then(|r| {
            visible
                .iter()
                .find(|t| t.wire_name == r.payload_type)
                .map(|t| t.owner.clone())
        });
        if let (Some(m), Some(owner)) = (&s.mapping, &payload_owner)
            && m.reuse.is_none()
            && *owner != api.id
        {
            let at = s.response.as_ref().map(|r| &r.ty);
            if let Some(at) = at {
                self.err(
                    Diagnostic::new(
                        format!(
                            "the payload type is imported from `{owner}`, which maps it already"
                        ),
                        Label::at(f, at, "imported payload type"),
                    )
                    .with_help(format!("write `mapping: {{ reuse: {owner} }}`")),
                );
            }
        }
        if let Some(m) = &s.mapping
            && m.reuse.is_none()
        {
            api.mapping = MapCx {
                cx: self,
                f,
                types: &visible,
                tables: BTreeMap::new(),
                has_labels: m.labels.is_some(),
            }
            .mapping(m, api);
        }
    }

    /// Codes named by `auth.failures` and `emulation` must be declared (or imported) errors.
    fn check_failure_codes(&mut self, f: FileId, s: &spec::Spec, api: &ApiIr) {
        let e = &s.emulation;
        let mut codes = vec![
            &e.missing_field,
            &e.invalid_value,
            &e.too_large,
            &e.unsupported_format,
            &e.rate_limited,
        ];
        if let Some(a) = &s.auth {
            let fl = &a.failures;
            codes.extend([&fl.bad_signature, &fl.expired, &fl.unknown_key, &fl.missing]);
        }
        for code in codes.into_iter().flatten() {
            if !api.errors.iter().any(|e| e.code == code.value) {
                self.at(
                    f,
                    code,
                    format!("`{}` is not a declared error code", code.value),
                    "declare it under `errors:` or import its group",
                );
            }
        }
    }

    fn check_type_refs(&mut self, f: FileId, s: &spec::Spec, visible: &[TypeIr]) {
        for (wire, ts) in s.types.iter() {
            for (fw, fs) in ts.fields.iter() {
                let Some(ty) = parse_type(&fs.ty.value) else {
                    continue;
                };
                if let Some(name) = named_in(&ty)
                    && !visible.iter().any(|t| t.wire_name == name)
                {
                    self.err(
                        Diagnostic::new(
                            format!("unknown type `{name}`"),
                            Label::at(
                                f,
                                &fs.ty,
                                format!("field `{}.{}` refers to it", wire.value, fw.value),
                            ),
                        )
                        .with_help("declare it under `types:` or import it"),
                    );
                }
            }
        }
    }

    fn response(
        &mut self,
        f: FileId,
        s: &spec::Spec,
        visible: &[TypeIr],
        api: &ApiIr,
    ) -> Option<ResponseIr> {
        let Some(r) = &s.response else {
            if api.status != "local" {
                self.err(
                    Diagnostic::new(
                        "missing required section `response`",
                        Label::at(f, &s.api, "this API has no response section"),
                    )
                    .with_help("add `response: { payload: …, type: …, checks: [...] }`"),
                );
            }
            return None;
        };
        if !visible.iter().any(|t| t.wire_name == r.ty.value) {
            self.at(
                f,
                &r.ty,
                format!("unknown response type `{}`", r.ty.value),
                "declare it under `types:` or import it",
            );
        }
        let json_string = match r.format.as_ref().map(|x| x.value.as_str()) {
            None | Some("json") => false,
            Some("json_string") => true,
            Some(other) => {
                let at = r.format.as_ref().unwrap_or(&r.ty);
                self.at(
                    f,
                    at,
                    format!("unknown payload format `{other}`"),
                    "expected json or json_string",
                );
                false
            }
        };
        let mut names = BTreeSet::new();
        let mut checks = Vec::new();
        for c in &r.checks {
            if !names.insert(c.name.value.clone()) {
                self.at(
                    f,
                    &c.name,
                    format!("check name `{}` is used twice", c.name.value),
                    "duplicate",
                );
            }
            let int_code = match c.code_type.as_ref().map(|x| x.value.as_str()) {
                None | Some("string") => false,
                Some("int") => true,
                Some(other) => {
                    let at = c.code_type.as_ref().unwrap_or(&c.name);
                    self.at(
                        f,
                        at,
                        format!("unknown code type `{other}`"),
                        "expected string or int",
                    );
                    false
                }
            };
            for path in std::iter::once(&c.code).chain(c.message.as_ref()) {
                self.check_dotted(f, path);
            }
            checks.push(CheckIr {
                name: c.name.value.clone(),
                code: dotted(&c.code.value),
                message: c.message.as_ref().map(|m| dotted(&m.value)),
                success: c.success.iter().map(|x| x.value.clone()).collect(),
                int_code,
            });
        }
        if checks.is_empty() {
            self.at(
                f,
                &r.ty,
                "a response needs at least one error check",
                "add `checks: [{ name: …, code: <path> }]`",
            );
        }
        for p in r.payload.iter().chain(r.request_id.iter()) {
            self.check_dotted(f, p);
        }
        self.check_envelope_collisions(f, r, visible);
        let request_id_int = self.request_id_field_type(f, r, visible) == Some(TypeRef::Int);
        Some(ResponseIr {
            payload: r
                .payload
                .as_ref()
                .map_or_else(Vec::new, |p| dotted(&p.value)),
            payload_type: r.ty.value.clone(),
            json_string,
            request_id: r.request_id.as_ref().map(|p| dotted(&p.value)),
            request_id_int,
            request_id_header: r.request_id_header.as_ref().map(|h| h.value.clone()),
            content_type: r
                .content_type
                .as_ref()
                .map_or_else(|| "application/json".to_owned(), |c| c.value.clone()),
            checks,
        })
    }

    /// Envelope fields sitting inside the payload object must not also be payload fields: the
    /// decoder reads them separately (a string request id is the one allowed overlap).
    fn check_envelope_collisions(&mut self, f: FileId, r: &spec::ResponseSpec, visible: &[TypeIr]) {
        let Some(payload) = visible.iter().find(|t| t.wire_name == r.ty.value) else {
            return;
        };
        let prefix = r
            .payload
            .as_ref()
            .map_or_else(Vec::new, |p| dotted(&p.value));
        let paths = r
            .checks
            .iter()
            .flat_map(|c| std::iter::once(&c.code).chain(c.message.as_ref()));
        for path in paths {
            let segments = dotted(&path.value);
            if segments.len() == prefix.len() + 1
                && segments.starts_with(&prefix)
                && segments
                    .last()
                    .is_some_and(|last| payload.field(last).is_some())
            {
                self.at(
                    f,
                    path,
                    format!(
                        "`{}` is both an envelope field and a field of `{}`",
                        path.value, payload.wire_name
                    ),
                    "remove it from the payload type; the decoder reads it as part of the envelope",
                );
            }
        }
    }

    /// The type of the payload field the request id names, when it names one; only text and
    /// integers can be a request id.
    fn request_id_field_type(
        &mut self,
        f: FileId,
        r: &spec::ResponseSpec,
        visible: &[TypeIr],
    ) -> Option<TypeRef> {
        let path = r.request_id.as_ref()?;
        let payload = visible.iter().find(|t| t.wire_name == r.ty.value)?;
        let prefix = r
            .payload
            .as_ref()
            .map_or_else(Vec::new, |p| dotted(&p.value));
        let segments = dotted(&path.value);
        if r.format.as_ref().is_some_and(|x| x.value == "json_string")
            || segments.len() != prefix.len() + 1
            || !segments.starts_with(&prefix)
        {
            return None;
        }
        let field = payload.field(segments.last()?)?;
        if !matches!(field.ty, TypeRef::String | TypeRef::Int) {
            self.at(
                f,
                path,
                format!(
                    "request id `{}` is a field of `{}` that is neither a string nor an int",
                    path.value, payload.wire_name
                ),
                "a request id is text or an integer",
            );
        }
        Some(field.ty.clone())
    }

    fn check_dotted(&mut self, f: FileId, path: &Sp<String>) {
        if path.value.split('.').any(str::is_empty) && !path.value.is_empty() {
            self.at(
                f,
                path,
                format!("bad path `{}`", path.value),
                "empty segment between dots",
            );
        }
    }

    fn resolve_reuse(&mut self, parsed: &[Parsed], apis: &mut [ApiIr]) {
        for p in parsed {
            let Some(reuse) = p.spec.mapping.as_ref().and_then(|m| m.reuse.as_ref()) else {
                continue;
            };
            let source = apis.iter().find(|a| a.id == reuse.value).map(|a| {
                (
                    a.mapping.clone(),
                    a.response.as_ref().map(|r| r.payload_type.clone()),
                )
            });
            let Some(api) = apis.iter_mut().find(|a| a.id == p.spec.api.value) else {
                continue;
            };
            match source {
                Some((Some(mut m), theirs)) => {
                    let ours = api.response.as_ref().map(|r| r.payload_type.clone());
                    let imported = api
                        .imports
                        .iter()
                        .any(|i| i.from == reuse.value && ours.is_some());
                    if ours != theirs || !imported {
                        self.at(
                            p.file,
                            reuse,
                            "a reused mapping needs the same, imported payload type",
                            &format!(
                                "`{}`'s payload type differs or is not imported",
                                reuse.value
                            ),
                        );
                        continue;
                    }
                    m.reused_from = Some(reuse.value.clone());
                    api.mapping = Some(m);
                }
                _ => self.at(
                    p.file,
                    reuse,
                    format!("`{}` has no mapping to reuse", reuse.value),
                    "unknown API or no mapping",
                ),
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

// -------------------------------------------------------------------- mapping

struct MapCx<'c, 'a> {
    cx: &'c mut Cx<'a>,
    f: FileId,
    types: &'c [TypeIr],
    tables: BTreeMap<String, (String, bool)>,
    has_labels: bool,
}

/// What a scope's fields are resolved against.
struct Scope<'t> {
    ty: &'t TypeIr,
    record: &'t TypeIr,
}

impl MapCx<'_, '_> {
    fn ty(&self, wire: &str) -> Option<&TypeIr> {
        self.types.iter().find(|t| t.wire_name == wire)
    }

    fn mapping(mut self, m: &spec::MappingSpec, api: &ApiIr) -> Option<MappingIr> {
        let payload_name = api.response.as_ref()?.payload_type.clone();
        let payload = self.ty(&payload_name)?.clone();
        let tables = self.tables(m);
        let (records, record) = match &m.records {
            Some(path) => {
                let resolved = self.path(path, &payload, &payload)?;
                match resolved.leaf() {
                    Some(TypeRef::List(inner)) => match inner.as_ref() {
                        TypeRef::Named(n) => (Some(resolved.clone()), self.ty(n)?.clone()),
                        _ => return self.fail(path, "records must be a list of structs"),
                    },
                    _ => return self.fail(path, "records must be a list of structs"),
                }
            }
            None => (None, payload.clone()),
        };
        let labels = match &m.labels {
            Some(l) => Some(self.labels(l, &record)?),
            None => None,
        };
        let record_scope = Scope {
            ty: &record,
            record: &record,
        };
        let scope = self.scope(&m.fields, &record_scope);
        let (variants, rules) = match &m.variants {
            Some(v) => self.variants(v, &m.rules, &record)?,
            None => {
                if let Some((k, _)) = m.rules.iter().next() {
                    self.cx.at(
                        self.f,
                        k,
                        "rule sets are only used by `variants`",
                        "unused rule set",
                    );
                }
                (None, Vec::new())
            }
        };
        Some(MappingIr {
            records,
            record_type: record.wire_name.clone(),
            labels,
            scope,
            variants,
            rules,
            tables,
            reused_from: None,
        })
    }

    fn fail<T, U>(&mut self, at: &Sp<U>, msg: &str) -> Option<T> {
        self.cx.at(self.f, at, msg.to_owned(), "here");
        None
    }

    fn tables(&mut self, m: &spec::MappingSpec) -> Vec<TableIr> {
        let used_for_kind = |name: &str| kind_tables(m).contains(name);
        let mut out = Vec::new();
        for (name, entries) in m.tables.iter() {
            let rust = format!(
                "TABLE_{}",
                name.value
                    .to_uppercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            );
            let for_kind = used_for_kind(&name.value);
            for (_, v) in entries.iter() {
                if for_kind && !catalog::KINDS.contains(&v.value.as_str()) {
                    self.cx.at(
                        self.f,
                        v,
                        format!("unknown invoice kind `{}`", v.value),
                        "this table feeds `kind`; values must be invoice kind ids",
                    );
                }
            }
            self.tables
                .insert(name.value.clone(), (rust.clone(), for_kind));
            if !used_tables(m).contains(&name.value) {
                self.cx.at(
                    self.f,
                    name,
                    format!(
                        "table `{}` is not used by any `table(...)` normalizer",
                        name.value
                    ),
                    "unused table",
                );
            }
            out.push(TableIr {
                name: name.value.clone(),
                rust,
                entries: entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.value.clone()))
                    .collect(),
            });
        }
        out
    }

    fn labels(&mut self, l: &spec::LabelsSpec, record: &TypeIr) -> Option<LabelsIr> {
        let list = self.path(&l.list, record, record)?;
        let elem = match list.leaf() {
            Some(TypeRef::List(inner)) => match inner.as_ref() {
                TypeRef::Named(n) => self.ty(n)?.clone(),
                _ => return self.fail(&l.list, "the labels list must be a list of structs"),
            },
            _ => return self.fail(&l.list, "the labels list must be a list of structs"),
        };
        let name = self.member(&elem, &l.name, &[TypeRef::String])?;
        let value = self.member(&elem, &l.value, &[TypeRef::String])?;
        let polygon = match &l.polygon {
            Some(p) => {
                let field = elem.field(&p.value);
                let geo_type = field.and_then(|fd| match &fd.ty {
                    TypeRef::Named(n) => self.ty(n).filter(|t| {
                        matches!(t.geometry, Some(Geometry::Quad(_) | Geometry::Rect(_)))
                    }),
                    _ => None,
                });
                match (field, geo_type) {
                    (Some(fd), Some(t)) => Some((fd.rust.clone(), t.wire_name.clone())),
                    _ => {
                        return self.fail(
                            p,
                            "the polygon field must have a type with `geometry: quad` or `rect`",
                        );
                    }
                }
            }
            None => None,
        };
        let confidence = match &l.confidence {
            Some(c) => Some(self.member(&elem, c, &[TypeRef::Float])?),
            None => None,
        };
        Some(LabelsIr {
            list,
            elem_type: elem.wire_name.clone(),
            name,
            value,
            polygon,
            confidence,
            wire_list: l.list.value.clone(),
            wire_name: l.name.value.clone(),
        })
    }

    fn member(&mut self, ty: &TypeIr, name: &Sp<String>, allowed: &[TypeRef]) -> Option<String> {
        match ty.field(&name.value) {
            Some(fd) if allowed.contains(&fd.ty) => Some(fd.rust.clone()),
            Some(fd) => self.fail(
                name,
                &format!("`{}.{}` has type {}", ty.wire_name, name.value, fd.ty_text),
            ),
            None => self.fail(
                name,
                &format!("`{}` has no field `{}`", ty.wire_name, name.value),
            ),
        }
    }

    fn variants<'v>(
        &mut self,
        v: &'v spec::VariantsSpec,
        rules: &SpMap<spec::RuleSpec>,
        record: &TypeIr,
    ) -> Option<(Option<VariantsIr>, Vec<RuleIr>)> {
        let within = self.path(&v.within, record, record)?;
        let container = match within.leaf() {
            Some(TypeRef::Named(n)) => self.ty(n)?.clone(),
            _ => return self.fail(&v.within, "`variants.in` must name a struct"),
        };
        let mut rule_types: BTreeMap<String, (String, &'v Sp<String>)> = BTreeMap::new();
        let mut cases = Vec::new();
        for (member, case) in v.cases.iter() {
            let Some(field) = container.field(&member.value) else {
                self.cx.at(
                    self.f,
                    member,
                    format!("`{}` has no member `{}`", container.wire_name, member.value),
                    "unknown variant",
                );
                continue;
            };
            let TypeRef::Named(member_type) = &field.ty else {
                self.cx.at(
                    self.f,
                    member,
                    "a variant member must be a struct",
                    "not a struct",
                );
                continue;
            };
            if !catalog::KINDS.contains(&case.kind.value.as_str()) {
                self.cx.at(
                    self.f,
                    &case.kind,
                    format!("unknown invoice kind `{}`", case.kind.value),
                    "not an invoice kind id",
                );
                continue;
            }
            let rule_index = match &case.rules {
                Some(r) => {
                    let Some(i) = rules.0.iter().position(|(k, _)| k.value == r.value) else {
                        self.cx.at(
                            self.f,
                            r,
                            format!("unknown rule set `{}`", r.value),
                            "not declared under `rules:`",
                        );
                        continue;
                    };
                    match rule_types.get(&r.value) {
                        Some((t, first)) if t != member_type => {
                            let d = Diagnostic::new(
                                format!("rule set `{}` is used for two different types", r.value),
                                Label::at(self.f, r, format!("here for `{member_type}`")),
                            )
                            .with_secondary(Label::at(
                                self.f,
                                first,
                                format!("here for `{t}`"),
                            ));
                            self.cx.err(d);
                        }
                        Some(_) => {}
                        None => {
                            rule_types.insert(r.value.clone(), (member_type.clone(), r));
                        }
                    }
                    Some(i)
                }
                None => None,
            };
            cases.push(CaseIr {
                member: member.value.clone(),
                member_rust: field.rust.clone(),
                member_type: member_type.clone(),
                kind: names::camel(&case.kind.value).unwrap_or_default(),
                rules: rule_index,
            });
        }
        for field in &container.fields {
            if v.cases.get(&field.wire).is_none() {
                self.cx.err(
                    Diagnostic::new(
                        format!("variant member `{}` has no case", field.wire),
                        Label::at(self.f, &v.within, format!("`{}` has this member", container.wire_name)),
                    )
                    .with_help(format!(
                        "add `{}: {{ kind: <invoice kind> }}` under `cases:` so no document is dropped",
                        field.wire
                    )),
                );
            }
        }
        let mut out_rules = Vec::new();
        for (name, rule) in rules.iter() {
            let Some((ty_name, _)) = rule_types.get(&name.value) else {
                self.cx.at(
                    self.f,
                    name,
                    format!("rule set `{}` is not used by any variant", name.value),
                    "unused",
                );
                out_rules.push(RuleIr {
                    name: name.value.clone(),
                    ty: String::new(),
                    scope: ScopeMapIr::default(),
                });
                continue;
            };
            let ty = self.ty(ty_name)?.clone();
            let scope = self.scope(&rule.fields, &Scope { ty: &ty, record });
            out_rules.push(RuleIr {
                name: name.value.clone(),
                ty: ty.wire_name.clone(),
                scope,
            });
        }
        Some((
            Some(VariantsIr {
                within,
                within_type: container.wire_name.clone(),
                cases,
            }),
            out_rules,
        ))
    }

    fn scope(&mut self, fields: &SpMap<Sp<spec::SourceSpec>>, scope: &Scope<'_>) -> ScopeMapIr {
        let mut out = ScopeMapIr::default();
        for (target, source) in fields.iter() {
            if let Some((_, variant, elems)) = catalog::LIST_TARGETS
                .iter()
                .find(|(id, _, _)| *id == target.value)
            {
                if let Some(list) = self.list(target, source, scope, variant, elems) {
                    out.lists.push(list);
                }
                continue;
            }
            if let Some(m) = self.field(target, source, scope, catalog::TARGETS, "field") {
                out.fields.push(m);
            }
        }
        out
    }

    fn list(
        &mut self,
        target: &Sp<String>,
        source: &Sp<spec::SourceSpec>,
        scope: &Scope<'_>,
        variant: &str,
        elems: &'static [catalog::Target],
    ) -> Option<ListMapIr> {
        let node = &source.value;
        match (&node.list, &node.fields, &node.columns) {
            (Some(list), Some(fields), None) => self.rows(target, list, fields, scope, variant, elems),
            (None, None, Some(columns)) => self.columns(target, source, columns, scope, variant, elems),
            _ => self.fail(
                source,
                &format!(
                    "`{}` is a list: give `list: <path>` with `fields:`, or `columns:` with `row:` and `value:`",
                    target.value
                ),
            ),
        }
    }

    fn rows(
        &mut self,
        target: &Sp<String>,
        list: &Sp<String>,
        fields: &SpMap<Sp<spec::SourceSpec>>,
        scope: &Scope<'_>,
        variant: &str,
        elems: &'static [catalog::Target],
    ) -> Option<ListMapIr> {
        let path = self.path(list, scope.ty, scope.record)?;
        let elem = self.list_element(list, &path)?;
        let elem_scope = Scope {
            ty: &elem,
            record: scope.record,
        };
        let mut out_fields = Vec::new();
        for (t, s) in fields.iter() {
            if let Some(m) = self.field(t, s, &elem_scope, elems, "list element field") {
                out_fields.push(m);
            }
        }
        Some(ListMapIr {
            target: target.value.clone(),
            variant: variant.to_owned(),
            shape: ListShape::Rows {
                path,
                elem_type: elem.wire_name.clone(),
            },
            fields: out_fields,
        })
    }

    /// The struct type of a list path's elements.
    fn list_element(&mut self, at: &Sp<String>, path: &PathIr) -> Option<TypeIr> {
        match path.leaf() {
            Some(TypeRef::List(inner)) => match inner.as_ref() {
                TypeRef::Named(n) => Some(self.ty(n)?.clone()),
                _ => self.fail(at, "`list` must be a list of structs"),
            },
            _ => self.fail(at, "`list` must be a list of structs"),
        }
    }

    fn columns(
        &mut self,
        target: &Sp<String>,
        node: &Sp<spec::SourceSpec>,
        columns: &SpMap<Sp<spec::SourceSpec>>,
        scope: &Scope<'_>,
        variant: &str,
        elems: &'static [catalog::Target],
    ) -> Option<ListMapIr> {
        let (Some(row), Some(value)) = (&node.value.row, &node.value.value) else {
            return self.fail(
                node,
                "`columns:` needs `row:` and `value:` (the fields of a cell)",
            );
        };
        let mut shape: Option<(String, String)> = None;
        let mut out_fields = Vec::new();
        for (t, s) in columns.iter() {
            let Some(def) = elems.iter().find(|e| e.id == t.value) else {
                let known: Vec<&str> = elems.iter().map(|e| e.id).collect();
                self.cx.at(
                    self.f,
                    t,
                    format!("unknown list element field `{}`", t.value),
                    &format!("expected one of: {}", known.join(", ")),
                );
                continue;
            };
            let Some(path_spec) = &s.value.path else {
                self.cx.at(
                    self.f,
                    s,
                    "a column is a path to an array of cells",
                    "not a path",
                );
                continue;
            };
            let located = if path_spec.referenced.line() == 0 {
                Sp::new(path_spec.value.clone(), s.referenced, s.defined)
            } else {
                path_spec.clone()
            };
            let Some(path) = self.path(&located, scope.ty, scope.record) else {
                continue;
            };
            let Some(cell) = self.list_element(&located, &path) else {
                continue;
            };
            let Some(row_rust) = self.member(&cell, row, &[TypeRef::String]) else {
                continue;
            };
            let Some(value_rust) = self.member(&cell, value, &[TypeRef::String]) else {
                continue;
            };
            shape = Some((row_rust, value_rust));
            let Some(norms) = self.norms(s, def.ty) else {
                continue;
            };
            out_fields.push(FieldMapIr {
                target: def.id.to_owned(),
                variant: def.variant.to_owned(),
                ty: def.ty,
                source: SourceIr::Path(path),
                norms,
            });
        }
        let (row, value_rust) = shape?;
        Some(ListMapIr {
            target: target.value.clone(),
            variant: variant.to_owned(),
            shape: ListShape::Columns {
                row,
                value: value_rust,
                value_wire: value.value.clone(),
            },
            fields: out_fields,
        })
    }

    fn field(
        &mut self,
        target: &Sp<String>,
        source: &Sp<spec::SourceSpec>,
        scope: &Scope<'_>,
        targets: &'static [catalog::Target],
        what: &str,
    ) -> Option<FieldMapIr> {
        let Some(t) = targets.iter().find(|t| t.id == target.value) else {
            let known: Vec<&str> = targets.iter().map(|t| t.id).collect();
            self.cx.err(
                Diagnostic::new(
                    format!("unknown mapping target `{}`", target.value),
                    Label::at(self.f, target, format!("not a {what} of `fapiao::Invoice`")),
                )
                .with_help(format!("expected one of: {}", known.join(", "))),
            );
            return None;
        };
        let src = self.source(source, scope, t.ty)?;
        let norms = self.norms(source, t.ty)?;
        Some(FieldMapIr {
            target: t.id.to_owned(),
            variant: t.variant.to_owned(),
            ty: t.ty,
            source: src,
            norms,
        })
    }

    fn source(
        &mut self,
        node: &Sp<spec::SourceSpec>,
        scope: &Scope<'_>,
        ty: ValueType,
    ) -> Option<SourceIr> {
        let s = &node.value;
        let given = [
            s.path.is_some(),
            s.label.is_some(),
            s.constant.is_some(),
            s.join.is_some(),
            s.first.is_some(),
            s.list.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return self.fail(
                node,
                "a source needs exactly one of `path`, `label`, `const`, `join`, `first`",
            );
        }
        if s.list.is_some() {
            return self.fail(
                node,
                "`list` sources only fill list targets (items, ticket.flights)",
            );
        }
        if let Some(path) = &s.path {
            // A bare-string source carries no location of its own; use the node's.
            let located = if path.referenced.line() == 0 {
                Sp::new(path.value.clone(), node.referenced, node.defined)
            } else {
                path.clone()
            };
            let resolved = self.path(&located, scope.ty, scope.record)?;
            let scalar = |t: &TypeRef| {
                matches!(
                    t,
                    TypeRef::String | TypeRef::Int | TypeRef::Float | TypeRef::Bool
                )
            };
            return match resolved.leaf() {
                Some(t) if scalar(t) => Some(SourceIr::Path(resolved)),
                Some(TypeRef::List(inner)) if scalar(inner) => Some(SourceIr::Path(resolved)),
                _ => self.fail(
                    &located,
                    "a field source must end at a string, number or bool (or a list of them)",
                ),
            };
        }
        if let Some(label) = &s.label {
            if !self.has_labels {
                return self.fail(label, "`label:` sources need a `labels:` section");
            }
            return Some(SourceIr::Label(label.value.clone()));
        }
        if let Some(c) = &s.constant {
            if ty == ValueType::Kind && !catalog::KINDS.contains(&c.value.as_str()) {
                return self.fail(c, &format!("unknown invoice kind `{}`", c.value));
            }
            return Some(SourceIr::Const(c.value.clone()));
        }
        let parts = s.join.as_ref().or(s.first.as_ref())?;
        if parts.is_empty() {
            return self.fail(node, "`join`/`first` needs at least one source");
        }
        let mut lowered = Vec::new();
        for p in parts {
            if !p.value.normalize.is_empty() {
                self.cx.at(
                    self.f,
                    p,
                    "normalize the combined value, not its parts",
                    "move `normalize` to the outer source",
                );
            }
            lowered.push(self.source(p, scope, ValueType::Text)?);
        }
        Some(if s.join.is_some() {
            SourceIr::Join(lowered, s.sep.clone().unwrap_or_default())
        } else {
            SourceIr::First(lowered)
        })
    }

    fn path(&mut self, path: &Sp<String>, scope: &TypeIr, record: &TypeIr) -> Option<PathIr> {
        let (from_record, body) = match path.value.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, path.value.as_str()),
        };
        let mut current = if from_record { record } else { scope }.clone();
        let mut steps = Vec::new();
        let segments: Vec<&str> = body.split('.').collect();
        for (i, seg) in segments.iter().enumerate() {
            let Some(field) = current.field(seg) else {
                let known: Vec<&str> = current.fields.iter().map(|f| f.wire.as_str()).collect();
                self.cx.err(
                    Diagnostic::new(
                        format!("`{}` has no field `{seg}`", current.wire_name),
                        Label::at(self.f, path, format!("in path `{}`", path.value)),
                    )
                    .with_help(format!(
                        "fields of `{}`: {}",
                        current.wire_name,
                        known.join(", ")
                    )),
                );
                return None;
            };
            steps.push(Step {
                wire: field.wire.clone(),
                rust: field.rust.clone(),
                ty: field.ty.clone(),
            });
            if i + 1 < segments.len() {
                match &field.ty {
                    TypeRef::Named(n) => current = self.ty(n)?.clone(),
                    _ => {
                        return self.fail(
                            path,
                            &format!("`{seg}` is not a struct, so the path cannot go on"),
                        );
                    }
                }
            }
        }
        Some(PathIr { from_record, steps })
    }

    fn norms(&mut self, node: &Sp<spec::SourceSpec>, target: ValueType) -> Option<Vec<NormIr>> {
        let mut out = Vec::new();
        let mut current = ValueType::Text;
        let mut ok = true;
        for n in &node.value.normalize {
            let Some((name, arg)) = parse_norm(&n.value) else {
                self.cx.at(
                    self.f,
                    n,
                    format!("bad normalizer `{}`", n.value),
                    "expected `name` or `name(arg)`",
                );
                ok = false;
                continue;
            };
            let Some(def) = catalog::normalizer(name) else {
                let known: Vec<&str> = catalog::NORMALIZERS.iter().map(|n| n.name).collect();
                self.cx.err(
                    Diagnostic::new(
                        format!("unknown normalizer `{name}`"),
                        Label::at(self.f, n, "not in the normalizer library"),
                    )
                    .with_help(format!("expected one of: {}", known.join(", "))),
                );
                ok = false;
                continue;
            };
            if def.takes_arg != arg.is_some() {
                self.cx.at(
                    self.f,
                    n,
                    format!(
                        "normalizer `{name}` {}",
                        if def.takes_arg {
                            "needs an argument"
                        } else {
                            "takes no argument"
                        }
                    ),
                    "wrong arity",
                );
                ok = false;
                continue;
            }
            if current != ValueType::Text {
                self.cx.at(
                    self.f,
                    n,
                    format!(
                        "`{name}` reads text, but the chain already produced {}",
                        current.name()
                    ),
                    "out of order",
                );
                ok = false;
            }
            let rust_arg = match (name, &arg) {
                ("table", Some(t)) => match self.tables.get(t.as_str()) {
                    Some((rust, _)) => Some(rust.clone()),
                    None => {
                        self.cx.at(
                            self.f,
                            n,
                            format!("unknown table `{t}`"),
                            "declare it under `mapping.tables`",
                        );
                        ok = false;
                        None
                    }
                },
                _ => arg.clone(),
            };
            current = def.output;
            out.push(NormIr {
                variant: def.variant.to_owned(),
                name: name.to_owned(),
                arg: rust_arg,
                arg_text: arg,
            });
        }
        let compatible = current == ValueType::Text
            || current == target
            || (current == ValueType::Money && target == ValueType::Decimal);
        if ok && !compatible {
            let at = node
                .value
                .normalize
                .last()
                .unwrap_or(&node.value.normalize[0]);
            self.cx.at(
                self.f,
                at,
                format!(
                    "this chain produces {}, but the target holds {}",
                    current.name(),
                    target.name()
                ),
                "type mismatch",
            );
            ok = false;
        }
        ok.then_some(out)
    }
}

/// Table names used by any `table(...)` normalizer of the mapping.
fn used_tables(m: &spec::MappingSpec) -> BTreeSet<String> {
    fn scan(source: &spec::SourceSpec, out: &mut BTreeSet<String>) {
        for n in &source.normalize {
            if let Some(("table", Some(t))) = parse_norm(&n.value) {
                out.insert(t);
            }
        }
        for part in source.join.iter().chain(source.first.iter()).flatten() {
            scan(&part.value, out);
        }
        for nested in source.fields.iter().chain(source.columns.iter()) {
            for (_, s) in nested.iter() {
                scan(&s.value, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for (_, s) in m.fields.iter() {
        scan(&s.value, &mut out);
    }
    for (_, r) in m.rules.iter() {
        for (_, s) in r.fields.iter() {
            scan(&s.value, &mut out);
        }
    }
    out
}

/// Table names used by `table(...)` normalizers on the `kind` target.
fn kind_tables(m: &spec::MappingSpec) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut scan = |fields: &SpMap<Sp<spec::SourceSpec>>| {
        if let Some(src) = fields.get("kind") {
            for n in &src.value.normalize {
                if let Some(("table", Some(t))) = parse_norm(&n.value) {
                    out.insert(t);
                }
            }
        }
    };
    scan(&m.fields);
    for (_, r) in m.rules.iter() {
        scan(&r.fields);
    }
    out
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
