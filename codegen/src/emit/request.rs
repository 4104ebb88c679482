//! The request struct, its builder, and its wire encoding.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_lines, ident};
use crate::ir::{ApiIr, RequestFieldIr, RequestType};

fn field_type(t: RequestType) -> TokenStream {
    match t {
        RequestType::String => quote! { ::std::string::String },
        RequestType::Int => quote! { i64 },
        RequestType::Float => quote! { f64 },
        RequestType::Bool => quote! { bool },
        RequestType::Bytes => quote! { ::std::vec::Vec<u8> },
        RequestType::IntList => quote! { ::std::vec::Vec<i64> },
        RequestType::StringList => quote! { ::std::vec::Vec<::std::string::String> },
    }
}

/// Setter argument type and conversion for the builder.
fn setter(t: RequestType) -> (TokenStream, TokenStream) {
    match t {
        RequestType::String => (
            quote! { impl ::std::convert::Into<::std::string::String> },
            quote! { value.into() },
        ),
        RequestType::Bytes => (
            quote! { impl ::std::convert::Into<::std::vec::Vec<u8>> },
            quote! { value.into() },
        ),
        other => (field_type(other), quote! { value }),
    }
}

/// A `fixed:` value as a Rust expression of the field's type.
fn fixed_value(f: &RequestFieldIr) -> Option<TokenStream> {
    let v = f.fixed.as_ref()?;
    Some(match f.ty {
        RequestType::String => quote! { ::std::string::String::from(#v) },
        RequestType::Int => {
            let n: i64 = v.parse().ok()?;
            quote! { #n }
        }
        RequestType::Float => {
            let n: f64 = v.parse().ok()?;
            quote! { #n }
        }
        RequestType::Bool => {
            let b: bool = v.parse().ok()?;
            quote! { #b }
        }
        _ => return None,
    })
}

/// How one field's value is read by the input adapter.
fn input_expr(api_id: &str, f: &RequestFieldIr) -> Option<TokenStream> {
    let (id, _, cred) = f.input.as_ref()?;
    let func = format_ident!("{}", id);
    Some(match cred {
        Some(name) => quote! {
            ::std::option::Option::Some(credential(#name).ok_or(
                ::fapiao::api::InputError::MissingCredential { api: #api_id, name: #name },
            )?)
        },
        None => quote! { ::fapiao::api::input::#func(input) },
    })
}

/// The value of a non-body field as text (for query, header and form encoding).
fn as_text(f: &RequestFieldIr) -> TokenStream {
    let name = ident(&f.rust);
    match f.ty {
        RequestType::String => quote! { self.#name.clone() },
        RequestType::Bytes => quote! { ::std::option::Option::None::<::std::string::String> },
        RequestType::IntList | RequestType::StringList => quote! {
            self.#name.as_ref().map(|v| {
                v.iter().map(|x| x.to_string()).collect::<::std::vec::Vec<_>>().join(",")
            })
        },
        _ => quote! { self.#name.map(|v| v.to_string()) },
    }
}

/// The request type, builder and `ApiRequest` impl.
pub(crate) fn request(api: &ApiIr) -> TokenStream {
    let id = &api.id;
    let fields = api.request.iter().map(|f| {
        let name = ident(&f.rust);
        let ty = field_type(f.ty);
        let wire = &f.wire;
        let doc = doc_lines(&f.doc);
        let serde = if f.location == "Body" && api.endpoint.as_ref().is_some_and(|e| e.body_id == "json") {
            quote! { #[serde(rename = #wire, skip_serializing_if = "::std::option::Option::is_none")] }
        } else {
            quote! { #[serde(skip)] }
        };
        let default = f.default.as_ref().map(|d| {
            let line = format!(" Vendor default when omitted: `{d}`.");
            quote! { #[doc = ""] #[doc = #line] }
        });
        quote! {
            #(#doc)*
            #default
            #serde
            pub #name: ::std::option::Option<#ty>,
        }
    });
    let setters = api.request.iter().map(|f| {
        let name = ident(&f.rust);
        let (arg, conv) = setter(f.ty);
        let line = format!(" Sets `{}`.", f.wire);
        quote! {
            #[doc = #line]
            pub fn #name(mut self, value: #arg) -> Self {
                self.inner.#name = ::std::option::Option::Some(#conv);
                self
            }
        }
    });
    let fixed: Vec<TokenStream> = api
        .request
        .iter()
        .filter_map(|f| {
            let name = ident(&f.rust);
            fixed_value(f).map(|v| quote! { inner.#name = ::std::option::Option::Some(#v); })
        })
        .collect();
    let inner_binding = if fixed.is_empty() {
        quote! { let inner = Request::default(); }
    } else {
        quote! { let mut inner = Request::default(); }
    };
    let one_of_checks = api.one_of.iter().map(|group| {
        let conds = group.iter().filter_map(|w| {
            api.request.iter().find(|f| &f.wire == w).map(|f| {
                let n = ident(&f.rust);
                quote! { self.inner.#n.is_none() }
            })
        });
        let names = group.join(", ");
        quote! {
            if #(#conds)&&* {
                return ::std::result::Result::Err(::fapiao::api::InputError::MissingOneOf {
                    api: #id,
                    fields: ::std::string::String::from(#names),
                });
            }
        }
    });
    let required = api.request.iter().filter(|f| f.required).map(|f| {
        let n = ident(&f.rust);
        let w = &f.wire;
        quote! {
            if self.inner.#n.is_none() {
                return ::std::result::Result::Err(::fapiao::api::InputError::MissingField {
                    api: #id,
                    field: #w,
                });
            }
        }
    });
    let from_input: Vec<TokenStream> = api
        .request
        .iter()
        .filter_map(|f| {
            let n = ident(&f.rust);
            input_expr(id, f).map(|e| quote! { builder.inner.#n = #e; })
        })
        .collect();
    let (builder_binding, input_arg) = if from_input.is_empty() {
        (
            quote! { let builder = Request::builder(); },
            quote! { _input },
        )
    } else {
        (
            quote! { let mut builder = Request::builder(); },
            quote! { input },
        )
    };
    let uses_credential = api
        .request
        .iter()
        .any(|f| f.input.as_ref().is_some_and(|(_, _, c)| c.is_some()));
    let credential_arg = if uses_credential {
        quote! { credential }
    } else {
        quote! { _credential }
    };
    let encode = encode(api);
    quote! {
        /// A request to this API. Build one with [`Request::builder`], or from unified input
        /// with [`::fapiao::api::ApiRequest::from_input`].
        #[derive(Debug, Clone, Default, PartialEq, ::fapiao::__private::serde::Serialize)]
        #[serde(crate = "::fapiao::__private::serde")]
        pub struct Request {
            #(#fields)*
        }

        impl Request {
            /// A builder with the values this API always sends already set.
            pub fn builder() -> RequestBuilder {
                #inner_binding
                #(#fixed)*
                RequestBuilder { inner }
            }
        }

        /// Builds a [`Request`], checking required fields and one-of groups.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct RequestBuilder {
            inner: Request,
        }

        impl RequestBuilder {
            #(#setters)*

            /// The request, or the first missing required field or one-of group.
            pub fn build(self) -> ::std::result::Result<Request, ::fapiao::api::InputError> {
                #(#one_of_checks)*
                #(#required)*
                ::std::result::Result::Ok(self.inner)
            }
        }

        impl ::fapiao::api::ApiRequest for Request {
            fn from_input(
                #input_arg: &::fapiao::api::Input,
                #credential_arg: &dyn ::std::ops::Fn(&str) -> ::std::option::Option<::std::string::String>,
            ) -> ::std::result::Result<Self, ::fapiao::api::InputError> {
                #builder_binding
                #(#from_input)*
                builder.build()
            }

            fn encode(&self) -> ::fapiao::api::EncodedRequest {
                #encode
            }
        }
    }
}

fn encode(api: &ApiIr) -> TokenStream {
    let body_id = api.endpoint.as_ref().map_or("none", |e| e.body_id.as_str());
    let pairs = |loc: &str| -> Vec<TokenStream> {
        api.request
            .iter()
            .filter(|f| f.location == loc)
            .map(|f| {
                let w = &f.wire;
                let v = as_text(f);
                quote! { (#w, #v) }
            })
            .collect()
    };
    let body = match body_id {
        "json" => quote! { ::fapiao::api::encode::json(self) },
        "form" | "multipart" => {
            let p = pairs("Body");
            let func = format_ident!("{}", body_id);
            quote! { ::fapiao::api::encode::#func(&[#(#p),*]) }
        }
        "raw" => match api.request.iter().find(|f| f.location == "RawBody") {
            Some(f) => {
                let n = ident(&f.rust);
                quote! { self.#n.clone().unwrap_or_default() }
            }
            None => quote! { ::std::vec::Vec::new() },
        },
        _ => quote! { ::std::vec::Vec::new() },
    };
    let query = pairs("Query");
    let headers = pairs("Header");
    quote! {
        ::fapiao::api::EncodedRequest {
            body: #body,
            query: ::fapiao::api::encode::present(&[#(#query),*]),
            headers: ::fapiao::api::encode::present(&[#(#headers),*]),
        }
    }
}
