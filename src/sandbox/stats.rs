//! Counters of what the sandbox received and answered, for tests and for users' CI.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything the sandbox counted since it started (or since the counters were reset).
/// Served as JSON by `GET /__fapiao/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Per API id, every API the sandbox serves.
    pub apis: BTreeMap<String, ApiStats>,
    /// Requests that matched no API (answered 404, 405 or 501).
    pub unrouted: u64,
    /// Tokens issued by the token endpoints of token-issuing schemes.
    #[serde(default)]
    pub tokens_issued: u64,
    /// Token requests refused (wrong key, bad grant type).
    #[serde(default)]
    pub tokens_refused: u64,
}

/// The counters of one API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiStats {
    /// Requests routed to the API, whatever their outcome.
    pub requests: u64,
    /// Success answers served (example payloads).
    pub successes: u64,
    /// Failures by what answered them: the vendor code (`AuthFailure.SignatureFailure`), or,
    /// without one, `http:<status>` or the transport fault (`reset`, `timeout`, `truncate`).
    pub failures: BTreeMap<String, u64>,
    /// Success answers per input, keyed by [`content_hash`](crate::api::content_hash) of the file (or of the URL for
    /// URL-only requests).
    pub successes_by_input: BTreeMap<String, u64>,
}

impl Stats {
    /// Stats with a zeroed entry for each API id.
    pub(crate) fn for_apis<'a>(ids: impl IntoIterator<Item = &'a str>) -> Stats {
        Stats {
            apis: ids
                .into_iter()
                .map(|id| (id.to_owned(), ApiStats::default()))
                .collect(),
            unrouted: 0,
            tokens_issued: 0,
            tokens_refused: 0,
        }
    }

    /// The counters of `api`, created on first use.
    pub(crate) fn api(&mut self, api: &str) -> &mut ApiStats {
        self.apis.entry(api.to_owned()).or_default()
    }

    /// Every counter back to zero, keeping the API entries.
    pub(crate) fn reset(&mut self) {
        for api in self.apis.values_mut() {
            *api = ApiStats::default();
        }
        self.unrouted = 0;
        self.tokens_issued = 0;
        self.tokens_refused = 0;
    }
}

impl ApiStats {
    /// Counts a failure under `key`.
    pub(crate) fn failure(&mut self, key: &str) {
        *self.failures.entry(key.to_owned()).or_default() += 1;
    }

    /// Counts a success for the input with this key.
    pub(crate) fn success(&mut self, input_key: &str) {
        self.successes += 1;
        *self
            .successes_by_input
            .entry(input_key.to_owned())
            .or_default() += 1;
    }

    /// Failures counted, whatever their key.
    pub fn failure_count(&self) -> u64 {
        self.failures.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::content_hash;

    #[test]
    fn counters_add_up_and_reset_keeps_the_apis() {
        let mut stats = Stats::for_apis(["a.x", "b.y"]);
        let a = stats.api("a.x");
        a.requests += 3;
        a.success(&content_hash(b"one"));
        a.success(&content_hash(b"one"));
        a.failure("http:503");
        assert_eq!(a.successes, 2);
        assert_eq!(a.successes_by_input[&content_hash(b"one")], 2);
        assert_eq!(a.failure_count(), 1);
        stats.unrouted = 4;
        stats.tokens_issued = 2;
        stats.tokens_refused = 1;
        stats.reset();
        assert_eq!(stats, Stats::for_apis(["a.x", "b.y"]));
    }

    #[test]
    fn stats_round_trip_through_json() {
        let mut stats = Stats::for_apis(["a.x"]);
        stats.api("a.x").failure("reset");
        let json = serde_json::to_string(&stats).unwrap();
        assert_eq!(serde_json::from_str::<Stats>(&json).unwrap(), stats);
    }
}
