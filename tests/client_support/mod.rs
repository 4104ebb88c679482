//! Shared pieces of the client tests: test APIs, a loopback server, fixtures.

pub mod server;
pub mod test_api;
