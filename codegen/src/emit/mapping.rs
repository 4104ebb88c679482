//! `ToInvoices`: the generated mapping from a payload onto `fapiao::Invoice`.
//!
//! Generated code only walks the typed payload and hands each value to the runtime
//! `fapiao::mapping::Mapper` with its target, provenance and normalizer chain; parsing,
//! normalising and bookkeeping are hand-written runtime code.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::response::{is_boxed, option_ref};
use super::{api_type, ident};
use crate::ir::{
    ApiIr, FieldMapIr, Ir, ListMapIr, ListShape, MappingIr, NormIr, PathIr, ScopeMapIr, SourceIr,
    Step, TypeIr, TypeRef,
};

struct MapEmit<'a> {
    api: &'a ApiIr,
    ir: &'a Ir,
    m: &'a MappingIr,
}

/// Tables, record/rule functions and the `ToInvoices` impl (nothing for reused mappings).
pub(crate) fn mapping(api: &ApiIr, ir: &Ir) -> TokenStream {
    let Some(m) = &api.mapping else {
        return unmapped(api, ir);
    };
    if m.reused_from.is_some() {
        return quote! {};
    }
    let Some(payload) = api
        .response
        .as_ref()
        .and_then(|r| api_type(api, ir, &r.payload_type))
    else {
        return quote! {};
    };
    let Some(record) = api_type(api, ir, &m.record_type) else {
        return quote! {};
    };
    let e = MapEmit { api, ir, m };
    let tables = m.tables.iter().map(|t| {
        let name = format_ident!("{}", t.rust);
        let entries = t.entries.iter().map(|(k, v)| quote! { (#k, #v) });
        let doc = format!(" Code table `{}` of the mapping.", t.name);
        quote! {
            #[doc = #doc]
            const #name: &[(&str, &str)] = &[#(#entries),*];
        }
    });
    let payload_name = ident(&payload.rust_name);
    let record_name = ident(&record.rust_name);
    let to_invoices = match &m.records {
        Some(path) => {
            let list = reach(&quote! { self }, &path.steps);
            quote! { #list.into_iter().flatten().map(map_record).collect() }
        }
        None => quote! { ::std::vec![map_record(self)] },
    };
    let record_fn = e.record_fn(record, &record_name);
    let rule_fns = e.rule_fns(&record_name);
    quote! {
        #(#tables)*

        impl ::fapiao::api::ToInvoices for #payload_name {
            fn to_invoices(&self) -> ::std::vec::Vec<::fapiao::Invoice> {
                #to_invoices
            }
        }

        #record_fn
        #(#rule_fns)*
    }
}

/// A spec without `mapping:` still gives a usable API: typed payloads, and no invoices.
fn unmapped(api: &ApiIr, ir: &Ir) -> TokenStream {
    let Some(payload) = api
        .response
        .as_ref()
        .and_then(|r| api_type(api, ir, &r.payload_type))
        .filter(|t| t.owner == api.id)
    else {
        return quote! {};
    };
    let name = ident(&payload.rust_name);
    quote! {
        /// This spec declares no mapping: responses decode into the typed payload, and no
        /// invoices are derived from them.
        impl ::fapiao::api::ToInvoices for #name {
            fn to_invoices(&self) -> ::std::vec::Vec<::fapiao::Invoice> {
                ::std::vec::Vec::new()
            }
        }
    }
}

/// `base.a.as_ref().and_then(|x| x.b.as_ref())…` — an `Option<&Leaf>`.
fn reach(base: &TokenStream, steps: &[Step]) -> TokenStream {
    let mut iter = steps.iter();
    let Some(first) = iter.next() else {
        return quote! { ::std::option::Option::Some(#base) };
    };
    let f = ident(&first.rust);
    let mut expr = quote! { #base.#f.as_ref() };
    for s in iter {
        let f = ident(&s.rust);
        expr = quote! { #expr.and_then(|x| x.#f.as_ref()) };
    }
    expr
}

fn norms(list: &[NormIr]) -> TokenStream {
    let items = list.iter().map(|n| {
        let v = format_ident!("{}", n.variant);
        match (&n.arg, n.variant.as_str()) {
            (Some(table), "Table") => {
                let t = format_ident!("{table}");
                quote! { ::fapiao::mapping::Norm::Table(#t) }
            }
            (Some(arg), _) => quote! { ::fapiao::mapping::Norm::#v(#arg) },
            (None, _) => quote! { ::fapiao::mapping::Norm::#v },
        }
    });
    quote! { &[#(#items),*] }
}

/// Wire paths a mapping reads, so everything else can be kept in `extra`.
type Used = BTreeSet<Vec<String>>;

fn wire_path(p: &PathIr) -> Vec<String> {
    p.steps.iter().map(|s| s.wire.clone()).collect()
}

/// Records the path a source reads, relative to its scope or to the record.
fn used_by_source(s: &SourceIr, relative: &mut Used, rooted: &mut Used) {
    match s {
        SourceIr::Path(p) if p.from_record => {
            rooted.insert(wire_path(p));
        }
        SourceIr::Path(p) => {
            relative.insert(wire_path(p));
        }
        SourceIr::Join(parts, _) | SourceIr::First(parts) => {
            for p in parts {
                used_by_source(p, relative, rooted);
            }
        }
        SourceIr::Label(_) | SourceIr::Const(_) => {}
    }
}

/// Paths (relative, and record-rooted) a scope reads; a list's array counts as read whole.
fn used_fields(scope: &ScopeMapIr, relative: &mut Used, rooted: &mut Used) {
    for f in &scope.fields {
        used_by_source(&f.source, relative, rooted);
    }
    for l in &scope.lists {
        match &l.shape {
            ListShape::Rows { path, .. } if path.from_record => {
                rooted.insert(wire_path(path));
            }
            ListShape::Rows { path, .. } => {
                relative.insert(wire_path(path));
            }
            // Column paths start in this scope, like any other source.
            ListShape::Columns { .. } => {
                for f in &l.fields {
                    used_by_source(&f.source, relative, rooted);
                }
            }
        }
    }
}

fn uses_labels(scope: &ScopeMapIr) -> bool {
    fn source(s: &SourceIr) -> bool {
        match s {
            SourceIr::Label(_) => true,
            SourceIr::Join(p, _) | SourceIr::First(p) => p.iter().any(source),
            _ => false,
        }
    }
    scope.fields.iter().any(|f| source(&f.source))
        || scope
            .lists
            .iter()
            .any(|l| l.fields.iter().any(|f| source(&f.source)))
}

fn uses_record(scope: &ScopeMapIr) -> bool {
    let (mut relative, mut rooted) = (Used::new(), Used::new());
    used_fields(scope, &mut relative, &mut rooted);
    !rooted.is_empty()
}

impl MapEmit<'_> {
    fn ty(&self, wire: &str) -> Option<&TypeIr> {
        api_type(self.api, self.ir, wire)
    }

    /// Provenance text of a value: where it came from, in vendor terms.
    fn describe(&self, prefix: &str, s: &SourceIr) -> String {
        let (list, name) = self
            .m
            .labels
            .as_ref()
            .map_or(("", ""), |l| (l.wire_list.as_str(), l.wire_name.as_str()));
        match s {
            SourceIr::Path(p) if p.from_record => p.dotted().trim_start_matches('/').to_owned(),
            SourceIr::Path(p) => format!("{prefix}{}", p.dotted()),
            other => other.describe(list, name),
        }
    }

    fn source(&self, s: &SourceIr, base: &TokenStream, prefix: &str) -> TokenStream {
        match s {
            SourceIr::Path(p) => self.path_source(p, base, prefix),
            SourceIr::Label(label) => {
                let field = self.describe(prefix, s);
                quote! { labels.take(#label, #field) }
            }
            SourceIr::Const(c) => quote! { ::fapiao::mapping::constant(#c) },
            SourceIr::Join(parts, sep) => {
                let parts = parts.iter().map(|p| self.source(p, base, prefix));
                let field = self.describe(prefix, s);
                quote! { ::fapiao::mapping::join([#(#parts),*], #sep, #field) }
            }
            SourceIr::First(parts) => {
                let parts = parts.iter().map(|p| self.source(p, base, prefix));
                quote! { ::fapiao::mapping::first([#(#parts),*]) }
            }
        }
    }

    fn path_source(&self, p: &PathIr, base: &TokenStream, prefix: &str) -> TokenStream {
        let base = if p.from_record {
            quote! { rec }
        } else {
            base.clone()
        };
        let value = reach(&base, &p.steps);
        let field = self.describe(prefix, &SourceIr::Path(p.clone()));
        match p.leaf() {
            Some(TypeRef::String) => quote! { ::fapiao::mapping::found(#value, #field) },
            Some(TypeRef::List(_)) => quote! { ::fapiao::mapping::found_list(#value, #field) },
            _ => quote! { ::fapiao::mapping::found_value(#value, #field) },
        }
    }

    fn set(
        &self,
        target_enum: &Ident,
        f: &FieldMapIr,
        recv: &Ident,
        base: &TokenStream,
        prefix: &str,
    ) -> TokenStream {
        let variant = format_ident!("{}", f.variant);
        let source = self.source(&f.source, base, prefix);
        let norms = norms(&f.norms);
        quote! {
            #recv.set(::fapiao::mapping::#target_enum::#variant, #source, #norms);
        }
    }

    /// Code filling `m` from one scope whose struct is bound to `base`.
    fn scope(
        &self,
        scope: &ScopeMapIr,
        ty: &TypeIr,
        base: &TokenStream,
        prefix: &str,
        extras: bool,
    ) -> TokenStream {
        let m = format_ident!("m");
        let target = format_ident!("Target");
        let fields = scope
            .fields
            .iter()
            .map(|f| self.set(&target, f, &m, base, prefix));
        let lists = scope.lists.iter().map(|l| self.list(l, base, prefix));
        let extra = if extras {
            let (mut relative, mut rooted) = (Used::new(), Used::new());
            used_fields(scope, &mut relative, &mut rooted);
            self.extras(&m, ty, &relative, base, prefix, 0)
        } else {
            quote! {}
        };
        quote! {
            #(#fields)*
            #(#lists)*
            #extra
        }
    }

    /// Keeps every field of `ty` no mapping reads in `extra`; a struct field read only in
    /// part is descended into, so its unread siblings are kept too.
    fn extras(
        &self,
        recv: &Ident,
        ty: &TypeIr,
        used: &Used,
        base: &TokenStream,
        prefix: &str,
        depth: usize,
    ) -> TokenStream {
        let items = ty.fields.iter().filter_map(|f| {
            let name = ident(&f.rust);
            let deeper: Used = used
                .iter()
                .filter(|p| p.first() == Some(&f.wire))
                .map(|p| p[1..].to_vec())
                .collect();
            let key = format!("{prefix}{}", f.wire);
            if deeper.is_empty() {
                return Some(match f.ty {
                    TypeRef::String => quote! { #recv.extra_text(#key, #base.#name.as_deref()); },
                    _ => quote! { #recv.extra(#key, #base.#name.as_ref()); },
                });
            }
            if deeper.iter().any(Vec::is_empty) {
                return None;
            }
            let TypeRef::Named(inner) = &f.ty else {
                return None;
            };
            let inner = self.ty(inner)?;
            let var = format_ident!("n{depth}");
            let body = self.extras(
                recv,
                inner,
                &deeper,
                &quote! { #var },
                &format!("{key}."),
                depth + 1,
            );
            Some(quote! {
                if let ::std::option::Option::Some(#var) = #base.#name.as_ref() {
                    #body
                }
            })
        });
        quote! { #(#items)* }
    }

    fn list(&self, l: &ListMapIr, base: &TokenStream, prefix: &str) -> TokenStream {
        match &l.shape {
            ListShape::Rows { path, elem_type } => self.row_list(l, path, elem_type, base, prefix),
            ListShape::Columns {
                row,
                value,
                value_wire,
            } => self.column_list(l, (row, value, value_wire), base, prefix),
        }
    }

    fn row_list(
        &self,
        l: &ListMapIr,
        path: &PathIr,
        elem_type: &str,
        base: &TokenStream,
        prefix: &str,
    ) -> TokenStream {
        let base = if path.from_record {
            quote! { rec }
        } else {
            base.clone()
        };
        let list = reach(&base, &path.steps);
        let target_enum = format_ident!("{}", l.variant);
        let it = format_ident!("it");
        let elem_prefix = format!("{prefix}{}[].", path.dotted().trim_start_matches('/'));
        let e = quote! { e };
        let sets = l
            .fields
            .iter()
            .map(|f| self.set(&target_enum, f, &it, &e, &elem_prefix));
        let (mut relative, mut rooted) = (Used::new(), Used::new());
        for f in &l.fields {
            used_by_source(&f.source, &mut relative, &mut rooted);
        }
        let extras = self
            .ty(elem_type)
            .map(|ty| self.extras(&it, ty, &relative, &e, "", 0));
        quote! {
            for e in #list.into_iter().flatten() {
                let mut it = ::fapiao::mapping::ListMapper::<::fapiao::mapping::#target_enum>::new();
                #(#sets)*
                #extras
                m.push(it);
            }
        }
    }

    /// Parallel column arrays of cells, pivoted into rows by their row key.
    fn column_list(
        &self,
        l: &ListMapIr,
        (row, value, value_wire): (&str, &str, &str),
        base: &TokenStream,
        prefix: &str,
    ) -> TokenStream {
        let (row, value) = (ident(row), ident(value));
        let target_enum = format_ident!("{}", l.variant);
        let columns = l.fields.len();
        let fills = l.fields.iter().enumerate().filter_map(|(i, f)| {
            let SourceIr::Path(p) = &f.source else {
                return None;
            };
            let base = if p.from_record {
                quote! { rec }
            } else {
                base.clone()
            };
            let list = reach(&base, &p.steps);
            Some(quote! {
                for cell in #list.into_iter().flatten() {
                    pivot.add(#i, cell.#row.as_deref(), cell.#value.as_deref());
                }
            })
        });
        let sets = l.fields.iter().enumerate().map(|(i, f)| {
            let variant = format_ident!("{}", f.variant);
            // As the descriptor's mapping rows name it (a record-rooted path has no prefix).
            let field = format!("{}[].{value_wire}", self.describe(prefix, &f.source));
            let norms = norms(&f.norms);
            quote! {
                it.set(::fapiao::mapping::#target_enum::#variant, row.cell(#i, #field), #norms);
            }
        });
        quote! {
            let mut pivot = ::fapiao::mapping::Pivot::new(#columns);
            #(#fills)*
            for row in pivot.rows() {
                let mut it = ::fapiao::mapping::ListMapper::<::fapiao::mapping::#target_enum>::new();
                #(#sets)*
                m.push(it);
            }
        }
    }

    fn record_fn(&self, record: &TypeIr, record_name: &Ident) -> TokenStream {
        let rec = quote! { rec };
        let labels = self.m.labels.as_ref().map(|l| {
            let list = reach(&rec, &l.list.steps);
            let (name, value) = (ident(&l.name), ident(&l.value));
            let polygon = match &l.polygon {
                Some((field, ty)) => {
                    let boxed = is_boxed(self.api, self.ir, &TypeRef::Named(ty.clone()));
                    let (f, get) = (ident(field), option_ref(boxed));
                    quote! { e.#f.#get().and_then(::fapiao::mapping::AsPolygon::polygon) }
                }
                None => quote! { ::std::option::Option::None },
            };
            let confidence = match &l.confidence {
                Some(c) => {
                    let c = ident(c);
                    quote! { e.#c }
                }
                None => quote! { ::std::option::Option::None },
            };
            quote! {
                let mut labels = ::fapiao::mapping::Labels::new();
                for e in #list.into_iter().flatten() {
                    labels.push(e.#name.as_deref(), e.#value.as_deref(), #polygon, #confidence);
                }
            }
        });
        let (mut relative, mut rooted) = (Used::new(), Used::new());
        used_fields(&self.m.scope, &mut relative, &mut rooted);
        if let Some(l) = &self.m.labels {
            relative.insert(wire_path(&l.list));
        }
        if let Some(v) = &self.m.variants {
            relative.insert(wire_path(&v.within));
            for r in &self.m.rules {
                let mut ignored = Used::new();
                used_fields(&r.scope, &mut ignored, &mut relative);
            }
        }
        relative.extend(rooted);
        let scope = self.scope(&self.m.scope, record, &rec, "", false);
        let extras = self.extras(&format_ident!("m"), record, &relative, &rec, "", 0);
        let variants = self.variants();
        let leftover = self.m.labels.as_ref().map(|l| {
            let list = &l.wire_list;
            quote! { m.extra_labels(labels, #list); }
        });
        quote! {
            fn map_record(rec: &#record_name) -> ::fapiao::Invoice {
                let mut m = ::fapiao::mapping::Mapper::new(API_ID);
                #labels
                #scope
                #variants
                #extras
                #leftover
                m.finish()
            }
        }
    }

    fn variants(&self) -> TokenStream {
        let Some(v) = &self.m.variants else {
            return quote! {};
        };
        let within = reach(&quote! { rec }, &v.within.steps);
        let has_labels = self.m.labels.is_some();
        let arms = v.cases.iter().map(|case| {
            let member = ident(&case.member_rust);
            let kind = format_ident!("{}", case.kind);
            let body = match case.rules.and_then(|i| self.m.rules.get(i).map(|r| (i, r))) {
                Some((_, rule)) => {
                    let f = format_ident!(
                        "map_rule_{}",
                        heck::ToSnakeCase::to_snake_case(rule.name.as_str())
                    );
                    let labels = has_labels.then(|| quote! { , &mut labels });
                    quote! { #f(&mut m, v, rec #labels); }
                }
                None => {
                    let key = &case.member;
                    quote! { m.extra(#key, ::std::option::Option::Some(v)); }
                }
            };
            quote! {
                if let ::std::option::Option::Some(v) = c.#member.as_ref() {
                    m.set_kind(::fapiao::InvoiceKind::#kind);
                    #body
                }
            }
        });
        // Exactly one member is set by design; taking the first set one keeps a malformed
        // response from producing two kinds in one record.
        let chain = arms.reduce(|a, b| quote! { #a else #b });
        quote! {
            if let ::std::option::Option::Some(c) = #within {
                #chain
            }
        }
    }

    fn rule_fns(&self, record_name: &Ident) -> Vec<TokenStream> {
        let has_labels = self.m.labels.is_some();
        self.m
            .rules
            .iter()
            .filter(|r| !r.ty.is_empty())
            .filter_map(|r| {
                let ty = self.ty(&r.ty)?;
                let ty_name = ident(&ty.rust_name);
                let f = format_ident!("map_rule_{}", heck::ToSnakeCase::to_snake_case(r.name.as_str()));
                let prefix = format!("{}.", ty.wire_name);
                let body = self.scope(&r.scope, ty, &quote! { v }, &prefix, true);
                let rec = if uses_record(&r.scope) {
                    quote! { rec }
                } else {
                    quote! { _rec }
                };
                let labels_param = has_labels.then(|| {
                    let name = if uses_labels(&r.scope) {
                        quote! { labels }
                    } else {
                        quote! { _labels }
                    };
                    quote! { , #name: &mut ::fapiao::mapping::Labels<'_> }
                });
                let doc = format!(" Mapping rule set `{}` (for `{}`).", r.name, ty.wire_name);
                Some(quote! {
                    #[doc = #doc]
                    fn #f(m: &mut ::fapiao::mapping::Mapper, v: &#ty_name, #rec: &#record_name #labels_param) {
                        #body
                    }
                })
            })
            .collect()
    }
}
