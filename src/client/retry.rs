//! When and how long to wait before retrying a failed attempt.
//!
//! Which failures are retried is decided by [`Error::is_retryable`](super::Error::is_retryable)
//! (transport errors, timeouts, HTTP 5xx/429, vendor codes the spec marks retryable; never
//! auth, bad input or charged failures). This module decides *whether there is room* for a
//! retry and *how long* to wait:
//!
//! * **Backoff**: exponential with full jitter — before retry *n* (0-based) the client sleeps a
//!   uniformly random time in `[0, min(max_backoff, initial_backoff × 2ⁿ)]`, so clients that
//!   failed together do not retry together. A `Retry-After` header (in seconds) is honoured
//!   as a lower bound, capped at `max_backoff`.
//! * **Budget**: per API, retries may add at most `budget_ratio` × the number of calls, plus a
//!   reserve of `budget_reserve` retries. When a vendor is down, calls then fail fast instead
//!   of multiplying the load on it (and, since OCR calls are billed, the bill).
//!
//! Defaults: 3 attempts, 500 ms initial backoff, 8 s cap, 10 % budget, reserve of 10. Tencent's
//! guidance (≤ 3 attempts with 1 s, 2 s, 4 s waits) falls within these bounds.
//!
//! Vendors bill per call, and a request that timed out or lost its connection may have been
//! processed: retrying it may be billed twice. Use [`RetryPolicy::never`] where that matters.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Upper bound of the first backoff.
    pub initial_backoff: Duration,
    /// Upper bound of any backoff.
    pub max_backoff: Duration,
    /// Retries each call adds to the budget.
    pub budget_ratio: f64,
    /// Retries the budget holds at most (and starts with).
    pub budget_reserve: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            budget_ratio: 0.1,
            budget_reserve: 10,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The longest wait before retry `retry` (0-based): `min(max_backoff, initial × 2^retry)`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry `retry`: full jitter under the ceiling, at least `retry_after`
    /// (capped at `max_backoff`). `unit` is a random number in `[0, 1)`.
    pub(crate) fn backoff(&self, retry: u32, unit: f64, retry_after: Option<Duration>) -> Duration {
        let jittered = self.backoff_ceiling(retry).mul_f64(unit.clamp(0.0, 1.0));
        let floor = retry_after.unwrap_or_default().min(self.max_backoff);
        jittered.max(floor)
    }
}

/// Retry tokens of one API: each call deposits `ratio`, each retry withdraws one.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tokens: Mutex<f64>,
    ratio: f64,
    reserve: f64,
}

impl RetryBudget {
    /// A full budget.
    pub(crate) fn new(policy: &RetryPolicy) -> RetryBudget {
        let reserve = f64::from(policy.budget_reserve);
        RetryBudget {
            tokens: Mutex::new(reserve),
            ratio: policy.budget_ratio.max(0.0),
            reserve,
        }
    }

    /// Records a new call.
    pub(crate) fn deposit(&self) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        *tokens = (*tokens + self.ratio).min(self.reserve);
    }

    /// Takes a token for one retry; false when the budget is spent.
    pub(crate) fn withdraw(&self) -> bool {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let p = RetryPolicy::default();
        let ms = |r| p.backoff_ceiling(r).as_millis();
        assert_eq!(
            [ms(0), ms(1), ms(2), ms(3), ms(4), ms(5)],
            [500, 1000, 2000, 4000, 8000, 8000]
        );
        assert_eq!(p.backoff_ceiling(u32::MAX), p.max_backoff);
    }

    #[test]
    fn full_jitter_spans_zero_to_ceiling() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(2, 0.0, None), Duration::ZERO);
        assert_eq!(p.backoff(2, 0.5, None), Duration::from_secs(1));
        assert!(p.backoff(2, 0.999, None) < Duration::from_secs(2));
        // Out-of-range randomness is clamped rather than trusted.
        assert_eq!(p.backoff(0, 7.0, None), Duration::from_millis(500));
    }

    #[test]
    fn retry_after_is_a_floor_capped_at_max_backoff() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.backoff(0, 0.0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.backoff(0, 0.0, Some(Duration::from_secs(3600))),
            p.max_backoff
        );
    }

    #[test]
    fn budget_allows_reserve_then_ratio_of_calls() {
        let policy = RetryPolicy {
            budget_reserve: 2,
            budget_ratio: 0.5,
            ..RetryPolicy::default()
        };
        let budget = RetryBudget::new(&policy);
        assert!(budget.withdraw());
        assert!(budget.withdraw());
        assert!(!budget.withdraw(), "reserve spent");
        budget.deposit();
        assert!(!budget.withdraw(), "half a token is not a retry");
        budget.deposit();
        assert!(budget.withdraw());
        for _ in 0..100 {
            budget.deposit();
        }
        assert!(budget.withdraw() && budget.withdraw());
        assert!(!budget.withdraw(), "deposits never exceed the reserve");
    }
}
