//! The contract between generated API modules and the hand-written runtime.
//!
//! For every spec the code generator emits a module under [`crate::apis`] with a request
//! type ([`ApiRequest`]), response types, an error-code enum ([`VendorErrorCode`]), a static
//! [`ApiDescriptor`], and a marker type implementing [`Api`]. The client, sandbox and CLI
//! work through these traits, statically ([`Api`]) or by id ([`DynApi`], [`registry`]).

mod descriptor;
pub mod encode;
pub mod input;
pub mod wire;

pub use descriptor::*;

use crate::Invoice;

/// Bytes to recognise, or a URL the vendor downloads them from, plus options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    /// The file content.
    pub file: Option<Vec<u8>>,
    /// The file's format, sniffed from its magic bytes.
    pub format: Option<FileFormat>,
    /// A URL for the vendor to download the file from (instead of, or besides, `file`).
    pub url: Option<String>,
    /// 1-based page of a multi-page document.
    pub page: Option<u32>,
}

/// The content hash of an input file: lowercase hex SHA-256 of its bytes. Batches resume by it
/// (`fapiao recognize` records it per input) and the sandbox counts successes by it.
pub fn content_hash(bytes: &[u8]) -> String {
    crate::auth::sha256_hex(bytes)
}

/// A request encoded for the wire, before signing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncodedRequest {
    /// Body bytes, encoded as the endpoint requires.
    pub body: Vec<u8>,
    /// Query parameters, in spec order.
    pub query: Vec<(&'static str, String)>,
    /// Headers carrying request fields, in spec order.
    pub headers: Vec<(&'static str, String)>,
}

/// A request could not be built from the given input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// None of a one-of group is set.
    #[error("{api}: one of {fields} must be set")]
    MissingOneOf {
        /// API id.
        api: &'static str,
        /// The group, comma-separated.
        fields: String,
    },
    /// A required field is not set.
    #[error("{api}: required field {field} is not set")]
    MissingField {
        /// API id.
        api: &'static str,
        /// Wire name of the field.
        field: &'static str,
    },
    /// A credential the request carries is not configured.
    #[error("{api}: credential {name} is not configured")]
    MissingCredential {
        /// API id.
        api: &'static str,
        /// Credential name.
        name: &'static str,
    },
    /// The input has no file and no URL this API can use.
    #[error("{api}: the input gives neither a file this API accepts nor a URL")]
    NoUsableInput {
        /// API id.
        api: &'static str,
    },
}

/// A generated request type.
pub trait ApiRequest: Sized {
    /// Builds the request from unified input; `credential` looks up a non-secret credential
    /// value for fields that carry one (e.g. the legacy Tencent `appid`).
    fn from_input(
        input: &Input,
        credential: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, InputError>;

    /// Encodes the request for the wire.
    fn encode(&self) -> EncodedRequest;
}

/// A generated response payload that maps onto the unified model.
pub trait ToInvoices {
    /// Every invoice in the response, mapped onto [`Invoice`].
    fn to_invoices(&self) -> Vec<Invoice>;
}

/// A generated vendor error-code enum.
pub trait VendorErrorCode: Sized + std::fmt::Debug {
    /// The variant for a code (the `Unknown` variant when the code is not documented).
    fn from_code(code: &str, message: &str) -> Self;
    /// The vendor's code.
    fn code(&self) -> &str;
    /// The documented entry, or `None` for an undocumented code.
    fn info(&self) -> Option<&'static ErrorInfo>;

    /// Vendor-independent kind ([`ErrorKind::Other`] for undocumented codes).
    fn kind(&self) -> ErrorKind {
        self.info().map_or(ErrorKind::Other, |i| i.kind)
    }

    /// True when retrying the same request may succeed.
    fn is_retryable(&self) -> bool {
        self.info().is_some_and(|i| i.retryable)
    }
}

/// What a vendor answered: its payload, or one of its error codes.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply<T> {
    /// The call succeeded.
    Success {
        /// The decoded payload.
        payload: T,
        /// The vendor's request id, when it sent one.
        request_id: Option<String>,
    },
    /// The vendor reported an error in the body.
    Failure(VendorFailure),
}

/// A vendor error read from a response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorFailure {
    /// The [`ErrorCheck`] layer that reported it.
    pub check: &'static str,
    /// The vendor's code as text.
    pub code: String,
    /// The vendor's message.
    pub message: String,
    /// The vendor's request id, when it sent one.
    pub request_id: Option<String>,
}

/// A response body that is not what the spec describes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {api} response: {reason}; body starts {snippet:?}")]
pub struct DecodeError {
    /// API id.
    pub api: &'static str,
    /// What was wrong.
    pub reason: String,
    /// The beginning of the body (at most 200 characters).
    pub snippet: String,
}

impl DecodeError {
    /// A decode error with a bounded snippet of the offending body.
    pub fn new(api: &'static str, reason: impl Into<String>, body: &[u8]) -> DecodeError {
        const MAX: usize = 200;
        let text = String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]);
        let snippet: String = text.chars().take(MAX).collect();
        DecodeError {
            api,
            reason: reason.into(),
            snippet,
        }
    }
}

/// A generated API, used statically.
pub trait Api: Send + Sync + 'static {
    /// The request type.
    type Request: ApiRequest;
    /// The payload type of a successful response.
    type Response: ToInvoices + serde::Serialize + serde::de::DeserializeOwned;
    /// The vendor's error codes.
    type ErrorCode: VendorErrorCode;
    /// Everything the runtime needs to know about the API.
    const DESCRIPTOR: &'static ApiDescriptor;

    /// Decodes a response body: its payload, or the vendor error it reports.
    fn decode(body: &[u8]) -> Result<Reply<Self::Response>, DecodeError>;
}

/// An API used by id, through the [`registry`].
pub trait DynApi: Send + Sync + 'static {
    /// The API's descriptor.
    fn descriptor(&self) -> &'static ApiDescriptor;
    /// Builds and encodes a request from unified input.
    fn encode_input(
        &self,
        input: &Input,
        credential: &dyn Fn(&str) -> Option<String>,
    ) -> Result<EncodedRequest, InputError>;
    /// Decodes a response body straight into invoices.
    fn decode_invoices(&self, body: &[u8]) -> Result<Reply<Vec<Invoice>>, DecodeError>;
    /// Decodes a response body and re-serialises the typed payload (what the generated types
    /// kept of it).
    fn decode_value(&self, body: &[u8]) -> Result<Reply<serde_json::Value>, DecodeError>;
}

/// Every generated HTTP API, sorted by id.
pub fn registry() -> &'static [&'static dyn DynApi] {
    crate::apis::REGISTRY
}

/// The generated API with this id.
pub fn find(id: &str) -> Option<&'static dyn DynApi> {
    registry().iter().copied().find(|a| a.descriptor().id == id)
}

/// Adapts a static [`Api`] to [`DynApi`]; the registry holds one per generated API.
pub struct Registered<A>(std::marker::PhantomData<fn() -> A>);

impl<A> Registered<A> {
    /// The adapter for `A`.
    pub const fn new() -> Registered<A> {
        Registered(std::marker::PhantomData)
    }
}

impl<A> Default for Registered<A> {
    fn default() -> Self {
        Registered::new()
    }
}

impl<A: Api> DynApi for Registered<A> {
    fn descriptor(&self) -> &'static ApiDescriptor {
        A::DESCRIPTOR
    }

    fn encode_input(
        &self,
        input: &Input,
        credential: &dyn Fn(&str) -> Option<String>,
    ) -> Result<EncodedRequest, InputError> {
        A::Request::from_input(input, credential).map(|r| r.encode())
    }

    fn decode_invoices(&self, body: &[u8]) -> Result<Reply<Vec<Invoice>>, DecodeError> {
        Ok(A::decode(body)?.map(|payload| {
            let mut invoices = payload.to_invoices();
            // A reused mapping stamps the API that owns it; the record belongs to this one.
            for invoice in &mut invoices {
                if invoice.api != A::DESCRIPTOR.id {
                    A::DESCRIPTOR.id.clone_into(&mut invoice.api);
                }
            }
            invoices
        }))
    }

    fn decode_value(&self, body: &[u8]) -> Result<Reply<serde_json::Value>, DecodeError> {
        let reply = A::decode(body)?;
        match reply {
            Reply::Success {
                payload,
                request_id,
            } => serde_json::to_value(&payload)
                .map(|payload| Reply::Success {
                    payload,
                    request_id,
                })
                .map_err(|e| DecodeError::new(A::DESCRIPTOR.id, e.to_string(), body)),
            Reply::Failure(f) => Ok(Reply::Failure(f)),
        }
    }
}

impl<T> Reply<T> {
    /// Maps the payload of a successful reply.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reply<U> {
        match self {
            Reply::Success {
                payload,
                request_id,
            } => Reply::Success {
                payload: f(payload),
                request_id,
            },
            Reply::Failure(failure) => Reply::Failure(failure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::content_hash;

    #[test]
    fn content_hashes_are_lowercase_hex_sha256() {
        assert_eq!(
            content_hash(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            content_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
