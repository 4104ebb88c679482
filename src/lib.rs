//! fapiao: Chinese invoice (发票) recognition.
//!
//! Typed clients for every invoice-OCR vendor, generated at build time from the YAML specs in
//! `specs/`, one unified [`Invoice`] model, offline validation, and an offline `local` backend.

// Generated code names this crate by its absolute path, as users' generated code does.
extern crate self as fapiao;

pub mod api;
pub mod auth;
pub mod client;
pub mod domain;
pub mod invoice;
pub mod lang;
pub mod local;
pub mod mapping;
pub mod normalize;
pub mod sandbox;
pub mod secret;
pub mod validate;

/// The modules generated from `specs/` at build time, one per API, and the [`apis::REGISTRY`].
#[rustfmt::skip]
pub mod apis {
    include!(concat!(env!("OUT_DIR"), "/apis.rs"));
}

pub use invoice::{Invoice, InvoiceKind, LineItem, Party, TaxRate};
pub use lang::Lang;
pub use secret::Secret;

/// The README's Rust examples, compiled as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Re-exports generated code relies on, so users' generated modules need no extra
/// dependencies. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
