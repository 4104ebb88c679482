//! The APIs a run calls — the in-process `local` backend or a registered cloud API — and the
//! fallback chain over them.

use std::sync::Arc;

use fapiao::Invoice;
use fapiao::api::{self, ApiDescriptor, DynApi, ErrorKind, Input};
use fapiao::client::{Client, Error};
use fapiao::local::{self, LocalError, LocalLimits};

use super::CliError;
use super::record::Failure;

/// The largest file read for an API whose spec documents no size limit: no invoice file
/// comes near it, and a file is read whole into memory before it is sent.
const UNDOCUMENTED_MAX_FILE_BYTES: u64 = 64 << 20;

/// One API a run can call.
#[derive(Clone, Copy)]
pub enum Backend {
    /// An in-process API from [`fapiao::apis::LOCAL_DESCRIPTORS`], run by
    /// [`fapiao::local::recognize`] on a blocking thread.
    Local(&'static ApiDescriptor),
    /// A generated HTTP API, called through the [`Client`].
    Cloud(&'static dyn DynApi),
}

impl Backend {
    /// Whether a failure of this API sends the file on to the next one in a chain. Besides
    /// the kinds any vendor may recover from ([`ErrorKind::allows_fallback`]), a file the local
    /// backend cannot read — no e-invoice data or QR code, a format it does not parse — is
    /// exactly what a cloud OCR is for.
    pub fn falls_back_on(self, kind: ErrorKind) -> bool {
        kind.allows_fallback()
            || matches!(
                (self, kind),
                (
                    Backend::Local(_),
                    ErrorKind::NotFound | ErrorKind::ImageQuality | ErrorKind::UnsupportedFormat
                )
            )
    }

    /// The API's descriptor.
    pub fn descriptor(self) -> &'static ApiDescriptor {
        match self {
            Backend::Local(descriptor) => descriptor,
            Backend::Cloud(api) => api.descriptor(),
        }
    }

    /// The API's id.
    pub fn id(self) -> &'static str {
        self.descriptor().id
    }

    /// The largest file this API accepts by its documented limits — the file size, the base64
    /// size (3 bytes of file per 4) or the request size, whichever is smallest — or
    /// [`UNDOCUMENTED_MAX_FILE_BYTES`] when it documents none.
    pub fn max_file_bytes(self) -> u64 {
        let limits = &self.descriptor().limits;
        let from_base64 = limits.max_base64_bytes.map(|b| b / 4 * 3);
        [limits.max_file_bytes, from_base64, limits.max_request_bytes]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(UNDOCUMENTED_MAX_FILE_BYTES)
    }

    /// Every API, in-process ones first, each group sorted by id.
    pub fn all() -> impl Iterator<Item = Backend> {
        let local = fapiao::apis::LOCAL_DESCRIPTORS
            .iter()
            .map(|d| Backend::Local(d));
        local.chain(api::registry().iter().map(|api| Backend::Cloud(*api)))
    }

    /// The API with this id; a usage error suggesting the closest id and listing the known
    /// ones otherwise.
    pub fn find(id: &str) -> Result<Backend, CliError> {
        Backend::all().find(|b| b.id() == id).ok_or_else(|| {
            let known: Vec<&str> = Backend::all().map(Backend::id).collect();
            let suggestion = closest(id, &known)
                .map(|near| format!("; did you mean `{near}`?"))
                .unwrap_or_default();
            CliError::usage(format!(
                "unknown API `{id}`{suggestion} (known: {}; see `fapiao apis`)",
                known.join(", ")
            ))
        })
    }
}

/// The id of `known` nearest to `typed`: one that ends with it (`vat_invoice_ocr`), or within
/// a third of its length in edits (a typo).
fn closest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let suffix = format!(".{typed}");
    let mut ending = known.iter().filter(|k| k.ends_with(&suffix));
    if let (Some(only), None) = (ending.next(), ending.next()) {
        return Some(only);
    }
    let (distance, nearest) = known.iter().map(|k| (edit_distance(typed, k), *k)).min()?;
    (distance <= (typed.chars().count() / 3).max(1)).then_some(nearest)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Whether `failure` says its API refused the credentials: the kinds `auth` and
/// `signature_expired`, or a code the API's spec lists under `auth.failures`. Every further
/// file would meet the same refusal.
pub fn refuses_credentials(failure: &Failure) -> bool {
    let by_kind = matches!(
        ErrorKind::from_id(&failure.kind),
        Some(ErrorKind::Auth | ErrorKind::SignatureExpired)
    );
    let by_code = || {
        let Ok(backend) = Backend::find(&failure.api) else {
            return false;
        };
        let codes = backend.descriptor().auth.failures;
        [
            codes.bad_signature,
            codes.expired,
            codes.unknown_key,
            codes.missing,
        ]
        .contains(&Some(failure.code.as_str()))
    };
    by_kind || by_code()
}

/// A failed call: its kind (which decides fallback) and the record of it.
#[derive(Debug, Clone)]
pub struct CallError {
    /// The vendor-independent kind.
    pub kind: ErrorKind,
    /// What the record shows.
    pub failure: Failure,
}

impl CallError {
    /// A failure of `api` (empty when no API was involved).
    pub fn new(
        api: &str,
        kind: ErrorKind,
        code: &str,
        message: impl std::fmt::Display,
    ) -> CallError {
        CallError {
            kind,
            failure: Failure {
                api: api.to_owned(),
                kind: kind.id().to_owned(),
                code: code.to_owned(),
                message: message.to_string(),
            },
        }
    }
}

/// What a chain produced for one input.
#[derive(Debug)]
pub struct ChainOutcome {
    /// The API that answered and its invoices, or the last failure.
    pub result: Result<(Backend, Vec<Invoice>), CallError>,
    /// Failures of the APIs tried before, in order.
    pub fallbacks: Vec<CallError>,
}

/// APIs tried in order: the next one only when the previous failed in a way another API may
/// not ([`Backend::falls_back_on`]).
pub struct Chain {
    earlier: Vec<Backend>,
    last: Backend,
    client: Option<Client>,
}

impl Chain {
    /// A chain over `backends` (`None` when empty); `client` must be given when any of them
    /// is a cloud API.
    pub fn new(mut backends: Vec<Backend>, client: Option<Client>) -> Option<Chain> {
        let last = backends.pop()?;
        Some(Chain {
            earlier: backends,
            last,
            client,
        })
    }

    /// The APIs, in order.
    pub fn backends(&self) -> impl Iterator<Item = Backend> + '_ {
        self.earlier.iter().copied().chain([self.last])
    }

    /// The file formats some API of the chain accepts.
    pub fn formats(&self) -> impl Iterator<Item = api::FileFormat> + '_ {
        self.backends()
            .flat_map(|b| b.descriptor().limits.formats.iter().copied())
    }

    /// The largest file some API of the chain accepts; larger files are refused unread.
    pub fn max_file_bytes(&self) -> u64 {
        self.backends()
            .map(Backend::max_file_bytes)
            .max()
            .unwrap_or_default()
    }

    /// Recognises one file (`input.file` set) named `name`.
    pub async fn recognize(&self, input: &Arc<Input>, name: &str) -> ChainOutcome {
        let mut fallbacks = Vec::new();
        for backend in &self.earlier {
            match self.call(*backend, input, name).await {
                Ok(invoices) => {
                    return ChainOutcome {
                        result: Ok((*backend, invoices)),
                        fallbacks,
                    };
                }
                Err(err) if backend.falls_back_on(err.kind) => {
                    tracing::info!(api = backend.id(), kind = %err.kind, file = name, "falling back");
                    fallbacks.push(err);
                }
                Err(err) => {
                    return ChainOutcome {
                        result: Err(err),
                        fallbacks,
                    };
                }
            }
        }
        let result = self.call(self.last, input, name).await;
        ChainOutcome {
            result: result.map(|invoices| (self.last, invoices)),
            fallbacks,
        }
    }

    async fn call(
        &self,
        backend: Backend,
        input: &Arc<Input>,
        name: &str,
    ) -> Result<Vec<Invoice>, CallError> {
        match backend {
            Backend::Local(descriptor) => read_locally(input, name)
                .await
                .map_err(|e| e.with_api(descriptor.id)),
            Backend::Cloud(api) => {
                let id = api.descriptor().id;
                let Some(client) = &self.client else {
                    return Err(CallError::new(
                        id,
                        ErrorKind::Other,
                        "config",
                        "no client configured",
                    ));
                };
                client
                    .recognize(api, input)
                    .await
                    .map_err(|e| client_error(id, &e))
            }
        }
    }
}

impl CallError {
    fn with_api(mut self, api: &str) -> CallError {
        api.clone_into(&mut self.failure.api);
        self
    }
}

/// Reads `input.file` with the local backend on a blocking thread.
pub async fn read_locally(input: &Arc<Input>, name: &str) -> Result<Vec<Invoice>, CallError> {
    let input = Arc::clone(input);
    let name = name.to_owned();
    let task = tokio::task::spawn_blocking(move || {
        let bytes = input.file.as_deref().unwrap_or_default();
        local::recognize(bytes, Some(&name), &LocalLimits::default())
    });
    match task.await {
        Ok(result) => result.map_err(|e| local_error(&e)),
        Err(join) => Err(CallError::new(
            "",
            ErrorKind::Internal,
            "panic",
            format!("the local backend failed unexpectedly: {join}"),
        )),
    }
}

/// The kind and code of a local backend error.
fn local_error(err: &LocalError) -> CallError {
    let (kind, code) = match err {
        LocalError::InputTooLarge { .. } => (ErrorKind::TooLarge, "input_too_large"),
        LocalError::ImageTooLarge { .. } => (ErrorKind::TooLarge, "image_too_large"),
        LocalError::UncompressedTooLarge { .. } => (ErrorKind::TooLarge, "uncompressed_too_large"),
        LocalError::Unsupported { .. } => (ErrorKind::UnsupportedFormat, "unsupported"),
        LocalError::Image { .. } => (ErrorKind::ImageQuality, "image"),
        LocalError::NothingFound { .. } => (ErrorKind::NotFound, "nothing_found"),
        LocalError::Archive { .. } => (ErrorKind::BadInput, "archive"),
        LocalError::UnsafeEntryName { .. } => (ErrorKind::BadInput, "unsafe_entry_name"),
        LocalError::TooManyEntries { .. } => (ErrorKind::BadInput, "too_many_entries"),
        LocalError::CompressionRatio { .. } => (ErrorKind::BadInput, "compression_ratio"),
        LocalError::OfdPart { .. } => (ErrorKind::BadInput, "ofd_part"),
        LocalError::Pdf { .. } => (ErrorKind::BadInput, "pdf"),
        _ => (ErrorKind::Other, "local"),
    };
    CallError::new("", kind, code, err)
}

/// The kind and code of a client error: the vendor's code, or where the failure arose. An
/// HTTP error status whose body is not the API's answer (a gateway's 503 page) is reported
/// as that status, not as a malformed answer.
fn client_error(api: &str, err: &Error) -> CallError {
    if let Error::MalformedResponse {
        decode,
        http_status,
        ..
    } = err
        && *http_status >= 400
    {
        let reason = reqwest::StatusCode::from_u16(*http_status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error");
        let message = format!(
            "{api}: HTTP {http_status} {reason} from the vendor (body: {:?})",
            decode.snippet
        );
        return CallError::new(api, err.kind(), &format!("http_{http_status}"), message);
    }
    let status_code;
    let code = match err {
        Error::Vendor(vendor) => vendor.code.as_str(),
        Error::MalformedResponse { http_status, .. } => {
            status_code = format!("http_{http_status}");
            status_code.as_str()
        }
        Error::InputRefused(_) => "input_refused",
        Error::Config(_) => "config",
        Error::Request { .. } => "request",
        Error::Transport { .. } => "transport",
        Error::Timeout { .. } => "timeout",
        _ => "client",
    };
    CallError::new(api, err.kind(), code, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_size_limit_is_the_smallest_documented_one_and_a_chain_takes_the_largest() {
        let vat = Backend::find("tencent.vat_invoice_ocr").unwrap();
        let local = Backend::find("local").unwrap();
        // 7,340,032 bytes of base64 hold 5,505,024 bytes of file, under the 10 MiB body cap.
        assert_eq!(vat.max_file_bytes(), 5_505_024);
        assert_eq!(local.max_file_bytes(), 32 << 20);
        let chain = Chain::new(vec![vat, local], None).unwrap();
        assert_eq!(chain.max_file_bytes(), 32 << 20);
    }

    #[test]
    fn local_is_found_and_unknown_ids_list_the_known_ones() {
        assert_eq!(Backend::find("local").unwrap().id(), "local");
        for api in api::registry() {
            assert_eq!(
                Backend::find(api.descriptor().id).unwrap().id(),
                api.descriptor().id
            );
        }
        let Err(CliError::Usage(message)) = Backend::find("nope.api") else {
            panic!("expected a usage error");
        };
        assert!(message.contains("unknown API `nope.api`"), "{message}");
        assert!(message.contains("local"), "{message}");
        assert!(!message.contains("did you mean"), "{message}");
    }

    #[test]
    fn a_typo_or_a_bare_api_name_gets_a_suggestion() {
        let known = ["local", "tencent.vat_invoice_ocr", "tencent.invoice_legacy"];
        assert_eq!(
            closest("tencent.vat_invoce_ocr", &known),
            Some("tencent.vat_invoice_ocr")
        );
        assert_eq!(
            closest("vat_invoice_ocr", &known),
            Some("tencent.vat_invoice_ocr")
        );
        assert_eq!(closest("lokal", &known), Some("local"));
        assert_eq!(closest("aliyun", &known), None);
        assert_eq!(edit_distance("发票", "发票"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn local_failures_to_read_a_file_fall_back_but_cloud_ones_do_not() {
        let local = Backend::Local(fapiao::apis::LOCAL_DESCRIPTORS[0]);
        assert!(local.falls_back_on(ErrorKind::NotFound));
        assert!(local.falls_back_on(ErrorKind::UnsupportedFormat));
        assert!(!local.falls_back_on(ErrorKind::TooLarge));
        assert!(!local.falls_back_on(ErrorKind::BadInput));
        let cloud = Backend::Cloud(fapiao::api::registry()[0]);
        assert!(!cloud.falls_back_on(ErrorKind::NotFound));
        assert!(cloud.falls_back_on(ErrorKind::Unavailable));
    }

    #[test]
    fn an_http_error_page_is_reported_as_its_status() {
        let err = Error::MalformedResponse {
            decode: fapiao::api::DecodeError::new("a.b", "not JSON", b"<html>busy</html>"),
            http_status: 503,
            request_id: None,
        };
        let call = client_error("a.b", &err);
        assert_eq!(call.failure.code, "http_503");
        assert_eq!(call.kind, ErrorKind::Unavailable);
        assert!(
            call.failure
                .message
                .starts_with("a.b: HTTP 503 Service Unavailable from the vendor"),
            "{}",
            call.failure.message
        );
        assert!(!call.failure.message.contains("not JSON"));
    }

    #[test]
    fn local_errors_keep_their_reason_as_code() {
        let err = local_error(&LocalError::Unsupported {
            what: "GIF image".into(),
        });
        assert_eq!(err.kind, ErrorKind::UnsupportedFormat);
        assert_eq!(err.failure.code, "unsupported");
        assert!(!err.kind.allows_fallback());
    }
}
