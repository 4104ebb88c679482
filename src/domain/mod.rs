//! Pure invoice domain rules: the QR payload, 大写金额, tax IDs and invoice codes.
//!
//! Nothing here does I/O; every function takes text or numbers and returns typed results.

pub mod qr;
