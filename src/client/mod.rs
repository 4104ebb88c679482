//! The HTTP client: one [`Client`] calls every vendor API.
//!
//! ```no_run
//! # async fn demo(api: &dyn fapiao::api::DynApi) -> Result<(), fapiao::client::Error> {
//! use fapiao::api::Input;
//! use fapiao::client::Client;
//!
//! let client = Client::builder()
//!     .credential("tencent", "secret_id", "AKID…")
//!     .credential("tencent", "secret_key", "…")
//!     .build()?;
//! let input = Input { file: Some(std::fs::read("invoice.png").unwrap()), ..Input::default() };
//! let invoices = client.recognize(api, &input).await?;
//! # Ok(()) }
//! ```
//!
//! Everything a request needs — URL, method, content type, fields, auth scheme and its
//! parameters, limits, error codes — comes from the API's [`ApiDescriptor`] and its generated
//! encoder; the client holds no vendor facts. Per call it:
//!
//! 1. checks the input against the spec's limits ([`input_check`]) — refusals never open a
//!    connection;
//! 2. resolves the API's settings once (credentials, region, endpoint, QPS; see [`config`]);
//! 3. per attempt: waits for a slot of the API's rate limiter, signs the request afresh (new
//!    timestamp and nonce) and sends it;
//! 4. decodes the answer, and retries retryable failures with backoff ([`RetryPolicy`]).
//!
//! # Endpoint overrides
//!
//! For proxies, private deployments, sandboxes and tests, an API's endpoint can be overridden
//! from code ([`ClientBuilder::endpoint`]), the config file (`endpoint = "…"`) or the variable
//! `FAPIAO_ENDPOINT_<API_ID>` ([`endpoint_env_var`]). The override replaces scheme, host and
//! port; the spec's path and query are kept unless the override has a path of its own:
//!
//! | spec URL | override | request URL |
//! |---|---|---|
//! | `https://aiapi.jdcloud.com/jdai/ocr_invoice` | `http://127.0.0.1:8080` | `http://127.0.0.1:8080/jdai/ocr_invoice` |
//! | `https://aiapi.jdcloud.com/jdai/ocr_invoice` | `http://127.0.0.1:8080/` | `http://127.0.0.1:8080/jdai/ocr_invoice` |
//! | `https://aiapi.jdcloud.com/jdai/ocr_invoice` | `https://gw.example/jd/ocr` | `https://gw.example/jd/ocr` |
//!
//! So a sandbox serving every API at its usual path needs only its base URL. Spec URLs and
//! overrides may use `{region}` and non-secret credential placeholders (`{project_id}`).
//!
//! # Plain HTTP
//!
//! Requests carry credentials (key ids, signatures, sometimes tokens) and invoices, so the
//! client sends them over plain `http://` only to loopback hosts (`127.0.0.0/8`, `::1`,
//! `localhost`: sandboxes and local proxies). Any other `http://` endpoint — including a
//! vendor whose only documented endpoint is plain HTTP, such as icuapi — fails with
//! [`ConfigError::PlainHttp`] before anything is sent, unless allowed for that vendor or API
//! with [`ClientBuilder::allow_http`] or `allow_http = true` in the config file.
//!
//! # Token-issuing schemes
//!
//! For a scheme whose requests carry a token the vendor issues first (Baidu's OAuth
//! `access_token`), the client fetches the token on first use, caches it per credential set —
//! keyed by a digest, never by the secrets — and refreshes it five minutes before it expires
//! (half-way through the life of a token that lives under ten minutes). Failed fetches are not
//! cached. An endpoint override applies to the token request too (same scheme, host and
//! port; the token URL's path). When the vendor answers a call with an error of kind
//! `signature_expired` (Baidu's 110 and 111), the token is dropped and the retry fetches a
//! new one. A token endpoint's refusal is an [`Error::Vendor`] with its code
//! (`invalid_client`) and the kind its HTTP status implies (a 401 is `auth`).
//!
//! # Logging
//!
//! The client emits [`tracing`] spans and events (API, attempt, host and path, status,
//! request id, retry delays); it installs no subscriber. Credentials, headers, bodies and
//! query strings are never logged.

mod builder;
pub mod config;
mod endpoint;
mod error;
pub mod input_check;
mod rate_limit;
mod response;
mod retry;
mod token;
mod transport;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::Instrument;
use url::Url;

pub use builder::ClientBuilder;
pub use config::{ConfigError, endpoint_env_var};
pub use error::{Error, VendorError};
pub use input_check::InputRefusal;
pub use retry::RetryPolicy;

use self::config::{EnvLookup, Settings, Sources};
use self::rate_limit::RateLimiter;
use self::response::Answer;
use self::retry::RetryBudget;
use self::token::{TokenCache, TokenSource};
use self::transport::{RawResponse, Transport};
use crate::Invoice;
use crate::api::{
    Api, ApiDescriptor, ApiRequest, DecodeError, DynApi, EncodedRequest, ErrorKind, Input,
    InputError, InputKind, Reply,
};
use crate::auth::{self, AuthScheme, Credentials, HttpRequest, SignContext};

/// A successful call: the payload and what the exchange took.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    /// The decoded payload.
    pub payload: T,
    /// The vendor's request id, when it sent one.
    pub request_id: Option<String>,
    /// Attempts made, the successful one included.
    pub attempts: u32,
}

/// An async client for every vendor API. Cheap to clone; clones share connections, settings,
/// rate limiters and retry budgets.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    code: Settings,
    file: Settings,
    env: EnvLookup,
    retry: RetryPolicy,
    apis: Mutex<HashMap<&'static str, Arc<ApiState>>>,
    tokens: TokenCache,
}

/// What the client resolved for one API, shared by all its calls.
struct ApiState {
    api: &'static ApiDescriptor,
    scheme: AuthScheme,
    credentials: Credentials,
    region: Option<String>,
    url: Url,
    /// Where tokens come from, for a token-issuing scheme.
    token: Option<TokenSource>,
    limiter: RateLimiter,
    budget: RetryBudget,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials are `Secret`s and endpoints print without userinfo.
        f.debug_struct("Client")
            .field("code", &self.inner.code)
            .field("config_file", &self.inner.file)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults (config file and environment read, 10 s connect and 60 s
    /// total timeout, [`RetryPolicy::default`]).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client with the defaults; settings come from the config file and the environment.
    pub fn new() -> Result<Client, Error> {
        ClientBuilder::new().build()
    }

    /// Checks `input` against `A`'s limits and builds its request, with credential fields
    /// (such as a legacy `appid`) filled from the configured non-secret credentials. The file's
    /// format is taken from its magic bytes, whatever `input.format` says.
    pub fn prepare<A: Api>(&self, input: &Input) -> Result<A::Request, Error> {
        let input = checked_input(A::DESCRIPTOR, input)?;
        let state = self.state(A::DESCRIPTOR)?;
        Ok(A::Request::from_input(&input, &|name| {
            state.public_credential(name)
        })?)
    }

    /// Calls `A` with a typed request. Only the encoded body's size is checked here; build the
    /// request with [`prepare`](Self::prepare) to have the file checked against `A`'s limits.
    pub async fn call<A: Api>(&self, request: &A::Request) -> Result<Response<A::Response>, Error> {
        let state = self.state(A::DESCRIPTOR)?;
        self.execute(&state, request.encode(), A::decode).await
    }

    /// Recognises `input` with any API: checks, encodes, calls, and maps the answer onto the
    /// unified model. The file's format is taken from its magic bytes, whatever
    /// `input.format` says.
    pub async fn recognize(&self, api: &dyn DynApi, input: &Input) -> Result<Vec<Invoice>, Error> {
        let descriptor = api.descriptor();
        let input = checked_input(descriptor, input)?;
        let state = self.state(descriptor)?;
        let encoded = api.encode_input(&input, &|name| state.public_credential(name))?;
        let response = self
            .execute(&state, encoded, |body| api.decode_invoices(body))
            .await?;
        Ok(response.payload)
    }

    /// Checks, without sending anything, that `api` can be called with this client's settings:
    /// the credentials its auth scheme and its request fields need, its region and its
    /// endpoint. What the first call would otherwise report is reported here.
    pub fn check_settings(&self, api: &'static ApiDescriptor) -> Result<(), Error> {
        let state = self.state(api)?;
        for field in api.request {
            if let Some(InputKind::Credential(name)) = field.input
                && state.public_credential(name).is_none()
            {
                return Err(InputError::MissingCredential { api: api.id, name }.into());
            }
        }
        Ok(())
    }

    /// The resolved state of `api`, resolved on first use. Failures are not cached, so a
    /// fixed environment is picked up by the next call.
    fn state(&self, api: &'static ApiDescriptor) -> Result<Arc<ApiState>, Error> {
        let mut apis = self
            .inner
            .apis
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(state) = apis.get(api.id) {
            return Ok(Arc::clone(state));
        }
        let state = Arc::new(self.resolve(api)?);
        apis.insert(api.id, Arc::clone(&state));
        Ok(state)
    }

    fn resolve(&self, api: &'static ApiDescriptor) -> Result<ApiState, Error> {
        let scheme = AuthScheme::from_id(api.auth.scheme).ok_or(ConfigError::UnknownScheme {
            api: api.id,
            scheme: api.auth.scheme,
        })?;
        let sources = Sources {
            code: &self.inner.code,
            file: &self.inner.file,
            env: &*self.inner.env,
        };
        let settings = sources.resolve(api, scheme)?;
        let url = endpoint::request_url(
            api,
            settings.endpoint.as_deref(),
            settings.region.as_deref(),
            &settings.credentials,
            settings.allow_http,
        )?;
        let token = TokenSource::for_api(
            api,
            scheme,
            &url,
            settings.endpoint.is_some(),
            &settings.credentials,
            settings.allow_http,
        )?;
        Ok(ApiState {
            api,
            scheme,
            token,
            credentials: settings.credentials,
            region: settings.region,
            url,
            limiter: RateLimiter::new(settings.qps),
            budget: RetryBudget::new(&self.inner.retry),
        })
    }

    /// Sends `encoded` until it succeeds, fails for good, or runs out of attempts or budget.
    async fn execute<T>(
        &self,
        state: &ApiState,
        encoded: EncodedRequest,
        decode: impl Fn(&[u8]) -> Result<Reply<T>, DecodeError>,
    ) -> Result<Response<T>, Error> {
        input_check::check_request_size(state.api, encoded.body.len())?;
        let span = tracing::info_span!("fapiao_call", api = state.api.id);
        self.attempts(state, &encoded, &decode)
            .instrument(span)
            .await
    }

    /// The attempt loop of [`execute`](Self::execute).
    async fn attempts<T>(
        &self,
        state: &ApiState,
        encoded: &EncodedRequest,
        decode: &impl Fn(&[u8]) -> Result<Reply<T>, DecodeError>,
    ) -> Result<Response<T>, Error> {
        let policy = &self.inner.retry;
        state.budget.deposit();
        let mut attempt = 1;
        loop {
            state.limiter.acquire().await;
            let (err, retry_after) = match self.attempt(state, encoded, decode, attempt).await {
                Ok((payload, request_id)) => {
                    return Ok(Response {
                        payload,
                        request_id,
                        attempts: attempt,
                    });
                }
                Err(failure) => failure,
            };
            let kind = err.kind();
            let retry =
                err.is_retryable() && attempt < policy.max_attempts && state.budget.withdraw();
            if !retry {
                tracing::debug!(attempt, %kind, error = %err, "call failed");
                return Err(err);
            }
            let delay = policy.backoff(attempt - 1, fastrand::f64(), retry_after);
            let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
            tracing::warn!(attempt, %kind, error = %err, delay_ms, "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// One signed exchange. A failure comes with the answer's `Retry-After`, if any.
    async fn attempt<T>(
        &self,
        state: &ApiState,
        encoded: &EncodedRequest,
        decode: impl FnOnce(&[u8]) -> Result<Reply<T>, DecodeError>,
        attempt: u32,
    ) -> Result<Answer<T>, (Error, Option<std::time::Duration>)> {
        let api = state.api;
        let credentials = self
            .signing_credentials(state)
            .await
            .map_err(|e| (e, None))?;
        let request = state
            .signed_request(encoded, &credentials)
            .map_err(|e| (e, None))?;
        tracing::debug!(
            attempt,
            method = api.endpoint.method,
            host = state.url.host_str().unwrap_or_default(),
            path = state.url.path(),
            body_bytes = request.body.len(),
            "sending request"
        );
        let raw: RawResponse = self
            .inner
            .transport
            .send(api.id, request)
            .await
            .map_err(|e| (e, None))?;
        let answer = response::interpret(api, &raw, decode, &credentials);
        tracing::debug!(
            status = raw.status,
            body_bytes = raw.body.len(),
            request_id = answer.as_ref().ok().and_then(|a| a.1.as_deref()),
            "response received"
        );
        if let (Err(e), Some(source)) = (&answer, &state.token)
            && e.kind() == ErrorKind::SignatureExpired
            && let Some(used) = credentials.get(source.credential())
        {
            tracing::debug!(api = api.id, "the vendor refused the token; dropping it");
            self.inner.tokens.invalidate(source.key(), used).await;
        }
        answer.map_err(|e| (e, response::retry_after(&raw)))
    }

    /// The credentials a request of `state` is signed with: the configured ones, plus the
    /// current token for a token-issuing scheme (fetched when there is none yet).
    async fn signing_credentials<'s>(
        &self,
        state: &'s ApiState,
    ) -> Result<Cow<'s, Credentials>, Error> {
        let Some(source) = &state.token else {
            return Ok(Cow::Borrowed(&state.credentials));
        };
        let fetch = || source.fetch(&self.inner.transport, state.api, &state.credentials);
        let token = self.inner.tokens.token(source.key(), fetch).await?;
        let mut credentials = state.credentials.clone();
        credentials.insert(source.credential(), token);
        Ok(Cow::Owned(credentials))
    }
}

impl ApiState {
    /// A credential value for a request field, only if the spec marks it non-secret.
    fn public_credential(&self, name: &str) -> Option<String> {
        let listed = self.api.auth.credentials.iter().find(|c| c.name == name)?;
        if listed.secret {
            return None;
        }
        self.credentials.get(name).map(|s| s.expose().to_owned())
    }

    /// The request for one attempt, signed with `credentials`, the current time and a fresh
    /// nonce.
    fn signed_request(
        &self,
        encoded: &EncodedRequest,
        credentials: &Credentials,
    ) -> Result<HttpRequest, Error> {
        let api = self.api;
        let mut url = self.url.clone();
        if !encoded.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(encoded.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut request =
            HttpRequest::new(api.endpoint.method, url.as_str()).with_body(encoded.body.clone());
        // A generated encoder may set its own Content-Type (a multipart boundary).
        let encoder_sets_type = encoded
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        if !api.endpoint.content_type.is_empty() && !encoder_sets_type {
            request.set_header("Content-Type", api.endpoint.content_type);
        }
        for (name, value) in &encoded.headers {
            request.set_header(*name, value.as_str());
        }
        let nonce = fresh_nonce();
        let ctx = SignContext {
            params: api.auth.params,
            region: self.region.as_deref(),
            credentials,
            now: chrono::Utc::now(),
            nonce: &nonce,
        };
        auth::sign(self.scheme, &mut request, &ctx).map_err(|e| Error::signing(api.id, e))?;
        Ok(request)
    }
}

/// `input` with its format set to the detected one, after the limit checks.
fn checked_input<'i>(api: &ApiDescriptor, input: &'i Input) -> Result<Cow<'i, Input>, Error> {
    let format = input_check::check_input(api, input)?;
    if format == input.format {
        return Ok(Cow::Borrowed(input));
    }
    Ok(Cow::Owned(Input {
        format,
        ..input.clone()
    }))
}

/// A random UUID v4 string, the nonce form JD's SDKs send.
fn fresh_nonce() -> String {
    crate::auth::uuid_v4(fastrand::u128(..))
}

#[cfg(test)]
mod tests {
    use super::fresh_nonce;

    #[test]
    fn nonces_are_distinct_uuid_v4_strings() {
        let a = fresh_nonce();
        let b = fresh_nonce();
        assert_ne!(a, b);
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(&a[14..15], "4", "version nibble");
        assert!(
            matches!(&a[19..20], "8" | "9" | "a" | "b"),
            "RFC 4122 variant"
        );
    }
}
