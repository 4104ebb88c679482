//! fapiao: Chinese invoice (发票) recognition.
//!
//! Typed clients for every invoice-OCR vendor, generated at build time from the YAML specs in
//! `specs/`, one unified [`Invoice`] model, offline validation, and an offline `local` backend.

pub mod domain;
pub mod api;
pub mod auth;
pub mod client;
pub mod invoice;
pub mod normalize;
pub mod local;
pub mod secret;
pub mod validate;

pub use invoice::{Invoice, InvoiceKind, LineItem, Party, TaxRate};
pub use secret::Secret;
