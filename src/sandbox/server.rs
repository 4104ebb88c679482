//! The request pipeline: route, inject faults, check the signature, validate the request,
//! answer with an example — and count everything.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::fault::{Fault, FaultPlan, parse_fault_list};
use super::http::{Connection, ReadError, RequestHead, Response};
use super::reply::{self, Examples};
use super::route::{Route, Router};
use super::stats::Stats;
use super::token::TokenEndpoint;
use super::validation::{self, Problem, Rejection};
use crate::api::content_hash;
use crate::api::{ApiDescriptor, CodeType};
use crate::auth::{self, AuthScheme, Credentials, HttpRequest, VerifyContext, VerifyError};

/// Largest request body read, whatever an API's limits: a guard for the sandbox's memory.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Path prefix of the admin endpoints.
pub(crate) const ADMIN_PREFIX: &str = "/__fapiao/";
/// Request header selecting a fault for one request.
const FAULT_HEADER: &str = "X-Fapiao-Fault";
/// Request header selecting the example served.
const EXAMPLE_HEADER: &str = "X-Fapiao-Example";

/// Everything the connections share.
pub(crate) struct State {
    pub(crate) router: Router,
    /// Token endpoints of token-issuing schemes, matched before the APIs.
    pub(crate) tokens: Vec<TokenEndpoint>,
    pub(crate) apis: HashMap<&'static str, ApiState>,
    pub(crate) plan: FaultPlan,
    pub(crate) queued: Mutex<VecDeque<Fault>>,
    pub(crate) rng: Mutex<fastrand::Rng>,
    pub(crate) stats: Mutex<Stats>,
    pub(crate) max_skew: chrono::Duration,
    pub(crate) enforce_qps: bool,
    pub(crate) log_requests: bool,
}

/// What the sandbox holds for one API.
pub(crate) struct ApiState {
    /// The credentials it accepts; `None` when none are configured.
    pub(crate) credentials: Option<Credentials>,
    pub(crate) examples: Examples,
    pub(crate) limiter: Mutex<TokenBucket>,
}

/// The documented QPS as a token bucket holding one second's worth of requests.
pub(crate) struct TokenBucket {
    rate: Option<f64>,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket for `qps` (`None`: unlimited).
    pub(crate) fn new(qps: Option<f64>) -> TokenBucket {
        let rate = qps.filter(|q| q.is_finite() && *q > 0.0);
        TokenBucket {
            rate,
            tokens: rate.map_or(0.0, capacity),
            last: Instant::now(),
        }
    }

    /// Takes a token; false when the caller is over the rate.
    fn try_take(&mut self, now: Instant) -> bool {
        let Some(rate) = self.rate else {
            return true;
        };
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(capacity(rate));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn capacity(rate: f64) -> f64 {
    rate.max(1.0)
}

/// Locks a mutex; a panic elsewhere while it was held leaves counters usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How an exchange ends.
enum Outcome {
    /// Write this answer (and keep the connection if the client wants).
    Answer(Response),
    /// Write this answer and close: the request body was not read.
    AnswerAndClose(Response),
    /// Write the answer cut short of its length, then close.
    Truncate(Response),
    /// Reset the connection.
    Reset,
    /// Never answer.
    Hold,
    /// The client went away.
    Gone,
}

/// What an answer counts as.
enum Tally {
    Success(String),
    Failure(String),
}

/// Accepts connections until the task is aborted; aborting drops the [`JoinSet`], which
/// aborts every connection (held ones included).
pub(crate) async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors, say: wait instead of spinning.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        connections.spawn(serve_connection(
            Connection::new(stream),
            Arc::clone(&state),
        ));
    }
}

async fn serve_connection(mut conn: Connection, state: Arc<State>) {
    loop {
        let head = match conn.read_head().await {
            Ok(Some(head)) => head,
            Ok(None) | Err(ReadError::Closed) => return,
            Err(ReadError::Malformed(why)) => {
                let _ = conn
                    .write(&reply::sandbox_error(400, "bad_http", why), false)
                    .await;
                return;
            }
            Err(ReadError::TooLarge) => {
                let answer = reply::sandbox_error(431, "head_too_large", "request head too large");
                let _ = conn.write(&answer, false).await;
                return;
            }
        };
        let keep_alive = head.keep_alive();
        match handle(&state, &mut conn, &head).await {
            Outcome::Answer(answer) => {
                if conn.write(&answer, keep_alive).await.is_err() || !keep_alive {
                    return;
                }
            }
            Outcome::AnswerAndClose(answer) => {
                let _ = conn.write(&answer, false).await;
                return;
            }
            Outcome::Truncate(answer) => {
                let _ = conn.write_truncated(&answer).await;
                return;
            }
            Outcome::Reset => return conn.reset(),
            Outcome::Hold => return conn.hold().await,
            Outcome::Gone => return,
        }
    }
}

async fn handle(state: &State, conn: &mut Connection, head: &RequestHead) -> Outcome {
    if head.path().starts_with(ADMIN_PREFIX) {
        return admin(state, conn, head).await;
    }
    if let Some(endpoint) = state.tokens.iter().find(|e| e.serves(head.path())) {
        return issue_token(state, conn, head, endpoint).await;
    }
    let route = match state
        .router
        .resolve(&head.method, head.path(), |name| head.header(name))
    {
        Ok(route) => route,
        Err(unrouted) => {
            lock(&state.stats).unrouted += 1;
            state.log(head, "-", unrouted.status, "unrouted");
            let answer = reply::sandbox_error(unrouted.status, "no_route", &unrouted.message);
            return answer_after_body(conn, head, answer).await;
        }
    };
    lock(&state.stats).api(route.api.descriptor().id).requests += 1;
    serve_api(state, conn, head, route).await
}

/// A request routed to an API: faults, then the regular exchange.
async fn serve_api(
    state: &State,
    conn: &mut Connection,
    head: &RequestHead,
    route: &Route,
) -> Outcome {
    let api = route.api.descriptor();
    let Some(api_state) = state.apis.get(api.id) else {
        return Outcome::Gone;
    };
    let fault = match state.fault_for(head) {
        Ok(fault) => fault,
        Err(message) => {
            let answer = reply::sandbox_error(400, "bad_fault", &message);
            return answer_after_body(conn, head, answer).await;
        }
    };
    match &fault {
        Some(Fault::Reset) => return state.finish(head, api, Outcome::Reset, "reset"),
        Some(Fault::Timeout) => return state.finish(head, api, Outcome::Hold, "timeout"),
        _ => {}
    }
    let body = match conn.read_body(head, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(ReadError::TooLarge) => {
            let request_id = state.request_id(api);
            let (answer, tally) = problem(api, Problem::TooLarge, "body too large", &request_id);
            return state.count(head, api, Outcome::AnswerAndClose(answer), tally);
        }
        Err(ReadError::Malformed(why)) => {
            return Outcome::AnswerAndClose(reply::sandbox_error(400, "bad_http", why));
        }
        Err(ReadError::Closed) => return Outcome::Gone,
    };
    if let Some(Fault::Delay(delay)) = fault {
        tokio::time::sleep(delay).await;
    }
    let request_id = state.request_id(api);
    let (answer, tally) = match &fault {
        Some(Fault::Code(code)) => coded_fault(api, code, &request_id),
        Some(Fault::Http(status)) => (reply::bare_status(*status), failure_key(*status)),
        Some(Fault::Html) => (reply::html_page(), Tally::Failure("html".to_owned())),
        _ => exchange(state, route, api_state, head, &body, &request_id),
    };
    match fault {
        Some(Fault::Truncate) => state.finish(head, api, Outcome::Truncate(answer), "truncate"),
        _ => state.count(head, api, Outcome::Answer(answer), tally),
    }
}

/// The regular exchange: rate limit, signature, request checks, example.
fn exchange(
    state: &State,
    route: &Route,
    api_state: &ApiState,
    head: &RequestHead,
    body: &[u8],
    request_id: &str,
) -> (Response, Tally) {
    let api = route.api.descriptor();
    if state.enforce_qps && !lock(&api_state.limiter).try_take(Instant::now()) {
        return problem(
            api,
            Problem::RateLimited,
            "over the documented QPS",
            request_id,
        );
    }
    let Some(scheme) = route.scheme else {
        let message = format!(
            "auth scheme `{}` is not implemented by this build of fapiao",
            api.auth.scheme
        );
        return (
            reply::sandbox_error(501, "unsupported_scheme", &message),
            failure_key(501),
        );
    };
    let credentials = api_state.credentials.as_ref();
    if let Err(failure) = authenticate(state, api, scheme, credentials, head, body) {
        return auth_failure(api, failure, request_id);
    }
    let accepted = match validation::check(api, head, body, credentials) {
        Ok(accepted) => accepted,
        Err(Rejection::Request(p, detail)) => return problem(api, p, &detail, request_id),
        Err(Rejection::Credential(_)) => {
            return auth_failure(api, AuthFailure::UnknownKey, request_id);
        }
    };
    let hash = content_hash(&accepted.input);
    let chosen = match head.header(EXAMPLE_HEADER) {
        Some(name) => api_state.examples.by_name(name.trim()).ok_or_else(|| {
            let names = api_state.examples.names().join(", ");
            format!(
                "{} has no example `{}` (examples: {names})",
                api.id,
                name.trim()
            )
        }),
        None => api_state
            .examples
            .for_input(&hash)
            .ok_or_else(|| format!("the spec of {} has no success example", api.id)),
    };
    match chosen {
        Ok(prepared) => {
            let answer = reply::example(api, prepared, request_id);
            let tally = match &prepared.failure_code {
                Some(code) => Tally::Failure(code.clone()),
                None => Tally::Success(hash),
            };
            (answer, tally)
        }
        Err(message) => (
            reply::sandbox_error(400, "no_example", &message),
            failure_key(400),
        ),
    }
}

/// The auth failures a spec names a code for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthFailure {
    BadSignature,
    Expired,
    UnknownKey,
    Missing,
}

fn authenticate(
    state: &State,
    api: &ApiDescriptor,
    scheme: AuthScheme,
    credentials: Option<&Credentials>,
    head: &RequestHead,
    body: &[u8],
) -> Result<(), AuthFailure> {
    let Some(credentials) = credentials else {
        tracing::warn!(
            api = api.id,
            "no credentials configured; refusing the request"
        );
        return Err(AuthFailure::UnknownKey);
    };
    let request = wire_request(head, body);
    let ctx = VerifyContext {
        params: api.auth.params,
        credentials,
        now: chrono::Utc::now(),
        max_skew: state.max_skew,
    };
    auth::verify(scheme, &request, &ctx).map_err(|e| {
        tracing::debug!(api = api.id, error = %e, "signature refused");
        classify(&e)
    })
}

/// The request as the client sent it, for the auth layer. Its URL is the one the client
/// addressed: signatures cover `Host`.
fn wire_request(head: &RequestHead, body: &[u8]) -> HttpRequest {
    let host = head.header("host").unwrap_or("127.0.0.1");
    HttpRequest {
        method: head.method.clone(),
        url: format!("http://{host}{}", head.target),
        headers: head.headers.clone(),
        body: body.to_vec(),
    }
}

/// A token request: the issuer's answer for the credentials of the endpoint's APIs.
async fn issue_token(
    state: &State,
    conn: &mut Connection,
    head: &RequestHead,
    endpoint: &TokenEndpoint,
) -> Outcome {
    // Token requests carry a few form fields at most.
    const MAX_TOKEN_REQUEST: usize = 64 * 1024;
    let body = match conn.read_body(head, MAX_TOKEN_REQUEST).await {
        Ok(body) => body,
        Err(ReadError::Closed) => return Outcome::Gone,
        Err(_) => {
            let answer = reply::sandbox_error(413, "bad_token_request", "token request too large");
            return Outcome::AnswerAndClose(answer);
        }
    };
    let accepted: Vec<&Credentials> = endpoint
        .apis
        .iter()
        .filter_map(|id| state.apis.get(id)?.credentials.as_ref())
        .collect();
    let answer = endpoint
        .issuer
        .answer(&wire_request(head, &body), &accepted, chrono::Utc::now());
    let outcome = if answer.status == 200 {
        lock(&state.stats).tokens_issued += 1;
        "token issued"
    } else {
        lock(&state.stats).tokens_refused += 1;
        "token refused"
    };
    state.log(head, "-", answer.status, outcome);
    Outcome::Answer(Response::json(
        answer.status,
        "application/json",
        &answer.body,
    ))
}

fn classify(error: &VerifyError) -> AuthFailure {
    match error {
        VerifyError::MissingAuthorization(_)
        | VerifyError::MissingToken(_)
        | VerifyError::MalformedAuthorization(_)
        | VerifyError::MissingHeader(_)
        | VerifyError::MalformedHeader(_)
        | VerifyError::InvalidRequest(_) => AuthFailure::Missing,
        VerifyError::UnknownKeyId | VerifyError::Misconfigured(_) => AuthFailure::UnknownKey,
        VerifyError::StaleTimestamp { .. } | VerifyError::Expired { .. } => AuthFailure::Expired,
        _ => AuthFailure::BadSignature,
    }
}

/// The spec's code for an auth failure (falling back to its `bad_signature` code), or a bare
/// 401 when it declares none.
fn auth_failure(api: &ApiDescriptor, failure: AuthFailure, request_id: &str) -> (Response, Tally) {
    let f = &api.auth.failures;
    let specific = match failure {
        AuthFailure::BadSignature => f.bad_signature,
        AuthFailure::Expired => f.expired,
        AuthFailure::UnknownKey => f.unknown_key,
        AuthFailure::Missing => f.missing,
    };
    match specific
        .or(f.bad_signature)
        .and_then(|code| api.error(code))
    {
        Some(info) => (
            reply::vendor_error(api, info, request_id, None),
            Tally::Failure(info.code.to_owned()),
        ),
        None => {
            let message = format!(
                "{}: authentication failed ({failure:?}); the spec declares no code for it",
                api.id
            );
            (
                reply::sandbox_error(401, "auth_failure", &message),
                failure_key(401),
            )
        }
    }
}

/// The spec's `emulation` code for a bad request, or the sandbox's own error with a fitting
/// HTTP status when it names none.
fn problem(api: &ApiDescriptor, p: Problem, detail: &str, request_id: &str) -> (Response, Tally) {
    match p.vendor_code(api).and_then(|code| api.error(code)) {
        Some(info) => (
            reply::vendor_error(api, info, request_id, Some(detail)),
            Tally::Failure(info.code.to_owned()),
        ),
        None => {
            let status = p.fallback_status();
            let message = format!("{}: {detail}", api.id);
            (
                reply::sandbox_error(status, p.id(), &message),
                failure_key(status),
            )
        }
    }
}

/// A `code:` fault: the declared error, or a sandbox error for a code the API does not declare.
fn coded_fault(api: &ApiDescriptor, code: &str, request_id: &str) -> (Response, Tally) {
    match api.error(code) {
        Some(info) => (
            reply::vendor_error(api, info, request_id, None),
            Tally::Failure(info.code.to_owned()),
        ),
        None => {
            let message = format!("{} declares no error code `{code}`", api.id);
            (
                reply::sandbox_error(400, "bad_fault", &message),
                failure_key(400),
            )
        }
    }
}

fn failure_key(status: u16) -> Tally {
    Tally::Failure(format!("http:{status}"))
}

/// Reads and discards the request body, then answers; closes when the body cannot be read.
async fn answer_after_body(conn: &mut Connection, head: &RequestHead, answer: Response) -> Outcome {
    match conn.read_body(head, MAX_BODY_BYTES).await {
        Ok(_) => Outcome::Answer(answer),
        Err(ReadError::Closed) => Outcome::Gone,
        Err(_) => Outcome::AnswerAndClose(answer),
    }
}

/// `GET /__fapiao/stats`: the counters as JSON. `POST /__fapiao/faults`: queues the
/// comma-separated faults in the body for the next requests. `DELETE /__fapiao/stats`: resets
/// the counters.
async fn admin(state: &State, conn: &mut Connection, head: &RequestHead) -> Outcome {
    const MAX_ADMIN_BODY: usize = 64 * 1024;
    let body = match conn.read_body(head, MAX_ADMIN_BODY).await {
        Ok(body) => body,
        Err(ReadError::Closed) => return Outcome::Gone,
        Err(_) => {
            let answer = reply::sandbox_error(413, "bad_admin_request", "admin body too large");
            return Outcome::AnswerAndClose(answer);
        }
    };
    let action = head.path().trim_start_matches(ADMIN_PREFIX);
    let answer = match (head.method.as_str(), action) {
        ("GET", "stats") => {
            let stats = lock(&state.stats).clone();
            let value = serde_json::to_value(stats).unwrap_or_default();
            Response::json(200, "application/json", &value)
        }
        ("DELETE", "stats") => {
            lock(&state.stats).reset();
            Response::json(
                200,
                "application/json",
                &serde_json::json!({ "reset": true }),
            )
        }
        ("POST", "faults") => queue_faults(state, &body),
        _ => reply::sandbox_error(
            404,
            "no_admin_endpoint",
            "admin endpoints: GET/DELETE /__fapiao/stats, POST /__fapiao/faults",
        ),
    };
    Outcome::Answer(answer)
}

fn queue_faults(state: &State, body: &[u8]) -> Response {
    let text = String::from_utf8_lossy(body);
    match parse_fault_list(&text) {
        Ok(faults) => {
            let count = faults.len();
            lock(&state.queued).extend(faults);
            Response::json(
                200,
                "application/json",
                &serde_json::json!({ "queued": count }),
            )
        }
        Err(e) => reply::sandbox_error(400, "bad_fault", &e.to_string()),
    }
}

impl State {
    /// The fault for this request: its header's, else the next queued one, else a draw from
    /// the run-level plan.
    fn fault_for(&self, head: &RequestHead) -> Result<Option<Fault>, String> {
        if let Some(text) = head.header(FAULT_HEADER) {
            return text
                .parse()
                .map(Some)
                .map_err(|e| format!("{FAULT_HEADER}: {e}"));
        }
        if let Some(fault) = lock(&self.queued).pop_front() {
            return Ok(Some(fault));
        }
        if self.plan.is_empty() {
            return Ok(None);
        }
        let draw = lock(&self.rng).f64();
        Ok(self.plan.pick(draw).cloned())
    }

    /// A fresh request id: a positive 63-bit integer for APIs whose vendor writes integer ids
    /// (Baidu's `log_id`), else the UUID form the other vendors use.
    fn request_id(&self, api: &ApiDescriptor) -> String {
        if api.response.request_id_type == CodeType::Int {
            return (lock(&self.rng).u64(..) >> 1).to_string();
        }
        crate::auth::uuid_v4(lock(&self.rng).u128(..))
    }

    /// Counts an outcome and passes it on.
    fn count(
        &self,
        head: &RequestHead,
        api: &ApiDescriptor,
        outcome: Outcome,
        tally: Tally,
    ) -> Outcome {
        let status = match &outcome {
            Outcome::Answer(r) | Outcome::AnswerAndClose(r) | Outcome::Truncate(r) => r.status,
            _ => 0,
        };
        let mut stats = lock(&self.stats);
        let counters = stats.api(api.id);
        match &tally {
            Tally::Success(key) => {
                counters.success(key);
                drop(stats);
                self.log(head, api.id, status, "success");
            }
            Tally::Failure(key) => {
                counters.failure(key);
                drop(stats);
                self.log(head, api.id, status, key);
            }
        }
        outcome
    }

    /// Counts a transport fault (`reset`, `timeout`, `truncate`) and passes the outcome on.
    fn finish(
        &self,
        head: &RequestHead,
        api: &ApiDescriptor,
        outcome: Outcome,
        key: &str,
    ) -> Outcome {
        self.count(head, api, outcome, Tally::Failure(key.to_owned()))
    }

    fn log(&self, head: &RequestHead, api: &str, status: u16, what: &str) {
        tracing::info!(method = %head.method, path = head.path(), api, status, outcome = what, "sandbox request");
        if self.log_requests {
            let status = if status == 0 {
                "---".to_owned()
            } else {
                status.to_string()
            };
            eprintln!("{} {} {api} {status} {what}", head.method, head.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_bucket_allows_the_rate_and_refills_over_time() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(Some(2.0));
        bucket.last = start;
        assert!(bucket.try_take(start));
        assert!(bucket.try_take(start));
        assert!(!bucket.try_take(start));
        assert!(bucket.try_take(start + Duration::from_millis(500)));
        assert!(!bucket.try_take(start + Duration::from_millis(500)));
        let mut unlimited = TokenBucket::new(None);
        assert!((0..1000).all(|_| unlimited.try_take(start)));
        let mut slow = TokenBucket::new(Some(0.5));
        slow.last = start;
        assert!(slow.try_take(start), "at least one request fits");
        assert!(!slow.try_take(start + Duration::from_secs(1)));
        assert!(slow.try_take(start + Duration::from_secs(2)));
    }

    #[test]
    fn verify_errors_sort_into_the_spec_failure_kinds() {
        assert_eq!(
            classify(&VerifyError::BadSignature),
            AuthFailure::BadSignature
        );
        assert_eq!(
            classify(&VerifyError::UnknownKeyId),
            AuthFailure::UnknownKey
        );
        assert_eq!(
            classify(&VerifyError::MissingAuthorization("Authorization")),
            AuthFailure::Missing
        );
        assert_eq!(
            classify(&VerifyError::ScopeMismatch("x".into())),
            AuthFailure::BadSignature
        );
        assert_eq!(
            classify(&VerifyError::MissingToken("access_token")),
            AuthFailure::Missing
        );
        assert_eq!(
            classify(&VerifyError::InvalidToken),
            AuthFailure::BadSignature
        );
        assert_eq!(
            classify(&VerifyError::Expired {
                expired_at: chrono::Utc::now()
            }),
            AuthFailure::Expired
        );
    }
}
