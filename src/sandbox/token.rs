//! The token endpoints of token-issuing schemes ([`crate::auth::token`]), each served at the
//! path of its APIs' token URL and answering as the vendor's does ([`TokenIssuer::answer`]):
//! a token for credentials the sandbox accepts for one of those APIs, the vendor's refusal
//! otherwise. The tokens are derived from the credentials, so the scheme's `verify` checks them
//! on API calls without the sandbox remembering any.
//!
//! Token requests are not API calls: faults, the QPS limit and the per-API counters leave them
//! alone; they are counted in [`Stats::tokens_issued`](super::Stats::tokens_issued) and
//! [`Stats::tokens_refused`](super::Stats::tokens_refused).

use super::route::{Router, at_path, spec_path};
use crate::auth::TokenIssuer;

/// One token endpoint and the APIs whose tokens it issues.
pub(crate) struct TokenEndpoint {
    /// The token URL's path.
    path: String,
    pub(crate) issuer: &'static dyn TokenIssuer,
    /// Ids of the APIs it serves, whose credentials it accepts.
    pub(crate) apis: Vec<&'static str>,
}

impl TokenEndpoint {
    /// Whether a request for `path` is a token request of this endpoint.
    pub(crate) fn serves(&self, path: &str) -> bool {
        at_path(&self.path, path)
    }
}

/// The token endpoints of the routed APIs: one per token path (APIs of one vendor share it).
pub(crate) fn token_endpoints(router: &Router) -> Vec<TokenEndpoint> {
    let mut endpoints: Vec<TokenEndpoint> = Vec::new();
    for route in router.routes() {
        let d = route.api.descriptor();
        let Some(issuer) = route.scheme.and_then(|s| s.token_issuer()) else {
            continue;
        };
        // A spec without its token URL is refused by the generator; nothing to serve then.
        let Ok(url) = issuer.token_url(d.auth.params) else {
            continue;
        };
        let path = spec_path(url);
        match endpoints.iter_mut().find(|e| e.path == path) {
            Some(endpoint) => endpoint.apis.push(d.id),
            None => endpoints.push(TokenEndpoint {
                path: path.to_owned(),
                issuer,
                apis: vec![d.id],
            }),
        }
    }
    endpoints
}
