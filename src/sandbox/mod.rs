//! A faithful emulator of every spec'd vendor API on loopback, for tests and users' CI.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use fapiao::sandbox::{Sandbox, SandboxConfig};
//!
//! let sandbox = Sandbox::start(
//!     SandboxConfig::new().credential("tencent", "secret_id", "AKIDtest").credential(
//!         "tencent",
//!         "secret_key",
//!         "test-key",
//!     ),
//! )
//! .await?;
//! // Point the client at it: `ClientBuilder::endpoint("tencent", sandbox.base_url())`, or
//! // FAPIAO_ENDPOINT_TENCENT_VAT_INVOICE_OCR=<base url> in the environment.
//! println!("{}", sandbox.base_url());
//! # Ok(()) }
//! ```
//!
//! Every API in [`crate::api::registry`] is served at the path of its spec URL on
//! one base URL (`{project_id}`-style placeholders match any segment text); APIs sharing a path
//! are told apart by the action their auth scheme sends (`X-TC-Action` for Tencent Cloud API
//! 3.0). Per request the sandbox, using only the API's descriptor:
//!
//! 1. applies a fault, if one is asked for ([`fault`]);
//! 2. verifies the vendor signature with its own credentials ([`crate::auth::verify`]), and
//!    answers failures with the spec's `auth.failures` codes in the vendor's envelope;
//! 3. validates the request — body encoding, field types, required fields and one-of groups,
//!    credential fields, file size, base64 size, format by magic bytes, pixel size — and
//!    answers problems with the spec's `emulation` codes;
//! 4. serves an example payload in the vendor's envelope with a fresh request id: the one
//!    named by the `X-Fapiao-Example` header, else one chosen by the hash of the input.
//!
//! For APIs whose auth scheme issues tokens (Baidu's OAuth), the sandbox also serves the token
//! endpoint at the path of the spec's token URL: it issues tokens for the credentials it
//! accepts and refuses others as the vendor does, and step 2 checks the tokens API calls carry.
//!
//! Where a spec declares no code for a failure, the sandbox answers with a fitting HTTP status
//! (401, 400, 413, 415, 429) and its own JSON body `{"fapiao_sandbox": {"error", "message"}}`.
//! Everything is counted ([`Sandbox::stats`], `GET /__fapiao/stats`).
//!
//! Admin endpoints: `GET /__fapiao/stats` (the [`Stats`] as JSON), `DELETE /__fapiao/stats`
//! (reset), `POST /__fapiao/faults` (body `reset,http:503`: faults for the next requests).

pub mod cli;
mod config;
pub mod fault;
mod http;
mod reply;
mod route;
mod server;
mod stats;
mod token;
mod validation;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use crate::api::content_hash;
pub use config::SandboxConfig;
pub use fault::{Fault, FaultParseError, FaultPlan};
pub use stats::{ApiStats, Stats};

use self::reply::Examples;
use self::route::{Router, spec_path_and_query};
use self::server::{ApiState, State, TokenBucket, lock};
use self::token::token_endpoints;
use crate::api::{ApiDescriptor, DynApi, Example, registry};
use crate::client::ConfigError;

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The bind address is not loopback and remote access was not allowed.
    #[error(
        "refusing to listen on {addr}: it is reachable from other machines; \
         use a loopback address (127.0.0.1) or allow remote access explicitly"
    )]
    RemoteBindRefused {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The credentials file or settings are unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A run-level fault names a code no served API declares.
    #[error("fault `code:{code}` names a code no API declares")]
    UnknownFaultCode {
        /// The code.
        code: String,
    },
    /// Waiting for Ctrl-C failed (CLI only).
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(std::io::Error),
}

/// A running sandbox. It serves until dropped.
pub struct Sandbox {
    addr: SocketAddr,
    seed: u64,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts serving every API of the registry. Must be called within a tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        Sandbox::start_with(config, registry()).await
    }

    /// Starts serving the given APIs only.
    pub async fn start_with(
        config: SandboxConfig,
        apis: &[&'static dyn DynApi],
    ) -> Result<Sandbox, SandboxError> {
        config.check_bind()?;
        check_fault_codes(&config.faults, apis)?;
        let router = Router::new(apis);
        let file = config.load_file()?;
        let mut api_states = HashMap::new();
        for route in router.routes() {
            let d = route.api.descriptor();
            let credentials = match route.scheme {
                Some(scheme) => config.resolve_credentials(&file, d, scheme)?,
                None => None,
            };
            api_states.insert(
                d.id,
                ApiState {
                    credentials,
                    examples: Examples::prepare(route.api),
                    limiter: Mutex::new(TokenBucket::new(d.limits.qps)),
                },
            );
        }
        let listener =
            TcpListener::bind(config.bind)
                .await
                .map_err(|source| SandboxError::Bind {
                    addr: config.bind,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.bind,
            source,
        })?;
        let seed = config.seed.unwrap_or_else(|| fastrand::u64(..));
        let ids = apis.iter().map(|a| a.descriptor().id);
        let state = Arc::new(State {
            tokens: token_endpoints(&router),
            router,
            apis: api_states,
            plan: config.faults,
            queued: Mutex::new(VecDeque::new()),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            stats: Mutex::new(Stats::for_apis(ids)),
            max_skew: chrono::Duration::from_std(config.max_skew).unwrap_or(chrono::Duration::MAX),
            enforce_qps: config.enforce_qps,
            log_requests: config.log_requests,
        });
        let task = tokio::spawn(server::accept_loop(listener, Arc::clone(&state)));
        Ok(Sandbox {
            addr,
            seed,
            state,
            task,
        })
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`: the endpoint override that points a client at every API.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full URL of one API (its spec path on the sandbox; placeholders such as
    /// `{project_id}` are kept for the client to fill), or `None` for an API not served.
    pub fn endpoint_url(&self, api_id: &str) -> Option<String> {
        let api = self.api(api_id)?;
        Some(format!(
            "{}{}",
            self.base_url(),
            spec_path_and_query(api.endpoint.url)
        ))
    }

    /// The APIs served, in registry order.
    pub fn apis(&self) -> impl Iterator<Item = &'static ApiDescriptor> + '_ {
        self.state
            .router
            .routes()
            .iter()
            .map(|r| r.api.descriptor())
    }

    /// Whether credentials for `api_id` are configured (without them every request to it is
    /// refused with the spec's `unknown_key` code).
    pub fn has_credentials(&self, api_id: &str) -> bool {
        self.state
            .apis
            .get(api_id)
            .is_some_and(|s| s.credentials.is_some())
    }

    /// The seed of this run's randomness (given, or drawn at start).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        lock(&self.state.stats).clone()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        lock(&self.state.stats).reset();
    }

    /// Queues a fault for the next request to any API (after any queued before it). A
    /// request's own `X-Fapiao-Fault` header takes precedence and leaves the queue alone.
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.state.queued).push_back(fault);
    }

    /// The success example served for a file (or URL) with these bytes when the request names
    /// none.
    pub fn example_for(&self, api_id: &str, input: &[u8]) -> Option<&'static Example> {
        let state = self.state.apis.get(api_id)?;
        state
            .examples
            .for_input(&content_hash(input))
            .map(|e| e.example)
    }

    fn api(&self, api_id: &str) -> Option<&'static ApiDescriptor> {
        self.apis().find(|d| d.id == api_id)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Aborting the accept loop drops its connection set, which aborts every connection.
        self.task.abort();
    }
}

/// Every `code:` fault of a run-level plan must be declared by at least one served API.
fn check_fault_codes(plan: &FaultPlan, apis: &[&'static dyn DynApi]) -> Result<(), SandboxError> {
    for (fault, _) in plan.entries() {
        if let Fault::Code(code) = fault
            && !apis.iter().any(|a| a.descriptor().error(code).is_some())
        {
            return Err(SandboxError::UnknownFaultCode { code: code.clone() });
        }
    }
    Ok(())
}
