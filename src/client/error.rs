//! The one error type of the client.

use std::time::Duration;

use super::config::ConfigError;
use super::input_check::InputRefusal;
use crate::api::{DecodeError, ErrorKind, InputError, VendorErrorCode};
use crate::auth::AuthError;

/// Everything that can go wrong calling a vendor API. [`Error::kind`] gives the
/// vendor-independent kind of every variant. No variant carries a credential: vendor texts are
/// scrubbed of configured secrets before they are stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before sending.
    #[error(transparent)]
    InputRefused(#[from] InputRefusal),
    /// The client is not configured for this API (credentials, region, endpoint, config file).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The request could not be signed or built.
    #[error("{api}: the request could not be built: {reason}")]
    Request {
        /// API id.
        api: &'static str,
        /// What was wrong (never a header value).
        reason: String,
    },
    /// The vendor could not be reached, or the connection failed mid-request.
    #[error("{api}: transport error: {detail}")]
    Transport {
        /// API id.
        api: &'static str,
        /// The cause chain, without the URL.
        detail: String,
    },
    /// No complete answer within the configured timeout.
    #[error("{api}: no answer within {after:?}")]
    Timeout {
        /// API id.
        api: &'static str,
        /// The timeout that expired.
        after: Duration,
    },
    /// The vendor answered with one of its error codes.
    #[error(transparent)]
    Vendor(Box<VendorError>),
    /// The vendor's answer is not what the spec describes (HTML, empty, truncated, or an HTTP
    /// error status with a body that reports no error).
    #[error("{decode} (HTTP {http_status})")]
    MalformedResponse {
        /// What was wrong, with the start of the body.
        decode: DecodeError,
        /// The HTTP status.
        http_status: u16,
        /// The request id from the response headers, if any.
        request_id: Option<String>,
    },
}

/// A vendor error code from a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{api}: {kind} error {code}: {message} (HTTP {http_status}{})",
    fmt_request_id(request_id)
)]
pub struct VendorError {
    /// API id.
    pub api: &'static str,
    /// Vendor-independent kind (from the spec; from the HTTP status for undocumented codes).
    pub kind: ErrorKind,
    /// The vendor's code.
    pub code: String,
    /// The vendor's message.
    pub message: String,
    /// The HTTP status.
    pub http_status: u16,
    /// The vendor's request id, when it sent one.
    pub request_id: Option<String>,
    /// Retrying the same request may succeed.
    pub retryable: bool,
    /// The vendor bills the failed call.
    pub charged: bool,
}

fn fmt_request_id(id: &Option<String>) -> String {
    id.as_ref()
        .map(|id| format!(", request id {id}"))
        .unwrap_or_default()
}

impl Error {
    /// A signing failure of `api`.
    pub(crate) fn signing(api: &'static str, e: AuthError) -> Error {
        Error::Request {
            api,
            reason: format!("signing failed: {e}"),
        }
    }

    /// The vendor-independent kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InputRefused(refusal) => refusal_kind(refusal),
            Error::Config(ConfigError::MissingCredentials { .. }) => ErrorKind::Auth,
            Error::Config(_) => ErrorKind::Other,
            Error::Request { .. } => ErrorKind::BadInput,
            Error::Transport { .. } => ErrorKind::Unavailable,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Vendor(v) => v.kind,
            Error::MalformedResponse { http_status, .. } => {
                status_kind(*http_status).unwrap_or(ErrorKind::Other)
            }
        }
    }

    /// True when retrying the same request may succeed: transport errors, timeouts, HTTP
    /// 5xx/429 and codes the spec marks retryable — never auth, bad input or charged failures.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Vendor(v) => v.retryable,
            Error::MalformedResponse { http_status, .. } => is_retryable_status(*http_status),
            Error::InputRefused(_) | Error::Config(_) | Error::Request { .. } => false,
        }
    }

    /// The vendor error, when the vendor answered with one.
    pub fn vendor(&self) -> Option<&VendorError> {
        match self {
            Error::Vendor(v) => Some(v),
            _ => None,
        }
    }

    /// The vendor's code as the API's typed error-code enum, e.g.
    /// `err.vendor_code::<vat_invoice_ocr::ErrorCode>()`.
    pub fn vendor_code<E: VendorErrorCode>(&self) -> Option<E> {
        self.vendor().map(|v| E::from_code(&v.code, &v.message))
    }

    /// The HTTP status of the vendor's answer, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Vendor(v) => Some(v.http_status),
            Error::MalformedResponse { http_status, .. } => Some(*http_status),
            _ => None,
        }
    }

    /// The vendor's request id, when the answer carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Vendor(v) => v.request_id.as_deref(),
            Error::MalformedResponse { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Error {
        Error::InputRefused(InputRefusal::Request(e))
    }
}

/// True for statuses worth retrying: 429 and every 5xx.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// What an HTTP status says about a failure whose body does not say more.
pub(crate) fn status_kind(status: u16) -> Option<ErrorKind> {
    Some(match status {
        401 => ErrorKind::Auth,
        403 => ErrorKind::Permission,
        413 => ErrorKind::TooLarge,
        429 => ErrorKind::RateLimited,
        504 => ErrorKind::Timeout,
        500 => ErrorKind::Internal,
        501..=599 => ErrorKind::Unavailable,
        400..=499 => ErrorKind::BadInput,
        _ => return None,
    })
}

fn refusal_kind(refusal: &InputRefusal) -> ErrorKind {
    match refusal {
        r if r.is_too_large() => ErrorKind::TooLarge,
        InputRefusal::UnknownFormat { .. } | InputRefusal::UnsupportedFormat { .. } => {
            ErrorKind::UnsupportedFormat
        }
        InputRefusal::Request(InputError::MissingCredential { .. }) => ErrorKind::Auth,
        InputRefusal::UnreadableHeader { .. } => ErrorKind::ImageQuality,
        _ => ErrorKind::BadInput,
    }
}
