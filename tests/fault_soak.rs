//! Fault soak: 10,000 calls through the client against the in-process sandbox on loopback,
//! with 30 % of requests meeting a fault (429, 500, 503, connection resets, truncated bodies,
//! answers that never come). Every call must end — as a success or as a typed error of the
//! injected kinds — the retries must stay within the budget the policy allows, and memory must
//! stay flat between the 2,000th and the 10,000th call.
//!
//! Kept fast for CI on two cores: 64 calls in flight, small images, no real backoff, and a
//! 500 ms client timeout so that the `timeout` fault costs little. Nothing here asserts a
//! duration; the generous per-call timeout only detects a call that never ends.

mod hardening_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use fapiao::api::{DynApi, ErrorKind, Input, registry};
use fapiao::client::{Client, Error, RetryPolicy};
use fapiao::sandbox::{FaultPlan, Sandbox};
use hardening_support::cloud;
use hardening_support::memory::{self, MIB};
use tokio::task::JoinSet;

/// Calls made in all.
const CALLS: usize = 10_000;
/// Calls after which memory is first measured.
const WARM_UP: usize = 2_000;
/// Calls in flight at once.
const IN_FLIGHT: usize = 64;
/// Distinct files per API (the sandbox counts successes per file).
const FILES_PER_API: u32 = 4;
/// The faults: 30 % of requests in all.
const FAULTS: &str =
    "http:429=0.06,http:503=0.06,http:500=0.03,reset=0.06,truncate=0.05,timeout=0.04";
/// Per attempt: far above a loopback answer, low enough that held connections cost little.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(500);
/// Per call: only a call that never ends gets near it.
const HANG: Duration = Duration::from_secs(60);
/// How much the peak resident memory may grow from the 2,000th call to the 10,000th.
const GROWTH_BOUND_KIB: u64 = 16 * MIB;

/// The default budget (10 % of calls, 10 in reserve), without waiting between attempts.
fn policy() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        ..RetryPolicy::default()
    }
}

/// How the calls ended.
#[derive(Debug, Default)]
struct Tally {
    /// Calls per API.
    calls: BTreeMap<&'static str, u64>,
    successes: u64,
    /// Failures by kind.
    failures: BTreeMap<ErrorKind, u64>,
    /// Calls that did not end within [`HANG`].
    hung: u64,
}

impl Tally {
    /// Records one call; fails on an outcome no injected fault explains.
    fn add(&mut self, api: &'static str, outcome: Option<Result<usize, Error>>) {
        *self.calls.entry(api).or_default() += 1;
        match outcome {
            None => self.hung += 1,
            Some(Ok(invoices)) => {
                assert!(invoices > 0, "{api}: a success without invoices");
                self.successes += 1;
            }
            Some(Err(err)) => {
                // Only the retryable failures injected here, and only once attempts or budget
                // ran out: never a refusal, a configuration error or a non-retryable code.
                assert!(
                    matches!(
                        err,
                        Error::Transport { .. }
                            | Error::Timeout { .. }
                            | Error::MalformedResponse { .. }
                            | Error::Vendor(_)
                    ) && err.is_retryable(),
                    "{api}: unexpected failure {err}"
                );
                *self.failures.entry(err.kind()).or_default() += 1;
            }
        }
    }
}

/// One call, bounded by [`HANG`]; the number of invoices on success.
async fn call(
    client: Client,
    api: &'static dyn DynApi,
    input: Arc<Input>,
) -> Option<Result<usize, Error>> {
    let call = async { client.recognize(api, &input).await.map(|i| i.len()) };
    tokio::time::timeout(HANG, call).await.ok()
}

/// Makes calls `range` (round robin over the APIs and their files), [`IN_FLIGHT`] at a time.
async fn run(
    client: &Client,
    inputs: &[(&'static dyn DynApi, Vec<Arc<Input>>)],
    range: std::ops::Range<usize>,
    tally: &mut Tally,
) {
    let mut running = JoinSet::new();
    for n in range {
        let (api, files) = &inputs[n % inputs.len()];
        let input = Arc::clone(&files[n / inputs.len() % files.len()]);
        let (api, client) = (*api, client.clone());
        running.spawn(async move { (api.descriptor().id, call(client, api, input).await) });
        if running.len() >= IN_FLIGHT {
            let (id, outcome) = running
                .join_next()
                .await
                .expect("a task")
                .expect("no panic");
            tally.add(id, outcome);
        }
    }
    while let Some(joined) = running.join_next().await {
        let (id, outcome) = joined.expect("no panic");
        tally.add(id, outcome);
    }
}

/// Every API with its files.
fn inputs() -> Vec<(&'static dyn DynApi, Vec<Arc<Input>>)> {
    registry()
        .iter()
        .map(|api| {
            let files = (0..FILES_PER_API)
                .map(|variant| {
                    Arc::new(Input {
                        file: Some(cloud::sample_file(api.descriptor(), variant)),
                        ..Input::default()
                    })
                })
                .collect();
            (*api, files)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_through_faults_end_typed_within_the_retry_budget_in_flat_memory() {
    let plan: FaultPlan = FAULTS.parse().expect("a fault plan");
    let sandbox = Sandbox::start(cloud::sandbox_config().faults(plan))
        .await
        .expect("sandbox");
    let client = cloud::client_builder(&sandbox)
        .retry(policy())
        .timeout(ATTEMPT_TIMEOUT)
        .build()
        .expect("client");
    let inputs = inputs();
    let mut tally = Tally::default();

    run(&client, &inputs, 0..WARM_UP, &mut tally).await;
    let warm = memory::peak();
    run(&client, &inputs, WARM_UP..CALLS, &mut tally).await;
    let done = memory::peak();

    println!("{tally:?}");
    assert_eq!(tally.hung, 0, "calls that never ended");
    assert_eq!(tally.calls.values().sum::<u64>(), CALLS as u64);
    let failed: u64 = tally.failures.values().sum();
    assert_eq!(tally.successes + failed, CALLS as u64);
    assert!(tally.successes > CALLS as u64 / 2, "{tally:?}");
    for kind in [
        ErrorKind::RateLimited,
        ErrorKind::Unavailable,
        ErrorKind::Timeout,
    ] {
        assert!(
            tally.failures.contains_key(&kind),
            "no {kind} failure: {tally:?}"
        );
    }

    let stats = sandbox.stats();
    let policy = policy();
    for (api, calls) in &tally.calls {
        let requests = stats.apis[*api].requests;
        let retries = requests.saturating_sub(*calls);
        let allowed = f64::from(policy.budget_reserve) + policy.budget_ratio * *calls as f64;
        println!(
            "{api}: {calls} calls, {requests} requests, {retries} retries (budget {allowed:.1})"
        );
        assert!(
            retries as f64 <= allowed,
            "{api}: {retries} retries over a budget of {allowed}"
        );
        assert!(retries > 0, "{api}: faults were retried");
        assert!(
            stats.apis[*api].failure_count() > 0,
            "{api}: faults were injected"
        );
    }

    if let (Some(warm), Some(done)) = (warm, done) {
        let growth = done.own.saturating_sub(warm.own);
        println!(
            "peak RSS {} KiB after {WARM_UP} calls, {} KiB after {CALLS}",
            warm.own, done.own
        );
        assert!(growth < GROWTH_BOUND_KIB, "memory grew by {growth} KiB");
    }
}
