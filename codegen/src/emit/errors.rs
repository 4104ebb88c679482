//! The vendor error-code enum and its table.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_lines, ident, text_tokens};
use crate::ir::ApiIr;

/// `ERRORS`, `CHECKS` and the `ErrorCode` enum.
pub(crate) fn errors(api: &ApiIr) -> TokenStream {
    let infos = api.errors.iter().map(|e| {
        let code = &e.code;
        let message = text_tokens(&e.message);
        let kind = format_ident!("{}", e.kind_variant);
        let (retryable, charged, check, status) = (e.retryable, e.charged, &e.check, e.http_status);
        quote! {
            ::fapiao::api::ErrorInfo {
                code: #code,
                message: #message,
                kind: ::fapiao::api::ErrorKind::#kind,
                retryable: #retryable,
                charged: #charged,
                check: #check,
                http_status: #status,
            }
        }
    });
    let checks = api.response.iter().flat_map(|r| &r.checks).map(|c| {
        let name = &c.name;
        let code = c.code.join(".");
        let message = super::opt(c.message.as_ref().map(|m| m.join(".")));
        let success = &c.success;
        let code_type = if c.int_code {
            quote! { ::fapiao::api::CodeType::Int }
        } else {
            quote! { ::fapiao::api::CodeType::String }
        };
        quote! {
            ::fapiao::api::ErrorCheck {
                name: #name,
                code: #code,
                message: #message,
                success: &[#(#success),*],
                code_type: #code_type,
            }
        }
    });
    let variants = api.errors.iter().map(|e| {
        let v = ident(&e.variant);
        let doc = doc_lines(&e.message);
        let code_line = format!(" Code `{}` ({}).", e.code, e.kind);
        quote! {
            #(#doc)*
            #[doc = ""]
            #[doc = #code_line]
            #v,
        }
    });
    let from_code = api.errors.iter().map(|e| {
        let v = ident(&e.variant);
        let c = &e.code;
        quote! { #c => ErrorCode::#v, }
    });
    let to_code = api.errors.iter().map(|e| {
        let v = ident(&e.variant);
        let c = &e.code;
        quote! { ErrorCode::#v => #c, }
    });
    let to_index = api.errors.iter().enumerate().map(|(i, e)| {
        let v = ident(&e.variant);
        quote! { ErrorCode::#v => ERRORS.get(#i), }
    });
    quote! {
        /// Every documented error code of this API.
        pub const ERRORS: &[::fapiao::api::ErrorInfo] = &[#(#infos),*];

        /// How the response body signals errors, outermost layer first.
        pub const CHECKS: &[::fapiao::api::ErrorCheck] = &[#(#checks),*];

        /// The vendor's error codes. Codes the spec does not document arrive as
        /// [`ErrorCode::Unknown`]; match it only as a fallback, since later spec versions may
        /// give such a code its own variant.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #(#variants)*
            /// A code the spec does not document.
            Unknown {
                /// The vendor's code.
                code: ::std::string::String,
                /// The vendor's message.
                message: ::std::string::String,
            },
        }

        impl ::fapiao::api::VendorErrorCode for ErrorCode {
            fn from_code(code: &str, message: &str) -> Self {
                match code {
                    #(#from_code)*
                    _ => ErrorCode::Unknown {
                        code: code.to_owned(),
                        message: message.to_owned(),
                    },
                }
            }

            fn code(&self) -> &str {
                match self {
                    #(#to_code)*
                    ErrorCode::Unknown { code, .. } => code,
                }
            }

            fn info(&self) -> ::std::option::Option<&'static ::fapiao::api::ErrorInfo> {
                match self {
                    #(#to_index)*
                    ErrorCode::Unknown { .. } => ::std::option::Option::None,
                }
            }
        }
    }
}
