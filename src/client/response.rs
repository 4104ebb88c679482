//! Turning a vendor's answer into its payload or an [`Error`].

use std::time::Duration;

use super::Error;
use super::error::{VendorError, is_retryable_status, status_kind};
use super::transport::RawResponse;
use crate::api::{ApiDescriptor, DecodeError, ErrorKind, Reply, VendorFailure};
use crate::auth::Credentials;

/// Credential values shorter than this are not scrubbed from vendor texts: real keys are
/// longer, and masking every short token would garble messages.
const MIN_SCRUBBED_LEN: usize = 8;

/// A decoded payload and the vendor's request id.
pub(crate) type Answer<T> = (T, Option<String>);

/// Reads the outcome of one attempt from the raw answer.
///
/// A body reporting a vendor error gives [`Error::Vendor`] whatever the HTTP status; a body
/// that is not what the spec describes — or that reports no error under a non-2xx status —
/// gives [`Error::MalformedResponse`]. Vendor texts are scrubbed of `credentials`.
pub(crate) fn interpret<T>(
    api: &'static ApiDescriptor,
    raw: &RawResponse,
    decode: impl FnOnce(&[u8]) -> Result<Reply<T>, DecodeError>,
    credentials: &Credentials,
) -> Result<Answer<T>, Error> {
    let header_id = api
        .response
        .request_id_header
        .and_then(|name| raw.header(name))
        .map(str::to_owned);
    let malformed = |decode: DecodeError| Error::MalformedResponse {
        decode: DecodeError {
            reason: scrub(&decode.reason, credentials),
            snippet: scrub(&decode.snippet, credentials),
            ..decode
        },
        http_status: raw.status,
        request_id: header_id.clone(),
    };
    match decode(&raw.body) {
        Ok(Reply::Success {
            payload,
            request_id,
        }) if (200..300).contains(&raw.status) => {
            Ok((payload, request_id.or_else(|| header_id.clone())))
        }
        Ok(Reply::Failure(failure)) => Err(vendor_error(
            api,
            raw.status,
            failure,
            header_id.clone(),
            credentials,
        )),
        Ok(Reply::Success { .. }) => Err(malformed(DecodeError::new(
            api.id,
            format!("HTTP {} with a body that reports no error", raw.status),
            &raw.body,
        ))),
        Err(e) => Err(malformed(e)),
    }
}

/// The `Retry-After` delay of a 429/503 answer, when given in seconds.
pub(crate) fn retry_after(raw: &RawResponse) -> Option<Duration> {
    let seconds: u64 = raw.header("retry-after")?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// Classifies a vendor code with the spec's error table. Undocumented codes take their kind
/// from the HTTP status and are retried only on 5xx/429.
fn vendor_error(
    api: &'static ApiDescriptor,
    status: u16,
    failure: VendorFailure,
    header_id: Option<String>,
    credentials: &Credentials,
) -> Error {
    let info = api
        .errors
        .iter()
        .find(|e| e.code == failure.code && e.check == failure.check)
        .or_else(|| api.error(&failure.code));
    let (kind, retryable, charged) = match info {
        Some(i) => {
            let never = i.charged || matches!(i.kind, ErrorKind::Auth | ErrorKind::BadInput);
            (i.kind, i.retryable && !never, i.charged)
        }
        None => (
            status_kind(status).unwrap_or(ErrorKind::Other),
            is_retryable_status(status),
            false,
        ),
    };
    let message = match (failure.message.is_empty(), info) {
        (true, Some(i)) => i.message.best().to_owned(),
        _ => failure.message,
    };
    Error::Vendor(Box::new(VendorError {
        api: api.id,
        kind,
        code: scrub(&failure.code, credentials),
        message: scrub(&message, credentials),
        http_status: status,
        request_id: failure.request_id.or(header_id),
        retryable,
        charged,
    }))
}

/// `text` with every configured credential value replaced by `***`.
pub(crate) fn scrub(text: &str, credentials: &Credentials) -> String {
    credentials
        .names()
        .filter_map(|name| credentials.get(name))
        .map(|secret| secret.expose())
        .filter(|value| value.len() >= MIN_SCRUBBED_LEN)
        .fold(text.to_owned(), |text, value| text.replace(value, "***"))
}
