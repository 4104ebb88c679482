//! Hand-written test APIs standing in for generated ones.
//!
//! `VatOcr` is shaped like Tencent's VatInvoiceOCR (TC3, JSON body, `Response.Error` envelope);
//! `RawOcr` like JD's ocr_invoice (JDCLOUD2, raw image body, two-layer `code` envelope), with a
//! URL holding `{region}` and `{project_id}` placeholders. Error tables marked "fixture" are
//! not vendor facts: they exist to exercise the retry rules.

use base64::Engine;
use fapiao::Invoice;
use fapiao::api::wire::{WireCode, apply_check};
use fapiao::api::*;
use serde::{Deserialize, Serialize};

const VAT_ID: &str = "test.vat_ocr";
const RAW_ID: &str = "rawco.raw_ocr";

/// Secret values the tests configure; none may ever be printed.
pub const SECRET_ID: &str = "AKIDtestSecretIdValue0001";
pub const SECRET_KEY: &str = "tc3-secret-key-value-0001";
pub const ACCESS_KEY: &str = "raw-access-key-value-0001";
pub const RAW_SECRET_KEY: &str = "raw-secret-key-value-0001";

const fn error(
    code: &'static str,
    kind: ErrorKind,
    retryable: bool,
    charged: bool,
    check: &'static str,
) -> ErrorInfo {
    ErrorInfo {
        code,
        message: Text {
            zh: "",
            en: "documented message",
        },
        kind,
        retryable,
        charged,
        check,
        http_status: 200,
    }
}

/// The client never reads the sandbox's emulation codes.
const NO_EMULATION: Emulation = Emulation {
    missing_field: None,
    invalid_value: None,
    too_large: None,
    unsupported_format: None,
    rate_limited: None,
};

/// The Tencent-shaped API.
pub struct VatOcr;

pub static VAT: ApiDescriptor = ApiDescriptor {
    id: VAT_ID,
    vendor: Vendor {
        id: "test",
        name: Text {
            zh: "测试",
            en: "Test",
        },
    },
    title: Text {
        zh: "增值税发票识别",
        en: "VAT invoice OCR (test)",
    },
    docs_url: None,
    status: ApiStatus::Active,
    spec_file: "tests/client_support/test_api.rs",
    endpoint: Endpoint {
        method: "POST",
        url: "https://ocr.tencentcloudapi.com/",
        body: BodyEncoding::Json,
        content_type: "application/json; charset=utf-8",
    },
    auth: AuthDescriptor {
        scheme: "tc3-hmac-sha256",
        params: &[
            ("service", "ocr"),
            ("action", "VatInvoiceOCR"),
            ("version", "2018-11-19"),
        ],
        credentials: &[
            CredentialSource {
                name: "secret_id",
                env: "TENCENTCLOUD_SECRET_ID",
                secret: true,
            },
            CredentialSource {
                name: "secret_key",
                env: "TENCENTCLOUD_SECRET_KEY",
                secret: true,
            },
        ],
        regions: &["ap-beijing", "ap-guangzhou", "ap-hongkong", "ap-shanghai"],
        default_region: Some("ap-guangzhou"),
        failures: AuthFailures {
            bad_signature: Some("AuthFailure.SignatureFailure"),
            expired: Some("AuthFailure.SignatureExpire"),
            unknown_key: Some("AuthFailure.SecretIdNotFound"),
            missing: Some("AuthFailure.InvalidAuthorization"),
        },
    },
    limits: Limits {
        qps: Some(10.0),
        max_file_bytes: None,
        max_base64_bytes: Some(10 * 1024 * 1024),
        max_request_bytes: Some(10 * 1024 * 1024 + 1024),
        min_pixels: Some(20),
        max_pixels: Some(10_000),
        formats: &[FileFormat::Png, FileFormat::Jpeg, FileFormat::Pdf],
        max_pdf_pages: 1,
    },
    request: &[
        field(
            "ImageBase64",
            FieldType::String,
            FieldLocation::Body,
            InputKind::ImageBase64,
        ),
        field(
            "ImageUrl",
            FieldType::String,
            FieldLocation::Body,
            InputKind::FileUrl,
        ),
        field(
            "IsPdf",
            FieldType::Bool,
            FieldLocation::Body,
            InputKind::IsPdf,
        ),
        field(
            "PdfPageNumber",
            FieldType::Int,
            FieldLocation::Body,
            InputKind::Page,
        ),
    ],
    one_of: &[&["ImageBase64", "ImageUrl"]],
    response: ResponseDescriptor {
        payload: "Response",
        payload_format: PayloadFormat::Json,
        request_id: Some("Response.RequestId"),
        request_id_type: CodeType::String,
        request_id_header: None,
        checks: &[ErrorCheck {
            name: "default",
            code: "Response.Error.Code",
            message: Some("Response.Error.Message"),
            success: &[],
            code_type: CodeType::String,
        }],
        content_type: "application/json",
    },
    errors: &[
        error(
            "AuthFailure.SignatureFailure",
            ErrorKind::Auth,
            false,
            false,
            "default",
        ),
        error(
            "AuthFailure.SignatureExpire",
            ErrorKind::SignatureExpired,
            true,
            false,
            "default",
        ),
        error(
            "RequestLimitExceeded",
            ErrorKind::RateLimited,
            true,
            false,
            "default",
        ),
        error("InternalError", ErrorKind::Internal, true, false, "default"),
        error(
            "InvalidParameterValue.InvalidParameterValueLimit",
            ErrorKind::BadInput,
            false,
            false,
            "default",
        ),
        error(
            "FailedOperation.ImageBlur",
            ErrorKind::ImageQuality,
            false,
            false,
            "default",
        ),
        // Fixture: charged and retryable, so the charged rule must win.
        error(
            "FailedOperation.OcrFailed",
            ErrorKind::Internal,
            true,
            true,
            "default",
        ),
        // Fixture: an auth code marked retryable, so the auth rule must win.
        error(
            "AuthFailure.TokenFailure",
            ErrorKind::Auth,
            true,
            false,
            "default",
        ),
    ],
    examples: &[],
    mapping: &[],
    emulation: NO_EMULATION,
};

const fn field(
    name: &'static str,
    ty: FieldType,
    location: FieldLocation,
    input: InputKind,
) -> RequestField {
    RequestField {
        name,
        ty,
        location,
        input: Some(input),
        required: false,
        default: None,
        fixed: None,
        doc: Text { zh: "", en: "" },
    }
}

/// The VatOcr request, encoded in field order with absent fields omitted (as the SDK does).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VatRequest {
    #[serde(rename = "ImageBase64", skip_serializing_if = "Option::is_none")]
    pub image_base64: Option<String>,
    #[serde(rename = "ImageUrl", skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(rename = "IsPdf", skip_serializing_if = "Option::is_none")]
    pub is_pdf: Option<bool>,
    #[serde(rename = "PdfPageNumber", skip_serializing_if = "Option::is_none")]
    pub pdf_page_number: Option<u32>,
}

impl ApiRequest for VatRequest {
    fn from_input(
        input: &Input,
        _credential: &dyn Fn(&str) -> Option<String>,
    ) -> Result<VatRequest, InputError> {
        let request = VatRequest {
            image_base64: input
                .file
                .as_ref()
                .map(|f| base64::engine::general_purpose::STANDARD.encode(f)),
            image_url: input.url.clone(),
            is_pdf: (input.format == Some(FileFormat::Pdf)).then_some(true),
            pdf_page_number: input.page,
        };
        if request.image_base64.is_none() && request.image_url.is_none() {
            return Err(InputError::MissingOneOf {
                api: VAT_ID,
                fields: "ImageBase64, ImageUrl".into(),
            });
        }
        Ok(request)
    }

    fn encode(&self) -> EncodedRequest {
        EncodedRequest {
            body: serde_json::to_vec(self).unwrap_or_default(),
            ..EncodedRequest::default()
        }
    }
}

/// One `VatInvoiceInfos` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VatInfo {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Value")]
    pub value: String,
}

/// The VatOcr payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VatResponse {
    #[serde(rename = "VatInvoiceInfos", default)]
    pub infos: Vec<VatInfo>,
}

impl ToInvoices for VatResponse {
    fn to_invoices(&self) -> Vec<Invoice> {
        let label = |name: &str| {
            self.infos
                .iter()
                .find(|i| i.name == name)
                .map(|i| i.value.clone())
        };
        vec![Invoice {
            api: VAT_ID.to_owned(),
            code: label("发票代码"),
            number: label("发票号码"),
            ..Invoice::default()
        }]
    }
}

/// The VatOcr error codes (a few, plus `Unknown`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VatErrorCode {
    RequestLimitExceeded,
    SignatureFailure,
    Unknown { code: String, message: String },
}

impl VendorErrorCode for VatErrorCode {
    fn from_code(code: &str, message: &str) -> VatErrorCode {
        match code {
            "RequestLimitExceeded" => VatErrorCode::RequestLimitExceeded,
            "AuthFailure.SignatureFailure" => VatErrorCode::SignatureFailure,
            _ => VatErrorCode::Unknown {
                code: code.into(),
                message: message.into(),
            },
        }
    }

    fn code(&self) -> &str {
        match self {
            VatErrorCode::RequestLimitExceeded => "RequestLimitExceeded",
            VatErrorCode::SignatureFailure => "AuthFailure.SignatureFailure",
            VatErrorCode::Unknown { code, .. } => code,
        }
    }

    fn info(&self) -> Option<&'static ErrorInfo> {
        VAT.error(self.code())
    }
}

impl Api for VatOcr {
    type Request = VatRequest;
    type Response = VatResponse;
    type ErrorCode = VatErrorCode;
    const DESCRIPTOR: &'static ApiDescriptor = &VAT;

    fn decode(body: &[u8]) -> Result<Reply<VatResponse>, DecodeError> {
        let malformed = |reason: String| DecodeError::new(VAT_ID, reason, body);
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| malformed(e.to_string()))?;
        let response = value
            .get("Response")
            .ok_or_else(|| malformed("no Response object".into()))?;
        let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
        let request_id = text(response.get("RequestId"));
        let error = response.get("Error");
        let code = text(error.and_then(|e| e.get("Code"))).map(WireCode);
        let message = text(error.and_then(|e| e.get("Message")));
        if let Some(failure) = apply_check(&VAT.response.checks[0], code, message, &request_id) {
            return Ok(Reply::Failure(failure));
        }
        let payload = VatResponse::deserialize(response).map_err(|e| malformed(e.to_string()))?;
        Ok(Reply::Success {
            payload,
            request_id,
        })
    }
}

/// The JD-shaped API.
pub struct RawOcr;

pub static RAW: ApiDescriptor = ApiDescriptor {
    id: RAW_ID,
    vendor: Vendor {
        id: "rawco",
        name: Text {
            zh: "",
            en: "Raw Co",
        },
    },
    title: Text {
        zh: "",
        en: "Raw-body OCR (test)",
    },
    docs_url: None,
    status: ApiStatus::Beta,
    spec_file: "tests/client_support/test_api.rs",
    endpoint: Endpoint {
        method: "POST",
        url: "https://ocr.{region}.rawco.example/v1/{project_id}/ocr",
        body: BodyEncoding::Raw,
        content_type: "application/octet-stream",
    },
    auth: AuthDescriptor {
        scheme: "jdcloud2-hmac-sha256",
        params: &[("service", "ocr"), ("region", "cn-north-1")],
        credentials: &[
            CredentialSource {
                name: "access_key",
                env: "RAWCO_ACCESS_KEY",
                secret: true,
            },
            CredentialSource {
                name: "secret_key",
                env: "RAWCO_SECRET_KEY",
                secret: true,
            },
            CredentialSource {
                name: "project_id",
                env: "RAWCO_PROJECT_ID",
                secret: false,
            },
        ],
        regions: &["cn-north-1", "cn-south-1"],
        default_region: None,
        failures: AuthFailures {
            bad_signature: None,
            expired: None,
            unknown_key: None,
            missing: None,
        },
    },
    limits: Limits {
        qps: Some(5.0),
        max_file_bytes: Some(5 * 1024 * 1024),
        max_base64_bytes: None,
        max_request_bytes: None,
        min_pixels: None,
        max_pixels: None,
        formats: &[FileFormat::Jpeg, FileFormat::Png],
        max_pdf_pages: 0,
    },
    request: &[
        RequestField {
            name: "image",
            ty: FieldType::Bytes,
            location: FieldLocation::RawBody,
            input: Some(InputKind::FileBytes),
            required: true,
            default: None,
            fixed: None,
            doc: Text { zh: "", en: "" },
        },
        RequestField {
            name: "X-Project-Id",
            ty: FieldType::String,
            location: FieldLocation::Header,
            input: Some(InputKind::Credential("project_id")),
            required: true,
            default: None,
            fixed: None,
            doc: Text { zh: "", en: "" },
        },
    ],
    one_of: &[],
    response: ResponseDescriptor {
        payload: "result.result",
        payload_format: PayloadFormat::Json,
        request_id: Some("result.request_id"),
        request_id_type: CodeType::String,
        request_id_header: Some("x-rawco-request-id"),
        checks: &[
            ErrorCheck {
                name: "system",
                code: "code",
                message: Some("msg"),
                success: &["10000"],
                code_type: CodeType::String,
            },
            ErrorCheck {
                name: "business",
                code: "result.code",
                message: Some("result.message"),
                success: &["0"],
                code_type: CodeType::Int,
            },
        ],
        content_type: "application/json",
    },
    errors: &[
        error("10043", ErrorKind::RateLimited, true, false, "system"),
        error("12004", ErrorKind::TooLarge, false, false, "business"),
    ],
    examples: &[],
    mapping: &[],
    emulation: NO_EMULATION,
};

/// The RawOcr request: the file as the body, the project id as a header.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRequest {
    pub image: Vec<u8>,
    pub project_id: String,
}

impl ApiRequest for RawRequest {
    fn from_input(
        input: &Input,
        credential: &dyn Fn(&str) -> Option<String>,
    ) -> Result<RawRequest, InputError> {
        let image = input
            .file
            .clone()
            .ok_or(InputError::NoUsableInput { api: RAW_ID })?;
        let project_id = credential("project_id").ok_or(InputError::MissingCredential {
            api: RAW_ID,
            name: "project_id",
        })?;
        Ok(RawRequest { image, project_id })
    }

    fn encode(&self) -> EncodedRequest {
        EncodedRequest {
            body: self.image.clone(),
            query: Vec::new(),
            headers: vec![("X-Project-Id", self.project_id.clone())],
        }
    }
}

/// The RawOcr payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawResponse {
    pub invoice_no: Option<String>,
}

impl ToInvoices for RawResponse {
    fn to_invoices(&self) -> Vec<Invoice> {
        vec![Invoice {
            api: RAW_ID.to_owned(),
            number: self.invoice_no.clone(),
            ..Invoice::default()
        }]
    }
}

#[derive(Deserialize)]
struct RawEnvelope {
    code: Option<WireCode>,
    msg: Option<String>,
    result: Option<RawBusiness>,
}

#[derive(Deserialize)]
struct RawBusiness {
    code: Option<WireCode>,
    message: Option<String>,
    request_id: Option<String>,
    result: Option<RawResponse>,
}

/// The RawOcr error codes: only `Unknown` is needed by the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawErrorCode(pub String);

impl VendorErrorCode for RawErrorCode {
    fn from_code(code: &str, _message: &str) -> RawErrorCode {
        RawErrorCode(code.to_owned())
    }

    fn code(&self) -> &str {
        &self.0
    }

    fn info(&self) -> Option<&'static ErrorInfo> {
        RAW.error(&self.0)
    }
}

impl Api for RawOcr {
    type Request = RawRequest;
    type Response = RawResponse;
    type ErrorCode = RawErrorCode;
    const DESCRIPTOR: &'static ApiDescriptor = &RAW;

    fn decode(body: &[u8]) -> Result<Reply<RawResponse>, DecodeError> {
        let envelope: RawEnvelope = serde_json::from_slice(body)
            .map_err(|e| DecodeError::new(RAW_ID, e.to_string(), body))?;
        let [system, business] = [&RAW.response.checks[0], &RAW.response.checks[1]];
        if let Some(f) = apply_check(system, envelope.code, envelope.msg, &None) {
            return Ok(Reply::Failure(f));
        }
        let inner = envelope
            .result
            .ok_or_else(|| DecodeError::new(RAW_ID, "no result object", body))?;
        if let Some(f) = apply_check(business, inner.code, inner.message, &inner.request_id) {
            return Ok(Reply::Failure(f));
        }
        let payload = inner
            .result
            .ok_or_else(|| DecodeError::new(RAW_ID, "no result.result object", body))?;
        Ok(Reply::Success {
            payload,
            request_id: inner.request_id,
        })
    }
}
