//! SDK-HMAC-SHA256, Huawei Cloud's APIG AK/SK request signature.
//!
//! Canonical request (the URI always ends with `/`) → `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex
//! SHA-256 of it>` → hex HMAC-SHA256 keyed directly with the SK. The signer adds `X-Sdk-Date`
//! and signs `content-type` (when sent, as the official guide's example does), `host` and every
//! `x-sdk-*` header. The verifier follows the request's SignedHeaders, as Huawei's gateway does.

use super::canonical::{
    HeaderRules, canonical_headers, canonical_query, canonical_request, canonical_uri,
    declared_or_body_hash, is_covered, pick_headers,
};
use super::crypto::{hex_lower, hmac_sha256, sha256_hex};
use super::verification::{
    check_key_id, check_signature, check_skew, header_time, parse_authorization, require_signed,
    required_header, signature_header, signed_header_values,
};
use super::{AuthError, CredentialSpec, HttpRequest, SignContext, VerifyContext, VerifyError};

/// The algorithm name, first word of the `Authorization` header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The `X-Sdk-Date` format (UTC).
const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
/// Values trimmed, nothing else.
const HEADER_RULES: HeaderRules = HeaderRules {
    lowercase_values: false,
    collapse_spaces: false,
    sort_values: false,
};

const ACCESS_KEY: &str = "access_key";
const SECRET_KEY: &str = "secret_key";

/// Credentials read by `huawei-sdk-hmac-sha256`.
pub(crate) const CREDENTIALS: &[CredentialSpec] = &[
    CredentialSpec {
        name: ACCESS_KEY,
        required: true,
        doc: "AK, sent in the Authorization `Access=` field",
    },
    CredentialSpec {
        name: SECRET_KEY,
        required: true,
        doc: "SK, the HMAC key",
    },
];

/// Everything one SDK-HMAC-SHA256 signature depends on.
pub struct HuaweiInput<'a> {
    /// AK; appears in the Authorization header only.
    pub access_key: &'a str,
    /// SK.
    pub secret_key: &'a str,
    /// The `X-Sdk-Date` value (`YYYYMMDDTHHMMSSZ`), which the string to sign repeats.
    pub sdk_date: &'a str,
    /// HTTP method as sent.
    pub method: &'a str,
    /// The path as sent (re-encoded canonically, `/` appended).
    pub path: &'a str,
    /// The raw query string (canonicalized here).
    pub query: &'a str,
    /// The headers to sign, `(name, value)` as sent.
    pub headers: &'a [(&'a str, &'a str)],
    /// Lowercase hex SHA-256 of the body (see [`payload_hash`]).
    pub payload_hash: &'a str,
}

/// An SDK-HMAC-SHA256 signature with every intermediate value.
pub struct HuaweiSignature {
    /// The canonical request.
    pub canonical_request: String,
    /// Hex SHA-256 of the canonical request.
    pub hashed_canonical_request: String,
    /// `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hashed canonical request>`.
    pub string_to_sign: String,
    /// Lowercase hex `HMAC(SK, string_to_sign)`.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// The canonical URI: segments re-encoded, and always a trailing `/` (Huawei signs `/path/` even
/// though `/path` is sent).
pub fn huawei_canonical_uri(path: &str) -> String {
    let mut uri = canonical_uri(path);
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Runs the SDK-HMAC-SHA256 algorithm.
pub fn compute(input: &HuaweiInput<'_>) -> HuaweiSignature {
    let headers = canonical_headers(input.headers, HEADER_RULES);
    let canonical_request = canonical_request(
        input.method,
        &huawei_canonical_uri(input.path),
        &canonical_query(input.query),
        &headers,
        input.payload_hash,
    );
    let hashed_canonical_request = sha256_hex(canonical_request.as_bytes());
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{hashed_canonical_request}",
        input.sdk_date
    );
    let signature = hex_lower(&hmac_sha256(
        input.secret_key.as_bytes(),
        string_to_sign.as_bytes(),
    ));
    let authorization = format!(
        "{ALGORITHM} Access={}, SignedHeaders={}, Signature={signature}",
        input.access_key, headers.signed
    );
    HuaweiSignature {
        canonical_request,
        hashed_canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

/// The hashed payload of `req`: the `X-Sdk-Content-Sha256` header when present (the SDKs send
/// `UNSIGNED-PAYLOAD` there for non-JSON bodies), otherwise SHA-256 of the body bytes.
pub fn payload_hash(req: &HttpRequest) -> String {
    declared_or_body_hash(req, "X-Sdk-Content-Sha256")
}

/// Whether the signer covers the header with this lower-cased name.
fn is_signed_header(name: &str) -> bool {
    is_covered(name, "x-sdk-")
}

/// Adds `Host` when absent, `X-Sdk-Date` and `Authorization`.
pub(crate) fn sign(req: &mut HttpRequest, ctx: &SignContext<'_>) -> Result<(), AuthError> {
    let access_key = ctx.credentials.require(ACCESS_KEY)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let url = req.url_parts()?;
    let sdk_date = ctx.now.format(DATE_FORMAT).to_string();

    req.set_header_if_absent("Host", url.host);
    req.set_header("X-Sdk-Date", sdk_date.as_str());

    let headers = pick_headers(req, is_signed_header);
    let signature = compute(&HuaweiInput {
        access_key,
        secret_key,
        sdk_date: &sdk_date,
        method: &req.method,
        path: &url.path,
        query: &url.query,
        headers: &headers,
        payload_hash: &payload_hash(req),
    });
    req.set_header("Authorization", signature.authorization);
    Ok(())
}

/// Recomputes the signature from the request's `Authorization` and `X-Sdk-Date`.
pub(crate) fn verify(req: &HttpRequest, ctx: &VerifyContext<'_>) -> Result<(), VerifyError> {
    let access_key = ctx.credentials.require(ACCESS_KEY)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let auth = parse_authorization(signature_header(req, "Authorization")?, ALGORITHM, "Access")?;
    check_key_id(auth.key, access_key)?;
    check_skew(header_time(req, "X-Sdk-Date", DATE_FORMAT)?, ctx)?;

    require_signed(&auth.signed_headers, &["x-sdk-date"])?;
    let sdk_date = required_header(req, "X-Sdk-Date")?;
    let url = req.url_parts()?;
    let owned = signed_header_values(req, &auth.signed_headers, &url.host)?;
    let headers: Vec<(&str, &str)> = owned
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let expected = compute(&HuaweiInput {
        access_key,
        secret_key,
        sdk_date,
        method: &req.method,
        path: &url.path,
        query: &url.query,
        headers: &headers,
        payload_hash: &payload_hash(req),
    });
    check_signature(&expected.signature, auth.signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;
    use chrono::{NaiveDateTime, Utc};

    const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const GUIDE_AUTHORIZATION: &str = "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, \
        SignedHeaders=content-type;host;x-sdk-date, \
        Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe";

    fn time(value: &str) -> chrono::DateTime<Utc> {
        NaiveDateTime::parse_from_str(value, DATE_FORMAT)
            .unwrap()
            .and_utc()
    }

    /// more_vendors.md §C.5 vector 1 (Huawei's API-signing guide): the published hashed
    /// canonical request, signature and header; the canonical request text is the research
    /// notes' reconstruction, which hashes to the published value.
    #[test]
    fn signing_guide_vector_1() {
        let sig = compute(&HuaweiInput {
            access_key: "QTWAOYTTINDUT2QVKYUC",
            secret_key: "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
            sdk_date: "20191115T033655Z",
            method: "GET",
            path: "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
            query: "marker=13551d6b-755d-4757-b956-536f674975c0&limit=2",
            headers: &[
                ("Content-Type", "application/json"),
                ("Host", "service.region.example.com"),
                ("X-Sdk-Date", "20191115T033655Z"),
            ],
            payload_hash: EMPTY_HASH,
        });
        assert_eq!(
            sig.canonical_request,
            "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\n\
             limit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n\
             content-type:application/json\nhost:service.region.example.com\n\
             x-sdk-date:20191115T033655Z\n\ncontent-type;host;x-sdk-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sig.hashed_canonical_request,
            "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
        );
        assert_eq!(
            sig.string_to_sign,
            "SDK-HMAC-SHA256\n20191115T033655Z\n\
             b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
        );
        assert_eq!(sig.authorization, GUIDE_AUTHORIZATION);
    }

    /// The guide's request, signed by Huawei, passes the verifier.
    #[test]
    fn verify_accepts_the_guide_request() {
        let creds = Credentials::new()
            .with("access_key", "QTWAOYTTINDUT2QVKYUC")
            .with("secret_key", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc");
        let req = HttpRequest::new(
            "GET",
            "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        )
        .with_header("Content-Type", "application/json")
        .with_header("X-Sdk-Date", "20191115T033655Z")
        .with_header("Authorization", GUIDE_AUTHORIZATION);
        let ctx = VerifyContext {
            params: &[],
            credentials: &creds,
            now: time("20191115T034000Z"),
            max_skew: chrono::Duration::minutes(15),
        };
        assert_eq!(verify(&req, &ctx), Ok(()));
    }

    fn python_sdk_input<'a>(method: &'a str, payload_hash: &'a str) -> HuaweiInput<'a> {
        HuaweiInput {
            access_key: "AccessKey",
            secret_key: "SecretKey",
            sdk_date: "20200608T023900Z",
            method,
            path: "/resources",
            query: "size=1",
            headers: &[
                ("host", "service.endpoint.myhuaweicloud.com"),
                ("X-Sdk-Date", "20200608T023900Z"),
            ],
            payload_hash,
        }
    }

    /// more_vendors.md §C.5 vector 2: the Python SDK's unit tests (the `TEST_UNDERSCORE` header
    /// is left out, as that SDK does not sign names with `_`).
    #[test]
    fn python_sdk_vector_2() {
        let get = compute(&python_sdk_input("GET", EMPTY_HASH));
        assert_eq!(
            get.canonical_request,
            "GET\n/resources/\nsize=1\nhost:service.endpoint.myhuaweicloud.com\n\
             x-sdk-date:20200608T023900Z\n\nhost;x-sdk-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            get.hashed_canonical_request,
            "de94dd1e1ccdb730b403ce35d7e14f7c7b04337f6def1c3a3a2ba936852b133f"
        );
        assert_eq!(
            get.authorization,
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, \
             Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842"
        );

        let body_hash = sha256_hex(br#"{"name":"test","id":1}"#);
        assert_eq!(
            body_hash,
            "8ed555081b9961769014bc1182c629bb0fe68d7b01c1fc1caab4dc791f377e8c"
        );
        let post = compute(&python_sdk_input("POST", &body_hash));
        assert_eq!(
            post.hashed_canonical_request,
            "2b1b2515e48cb55e043ff2ec5b93d3f13ec287e1da1d7a2e4e14b0611a341969"
        );
        assert_eq!(
            post.signature,
            "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f"
        );
    }

    /// more_vendors.md §C.5 vector 3: the Go SDK's unit tests (only `x-sdk-date` signed; the Go
    /// JSON encoder's trailing newline is part of the hashed body).
    #[test]
    fn go_sdk_vector_3() {
        let run = |method, query, payload_hash| {
            compute(&HuaweiInput {
                access_key: "AccessKey",
                secret_key: "SecretKey",
                sdk_date: "20060102T150405Z",
                method,
                path: "/path",
                query,
                headers: &[("X-Sdk-Date", "20060102T150405Z")],
                payload_hash,
            })
        };
        let get = run("GET", "limit=1", EMPTY_HASH);
        assert_eq!(
            get.canonical_request,
            format!(
                "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n{EMPTY_HASH}"
            )
        );
        assert_eq!(
            get.authorization,
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, \
             Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"
        );

        let body_hash = sha256_hex(b"{\"Name\":\"test\",\"Id\":1}\n");
        assert_eq!(
            body_hash,
            "a29d7b4c5efd1a22011d69fd7b7aee76fe51e4083c609244228de258afd61289"
        );
        assert_eq!(
            run("POST", "key=value", &body_hash).signature,
            "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"
        );
    }

    /// The Go SDK's canonical-query check (vector 3), from a query as a client would escape it.
    #[test]
    fn go_sdk_canonical_query() {
        let raw = "test=%E4%B8%80%20(%26%3D%3F!%23%25.*)&path=/tmp/123&multi=3&multi=1&multi=2&limit=1&enable=true";
        assert_eq!(
            canonical_query(raw),
            "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&\
             test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
        );
    }

    #[test]
    fn canonical_uri_always_ends_with_a_slash() {
        assert_eq!(huawei_canonical_uri(""), "/");
        assert_eq!(huawei_canonical_uri("/path"), "/path/");
        assert_eq!(huawei_canonical_uri("/path/"), "/path/");
    }

    #[test]
    fn content_sha256_header_replaces_the_body_hash() {
        let req = HttpRequest::new("POST", "https://x/").with_body("form");
        assert_eq!(payload_hash(&req), sha256_hex(b"form"));
        let req = req.with_header("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
        assert_eq!(payload_hash(&req), "UNSIGNED-PAYLOAD");
    }

    #[test]
    fn sign_adds_date_and_host() {
        let creds = Credentials::new()
            .with("access_key", "AK")
            .with("secret_key", "SK");
        let mut req = HttpRequest::new(
            "POST",
            "https://ocr.cn-north-4.myhuaweicloud.com/v2/p/ocr/vat-invoice",
        )
        .with_header("Content-Type", "application/json;charset=UTF-8")
        .with_body("{}");
        let ctx = SignContext {
            params: &[],
            region: None,
            credentials: &creds,
            now: time("20240101T000000Z"),
            nonce: "",
        };
        sign(&mut req, &ctx).unwrap();
        assert_eq!(req.header("X-Sdk-Date"), Some("20240101T000000Z"));
        assert_eq!(req.header("Host"), Some("ocr.cn-north-4.myhuaweicloud.com"));
        assert!(req.header("Authorization").unwrap().starts_with(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-sdk-date, Signature="
        ));
    }
}
