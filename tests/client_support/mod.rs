//! Shared pieces of the client tests: test APIs, a loopback server, a log collector.

pub mod log;
pub mod server;
pub mod test_api;
