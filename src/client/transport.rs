//! Sending a signed [`HttpRequest`] and reading the answer, over reqwest with rustls (ring).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::{ConfigError, Error};
use crate::auth::HttpRequest;

/// Bodies larger than this are not read: no invoice response comes near it, and a runaway
/// answer must not exhaust memory.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// An answer as received.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    /// A header's value, when present and printable.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

/// The HTTP connection pool and its timeouts.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
}

impl Transport {
    /// A pool with the given connect and total (per-attempt) timeouts; `None` waits forever.
    /// Redirects are not followed: no vendor API redirects, and following one would resend a
    /// signed request (as a GET, without its body) somewhere else.
    pub(crate) fn new(
        connect_timeout: Option<Duration>,
        timeout: Option<Duration>,
    ) -> Result<Transport, ConfigError> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("fapiao/", env!("CARGO_PKG_VERSION")));
        if let Some(t) = connect_timeout {
            builder = builder.connect_timeout(t);
        }
        if let Some(t) = timeout {
            builder = builder.timeout(t);
        }
        let http = builder
            .build()
            .map_err(|e| ConfigError::HttpClient(error_chain(&e)))?;
        Ok(Transport {
            http,
            connect_timeout,
            timeout,
        })
    }

    /// Sends `req` and reads the whole answer.
    pub(crate) async fn send(
        &self,
        api: &'static str,
        req: HttpRequest,
    ) -> Result<RawResponse, Error> {
        let request = self.to_reqwest(api, req)?;
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| self.failure(api, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = read_body(response)
            .await
            .map_err(|e| self.failure(api, e))?;
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(too_large(api, status));
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    fn to_reqwest(&self, api: &'static str, req: HttpRequest) -> Result<reqwest::Request, Error> {
        let invalid = |reason: String| Error::Request { api, reason };
        let method = Method::from_bytes(req.method.as_bytes())
            .map_err(|_| invalid(format!("`{}` is not an HTTP method", req.method)))?;
        let url = reqwest::Url::parse(&req.url).map_err(|e| invalid(format!("bad URL: {e}")))?;
        let mut headers = HeaderMap::with_capacity(req.headers.len());
        for (name, value) in &req.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("`{name}` is not a valid header name")))?;
            // The value is not quoted: it may be a signature or a credential.
            let value = HeaderValue::from_str(value)
                .map_err(|_| invalid(format!("header `{name}` has a value HTTP cannot carry")))?;
            headers.append(header, value);
        }
        let mut request = reqwest::Request::new(method, url);
        *request.headers_mut() = headers;
        // POST gets a body even when empty, so a Content-Length goes out (some gateways insist).
        if !req.body.is_empty() || !matches!(*request.method(), Method::GET | Method::HEAD) {
            *request.body_mut() = Some(req.body.into());
        }
        Ok(request)
    }

    /// Sorts a reqwest failure into timeout or transport, dropping the URL (its query may
    /// carry a token).
    fn failure(&self, api: &'static str, e: reqwest::Error) -> Error {
        let limit = if e.is_connect() {
            self.connect_timeout
        } else {
            self.timeout
        };
        match limit {
            Some(after) if e.is_timeout() => Error::Timeout { api, after },
            _ => Error::Transport {
                api,
                detail: error_chain(&e.without_url()),
            },
        }
    }
}

/// Reads the body up to [`MAX_RESPONSE_BYTES`] (one chunk past it marks it too large).
async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_RESPONSE_BYTES {
            break;
        }
    }
    Ok(body)
}

fn too_large(api: &'static str, status: u16) -> Error {
    let reason = format!("the body exceeds {MAX_RESPONSE_BYTES} bytes");
    Error::MalformedResponse {
        decode: crate::api::DecodeError::new(api, reason, b""),
        http_status: status,
        request_id: None,
    }
}

/// rustls with the ring provider and the platform's trust store; no process-wide provider is
/// installed, so the application's own choice is left alone.
fn tls_config() -> Result<rustls::ClientConfig, ConfigError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let fail = |e: rustls::Error| ConfigError::HttpClient(format!("TLS setup: {e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(fail)?
        .with_platform_verifier()
        .map_err(fail)?
        .with_no_client_auth())
}

/// An error and its causes, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
