//! Tokens of token-issuing auth schemes ([`crate::auth::token`]): fetched on first use, cached
//! per credential set, refreshed before they expire, dropped when the vendor reports them
//! invalid.
//!
//! # Cache
//!
//! One cache per [`Client`](super::Client), shared by its clones. Its key is a SHA-256 digest of
//! the scheme, the token URL and every credential of the API, so two credential sets never
//! share a token and the key reveals no secret. Only tokens are cached: a refusal or a failed
//! fetch is the calling request's error, and the next call asks again. Fetches for one key run
//! one at a time, so calls that find no token wait for one fetch instead of each making their
//! own.
//!
//! # Refresh
//!
//! A token is used until [`REFRESH_MARGIN`] before it expires — or, for a token that lives
//! less than twice that, until half its life is over — and the next call then fetches a new
//! one. The margin keeps a call from leaving with a token that expires in flight and absorbs
//! clock differences with the vendor (Baidu's tokens live 30 days). When the vendor answers a
//! call with an error of kind [`SignatureExpired`](crate::api::ErrorKind::SignatureExpired)
//! (Baidu's 110 and 111, which the spec marks retryable), the token that call used is dropped,
//! so the retry fetches a fresh one.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::time::Instant;
use url::Url;

use super::endpoint::{absolute_url, refuse_plain_http};
use super::error::{VendorError, is_retryable_status, status_kind};
use super::response::scrub;
use super::transport::Transport;
use super::{ConfigError, Error};
use crate::Secret;
use crate::api::{ApiDescriptor, DecodeError, ErrorKind};
use crate::auth::{AuthScheme, Credentials, IssuedToken, TokenError, TokenIssuer};

/// How long before its expiry a token is replaced.
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The cache key of one credential set at one token endpoint: a digest, never the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TokenKey([u8; 32]);

impl TokenKey {
    fn new(scheme: AuthScheme, url: &str, credentials: &Credentials) -> TokenKey {
        let mut digest = Sha256::new();
        let mut part = |bytes: &[u8]| {
            // Length-prefixed, so no two different sequences of parts hash alike.
            digest.update((bytes.len() as u64).to_be_bytes());
            digest.update(bytes);
        };
        part(scheme.id().as_bytes());
        part(url.as_bytes());
        for name in credentials.names() {
            part(name.as_bytes());
            part(credentials.get(name).map_or("", Secret::expose).as_bytes());
        }
        let mut key = [0; 32];
        key.copy_from_slice(&digest.finalize());
        TokenKey(key)
    }
}

/// Where one API's tokens come from.
pub(crate) struct TokenSource {
    issuer: &'static dyn TokenIssuer,
    url: String,
    key: TokenKey,
}

impl TokenSource {
    /// The token source of `api`, or `None` when its scheme signs without a token. With an
    /// endpoint override the token request goes to the overridden origin (scheme, host and
    /// port of `api_url`) at the token URL's path, so a sandbox or proxy serves both. A
    /// plain-HTTP token URL off loopback is refused unless `allow_http`, as endpoints are.
    pub(crate) fn for_api(
        api: &'static ApiDescriptor,
        scheme: AuthScheme,
        api_url: &Url,
        overridden: bool,
        credentials: &Credentials,
        allow_http: bool,
    ) -> Result<Option<TokenSource>, ConfigError> {
        let Some(issuer) = scheme.token_issuer() else {
            return Ok(None);
        };
        let spec_url =
            issuer
                .token_url(api.auth.params)
                .map_err(|e| ConfigError::InvalidEndpoint {
                    api: api.id,
                    url: "(token URL)".to_owned(),
                    reason: e.to_string(),
                })?;
        let parsed = absolute_url(api, spec_url, spec_url)?;
        let url = if overridden {
            let mut url = api_url.clone();
            url.set_path(parsed.path());
            url.set_query(parsed.query());
            url
        } else {
            parsed
        };
        refuse_plain_http(api, &url, allow_http)?;
        Ok(Some(TokenSource {
            issuer,
            key: TokenKey::new(scheme, url.as_str(), credentials),
            url: url.into(),
        }))
    }

    /// The credential under which the scheme's signer reads the token.
    pub(crate) fn credential(&self) -> &'static str {
        self.issuer.token_credential()
    }

    /// The cache key of this source.
    pub(crate) fn key(&self) -> TokenKey {
        self.key
    }

    /// Asks the token endpoint for a token for `credentials`.
    pub(crate) async fn fetch(
        &self,
        transport: &Transport,
        api: &'static ApiDescriptor,
        credentials: &Credentials,
    ) -> Result<IssuedToken, Error> {
        let request = self
            .issuer
            .token_request(&self.url, credentials)
            .map_err(|e| Error::signing(api.id, e))?;
        tracing::debug!(api = api.id, "requesting a token");
        let raw = transport.send(api.id, request).await?;
        let issued = self
            .issuer
            .read_token(raw.status, &raw.body)
            .map_err(|e| token_failure(api, e, credentials))?;
        tracing::debug!(
            api = api.id,
            expires_in_s = issued.expires_in.as_secs(),
            "token received"
        );
        Ok(issued)
    }
}

/// A token endpoint's refusal as a vendor error (its kind from the HTTP status, an auth
/// failure when the status says nothing), or its malformed answer — without the body, which
/// may hold a token.
fn token_failure(api: &'static ApiDescriptor, e: TokenError, credentials: &Credentials) -> Error {
    match e {
        TokenError::Refused {
            status,
            error,
            description,
        } => {
            let kind = status_kind(status).unwrap_or(ErrorKind::Auth);
            let retryable = is_retryable_status(status);
            Error::Vendor(Box::new(VendorError {
                api: api.id,
                kind,
                code: scrub(&error, credentials),
                message: scrub(&description, credentials),
                http_status: status,
                request_id: None,
                retryable,
                charged: false,
            }))
        }
        TokenError::Malformed { status, reason } => Error::MalformedResponse {
            decode: DecodeError::new(api.id, format!("token endpoint: {reason}"), b""),
            http_status: status,
            request_id: None,
        },
    }
}

/// A cached token and when to stop using it.
struct Cached {
    token: Secret,
    refresh_at: Instant,
}

/// One key's slot; its async lock makes fetches for the key run one at a time.
type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

/// Tokens by [`TokenKey`].
#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Slot>>,
}

impl TokenCache {
    fn slot(&self, key: TokenKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(key).or_default())
    }

    /// The token for `key`: the cached one while it is fresh, else the one `fetch` gets, which
    /// is cached only when the fetch succeeds.
    pub(crate) async fn token<F, Fut>(&self, key: TokenKey, fetch: F) -> Result<Secret, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<IssuedToken, Error>>,
    {
        let slot = self.slot(key);
        let mut cached = slot.lock().await;
        if let Some(fresh) = cached.as_ref().filter(|c| Instant::now() < c.refresh_at) {
            return Ok(fresh.token.clone());
        }
        let asked_at = Instant::now();
        let issued = fetch().await?;
        *cached = Some(Cached {
            token: issued.token.clone(),
            refresh_at: asked_at + usable_for(issued.expires_in),
        });
        Ok(issued.token)
    }

    /// Drops the token of `key` if it is still `used`; a concurrent call may already have
    /// replaced it with a fresh one, which stays.
    pub(crate) async fn invalidate(&self, key: TokenKey, used: &Secret) {
        let slot = self.slot(key);
        let mut cached = slot.lock().await;
        if cached.as_ref().is_some_and(|c| c.token == *used) {
            *cached = None;
        }
    }
}

/// How long a token that lives `lifetime` is used: all of it but [`REFRESH_MARGIN`], or half of
/// it when that margin would take more.
fn usable_for(lifetime: Duration) -> Duration {
    lifetime.saturating_sub(REFRESH_MARGIN.min(lifetime / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::{AtomicUsize, Ordering};

    const TC3: AuthScheme = AuthScheme::Tc3HmacSha256;

    fn key(credentials: &Credentials) -> TokenKey {
        TokenKey::new(TC3, "https://token.example/oauth", credentials)
    }

    fn credentials(key: &str, secret: &str) -> Credentials {
        Credentials::new()
            .with("api_key", key)
            .with("secret_key", secret)
    }

    /// A fetch counting its calls, issuing `token-<n>` valid for `lifetime`.
    fn issuing(
        calls: &AtomicUsize,
        lifetime: Duration,
    ) -> impl FnOnce() -> std::future::Ready<Result<IssuedToken, Error>> + '_ {
        move || {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            std::future::ready(Ok(IssuedToken {
                token: Secret::new(format!("token-{n}")),
                expires_in: lifetime,
            }))
        }
    }

    fn refusal() -> std::future::Ready<Result<IssuedToken, Error>> {
        std::future::ready(Err(Error::Transport {
            api: "test.api",
            detail: "refused".to_owned(),
        }))
    }

    #[test]
    fn tokens_are_used_until_the_margin_or_half_their_life() {
        let day = Duration::from_secs(86_400);
        assert_eq!(usable_for(day), day - REFRESH_MARGIN);
        assert_eq!(usable_for(Duration::from_secs(60)), Duration::from_secs(30));
        assert_eq!(usable_for(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn keys_differ_by_every_credential_url_and_scheme_and_hold_no_secret() {
        let a = credentials("key-a", "secret-value-a");
        assert_eq!(key(&a), key(&credentials("key-a", "secret-value-a")));
        assert_ne!(key(&a), key(&credentials("key-a", "secret-value-b")));
        assert_ne!(key(&a), key(&credentials("key-b", "secret-value-a")));
        assert_ne!(
            key(&a),
            TokenKey::new(TC3, "http://127.0.0.1:8080/oauth", &a)
        );
        assert_ne!(
            key(&a),
            TokenKey::new(AuthScheme::Icuapi, "https://token.example/oauth", &a)
        );
        // Length prefixes: moving a character from one part to the next changes the key.
        assert_ne!(key(&credentials("ab", "c")), key(&credentials("a", "bc")));
        assert!(!format!("{:?}", key(&a)).contains("secret-value-a"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_is_cached_until_shortly_before_it_expires() {
        let cache = TokenCache::default();
        let calls = AtomicUsize::new(0);
        let k = key(&credentials("k", "s"));
        let hour = Duration::from_secs(3600);
        let first = cache.token(k, issuing(&calls, hour)).await.unwrap();
        let again = cache.token(k, issuing(&calls, hour)).await.unwrap();
        assert_eq!((first.expose(), again.expose()), ("token-1", "token-1"));

        tokio::time::advance(hour - REFRESH_MARGIN - Duration::from_secs(1)).await;
        let before = cache.token(k, issuing(&calls, hour)).await.unwrap();
        assert_eq!(before.expose(), "token-1", "still outside the margin");
        tokio::time::advance(Duration::from_secs(1)).await;
        let after = cache.token(k, issuing(&calls, hour)).await.unwrap();
        assert_eq!(after.expose(), "token-2", "refreshed within the margin");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_is_not_cached() {
        let cache = TokenCache::default();
        let calls = AtomicUsize::new(0);
        let k = key(&credentials("k", "s"));
        assert!(cache.token(k, refusal).await.is_err());
        let token = cache
            .token(k, issuing(&calls, Duration::from_secs(3600)))
            .await
            .unwrap();
        assert_eq!(token.expose(), "token-1");
    }

    #[tokio::test]
    async fn credential_sets_get_their_own_tokens() {
        let cache = TokenCache::default();
        let calls = AtomicUsize::new(0);
        let hour = Duration::from_secs(3600);
        let a = key(&credentials("k", "secret-a"));
        let b = key(&credentials("k", "secret-b"));
        let ta = cache.token(a, issuing(&calls, hour)).await.unwrap();
        let tb = cache.token(b, issuing(&calls, hour)).await.unwrap();
        assert_ne!(ta, tb);
        assert_eq!(cache.token(a, refusal).await.unwrap(), ta);
        assert_eq!(cache.token(b, refusal).await.unwrap(), tb);
    }

    #[tokio::test]
    async fn invalidation_drops_only_the_token_that_was_used() {
        let cache = TokenCache::default();
        let calls = AtomicUsize::new(0);
        let hour = Duration::from_secs(3600);
        let k = key(&credentials("k", "s"));
        let stale = cache.token(k, issuing(&calls, hour)).await.unwrap();
        cache.invalidate(k, &stale).await;
        let fresh = cache.token(k, issuing(&calls, hour)).await.unwrap();
        assert_eq!(fresh.expose(), "token-2");
        // A late report about the old token leaves the fresh one alone.
        cache.invalidate(k, &stale).await;
        assert_eq!(cache.token(k, refusal).await.unwrap(), fresh);
    }

    #[tokio::test]
    async fn concurrent_calls_without_a_token_share_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let k = key(&credentials("k", "s"));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
                tokio::spawn(async move {
                    cache
                        .token(k, || async {
                            tokio::task::yield_now().await;
                            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                            Ok(IssuedToken {
                                token: Secret::new(format!("token-{n}")),
                                expires_in: Duration::from_secs(3600),
                            })
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().expose(), "token-1");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
