//! fapiao-codegen: compiles invoice-API specs into Rust.
