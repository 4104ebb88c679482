//! Client-side rate limiting: requests to one API start at most `qps` times per second.
//!
//! The limiter hands out start slots spaced `1/qps` apart, in the order callers arrive, and
//! never lets a burst through: vendors count requests per second, and an evenly spaced stream
//! stays under their limit whatever window they count in. One limiter per API is shared by
//! every task using the client (clones included); retries take slots too.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Start slots for one API.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter at `qps` requests per second; `None` (or a rate too high to time) never waits.
    pub(crate) fn new(qps: Option<f64>) -> RateLimiter {
        let interval = qps
            .and_then(|q| Duration::try_from_secs_f64(1.0 / q).ok())
            .filter(|i| !i.is_zero());
        RateLimiter {
            interval,
            next: Mutex::new(None),
        }
    }

    /// Waits for the caller's slot.
    pub(crate) async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let (slot, now) = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            (slot, now)
        };
        // A slot that is already due goes through at once: tokio's timer rounds every
        // deadline up to its next millisecond tick, so sleeping until "now" would add up to a
        // millisecond to every call of an idle API.
        if slot > now {
            tokio::time::sleep_until(slot).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// Runs `tasks` concurrent acquirers against one limiter and returns, for each, the
    /// (virtual) time it was let through, relative to the start.
    async fn admission_times(qps: f64, tasks: usize) -> Vec<Duration> {
        let limiter = Arc::new(RateLimiter::new(Some(qps)));
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                tokio::spawn(async move {
                    limiter.acquire().await;
                    start.elapsed()
                })
            })
            .collect();
        let mut times = Vec::new();
        for h in handles {
            times.push(h.await.expect("task"));
        }
        times.sort();
        times
    }

    #[tokio::test(start_paused = true)]
    async fn holds_qps_within_ten_percent_over_five_seconds() {
        let times = admission_times(10.0, 200).await;
        let in_window = times
            .iter()
            .filter(|t| **t < Duration::from_secs(5))
            .count();
        // 10 QPS for 5 s is 50 requests.
        assert!(
            (45..=55).contains(&in_window),
            "{in_window} requests in 5 s"
        );
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_millis(100),
                "slots closer than 1/qps"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_limiter_lets_the_next_request_through_at_once() {
        let limiter = RateLimiter::new(Some(2.0));
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        let before = Instant::now();
        limiter.acquire().await;
        assert_eq!(
            before.elapsed(),
            Duration::ZERO,
            "no debt carried from idle time"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn no_qps_means_no_waiting() {
        let times = admission_times(f64::INFINITY, 20).await;
        assert!(times.iter().all(|t| t.is_zero()));
        let limiter = RateLimiter::new(None);
        let before = Instant::now();
        limiter.acquire().await;
        assert_eq!(before.elapsed(), Duration::ZERO);
    }
}
