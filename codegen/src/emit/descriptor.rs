//! The static `DESCRIPTOR` and `LIMITS` of an API.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{opt, text_tokens};
use crate::ir::{ApiIr, ListShape, MappingIr, RequestType, ScopeMapIr, SourceIr};

fn request_type(t: RequestType) -> TokenStream {
    let v = match t {
        RequestType::String => "String",
        RequestType::Int => "Int",
        RequestType::Float => "Float",
        RequestType::Bool => "Bool",
        RequestType::Bytes => "Bytes",
        RequestType::IntList => "IntList",
        RequestType::StringList => "StringList",
    };
    let v = format_ident!("{v}");
    quote! { ::fapiao::api::FieldType::#v }
}

/// `LIMITS` and `DESCRIPTOR`.
pub(crate) fn descriptor(api: &ApiIr) -> TokenStream {
    let id = &api.id;
    let vendor_id = &api.vendor_id;
    let vendor_name = text_tokens(&api.vendor_name);
    let title = text_tokens(&api.title);
    let docs = opt(api.docs_url.as_deref());
    let status = format_ident!(
        "{}",
        crate::catalog::lookup(crate::catalog::STATUSES, &api.status).unwrap_or("Active")
    );
    let spec = &api.spec_path;
    let endpoint = match &api.endpoint {
        Some(e) => {
            let (method, url, ct) = (&e.method, &e.url, &e.content_type);
            let body = format_ident!("{}", e.body);
            quote! {
                ::fapiao::api::Endpoint {
                    method: #method,
                    url: #url,
                    body: ::fapiao::api::BodyEncoding::#body,
                    content_type: #ct,
                }
            }
        }
        None => quote! {
            ::fapiao::api::Endpoint {
                method: "",
                url: "",
                body: ::fapiao::api::BodyEncoding::None,
                content_type: "",
            }
        },
    };
    let auth = auth(api);
    let limits = limits(api);
    let request = api.request.iter().map(|f| {
        let (wire, ty) = (&f.wire, request_type(f.ty));
        let location = format_ident!("{}", f.location);
        let input = match &f.input {
            Some((_, _, Some(cred))) => {
                quote! { ::std::option::Option::Some(::fapiao::api::InputKind::Credential(#cred)) }
            }
            Some((_, variant, None)) => {
                let v = format_ident!("{variant}");
                quote! { ::std::option::Option::Some(::fapiao::api::InputKind::#v) }
            }
            None => quote! { ::std::option::Option::None },
        };
        let required = f.required;
        let default = opt(f.default.as_deref());
        let fixed = opt(f.fixed.as_deref());
        let doc = text_tokens(&f.doc);
        quote! {
            ::fapiao::api::RequestField {
                name: #wire,
                ty: #ty,
                location: ::fapiao::api::FieldLocation::#location,
                input: #input,
                required: #required,
                default: #default,
                fixed: #fixed,
                doc: #doc,
            }
        }
    });
    let one_of = api.one_of.iter().map(|g| quote! { &[#(#g),*] });
    let response = match &api.response {
        Some(r) => {
            let payload = r.payload.join(".");
            let format = if r.json_string {
                quote! { ::fapiao::api::PayloadFormat::JsonString }
            } else {
                quote! { ::fapiao::api::PayloadFormat::Json }
            };
            let rid = opt(r.request_id.as_ref().map(|p| p.join(".")));
            let rid_type = if r.request_id_int {
                quote! { ::fapiao::api::CodeType::Int }
            } else {
                quote! { ::fapiao::api::CodeType::String }
            };
            let rid_header = opt(r.request_id_header.as_deref());
            let ct = &r.content_type;
            quote! {
                ::fapiao::api::ResponseDescriptor {
                    payload: #payload,
                    payload_format: #format,
                    request_id: #rid,
                    request_id_type: #rid_type,
                    request_id_header: #rid_header,
                    checks: CHECKS,
                    content_type: #ct,
                }
            }
        }
        None => quote! {
            ::fapiao::api::ResponseDescriptor {
                payload: "",
                payload_format: ::fapiao::api::PayloadFormat::Json,
                request_id: ::std::option::Option::None,
                request_id_type: ::fapiao::api::CodeType::String,
                request_id_header: ::std::option::Option::None,
                checks: &[],
                content_type: "",
            }
        },
    };
    let examples = api.examples.iter().map(|e| {
        let (name, path, at) = (&e.name, &e.include_path, e.at.join("."));
        let json = if std::path::Path::new(path).is_absolute() {
            quote! { include_str!(#path) }
        } else {
            let rel = format!("/{path}");
            quote! { include_str!(concat!(env!("CARGO_MANIFEST_DIR"), #rel)) }
        };
        let constructed = e.constructed;
        let doc = text_tokens(&e.doc);
        quote! {
            ::fapiao::api::Example {
                name: #name,
                json: #json,
                at: #at,
                constructed: #constructed,
                doc: #doc,
            }
        }
    });
    let mapping = mapping_rows(api);
    let [missing, invalid, too_large, format, rate] = api.emulation.clone().map(|(_, c)| opt(c));
    quote! {
        /// Input limits of this API, checked before any network call.
        pub const LIMITS: ::fapiao::api::Limits = #limits;

        /// Everything the runtime knows about this API.
        pub static DESCRIPTOR: ::fapiao::api::ApiDescriptor = ::fapiao::api::ApiDescriptor {
            id: #id,
            vendor: ::fapiao::api::Vendor { id: #vendor_id, name: #vendor_name },
            title: #title,
            docs_url: #docs,
            status: ::fapiao::api::ApiStatus::#status,
            spec_file: #spec,
            endpoint: #endpoint,
            auth: #auth,
            limits: LIMITS,
            request: &[#(#request),*],
            one_of: &[#(#one_of),*],
            response: #response,
            errors: ERRORS,
            examples: &[#(#examples),*],
            mapping: &[#(#mapping),*],
            emulation: ::fapiao::api::Emulation {
                missing_field: #missing,
                invalid_value: #invalid,
                too_large: #too_large,
                unsupported_format: #format,
                rate_limited: #rate,
            },
        };
    }
}

fn auth(api: &ApiIr) -> TokenStream {
    let Some(a) = &api.auth else {
        return quote! {
            ::fapiao::api::AuthDescriptor {
                scheme: "",
                params: &[],
                credentials: &[],
                regions: &[],
                default_region: ::std::option::Option::None,
                failures: ::fapiao::api::AuthFailures {
                    bad_signature: ::std::option::Option::None,
                    expired: ::std::option::Option::None,
                    unknown_key: ::std::option::Option::None,
                    missing: ::std::option::Option::None,
                },
            }
        };
    };
    let scheme = &a.scheme;
    let params = a.params.iter().map(|(k, v)| quote! { (#k, #v) });
    let creds = a.credentials.iter().map(|(name, env, secret)| {
        quote! { ::fapiao::api::CredentialSource { name: #name, env: #env, secret: #secret } }
    });
    let regions = &a.regions;
    let default_region = opt(a.default_region.as_deref());
    let [bad, expired, unknown, missing] = a.failures.clone().map(|(_, c)| opt(c));
    quote! {
        ::fapiao::api::AuthDescriptor {
            scheme: #scheme,
            params: &[#(#params),*],
            credentials: &[#(#creds),*],
            regions: &[#(#regions),*],
            default_region: #default_region,
            failures: ::fapiao::api::AuthFailures {
                bad_signature: #bad,
                expired: #expired,
                unknown_key: #unknown,
                missing: #missing,
            },
        }
    }
}

fn limits(api: &ApiIr) -> TokenStream {
    let l = &api.limits;
    let qps = opt(l.qps);
    let file = opt(l.max_file_bytes);
    let b64 = opt(l.max_base64_bytes);
    let req = opt(l.max_request_bytes);
    let min = opt(l.min_pixels);
    let max = opt(l.max_pixels);
    let formats = l.formats.iter().map(|(_, v)| {
        let v = format_ident!("{v}");
        quote! { ::fapiao::api::FileFormat::#v }
    });
    let pages = l.pdf_pages;
    quote! {
        ::fapiao::api::Limits {
            qps: #qps,
            max_file_bytes: #file,
            max_base64_bytes: #b64,
            max_request_bytes: #req,
            min_pixels: #min,
            max_pixels: #max,
            formats: &[#(#formats),*],
            max_pdf_pages: #pages,
        }
    }
}

/// One `(variant, target, source, normalizers)` row per mapped field.
pub(crate) fn rows(m: &MappingIr) -> Vec<(String, String, String, String)> {
    let (list, name) = m
        .labels
        .as_ref()
        .map_or((String::new(), String::new()), |l| {
            (l.wire_list.clone(), l.wire_name.clone())
        });
    let mut out = Vec::new();
    let scope_rows = |variant: &str, prefix: &str, scope: &ScopeMapIr, out: &mut Vec<_>| {
        for f in &scope.fields {
            out.push((
                variant.to_owned(),
                f.target.clone(),
                source_text(prefix, &f.source, &list, &name),
                norm_text(&f.norms),
            ));
        }
        for l in &scope.lists {
            for f in &l.fields {
                let source = match &l.shape {
                    ListShape::Rows { path, .. } => {
                        let base = format!("{prefix}{}[].", path.dotted());
                        source_text(&base, &f.source, &list, &name)
                    }
                    ListShape::Columns { value_wire, .. } => format!(
                        "{}[].{value_wire} by row",
                        source_text(prefix, &f.source, &list, &name)
                    ),
                };
                out.push((
                    variant.to_owned(),
                    format!("{}[].{}", l.target, f.target),
                    source,
                    norm_text(&f.norms),
                ));
            }
        }
    };
    scope_rows("", "", &m.scope, &mut out);
    if let Some(v) = &m.variants {
        let within = v.within.dotted();
        for case in &v.cases {
            out.push((
                case.member.clone(),
                "kind".to_owned(),
                format!("{within}.{} is set", case.member),
                format!(
                    "const {}",
                    heck::ToSnakeCase::to_snake_case(case.kind.as_str())
                ),
            ));
            if let Some(rule) = case.rules.and_then(|i| m.rules.get(i)) {
                let prefix = format!("{within}.{}.", case.member);
                scope_rows(&case.member, &prefix, &rule.scope, &mut out);
            }
        }
    }
    out
}

fn source_text(prefix: &str, s: &SourceIr, list: &str, name: &str) -> String {
    match s {
        SourceIr::Path(p) if p.from_record => p.dotted().trim_start_matches('/').to_owned(),
        SourceIr::Path(p) => format!("{prefix}{}", p.dotted()),
        other => other.describe(list, name),
    }
}

fn norm_text(norms: &[crate::ir::NormIr]) -> String {
    norms
        .iter()
        .map(|n| match &n.arg_text {
            Some(a) => format!("{}({a})", n.name),
            None => n.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn mapping_rows(api: &ApiIr) -> Vec<TokenStream> {
    super::mapping_rows(api)
        .into_iter()
        .map(|(variant, target, source, normalize)| {
            quote! {
                ::fapiao::api::MappingRow {
                    variant: #variant,
                    target: #target,
                    source: #source,
                    normalize: #normalize,
                }
            }
        })
        .collect()
}
