//! `baidu-oauth`: Baidu AI Cloud's OAuth 2.0 client-credentials flow (more_vendors.md §A.4).
//!
//! The API Key and Secret Key are exchanged at the token endpoint (the spec's `token_url`,
//! `https://aip.baidubce.com/oauth/2.0/token`) for an `access_token`, which every call carries
//! as a URL query parameter. This module is the scheme's [`TokenIssuer`] besides its signer
//! and verifier; the client caches the token (see the client's docs).
//!
//! * Token request: `POST` with the form body
//!   `grant_type=client_credentials&client_id=<API Key>&client_secret=<Secret Key>`, as Baidu's
//!   Node SDK sends it. (The doc and the Python SDK put the three in the query string, which the
//!   gateway emulation accepts too; the body keeps the secret out of URLs and access logs.)
//! * Answer: `{"access_token": …, "expires_in": <seconds>, …}` (the doc's example lives
//!   2592000 s, 30 days); a refusal is `{"error": …, "error_description": …}` — with HTTP 401
//!   for a wrong key, so the body decides, not the status.
//! * The emulated gateway issues tokens shaped like Baidu's
//!   (`24.<32 hex>.<expires_in>.<issued at>.<suffix>`) whose hex part is an HMAC-SHA256, keyed
//!   with the Secret Key, of the API Key, lifetime and issue time: the verifier checks a token and
//!   its expiry from the credentials alone.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use url::Url;

use super::crypto::{constant_time_eq, hex_lower, hmac_sha256};
use super::{
    AuthError, CredentialSpec, Credentials, HttpRequest, IssuedToken, ParamSpec, SignContext,
    TokenAnswer, TokenError, TokenIssuer, VerifyContext, VerifyError, require_param,
};
use crate::Secret;

const API_KEY: &str = "api_key";
const SECRET_KEY: &str = "secret_key";
/// The credential the signer reads the token from, and the query parameter it travels in.
const ACCESS_TOKEN: &str = "access_token";
const TOKEN_URL: &str = "token_url";
/// The only grant Baidu's AI APIs issue tokens for.
const GRANT_TYPE: &str = "client_credentials";
/// How long the emulated gateway's tokens live: the 30 days of the doc's example answer.
pub const EMULATED_LIFETIME: Duration = Duration::from_secs(2_592_000);
/// The last part of the emulated gateway's tokens (Baidu's hold ids there).
const EMULATED_SUFFIX: &str = "fapiao-sandbox";

/// Credentials read by `baidu-oauth`.
pub(crate) const CREDENTIALS: &[CredentialSpec] = &[
    CredentialSpec {
        name: API_KEY,
        required: true,
        doc: "API Key, sent to the token endpoint as client_id",
    },
    CredentialSpec {
        name: SECRET_KEY,
        required: true,
        doc: "Secret Key, sent to the token endpoint as client_secret",
    },
    CredentialSpec {
        name: ACCESS_TOKEN,
        required: true,
        doc: "access_token issued by the token endpoint; the client fetches and caches it",
    },
];

/// Spec parameters of `baidu-oauth`.
pub(crate) const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: TOKEN_URL,
    required: true,
    default: None,
    doc: "the OAuth token endpoint, e.g. `https://aip.baidubce.com/oauth/2.0/token`",
}];

/// The scheme's token issuer.
pub(crate) static ISSUER: BaiduOauth = BaiduOauth;

/// Baidu's OAuth token endpoint, as client and as emulated gateway.
pub(crate) struct BaiduOauth;

/// Adds (or replaces) the `access_token` query parameter.
pub(crate) fn sign(req: &mut HttpRequest, ctx: &SignContext<'_>) -> Result<(), AuthError> {
    let token = ctx.credentials.require(ACCESS_TOKEN)?;
    let mut url = Url::parse(&req.url)?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| name != ACCESS_TOKEN)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(ACCESS_TOKEN, token);
    req.url = url.into();
    Ok(())
}

/// Checks the `access_token` the request carries: issued for these credentials (the emulated
/// gateway's tokens) and not expired.
pub(crate) fn verify(req: &HttpRequest, ctx: &VerifyContext<'_>) -> Result<(), VerifyError> {
    let api_key = ctx.credentials.require(API_KEY)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let url = Url::parse(&req.url).map_err(AuthError::from)?;
    let token = url
        .query_pairs()
        .find(|(name, _)| name == ACCESS_TOKEN)
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty())
        .ok_or(VerifyError::MissingToken(ACCESS_TOKEN))?;
    let parsed = EmulatedToken::parse(&token).ok_or(VerifyError::InvalidToken)?;
    let expected = token_mac(api_key, secret_key, parsed.lifetime_s, parsed.issued_at_s);
    if !constant_time_eq(expected.as_bytes(), parsed.mac.as_bytes()) {
        return Err(VerifyError::InvalidToken);
    }
    let expires_at = parsed
        .issued_at_s
        .checked_add(parsed.lifetime_s)
        .and_then(|s| i64::try_from(s).ok())
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or(VerifyError::InvalidToken)?;
    if ctx.now > expires_at {
        return Err(VerifyError::Expired {
            expired_at: expires_at,
        });
    }
    Ok(())
}

/// The parts of a token the emulated gateway issued.
struct EmulatedToken<'t> {
    mac: &'t str,
    lifetime_s: u64,
    issued_at_s: u64,
}

impl<'t> EmulatedToken<'t> {
    /// Reads `24.<mac>.<lifetime>.<issued at>.<suffix>`; `None` for anything else.
    fn parse(token: &'t str) -> Option<EmulatedToken<'t>> {
        let mut parts = token.split('.');
        let (Some("24"), Some(mac), Some(lifetime), Some(issued), Some(_), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        Some(EmulatedToken {
            mac,
            lifetime_s: lifetime.parse().ok()?,
            issued_at_s: issued.parse().ok()?,
        })
    }
}

/// The first 32 hex digits of HMAC-SHA256(Secret Key, `<API Key>\n<lifetime>\n<issued at>`).
fn token_mac(api_key: &str, secret_key: &str, lifetime_s: u64, issued_at_s: u64) -> String {
    let message = format!("{api_key}\n{lifetime_s}\n{issued_at_s}");
    let mut mac = hex_lower(&hmac_sha256(secret_key.as_bytes(), message.as_bytes()));
    mac.truncate(32);
    mac
}

/// A refusal as the token endpoint writes it.
fn refusal(status: u16, error: &str, description: &str) -> TokenAnswer {
    TokenAnswer {
        status,
        body: json!({ "error": error, "error_description": description }),
    }
}

/// The `grant_type`, `client_id` and `client_secret` of a token request, from its query or its
/// form body (the SDKs use either).
fn token_request_fields(req: &HttpRequest) -> Vec<(String, String)> {
    let query = Url::parse(&req.url)
        .map(|url| url.query().unwrap_or_default().to_owned())
        .unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .chain(url::form_urlencoded::parse(&req.body))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

impl TokenIssuer for BaiduOauth {
    fn token_credential(&self) -> &'static str {
        ACCESS_TOKEN
    }

    fn token_url<'p>(&self, params: &[(&'p str, &'p str)]) -> Result<&'p str, AuthError> {
        require_param(params, TOKEN_URL)
    }

    fn token_request(
        &self,
        url: &str,
        credentials: &Credentials,
    ) -> Result<HttpRequest, AuthError> {
        let api_key = credentials.require(API_KEY)?;
        let secret_key = credentials.require(SECRET_KEY)?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", GRANT_TYPE)
            .append_pair("client_id", api_key)
            .append_pair("client_secret", secret_key)
            .finish();
        Ok(HttpRequest::new("POST", url)
            .with_header("Content-Type", "application/x-www-form-urlencoded")
            .with_header("Accept", "application/json")
            .with_body(body))
    }

    fn read_token(&self, status: u16, body: &[u8]) -> Result<IssuedToken, TokenError> {
        let malformed = |reason: &str| TokenError::Malformed {
            status,
            reason: reason.to_owned(),
        };
        let Ok(Value::Object(answer)) = serde_json::from_slice::<Value>(body) else {
            return Err(malformed("the body is not a JSON object"));
        };
        let text = |name: &str| answer.get(name).and_then(Value::as_str).unwrap_or_default();
        if !text("error").is_empty() {
            return Err(TokenError::Refused {
                status,
                error: text("error").to_owned(),
                description: text("error_description").to_owned(),
            });
        }
        if !(200..300).contains(&status) {
            return Err(malformed("an error status with no error in the body"));
        }
        let token = text(ACCESS_TOKEN);
        if token.is_empty() {
            return Err(malformed("no access_token"));
        }
        let expires_in = answer
            .get("expires_in")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed("no expires_in"))?;
        Ok(IssuedToken {
            token: Secret::new(token),
            expires_in: Duration::from_secs(expires_in),
        })
    }

    /// Baidu's answers: `unsupported_grant_type` for another grant (HTTP 400 assumed; the
    /// status is not in the stored sources), `invalid_client` with HTTP 401 for an unknown API
    /// Key (`unknown client id`) or a wrong Secret Key (`Client authentication failed`).
    fn answer(
        &self,
        req: &HttpRequest,
        accepted: &[&Credentials],
        now: DateTime<Utc>,
    ) -> TokenAnswer {
        let fields = token_request_fields(req);
        let field = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map_or("", |(_, v)| v.as_str())
        };
        if field("grant_type") != GRANT_TYPE {
            return refusal(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported",
            );
        }
        let client = accepted
            .iter()
            .find(|c| c.optional(API_KEY) == Some(field("client_id")));
        let Some(secret_key) = client.and_then(|c| c.optional(SECRET_KEY)) else {
            return refusal(401, "invalid_client", "unknown client id");
        };
        if !constant_time_eq(secret_key.as_bytes(), field("client_secret").as_bytes()) {
            return refusal(401, "invalid_client", "Client authentication failed");
        }
        let lifetime_s = EMULATED_LIFETIME.as_secs();
        let issued_at_s = u64::try_from(now.timestamp()).unwrap_or_default();
        let mac = token_mac(field("client_id"), secret_key, lifetime_s, issued_at_s);
        TokenAnswer {
            status: 200,
            body: json!({
                "access_token": format!("24.{mac}.{lifetime_s}.{issued_at_s}.{EMULATED_SUFFIX}"),
                "expires_in": lifetime_s,
                // The old SDKs send the token as a query parameter only when the scope
                // includes this one (research §A.4).
                "scope": "brain_all_scope",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://aip.baidubce.com/oauth/2.0/token";

    fn credentials() -> Credentials {
        Credentials::new()
            .with(API_KEY, "baidu-api-key-01")
            .with(SECRET_KEY, "baidu-secret-key-01")
    }

    fn time(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    /// A token for `creds` from the emulated gateway at `now`, through the client's side.
    fn issued(creds: &Credentials, now: DateTime<Utc>) -> Secret {
        let req = ISSUER.token_request(URL, creds).unwrap();
        let answer = ISSUER.answer(&req, &[creds], now);
        let body = serde_json::to_vec(&answer.body).unwrap();
        ISSUER.read_token(answer.status, &body).unwrap().token
    }

    fn api_call(token: &Secret) -> HttpRequest {
        let mut req = HttpRequest::new(
            "POST",
            "https://aip.baidubce.com/rest/2.0/ocr/v1/vat_invoice?type=normal",
        );
        let creds = credentials().with(ACCESS_TOKEN, token.clone());
        let ctx = SignContext {
            params: &[],
            region: None,
            credentials: &creds,
            now: time(0),
            nonce: "",
        };
        sign(&mut req, &ctx).unwrap();
        req
    }

    fn verify_at(
        req: &HttpRequest,
        creds: &Credentials,
        now: DateTime<Utc>,
    ) -> Result<(), VerifyError> {
        let ctx = VerifyContext {
            params: &[],
            credentials: creds,
            now,
            max_skew: chrono::Duration::minutes(5),
        };
        verify(req, &ctx)
    }

    #[test]
    fn the_token_request_is_a_client_credentials_form_post() {
        let req = ISSUER.token_request(URL, &credentials()).unwrap();
        assert_eq!((req.method.as_str(), req.url.as_str()), ("POST", URL));
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            String::from_utf8(req.body.clone()).unwrap(),
            "grant_type=client_credentials&client_id=baidu-api-key-01&client_secret=baidu-secret-key-01"
        );
        assert!(!format!("{req:?}").contains("baidu-secret-key-01"));
        assert_eq!(
            ISSUER
                .token_request(URL, &Credentials::new().with(API_KEY, "k"))
                .unwrap_err(),
            AuthError::MissingCredential(SECRET_KEY)
        );
    }

    #[test]
    fn an_answer_reads_as_its_token_and_lifetime_ignoring_the_other_fields() {
        // The fields the doc says to ignore come along; their values here are placeholders.
        let body = br#"{"refresh_token":"25.r","expires_in":2592000,"scope":"brain_all_scope","session_key":"k","access_token":"24.0123456789abcdef0123456789abcdef.2592000.1700000000.1-2","session_secret":"s"}"#;
        let token = ISSUER.read_token(200, body).unwrap();
        assert_eq!(
            token.token.expose(),
            "24.0123456789abcdef0123456789abcdef.2592000.1700000000.1-2"
        );
        assert_eq!(token.expires_in, Duration::from_secs(2_592_000));
    }

    #[test]
    fn refusals_are_read_from_the_body_whatever_the_status() {
        let body = br#"{"error":"invalid_client","error_description":"unknown client id"}"#;
        for status in [401, 200] {
            assert_eq!(
                ISSUER.read_token(status, body),
                Err(TokenError::Refused {
                    status,
                    error: "invalid_client".to_owned(),
                    description: "unknown client id".to_owned(),
                })
            );
        }
        let malformed = |status, body: &[u8]| {
            matches!(
                ISSUER.read_token(status, body),
                Err(TokenError::Malformed { .. })
            )
        };
        assert!(malformed(502, b"<html>Bad Gateway</html>"));
        assert!(malformed(401, b"{}"));
        assert!(malformed(200, br#"{"expires_in":2592000}"#));
        assert!(malformed(
            200,
            br#"{"access_token":"24.x","expires_in":"soon"}"#
        ));
        assert!(malformed(200, b""));
        let err = ISSUER
            .read_token(200, br#"{"access_token":"24.secret-token-value"}"#)
            .unwrap_err();
        assert!(!err.to_string().contains("secret-token-value"));
    }

    #[test]
    fn sign_puts_the_token_in_the_query_once() {
        let token = Secret::new("24.abc.2592000.1.x");
        let req = api_call(&token);
        assert_eq!(
            req.url,
            "https://aip.baidubce.com/rest/2.0/ocr/v1/vat_invoice?type=normal&access_token=24.abc.2592000.1.x"
        );
        // A retry re-signs with a new token: replaced, not added.
        let mut again = req.clone();
        let creds = credentials().with(ACCESS_TOKEN, "24.new.2592000.2.x");
        let ctx = SignContext {
            params: &[],
            region: None,
            credentials: &creds,
            now: time(0),
            nonce: "",
        };
        sign(&mut again, &ctx).unwrap();
        assert_eq!(again.url.matches("access_token=").count(), 1);
        assert!(again.url.ends_with("access_token=24.new.2592000.2.x"));
        assert!(!format!("{again:?}").contains("24.new"));
    }

    #[test]
    fn the_gateway_issues_tokens_its_verifier_accepts_until_they_expire() {
        let creds = credentials();
        let issued_at = time(1_700_000_000);
        let token = issued(&creds, issued_at);
        assert!(token.expose().starts_with("24."));
        let req = api_call(&token);
        assert_eq!(verify_at(&req, &creds, issued_at), Ok(()));
        let expires_at = issued_at + chrono::Duration::seconds(2_592_000);
        assert_eq!(verify_at(&req, &creds, expires_at), Ok(()));
        assert_eq!(
            verify_at(&req, &creds, expires_at + chrono::Duration::seconds(1)),
            Err(VerifyError::Expired {
                expired_at: expires_at
            })
        );
    }

    #[test]
    fn tokens_of_other_credentials_forged_or_missing_are_refused() {
        let creds = credentials();
        let now = time(1_700_000_000);
        let other = Credentials::new()
            .with(API_KEY, "baidu-api-key-01")
            .with(SECRET_KEY, "another-secret-key");
        let req = api_call(&issued(&other, now));
        assert_eq!(verify_at(&req, &creds, now), Err(VerifyError::InvalidToken));
        // Stretching the lifetime breaks the MAC.
        let token = issued(&creds, now);
        let stretched = token.expose().replace(".2592000.", ".9992000.");
        let req = api_call(&Secret::new(stretched));
        assert_eq!(verify_at(&req, &creds, now), Err(VerifyError::InvalidToken));
        for junk in [
            "24.0123456789abcdef0123456789abcdef.2592000.1700000000.1-2",
            "x",
            "24.a.b.c.d",
        ] {
            let req = api_call(&Secret::new(junk));
            assert_eq!(
                verify_at(&req, &creds, now),
                Err(VerifyError::InvalidToken),
                "{junk}"
            );
        }
        let bare = HttpRequest::new(
            "POST",
            "https://aip.baidubce.com/rest/2.0/ocr/v1/vat_invoice",
        );
        assert_eq!(
            verify_at(&bare, &creds, now),
            Err(VerifyError::MissingToken(ACCESS_TOKEN))
        );
    }

    #[test]
    fn the_gateway_refuses_as_baidu_does() {
        let creds = credentials();
        let now = time(1_700_000_000);
        let answer = |body: &str| {
            let req = HttpRequest::new("POST", URL).with_body(body);
            ISSUER.answer(&req, &[&creds], now)
        };
        let refused = |a: TokenAnswer| {
            (
                a.status,
                a.body["error"].clone(),
                a.body["error_description"].clone(),
            )
        };
        assert_eq!(
            refused(answer(
                "grant_type=client_credentials&client_id=nobody&client_secret=x"
            )),
            (401, json!("invalid_client"), json!("unknown client id"))
        );
        assert_eq!(
            refused(answer(
                "grant_type=client_credentials&client_id=baidu-api-key-01&client_secret=wrong"
            )),
            (
                401,
                json!("invalid_client"),
                json!("Client authentication failed")
            )
        );
        assert_eq!(
            refused(answer(
                "grant_type=password&client_id=baidu-api-key-01&client_secret=baidu-secret-key-01"
            ))
            .1,
            json!("unsupported_grant_type")
        );
        // The doc's form: everything in the query string.
        let query = HttpRequest::new(
            "POST",
            format!(
                "{URL}?grant_type=client_credentials&client_id=baidu-api-key-01&client_secret=baidu-secret-key-01"
            ),
        );
        let granted = ISSUER.answer(&query, &[&creds], now);
        assert_eq!(granted.status, 200);
        assert_eq!(granted.body["expires_in"], json!(2_592_000));
        // Nobody configured: every client is unknown.
        assert_eq!(ISSUER.answer(&query, &[], now).status, 401);
    }
}
