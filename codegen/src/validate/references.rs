//! Pass 2: what refers to other specs or to types — imports, type references, failure codes,
//! the response envelope, mapping reuse.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

impl Cx<'_> {
    pub(super) fn lower_refs(
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
    pub(super) fn check_failure_codes(&mut self, f: FileId, s: &spec::Spec, api: &ApiIr) {
        let mut codes = s.emulation.labelled().to_vec();
        if let Some(a) = &s.auth {
            codes.extend(a.failures.labelled());
        }
        for code in codes.into_iter().filter_map(|(_, c)| c.as_ref()) {
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

    pub(super) fn check_type_refs(&mut self, f: FileId, s: &spec::Spec, visible: &[TypeIr]) {
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

    pub(super) fn response(
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
        let request_id_type = self.request_id_field_type(f, r, visible);
        let request_id_in_payload = matches!(request_id_type, Some(TypeRef::String | TypeRef::Int));
        let request_id_int = request_id_type == Some(TypeRef::Int);
        Some(ResponseIr {
            payload: r
                .payload
                .as_ref()
                .map_or_else(Vec::new, |p| dotted(&p.value)),
            payload_type: r.ty.value.clone(),
            json_string,
            request_id: r.request_id.as_ref().map(|p| dotted(&p.value)),
            request_id_in_payload,
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
    pub(super) fn check_envelope_collisions(
        &mut self,
        f: FileId,
        r: &spec::ResponseSpec,
        visible: &[TypeIr],
    ) {
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
    pub(super) fn request_id_field_type(
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

    pub(super) fn check_dotted(&mut self, f: FileId, path: &Sp<String>) {
        if path.value.split('.').any(str::is_empty) && !path.value.is_empty() {
            self.at(
                f,
                path,
                format!("bad path `{}`", path.value),
                "empty segment between dots",
            );
        }
    }

    pub(super) fn resolve_reuse(&mut self, parsed: &[Parsed], apis: &mut [ApiIr]) {
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
