//! Pass 1: each spec's own declarations — identity, endpoint, auth, limits, request fields,
//! types, errors and examples — lowered without looking at other specs.

use std::collections::BTreeSet;
use std::path::Path;

use super::*;

impl Cx<'_> {
    pub(super) fn lower_own(&mut self, p: &Parsed) -> Option<ApiIr> {
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
            emulation: s.emulation.labelled().map(codes_by_key),
        })
    }

    pub(super) fn fills(
        &mut self,
        f: FileId,
        s: &spec::Spec,
        local: bool,
    ) -> Vec<(String, String)> {
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

    pub(super) fn api_id(&mut self, f: FileId, s: &spec::Spec) -> Option<(String, String)> {
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

    pub(super) fn check_url(
        &mut self,
        f: FileId,
        url: &Sp<String>,
        allow_placeholders: bool,
    ) -> bool {
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

    pub(super) fn endpoint(
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

    pub(super) fn auth(&mut self, f: FileId, s: &spec::Spec, local: bool) -> Option<AuthIr> {
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
        Some(AuthIr {
            scheme: scheme.id.to_owned(),
            params,
            credentials,
            regions,
            default_region: a.default_region.as_ref().map(|d| d.value.clone()),
            failures: a.failures.labelled().map(codes_by_key),
        })
    }

    pub(super) fn limits(&mut self, f: FileId, l: &spec::LimitsSpec) -> LimitsIr {
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

    pub(super) fn request(
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

    pub(super) fn input(
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

    pub(super) fn types(&mut self, f: FileId, s: &spec::Spec) -> Vec<TypeIr> {
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

    pub(super) fn geometry(
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

    pub(super) fn errors(&mut self, f: FileId, s: &spec::Spec) -> Vec<ErrorIr> {
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

    pub(super) fn examples(&mut self, p: &Parsed) -> Vec<ExampleIr> {
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

    pub(super) fn include_path(&self, path: &Path) -> String {
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        if let Some(dir) = &self.paths.manifest_dir {
            let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
            if let Ok(rel) = abs.strip_prefix(&dir) {
                return rel.to_string_lossy().replace('\\', "/");
            }
        }
        abs.to_string_lossy().into_owned()
    }
}

/// A labelled spec code as the IR keeps it.
fn codes_by_key(
    (key, code): (&'static str, &Option<Sp<String>>),
) -> (&'static str, Option<String>) {
    (key, code.as_ref().map(|c| c.value.clone()))
}
