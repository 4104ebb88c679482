//! Static descriptions of vendor APIs, emitted by the code generator from `specs/*.yaml`.
//!
//! One [`ApiDescriptor`] per spec. The client, the sandbox, the CLI and the docs read these
//! tables instead of hard-coding any vendor fact.

use std::fmt;

/// A text in Chinese and English (either may be empty when the source gives only one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// Chinese text.
    pub zh: &'static str,
    /// English text.
    pub en: &'static str,
}

impl Text {
    /// The English text, or the Chinese one when no English is given.
    pub fn best(&self) -> &'static str {
        if self.en.is_empty() { self.zh } else { self.en }
    }
}

/// Everything the runtime knows about one vendor API.
#[derive(Debug)]
pub struct ApiDescriptor {
    /// Stable id, `<vendor>.<api>`, e.g. `tencent.vat_invoice_ocr`.
    pub id: &'static str,
    /// The vendor.
    pub vendor: Vendor,
    /// Human title.
    pub title: Text,
    /// Official documentation page.
    pub docs_url: Option<&'static str>,
    /// Availability.
    pub status: ApiStatus,
    /// Spec file this descriptor was generated from, relative to the crate root.
    pub spec_file: &'static str,
    /// Where and how requests go.
    pub endpoint: Endpoint,
    /// How requests are authenticated.
    pub auth: AuthDescriptor,
    /// Input limits checked before any network call.
    pub limits: Limits,
    /// Request fields in spec order.
    pub request: &'static [RequestField],
    /// Groups of request fields of which at least one must be set.
    pub one_of: &'static [&'static [&'static str]],
    /// Where payload, error code, message and request id sit in a response.
    pub response: ResponseDescriptor,
    /// Every documented vendor error code.
    pub errors: &'static [ErrorInfo],
    /// Example responses shipped with the spec.
    pub examples: &'static [Example],
    /// The field mapping onto [`crate::Invoice`], one row per mapped unified field.
    pub mapping: &'static [MappingRow],
    /// The vendor's error codes for request problems (used by the sandbox).
    pub emulation: Emulation,
}

/// Vendor error codes the vendor answers for each kind of bad request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Emulation {
    /// A required field or one-of group is missing.
    pub missing_field: Option<&'static str>,
    /// A field has the wrong type or an invalid value.
    pub invalid_value: Option<&'static str>,
    /// The file or request exceeds a size or pixel limit.
    pub too_large: Option<&'static str>,
    /// The file is not in an accepted format.
    pub unsupported_format: Option<&'static str>,
    /// The caller exceeds the API's QPS.
    pub rate_limited: Option<&'static str>,
}

impl ApiDescriptor {
    /// The documented error with this vendor code, if any.
    pub fn error(&self, code: &str) -> Option<&'static ErrorInfo> {
        self.errors.iter().find(|e| e.code == code)
    }

    /// The request field with this wire name, if any.
    pub fn request_field(&self, name: &str) -> Option<&'static RequestField> {
        self.request.iter().find(|f| f.name == name)
    }
}

/// A vendor (cloud provider or API reseller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vendor {
    /// Short id, e.g. `tencent`.
    pub id: &'static str,
    /// Display name, e.g. `腾讯云` / `Tencent Cloud`.
    pub name: Text,
}

/// Whether an API can be used by new customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiStatus {
    /// Generally available.
    Active,
    /// Maintained, but closed to new customers.
    Legacy,
    /// Public beta.
    Beta,
    /// Scheduled for removal by the vendor.
    Deprecated,
    /// Runs on this machine; no vendor involved.
    Local,
}

impl ApiStatus {
    /// The id used in specs.
    pub fn id(self) -> &'static str {
        match self {
            ApiStatus::Active => "active",
            ApiStatus::Legacy => "legacy",
            ApiStatus::Beta => "beta",
            ApiStatus::Deprecated => "deprecated",
            ApiStatus::Local => "local",
        }
    }
}

/// HTTP method, URL and body encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// URL; may contain `{region}` and credential placeholders such as `{project_id}`.
    pub url: &'static str,
    /// How request fields are encoded in the body.
    pub body: BodyEncoding,
    /// The `Content-Type` sent (empty for none).
    pub content_type: &'static str,
}

/// How request fields travel in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// A JSON object of the body fields.
    Json,
    /// The raw file bytes.
    Raw,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    Multipart,
    /// No body.
    None,
}

/// Authentication scheme, its parameters and credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthDescriptor {
    /// Scheme id, e.g. `tc3-hmac-sha256` (see [`crate::auth::AuthScheme`]).
    pub scheme: &'static str,
    /// Scheme parameters from the spec (`service`, `action`, `version`, …).
    pub params: &'static [(&'static str, &'static str)],
    /// Credentials the scheme needs, and where they are read from.
    pub credentials: &'static [CredentialSource],
    /// Regions the API is offered in (empty: not region-specific).
    pub regions: &'static [&'static str],
    /// Region used when none is configured.
    pub default_region: Option<&'static str>,
    /// The vendor's error codes for authentication failures (used by the sandbox).
    pub failures: AuthFailures,
}

impl AuthDescriptor {
    /// The value of a scheme parameter.
    pub fn param(&self, name: &str) -> Option<&'static str> {
        self.params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }
}

/// One credential and the environment variable that conventionally holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialSource {
    /// Credential name as the signer knows it (`secret_id`, `secret_key`, …).
    pub name: &'static str,
    /// Environment variable, e.g. `TENCENTCLOUD_SECRET_ID`.
    pub env: &'static str,
    /// True for secrets (keys, tokens) that must never be printed.
    pub secret: bool,
}

/// Vendor error codes the vendor answers for each authentication failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuthFailures {
    /// The signature does not match.
    pub bad_signature: Option<&'static str>,
    /// The timestamp is outside the accepted window.
    pub expired: Option<&'static str>,
    /// The key id is not known.
    pub unknown_key: Option<&'static str>,
    /// No or malformed authentication data.
    pub missing: Option<&'static str>,
}

/// Input limits from the vendor's documentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Requests per second allowed by default.
    pub qps: Option<f64>,
    /// Maximum size of the file itself.
    pub max_file_bytes: Option<u64>,
    /// Maximum size of the file after base64 encoding.
    pub max_base64_bytes: Option<u64>,
    /// Maximum size of the whole request body.
    pub max_request_bytes: Option<u64>,
    /// Minimum width and height in pixels.
    pub min_pixels: Option<u32>,
    /// Maximum width and height in pixels.
    pub max_pixels: Option<u32>,
    /// Accepted file formats.
    pub formats: &'static [FileFormat],
    /// How many PDF pages one request may cover (0: PDF not accepted).
    pub max_pdf_pages: u32,
}

/// File formats an API can accept, recognised by magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileFormat {
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// BMP image.
    Bmp,
    /// TIFF image.
    Tiff,
    /// WebP image.
    Webp,
    /// GIF image (no vendor accepts it; listed so refusals can name it).
    Gif,
    /// PDF document.
    Pdf,
    /// OFD e-invoice (a zip of XML).
    Ofd,
    /// XML e-invoice data: the 数电 `EInvoice` or a railway/air e-ticket XBRL (read by the
    /// local backend; never sent to a vendor unless its spec lists it).
    Xml,
}

impl FileFormat {
    /// Every format.
    pub const ALL: &'static [FileFormat] = &[
        FileFormat::Png,
        FileFormat::Jpeg,
        FileFormat::Bmp,
        FileFormat::Tiff,
        FileFormat::Webp,
        FileFormat::Gif,
        FileFormat::Pdf,
        FileFormat::Ofd,
        FileFormat::Xml,
    ];

    /// The id used in specs and messages.
    pub fn id(self) -> &'static str {
        match self {
            FileFormat::Png => "png",
            FileFormat::Jpeg => "jpeg",
            FileFormat::Bmp => "bmp",
            FileFormat::Tiff => "tiff",
            FileFormat::Webp => "webp",
            FileFormat::Gif => "gif",
            FileFormat::Pdf => "pdf",
            FileFormat::Ofd => "ofd",
            FileFormat::Xml => "xml",
        }
    }

    /// True for raster image formats.
    pub fn is_image(self) -> bool {
        !matches!(self, FileFormat::Pdf | FileFormat::Ofd | FileFormat::Xml)
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One request field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestField {
    /// Wire name, e.g. `ImageBase64`.
    pub name: &'static str,
    /// Value type.
    pub ty: FieldType,
    /// Where the field travels.
    pub location: FieldLocation,
    /// The unified input that fills it, if any.
    pub input: Option<InputKind>,
    /// The vendor rejects requests without it.
    pub required: bool,
    /// The vendor's default when the field is omitted (documentation only; not sent).
    pub default: Option<&'static str>,
    /// A value fapiao always sends.
    pub fixed: Option<&'static str>,
    /// Documentation.
    pub doc: Text,
}

/// The type of a request field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text.
    String,
    /// Integer.
    Int,
    /// Floating-point number.
    Float,
    /// Boolean.
    Bool,
    /// Raw bytes (the body of a raw-body request).
    Bytes,
    /// List of integers.
    IntList,
    /// List of strings.
    StringList,
}

/// Where a request field is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldLocation {
    /// A member of the JSON body, or a form field for form/multipart bodies.
    Body,
    /// The whole raw body.
    RawBody,
    /// A URL query parameter.
    Query,
    /// An HTTP header.
    Header,
}

/// The unified inputs a user gives, which request fields take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// Base64 of the file, whatever its format.
    FileBase64,
    /// Base64 of the file when it is an image.
    ImageBase64,
    /// Base64 of the file when it is a PDF.
    PdfBase64,
    /// Base64 of the file when it is an OFD.
    OfdBase64,
    /// The file bytes themselves.
    FileBytes,
    /// A URL the vendor downloads the file from.
    FileUrl,
    /// `true` when the file is a PDF.
    IsPdf,
    /// The 1-based page to recognise.
    Page,
    /// A credential value (e.g. the legacy Tencent `appid`).
    Credential(&'static str),
}

impl InputKind {
    /// Whether a field of this kind carries a file of `format` (the `*_base64` kinds of one
    /// format admit only it; every other kind admits anything).
    pub fn admits(self, format: FileFormat) -> bool {
        match self {
            InputKind::ImageBase64 => format.is_image(),
            InputKind::PdfBase64 => format == FileFormat::Pdf,
            InputKind::OfdBase64 => format == FileFormat::Ofd,
            _ => true,
        }
    }

    /// The id used in specs.
    pub fn id(self) -> &'static str {
        match self {
            InputKind::FileBase64 => "file_base64",
            InputKind::ImageBase64 => "image_base64",
            InputKind::PdfBase64 => "pdf_base64",
            InputKind::OfdBase64 => "ofd_base64",
            InputKind::FileBytes => "file_bytes",
            InputKind::FileUrl => "file_url",
            InputKind::IsPdf => "is_pdf",
            InputKind::Page => "page",
            InputKind::Credential(_) => "credential",
        }
    }
}

/// Where the parts of a response sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseDescriptor {
    /// Dotted path of the payload object (empty: the whole body).
    pub payload: &'static str,
    /// Whether the payload is an object or a JSON document inside a string.
    pub payload_format: PayloadFormat,
    /// Dotted path of the request id, if the body carries one.
    pub request_id: Option<&'static str>,
    /// How the vendor writes the request id in the body: text, or an integer (Baidu's
    /// `log_id`). Decoding accepts both; the sandbox writes this one.
    pub request_id_type: CodeType,
    /// Response header carrying the request id, if any.
    pub request_id_header: Option<&'static str>,
    /// Error checks, in the order the vendor's layers apply them.
    pub checks: &'static [ErrorCheck],
    /// `Content-Type` of the vendor's responses.
    pub content_type: &'static str,
}

/// How the payload is embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    /// A JSON value.
    Json,
    /// A string holding a JSON document (Alibaba Cloud's `Data`).
    JsonString,
}

/// One layer of error signalling in a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCheck {
    /// Name of the layer (`system`, `business`, …).
    pub name: &'static str,
    /// Dotted path of the error code.
    pub code: &'static str,
    /// Dotted path of the error message.
    pub message: Option<&'static str>,
    /// Codes meaning success. Empty: the response failed when the code is present and non-empty.
    pub success: &'static [&'static str],
    /// How the vendor writes the code.
    pub code_type: CodeType,
}

/// JSON type of a vendor error code or request id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeType {
    /// A JSON string.
    String,
    /// A JSON integer.
    Int,
}

/// One documented vendor error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The vendor's code, as text (`FailedOperation.ImageBlur`, `-1102`, `12004`).
    pub code: &'static str,
    /// The vendor's message.
    pub message: Text,
    /// What kind of failure it is.
    pub kind: ErrorKind,
    /// Retrying the same request may succeed.
    pub retryable: bool,
    /// The vendor bills the failed call.
    pub charged: bool,
    /// Name of the [`ErrorCheck`] layer that reports it.
    pub check: &'static str,
    /// HTTP status the vendor sends with it.
    pub http_status: u16,
}

macro_rules! error_kinds {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal; )*) => {
        /// Vendor-independent classification of failures.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorKind { $( $(#[$doc])* $variant, )* }

        impl ErrorKind {
            /// Every kind.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$variant),*];

            /// The id used in specs, logs and output records.
            pub fn id(self) -> &'static str {
                match self { $(ErrorKind::$variant => $id,)* }
            }

            /// Looks a kind up by id.
            pub fn from_id(id: &str) -> Option<ErrorKind> {
                match id { $($id => Some(ErrorKind::$variant),)* _ => None }
            }
        }
    };
}

error_kinds! {
    /// Credentials missing, wrong, or the signature does not verify.
    Auth = "auth";
    /// The signature's timestamp is outside the vendor's window (clock skew).
    SignatureExpired = "signature_expired";
    /// Authenticated, but not allowed to call this API.
    Permission = "permission";
    /// Too many requests per second.
    RateLimited = "rate_limited";
    /// A usage quota (daily limit, resource package) is exhausted.
    Quota = "quota";
    /// The account cannot be billed (arrears, service not activated).
    Billing = "billing";
    /// The request is malformed or a parameter is invalid.
    BadInput = "bad_input";
    /// The file is larger than the vendor accepts.
    TooLarge = "too_large";
    /// The file format is not accepted.
    UnsupportedFormat = "unsupported_format";
    /// The image could not be decoded or read (blur, no text, decode failure).
    ImageQuality = "image_quality";
    /// The vendor could not download the file from the given URL.
    Download = "download";
    /// Nothing recognisable was found, or the document type is not supported.
    NotFound = "not_found";
    /// The vendor failed internally.
    Internal = "internal";
    /// The vendor or a gateway is temporarily unavailable.
    Unavailable = "unavailable";
    /// The vendor did not answer in time.
    Timeout = "timeout";
    /// Anything else.
    Other = "other";
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl ErrorKind {
    /// True when another vendor may succeed where this one failed: the CLI's fallback chain
    /// moves on for these, never for problems with the input itself.
    pub fn allows_fallback(self) -> bool {
        matches!(
            self,
            ErrorKind::Unavailable
                | ErrorKind::Quota
                | ErrorKind::Billing
                | ErrorKind::RateLimited
                | ErrorKind::Internal
                | ErrorKind::Timeout
        )
    }
}

/// An example response shipped with a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// Name, unique within the spec.
    pub name: &'static str,
    /// The JSON document.
    pub json: &'static str,
    /// Dotted path of the wire response at which this document sits (empty: it is the body).
    pub at: &'static str,
    /// True when the example was constructed (no official example exists).
    pub constructed: bool,
    /// What the example shows.
    pub doc: Text,
}

impl Example {
    /// True for an error response: by the spec language's convention, an example whose name
    /// starts with `error` (`error`, `error_auth`, …) reports one of the spec's error codes;
    /// every other example is a success.
    ///
    /// ```
    /// # use fapiao::api::{Example, Text};
    /// let example = |name| Example { name, json: "{}", at: "", constructed: true, doc: Text { zh: "", en: "" } };
    /// assert!(example("error_image_size").is_error());
    /// assert!(!example("seed").is_error());
    /// ```
    pub fn is_error(&self) -> bool {
        self.name.starts_with("error")
    }
}

/// One row of a spec's mapping onto the unified model (for reports and docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappingRow {
    /// Variant (document sub-type) the row applies to; empty when the mapping has none.
    pub variant: &'static str,
    /// Unified field path, e.g. `buyer.tax_id` or `items[].amount`.
    pub target: &'static str,
    /// Vendor source, e.g. `VatInvoiceInfos[Name=发票代码]` or `result.invoice_no`.
    pub source: &'static str,
    /// Normalizer chain as written in the spec, e.g. `strip_prefix("No") | digits`.
    pub normalize: &'static str,
}
