//! Response types, and the decoder that reads the vendor's envelope.
//!
//! The envelope is decoded in one pass: the generator builds private `Wire*` structs shaped
//! like the envelope (only the paths the spec names), merging the payload's own fields into
//! the node where the payload sits, so no `serde_json::Value` tree is ever built.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{api_type, doc_lines, ident};
use crate::ir::{ApiIr, Geometry, Ir, ResponseIr, TypeIr, TypeRef};

/// Nested structs with more fields than this are boxed by the fields that hold them
/// (`Option<Box<T>>`). Every field is an `Option`, and a struct of many large members of which
/// at most one is present (Tencent's `SingleInvoiceInfos`, one member per document kind) would
/// otherwise take tens of kilobytes inline, which serde moves for every element, null members
/// included.
const INLINE_MAX_FIELDS: usize = 8;

/// Whether a struct field of type `t` holds its value on the heap.
pub(crate) fn is_boxed(api: &ApiIr, ir: &Ir, t: &TypeRef) -> bool {
    let TypeRef::Named(n) = t else {
        return false;
    };
    api_type(api, ir, n).is_some_and(|ty| ty.fields.len() > INLINE_MAX_FIELDS)
}

/// `as_deref` for a boxed field, `as_ref` otherwise: either way an `Option<&T>`.
pub(crate) fn option_ref(boxed: bool) -> TokenStream {
    if boxed {
        quote! { as_deref }
    } else {
        quote! { as_ref }
    }
}

/// Rust type tokens for the value of a struct field: [`rust_type`], boxed per [`is_boxed`].
fn field_type(api: &ApiIr, ir: &Ir, t: &TypeRef) -> TokenStream {
    let ty = rust_type(api, ir, t);
    if is_boxed(api, ir, t) {
        quote! { ::std::boxed::Box<#ty> }
    } else {
        ty
    }
}

/// Rust type tokens for a field type.
pub(crate) fn rust_type(api: &ApiIr, ir: &Ir, t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote! { ::std::string::String },
        TypeRef::Int => quote! { i64 },
        TypeRef::Float => quote! { f64 },
        TypeRef::Bool => quote! { bool },
        TypeRef::Json => quote! { ::fapiao::__private::serde_json::Value },
        TypeRef::Named(n) => {
            let name = api_type(api, ir, n).map_or_else(|| n.clone(), |t| t.rust_name.clone());
            let id = ident(&name);
            quote! { #id }
        }
        TypeRef::List(inner) => {
            let inner = rust_type(api, ir, inner);
            quote! { ::std::vec::Vec<#inner> }
        }
    }
}

/// The named types this API declares.
pub(crate) fn types(api: &ApiIr, ir: &Ir) -> TokenStream {
    let items = api.types.iter().map(|t| {
        let name = ident(&t.rust_name);
        let doc = doc_lines(&t.doc);
        let fields = t.fields.iter().map(|f| {
            let fname = ident(&f.rust);
            let wire = &f.wire;
            let ty = field_type(api, ir, &f.ty);
            let doc = doc_lines(&f.doc);
            let nullable = if f.nullable {
                quote! { #[doc = ""] #[doc = " May be `null`."] }
            } else {
                quote! {}
            };
            quote! {
                #(#doc)*
                #nullable
                #[serde(rename = #wire, skip_serializing_if = "::std::option::Option::is_none")]
                pub #fname: ::std::option::Option<#ty>,
            }
        });
        let geometry = geometry_impl(api, ir, t);
        quote! {
            #(#doc)*
            #[derive(
                Debug, Clone, Default, PartialEq,
                ::fapiao::__private::serde::Serialize, ::fapiao::__private::serde::Deserialize,
            )]
            #[serde(crate = "::fapiao::__private::serde")]
            pub struct #name {
                #(#fields)*
            }
            #geometry
        }
    });
    quote! { #(#items)* }
}

fn geometry_impl(api: &ApiIr, ir: &Ir, t: &TypeIr) -> TokenStream {
    let name = ident(&t.rust_name);
    match &t.geometry {
        Some(Geometry::Point([x, y])) => {
            let (x, y) = (ident(x), ident(y));
            quote! {
                impl ::fapiao::mapping::AsPoint for #name {
                    fn point(&self) -> ::std::option::Option<::fapiao::invoice::Point> {
                        ::fapiao::mapping::point(self.#x, self.#y)
                    }
                }
            }
        }
        Some(Geometry::Rect([x, y, w, h])) => {
            let (x, y, w, h) = (ident(x), ident(y), ident(w), ident(h));
            quote! {
                impl ::fapiao::mapping::AsPolygon for #name {
                    fn polygon(&self) -> ::std::option::Option<::fapiao::invoice::Polygon> {
                        ::fapiao::mapping::rect(self.#x, self.#y, self.#w, self.#h)
                    }
                }
            }
        }
        Some(Geometry::Quad(points)) => {
            let p = points.iter().map(|p| {
                let boxed = t
                    .fields
                    .iter()
                    .any(|f| &f.rust == p && is_boxed(api, ir, &f.ty));
                let (p, get) = (ident(p), option_ref(boxed));
                quote! { self.#p.#get().and_then(::fapiao::mapping::AsPoint::point) }
            });
            quote! {
                impl ::fapiao::mapping::AsPolygon for #name {
                    fn polygon(&self) -> ::std::option::Option<::fapiao::invoice::Polygon> {
                        ::fapiao::mapping::quad([#(#p),*])
                    }
                }
            }
        }
        None => quote! {},
    }
}

/// What sits at the end of an envelope path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Code,
    Text,
    /// A request id, which vendors write as text or as an integer.
    Id,
}

/// One node of the envelope tree.
#[derive(Default)]
struct Node {
    wire: String,
    children: Vec<Node>,
    leaf: Option<Leaf>,
    payload: bool,
}

impl Node {
    fn child(&mut self, wire: &str) -> &mut Node {
        let i = match self.children.iter().position(|c| c.wire == wire) {
            Some(i) => i,
            None => {
                self.children.push(Node {
                    wire: wire.to_owned(),
                    ..Node::default()
                });
                self.children.len() - 1
            }
        };
        &mut self.children[i]
    }

    fn at(&mut self, path: &[String]) -> &mut Node {
        path.iter().fold(self, |n, seg| n.child(seg))
    }
}

fn envelope(r: &ResponseIr) -> Node {
    let mut root = Node::default();
    root.at(&r.payload).payload = true;
    for c in &r.checks {
        root.at(&c.code).leaf = Some(Leaf::Code);
        if let Some(m) = &c.message {
            root.at(m).leaf = Some(Leaf::Text);
        }
    }
    if let Some(rid) = &r.request_id
        && !r.request_id_in_payload
    {
        root.at(rid).leaf = Some(Leaf::Id);
    }
    root
}

fn wire_name(path: &[String]) -> proc_macro2::Ident {
    let mut name = String::from("Wire");
    for seg in path {
        name.push_str(&heck::ToUpperCamelCase::to_upper_camel_case(seg.as_str()));
    }
    if path.is_empty() {
        name.push_str("Root");
    }
    format_ident!("{name}")
}

struct WireCx<'a> {
    api: &'a ApiIr,
    ir: &'a Ir,
    r: &'a ResponseIr,
    payload: Option<&'a TypeIr>,
}

impl WireCx<'_> {
    /// Struct definitions for `node` (at `path`) and everything under it.
    fn structs(&self, node: &Node, path: &mut Vec<String>, out: &mut Vec<TokenStream>) {
        let name = wire_name(path);
        let mut fields = Vec::new();
        let merged = node.payload && !self.r.json_string;
        if merged && let Some(p) = self.payload {
            for f in &p.fields {
                let fname = ident(&f.rust);
                let wire = &f.wire;
                let ty = field_type(self.api, self.ir, &f.ty);
                fields.push(quote! {
                    #[serde(rename = #wire)]
                    #fname: ::std::option::Option<#ty>,
                });
            }
        }
        for (i, c) in node.children.iter().enumerate() {
            if merged && self.payload.is_some_and(|p| p.field(&c.wire).is_some()) {
                continue;
            }
            let fname = format_ident!("f{i}");
            let wire = &c.wire;
            path.push(c.wire.clone());
            let ty = if c.payload && self.r.json_string {
                quote! { ::std::string::String }
            } else if c.payload && c.children.is_empty() {
                let p = self.payload.map(|p| ident(&p.rust_name));
                quote! { #p }
            } else if c.children.is_empty() && !c.payload {
                match c.leaf {
                    Some(Leaf::Code | Leaf::Id) => quote! { ::fapiao::api::wire::WireCode },
                    _ => quote! { ::std::string::String },
                }
            } else {
                let child = wire_name(path);
                self.structs(c, path, out);
                quote! { #child }
            };
            path.pop();
            fields.push(quote! {
                #[serde(rename = #wire)]
                #fname: ::std::option::Option<#ty>,
            });
        }
        let into_payload = if merged && let Some(p) = self.payload {
            // Only merged nodes (payload fields plus envelope fields) need converting.
            let pname = ident(&p.rust_name);
            let moves = p.fields.iter().map(|f| {
                let n = ident(&f.rust);
                quote! { #n: self.#n }
            });
            quote! {
                impl #name {
                    fn into_payload(self) -> #pname {
                        #pname { #(#moves),* }
                    }
                }
            }
        } else {
            quote! {}
        };
        out.push(quote! {
            #[derive(::fapiao::__private::serde::Deserialize)]
            #[serde(crate = "::fapiao::__private::serde")]
            struct #name {
                #(#fields)*
            }
            #into_payload
        });
    }

    /// An expression reaching `path` in `wire`, ending with `last` applied to the leaf's
    /// `Option` (e.g. `.take()` or `.clone()`).
    fn reach(&self, root: &Node, path: &[String], last: TokenStream) -> TokenStream {
        let mut node = root;
        let mut expr: Option<TokenStream> = None;
        for (depth, seg) in path.iter().enumerate() {
            let is_last = depth + 1 == path.len();
            let payload_field = (node.payload && !self.r.json_string)
                .then(|| self.payload.and_then(|p| p.field(seg)))
                .flatten();
            let (field, next) = match payload_field {
                Some(f) => (ident(&f.rust), None),
                None => match node.children.iter().position(|c| &c.wire == seg) {
                    Some(i) => (format_ident!("f{i}"), Some(&node.children[i])),
                    None => return quote! { ::std::option::Option::None },
                },
            };
            let step = if is_last {
                quote! { #field #last }
            } else {
                quote! { #field.as_mut() }
            };
            expr = Some(match expr {
                None => quote! { wire.#step },
                Some(e) => quote! { #e.and_then(|n| n.#step) },
            });
            match next {
                Some(n) => node = n,
                None if is_last => {}
                None => return quote! { ::std::option::Option::None },
            }
        }
        expr.unwrap_or_else(|| quote! { ::std::option::Option::None })
    }
}

fn payload_node_has_children(root: &Node, path: &[String]) -> bool {
    let mut node = root;
    for seg in path {
        match node.children.iter().find(|c| &c.wire == seg) {
            Some(c) => node = c,
            None => return false,
        }
    }
    !node.children.is_empty()
}

/// The `decode` function reading the wire envelope.
pub(crate) fn decode(api: &ApiIr, ir: &Ir) -> Option<TokenStream> {
    let r = api.response.as_ref()?;
    let payload = api_type(api, ir, &r.payload_type)?;
    let pname = ident(&payload.rust_name);
    let root = envelope(r);
    let cx = WireCx {
        api,
        ir,
        r,
        payload: Some(payload),
    };
    let mut structs = Vec::new();
    cx.structs(&root, &mut Vec::new(), &mut structs);
    let request_id = match &r.request_id {
        Some(path) => {
            let e = cx.reach(&root, path, quote! { .clone() });
            let text = if !r.request_id_in_payload {
                quote! { #e.map(|id| id.0) }
            } else if r.request_id_int {
                quote! { #e.map(|id| id.to_string()) }
            } else {
                e
            };
            quote! { let request_id: ::std::option::Option<::std::string::String> = #text; }
        }
        None => {
            quote! { let request_id: ::std::option::Option<::std::string::String> = ::std::option::Option::None; }
        }
    };
    let checks = r.checks.iter().enumerate().map(|(i, c)| {
        let code = cx.reach(&root, &c.code, quote! { .take() });
        let message = match &c.message {
            Some(m) => cx.reach(&root, m, quote! { .take() }),
            None => quote! { ::std::option::Option::None },
        };
        quote! {
            let code = #code;
            let message = #message;
            if let ::std::option::Option::Some(failure) =
                ::fapiao::api::wire::apply_check(&CHECKS[#i], code, message, &request_id)
            {
                return ::std::result::Result::Ok(::fapiao::api::Reply::Failure(failure));
            }
        }
    });
    let payload_path = r.payload.join(".");
    let missing = format!(
        "no payload at `{}`",
        if payload_path.is_empty() {
            "<body>"
        } else {
            &payload_path
        }
    );
    let payload_expr = if r.payload.is_empty() {
        quote! { ::std::option::Option::Some(wire.into_payload()) }
    } else if r.json_string {
        cx.reach(&root, &r.payload, quote! { .take() })
    } else if payload_node_has_children(&root, &r.payload) {
        let e = cx.reach(&root, &r.payload, quote! { .take() });
        quote! { #e.map(|n| n.into_payload()) }
    } else {
        cx.reach(&root, &r.payload, quote! { .take() })
    };
    let finish = if r.json_string {
        quote! {
            let text = #payload_expr.ok_or_else(|| ::fapiao::api::DecodeError::new(API_ID, #missing, body))?;
            let payload: #pname = ::fapiao::__private::serde_json::from_str(&text)
                .map_err(|e| ::fapiao::api::DecodeError::new(API_ID, e.to_string(), text.as_bytes()))?;
        }
    } else {
        quote! {
            let payload: #pname = #payload_expr.ok_or_else(|| ::fapiao::api::DecodeError::new(API_ID, #missing, body))?;
        }
    };
    let root_name = wire_name(&[]);
    let mutability = if r.checks.is_empty() && r.payload.is_empty() {
        quote! {}
    } else {
        quote! { mut }
    };
    Some(quote! {
        #(#structs)*

        /// Decodes a response body: the payload, or the vendor error it reports.
        pub fn decode(
            body: &[u8],
        ) -> ::std::result::Result<::fapiao::api::Reply<#pname>, ::fapiao::api::DecodeError> {
            let #mutability wire: #root_name = ::fapiao::__private::serde_json::from_slice(body)
                .map_err(|e| ::fapiao::api::DecodeError::new(API_ID, e.to_string(), body))?;
            #request_id
            #(#checks)*
            #finish
            ::std::result::Result::Ok(::fapiao::api::Reply::Success { payload, request_id })
        }
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::Builder;
    use crate::emit::emit_api;

    #[test]
    fn large_struct_members_are_boxed_and_small_ones_stay_inline() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let ir = Builder::new(root.join("specs"))
            .manifest_dir(&root)
            .check()
            .unwrap_or_else(|f| panic!("{f}"))
            .ir;
        let module = |id: &str| {
            let api = ir.api(id).expect("the spec exists");
            emit_api(api, &ir).expect("emits")
        };
        // One member per document kind, at most one present: each a 46-field struct.
        let general = module("tencent.recognize_general_invoice");
        assert!(general.contains(
            "pub vat_special_invoice: ::std::option::Option<::std::boxed::Box<VatInvoiceInfo>>,"
        ));
        // A four-corner polygon per labelled field stays in its element.
        let vat = module("tencent.vat_invoice_ocr");
        assert!(vat.contains("pub polygon: ::std::option::Option<Polygon>,"));
    }
}
