//! Errors of signing and verifying. None of them carries a secret value: credentials are named,
//! never shown, and presented key ids are not echoed back.

use chrono::{DateTime, Utc};

/// Why a request could not be signed (or why a verifier's own context is unusable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A credential the scheme needs is absent or empty.
    #[error("missing credential `{0}`")]
    MissingCredential(&'static str),
    /// A required scheme parameter (from the API spec) is absent.
    #[error("missing auth parameter `{0}`")]
    MissingParam(&'static str),
    /// A scheme parameter is present but unusable.
    #[error("auth parameter `{name}` is invalid: {reason}")]
    InvalidParam {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The scheme puts a nonce on the wire and the caller supplied an empty one.
    #[error("this auth scheme needs a non-empty nonce")]
    MissingNonce,
    /// The request URL cannot be parsed.
    #[error("request URL is invalid: {0}")]
    InvalidUrl(#[from] url::ParseError),
    /// The scheme cannot sign this kind of body.
    #[error("request body cannot be signed: {0}")]
    UnsupportedBody(&'static str),
    /// The signing time falls outside what the scheme's fields can represent.
    #[error("signing time is out of range for this scheme")]
    TimeOutOfRange,
}

/// Why a verifier rejected a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The request carries no signature header (the header's name is given).
    #[error("request carries no `{0}` header")]
    MissingAuthorization(&'static str),
    /// The signature header is present but cannot be parsed.
    #[error("malformed signature header: {0}")]
    MalformedAuthorization(String),
    /// A header the signature covers or the scheme requires is absent.
    #[error("header `{0}` is missing from the request")]
    MissingHeader(String),
    /// A header the scheme requires has an unusable value (for example a bad timestamp).
    #[error("header `{0}` is malformed")]
    MalformedHeader(String),
    /// The request carries no token where the scheme expects one (the parameter's name is
    /// given).
    #[error("request carries no `{0}` token")]
    MissingToken(&'static str),
    /// The token was not issued for the verifier's credentials (or was tampered with).
    #[error("token is not valid")]
    InvalidToken,
    /// The key id in the request does not match the verifier's credentials.
    #[error("unknown key id")]
    UnknownKeyId,
    /// The signature is scoped to something else (another service, date or app id).
    #[error("signature scope does not match: {0}")]
    ScopeMismatch(String),
    /// The recomputed signature differs from the one presented.
    #[error("signature does not match")]
    BadSignature,
    /// The signing timestamp is further from the verifier's clock than the allowed skew.
    #[error("signing time {signed_at} is too far from the current time {now}")]
    StaleTimestamp {
        /// When the request says it was signed.
        signed_at: DateTime<Utc>,
        /// The verifier's current time.
        now: DateTime<Utc>,
    },
    /// The signature carries an expiry time that has passed.
    #[error("signature expired at {expired_at}")]
    Expired {
        /// The expiry carried by the signature.
        expired_at: DateTime<Utc>,
    },
    /// The request cannot be put in canonical form (bad URL, unsupported body).
    #[error("request cannot be canonicalized: {0}")]
    InvalidRequest(#[source] AuthError),
    /// The verifier's own context lacks a credential or parameter.
    #[error("verifier is misconfigured: {0}")]
    Misconfigured(#[source] AuthError),
}

impl From<AuthError> for VerifyError {
    /// Sorts an [`AuthError`] met while verifying: problems of the request itself versus
    /// problems of the verifier's context.
    fn from(err: AuthError) -> VerifyError {
        match err {
            AuthError::InvalidUrl(_)
            | AuthError::UnsupportedBody(_)
            | AuthError::TimeOutOfRange => VerifyError::InvalidRequest(err),
            AuthError::MissingCredential(_)
            | AuthError::MissingParam(_)
            | AuthError::InvalidParam { .. }
            | AuthError::MissingNonce => VerifyError::Misconfigured(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_errors_are_sorted_into_request_and_context_problems() {
        assert!(matches!(
            VerifyError::from(AuthError::UnsupportedBody("x")),
            VerifyError::InvalidRequest(_)
        ));
        assert!(matches!(
            VerifyError::from(AuthError::MissingCredential("secret_key")),
            VerifyError::Misconfigured(_)
        ));
    }

    #[test]
    fn messages_name_the_credential_not_its_value() {
        let msg = AuthError::MissingCredential("secret_key").to_string();
        assert_eq!(msg, "missing credential `secret_key`");
    }
}
