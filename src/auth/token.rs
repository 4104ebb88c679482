//! Token-issuing schemes: the vendor exchanges the credentials for a bearer token at a token
//! endpoint, and API requests carry that token instead of a per-request signature.
//!
//! Such a scheme implements [`TokenIssuer`] ([`AuthScheme::token_issuer`] finds it) besides its
//! `sign` and `verify`:
//!
//! * the client builds the token request with [`TokenIssuer::token_request`], reads the answer
//!   with [`TokenIssuer::read_token`], caches the token per credential set, and passes it to
//!   [`sign`](super::sign) as the credential named [`TokenIssuer::token_credential`];
//! * the sandbox answers token requests with [`TokenIssuer::answer`], and the scheme's
//!   [`verify`](super::verify) checks the tokens it issued, statelessly.
//!
//! [`AuthScheme::token_issuer`]: super::AuthScheme::token_issuer

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{AuthError, Credentials, HttpRequest};
use crate::Secret;

/// A token a token endpoint issued.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token; sent with every call, so as secret as the key it was issued for.
    pub token: Secret,
    /// How long the token is valid from when it was issued.
    pub expires_in: Duration,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &self.token)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Why a token endpoint's answer holds no token. Neither variant carries the answer's body,
/// which may hold a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The endpoint refused, with its error code and description (a wrong key, say).
    #[error("token endpoint refused (HTTP {status}): {error}: {description}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The endpoint's error code (`invalid_client`).
        error: String,
        /// Its description (`unknown client id`).
        description: String,
    },
    /// The answer is neither a token nor a refusal (HTML from a proxy, a truncated body).
    #[error("token endpoint answer is malformed (HTTP {status}): {reason}")]
    Malformed {
        /// The HTTP status.
        status: u16,
        /// What is wrong with it.
        reason: String,
    },
}

/// The answer to a token request, as the vendor's token endpoint would give it.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: serde_json::Value,
}

/// What a token-issuing scheme adds to signing and verifying: how to ask for a token, how to
/// read the answer, and — on the gateway side — how to answer.
pub trait TokenIssuer: Sync {
    /// The credential under which the scheme's `sign` reads the token.
    fn token_credential(&self) -> &'static str;

    /// The token endpoint's URL, from the API spec's `auth` parameters.
    fn token_url<'p>(&self, params: &[(&'p str, &'p str)]) -> Result<&'p str, AuthError>;

    /// The request asking `url` for a token in exchange for `credentials`.
    fn token_request(&self, url: &str, credentials: &Credentials)
    -> Result<HttpRequest, AuthError>;

    /// Reads the token endpoint's answer. Judges the body, not just the status: an error body
    /// is a refusal whatever the status, and a success status without a token is malformed.
    fn read_token(&self, status: u16, body: &[u8]) -> Result<IssuedToken, TokenError>;

    /// Gateway side: the answer to the token request `req`, issuing a token at `now` when it
    /// presents one of the `accepted` credential sets, refusing it as the vendor would
    /// otherwise. Tokens must be checkable by the scheme's `verify` from the credentials alone.
    fn answer(
        &self,
        req: &HttpRequest,
        accepted: &[&Credentials],
        now: DateTime<Utc>,
    ) -> TokenAnswer;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_errors_show_no_token() {
        let issued = IssuedToken {
            token: Secret::new("24.token-value-that-must-not-print"),
            expires_in: Duration::from_secs(30),
        };
        assert!(!format!("{issued:?}").contains("token-value"));
        let refused = TokenError::Refused {
            status: 401,
            error: "invalid_client".to_owned(),
            description: "unknown client id".to_owned(),
        };
        assert_eq!(
            refused.to_string(),
            "token endpoint refused (HTTP 401): invalid_client: unknown client id"
        );
    }
}
