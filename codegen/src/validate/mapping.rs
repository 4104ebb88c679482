//! Mapping sections: targets, sources, paths, labels, variants, rule sets, lists and
//! normalizer chains, resolved against the declared types.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// Resolves one spec's `mapping:` section against the types visible to it.
pub(super) struct MapCx<'c, 'a> {
    pub(super) cx: &'c mut Cx<'a>,
    pub(super) f: FileId,
    pub(super) types: &'c [TypeIr],
    pub(super) tables: BTreeMap<String, String>,
    pub(super) has_labels: bool,
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

    pub(super) fn mapping(mut self, m: &spec::MappingSpec, api: &ApiIr) -> Option<MappingIr> {
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

    /// Whether `text` is in the form the runtime compares vendor text in (no whitespace, ASCII
    /// brackets), so it is used as written; otherwise a diagnostic naming the form to write.
    fn compared_as_written(&mut self, text: &Sp<String>, what: &str) -> bool {
        let canonical: String = text
            .value
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c,
            })
            .collect();
        if canonical == text.value {
            return true;
        }
        self.cx.at(
            self.f,
            text,
            format!(
                "{what} are compared without whitespace and with ASCII brackets: write `{canonical}`"
            ),
            "here",
        );
        false
    }

    fn fail<T, U>(&mut self, at: &Sp<U>, msg: &str) -> Option<T> {
        self.cx.at(self.f, at, msg.to_owned(), "here");
        None
    }

    fn tables(&mut self, m: &spec::MappingSpec) -> Vec<TableIr> {
        let (used, for_kind) = (used_tables(m), kind_tables(m));
        let mut out = Vec::new();
        for (name, entries) in m.tables.iter() {
            let rust = format!(
                "TABLE_{}",
                name.value
                    .to_uppercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            );
            let for_kind = for_kind.contains(&name.value);
            for (k, v) in entries.iter() {
                self.compared_as_written(k, "table keys");
                if for_kind && !catalog::KINDS.contains(&v.value.as_str()) {
                    self.cx.at(
                        self.f,
                        v,
                        format!("unknown invoice kind `{}`", v.value),
                        "this table feeds `kind`; values must be invoice kind ids",
                    );
                }
            }
            self.tables.insert(name.value.clone(), rust.clone());
            if !used.contains(&name.value) {
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
            if !self.compared_as_written(label, "labels") {
                return None;
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
                    Some(rust) => Some(rust.clone()),
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

/// Adds the tables named by `table(...)` normalizers in `source` and its nested sources.
fn table_refs(source: &spec::SourceSpec, out: &mut BTreeSet<String>) {
    for n in &source.normalize {
        if let Some(("table", Some(t))) = parse_norm(&n.value) {
            out.insert(t);
        }
    }
    for part in source.join.iter().chain(source.first.iter()).flatten() {
        table_refs(&part.value, out);
    }
    for nested in source.fields.iter().chain(source.columns.iter()) {
        for (_, s) in nested.iter() {
            table_refs(&s.value, out);
        }
    }
}

/// The field maps of a mapping: its own and each rule's.
fn field_maps(m: &spec::MappingSpec) -> impl Iterator<Item = &SpMap<Sp<spec::SourceSpec>>> {
    std::iter::once(&m.fields).chain(m.rules.iter().map(|(_, r)| &r.fields))
}

/// Table names used by any `table(...)` normalizer of the mapping.
fn used_tables(m: &spec::MappingSpec) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, s) in field_maps(m).flat_map(|fields| fields.iter()) {
        table_refs(&s.value, &mut out);
    }
    out
}

/// Table names used by `table(...)` normalizers on the `kind` target.
fn kind_tables(m: &spec::MappingSpec) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for kind in field_maps(m).filter_map(|fields| fields.get("kind")) {
        table_refs(&kind.value, &mut out);
    }
    out
}
