//! JDCLOUD2-HMAC-SHA256, JD Cloud's API-gateway signature (AWS SigV4 with JD's constants), as
//! JD's AI gateway `aiapi.jdcloud.com` is signed by the APIM SDK the AI docs point to.
//!
//! The signer mimics `jdcloud_apim_sdk`: credential scope `date/jdcloud-api/simpleclient/…` by
//! default, `x-jdcloud-date` and `x-jdcloud-nonce` added, and `content-type`, `host` and every
//! `x-jdcloud-*` header signed. The verifier takes region and service from the request's own
//! credential scope, as JD's gateway does (its Go `BackendSign`), so any official SDK passes.
//!
//! JDCLOUD3 (newer SDKs) is not implemented: no JD API that fapiao speaks uses it, the AI API docs
//! specify JDCLOUD2.

use chrono::{DateTime, Utc};

use super::canonical::{
    HeaderRules, canonical_headers, canonical_query, canonical_request, canonical_uri,
    declared_or_body_hash, is_covered, pick_headers,
};
use super::crypto::{hex_lower, hmac_sha256, hmac_sha256_chain, sha256_hex};
use super::verification::{
    check_key_id, check_signature, check_skew, header_time, parse_authorization, require_signed,
    signature_header, signed_header_values, split_credential,
};
use super::{
    AuthError, CredentialSpec, HttpRequest, ParamSpec, SignContext, VerifyContext, VerifyError,
    param, require_nonce,
};

/// The algorithm name, first word of the `Authorization` header.
pub const ALGORITHM: &str = "JDCLOUD2-HMAC-SHA256";
/// The last part of the credential scope.
const TERMINATOR: &str = "jdcloud2_request";
/// The `x-jdcloud-date` format (UTC).
const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
/// The scope date format.
const SCOPE_DATE_FORMAT: &str = "%Y%m%d";
/// JD's signers trim values and collapse inner runs of spaces.
const HEADER_RULES: HeaderRules = HeaderRules {
    lowercase_values: false,
    collapse_spaces: true,
    sort_values: false,
};
/// The headers whose presence the gateway needs signed.
const REQUIRED_SIGNED: [&str; 2] = ["x-jdcloud-date", "x-jdcloud-nonce"];

const ACCESS_KEY: &str = "access_key";
const SECRET_KEY: &str = "secret_key";
const SERVICE: &str = "service";
const REGION: &str = "region";
/// `jdcloud_apim_sdk`'s `SimpleClient` hard-codes this service.
const DEFAULT_SERVICE: &str = "simpleclient";
/// `jdcloud_apim_sdk` uses this region when the request has none (always, for `SimpleRequest`).
const DEFAULT_REGION: &str = "jdcloud-api";

/// Credentials read by `jdcloud2-hmac-sha256`.
pub(crate) const CREDENTIALS: &[CredentialSpec] = &[
    CredentialSpec {
        name: ACCESS_KEY,
        required: true,
        doc: "AccessKey, sent in the Authorization credential",
    },
    CredentialSpec {
        name: SECRET_KEY,
        required: true,
        doc: "SecretKey, the HMAC key",
    },
];

/// Spec parameters of `jdcloud2-hmac-sha256`.
pub(crate) const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: SERVICE,
        required: false,
        default: Some(DEFAULT_SERVICE),
        doc: "service in the credential scope (the APIM SDK's `simpleclient`)",
    },
    ParamSpec {
        name: REGION,
        required: false,
        default: Some(DEFAULT_REGION),
        doc: "region in the credential scope (the APIM SDK's `jdcloud-api`)",
    },
];

/// Everything one JDCLOUD2 signature depends on.
pub struct Jdcloud2Input<'a> {
    /// AccessKey; appears in the Authorization header only.
    pub access_key: &'a str,
    /// SecretKey.
    pub secret_key: &'a str,
    /// Region in the credential scope.
    pub region: &'a str,
    /// Service in the credential scope.
    pub service: &'a str,
    /// Signing time: the `x-jdcloud-date` value and the scope date.
    pub timestamp: DateTime<Utc>,
    /// HTTP method as sent.
    pub method: &'a str,
    /// The path as sent (re-encoded canonically).
    pub path: &'a str,
    /// The raw query string (canonicalized here).
    pub query: &'a str,
    /// The headers to sign, `(name, value)` as sent.
    pub headers: &'a [(&'a str, &'a str)],
    /// Lowercase hex SHA-256 of the body (see [`payload_hash`]).
    pub payload_hash: &'a str,
}

/// The derived keys of JDCLOUD2.
pub struct SigningKeys {
    /// `HMAC("JDCLOUD2" + SecretKey, YYYYMMDD)`.
    pub k_date: [u8; 32],
    /// `HMAC(k_date, region)`.
    pub k_region: [u8; 32],
    /// `HMAC(k_region, service)`.
    pub k_service: [u8; 32],
    /// `HMAC(k_service, "jdcloud2_request")`.
    pub k_signing: [u8; 32],
}

/// A JDCLOUD2 signature with every intermediate value.
pub struct Jdcloud2Signature {
    /// The canonical request.
    pub canonical_request: String,
    /// Hex SHA-256 of the canonical request.
    pub hashed_canonical_request: String,
    /// `YYYYMMDD/region/service/jdcloud2_request`.
    pub credential_scope: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The derived keys.
    pub keys: SigningKeys,
    /// Lowercase hex `HMAC(k_signing, string_to_sign)`.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// `YYYYMMDD/region/service/jdcloud2_request` for the UTC date of `time`.
pub fn credential_scope(time: DateTime<Utc>, region: &str, service: &str) -> String {
    format!(
        "{}/{region}/{service}/{TERMINATOR}",
        time.format(SCOPE_DATE_FORMAT)
    )
}

/// Derives the signing keys for the UTC date of `time`.
pub fn signing_keys(
    secret_key: &str,
    time: DateTime<Utc>,
    region: &str,
    service: &str,
) -> SigningKeys {
    let date = time.format(SCOPE_DATE_FORMAT).to_string();
    let seed = format!("JDCLOUD2{secret_key}");
    let [k_date, k_region, k_service, k_signing] =
        hmac_sha256_chain(seed.as_bytes(), [&date, region, service, TERMINATOR]);
    SigningKeys {
        k_date,
        k_region,
        k_service,
        k_signing,
    }
}

/// Runs the JDCLOUD2 algorithm.
pub fn compute(input: &Jdcloud2Input<'_>) -> Jdcloud2Signature {
    let headers = canonical_headers(input.headers, HEADER_RULES);
    let canonical_request = canonical_request(
        input.method,
        &canonical_uri(input.path),
        &canonical_query(input.query),
        &headers,
        input.payload_hash,
    );
    let hashed_canonical_request = sha256_hex(canonical_request.as_bytes());
    let credential_scope = credential_scope(input.timestamp, input.region, input.service);
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{credential_scope}\n{hashed_canonical_request}",
        input.timestamp.format(DATE_FORMAT)
    );
    let keys = signing_keys(
        input.secret_key,
        input.timestamp,
        input.region,
        input.service,
    );
    let signature = hex_lower(&hmac_sha256(&keys.k_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{credential_scope}, SignedHeaders={}, Signature={signature}",
        input.access_key, headers.signed
    );
    Jdcloud2Signature {
        canonical_request,
        hashed_canonical_request,
        credential_scope,
        string_to_sign,
        keys,
        signature,
        authorization,
    }
}

/// The hashed payload of `req`: the `x-jdcloud-content-sha256` header when present (the SDKs
/// use it, e.g. the APIM SDK's file uploads), otherwise SHA-256 of the body bytes.
pub fn payload_hash(req: &HttpRequest) -> String {
    declared_or_body_hash(req, "x-jdcloud-content-sha256")
}

/// Whether the signer covers the header with this lower-cased name.
fn is_signed_header(name: &str) -> bool {
    is_covered(name, "x-jdcloud-")
}

/// Adds `Host` when absent, `x-jdcloud-date`, `x-jdcloud-nonce` and `Authorization`.
pub(crate) fn sign(req: &mut HttpRequest, ctx: &SignContext<'_>) -> Result<(), AuthError> {
    let access_key = ctx.credentials.require(ACCESS_KEY)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let service = param(ctx.params, SERVICE).unwrap_or(DEFAULT_SERVICE);
    let region = param(ctx.params, REGION).unwrap_or(DEFAULT_REGION);
    let nonce = require_nonce(ctx)?;
    let url = req.url_parts()?;

    req.set_header_if_absent("Host", url.host);
    req.set_header("x-jdcloud-date", ctx.now.format(DATE_FORMAT).to_string());
    req.set_header("x-jdcloud-nonce", nonce);

    let headers = pick_headers(req, is_signed_header);
    let signature = compute(&Jdcloud2Input {
        access_key,
        secret_key,
        region,
        service,
        timestamp: ctx.now,
        method: &req.method,
        path: &url.path,
        query: &url.query,
        headers: &headers,
        payload_hash: &payload_hash(req),
    });
    req.set_header("Authorization", signature.authorization);
    Ok(())
}

/// Recomputes the signature from the request's `Authorization` (key, region, service, signed
/// headers) and `x-jdcloud-date`, as JD's gateway does.
pub(crate) fn verify(req: &HttpRequest, ctx: &VerifyContext<'_>) -> Result<(), VerifyError> {
    let access_key = ctx.credentials.require(ACCESS_KEY)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let auth = parse_authorization(
        signature_header(req, "Authorization")?,
        ALGORITHM,
        "Credential",
    )?;
    let (key_id, [date, region, service]) = split_credential::<3>(auth.key, TERMINATOR)?;
    check_key_id(key_id, access_key)?;

    let timestamp = header_time(req, "x-jdcloud-date", DATE_FORMAT)?;
    check_skew(timestamp, ctx)?;
    if date != timestamp.format(SCOPE_DATE_FORMAT).to_string() {
        return Err(VerifyError::ScopeMismatch(
            "credential date is not the date of x-jdcloud-date".to_owned(),
        ));
    }

    require_signed(&auth.signed_headers, &REQUIRED_SIGNED)?;
    let url = req.url_parts()?;
    let owned = signed_header_values(req, &auth.signed_headers, &url.host)?;
    let headers: Vec<(&str, &str)> = owned
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let expected = compute(&Jdcloud2Input {
        access_key,
        secret_key,
        region,
        service,
        timestamp,
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
    use chrono::NaiveDateTime;

    fn time(value: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(value, DATE_FORMAT)
            .unwrap()
            .and_utc()
    }

    /// vendors.md §E.3.1: the official doc example, every intermediate value.
    #[test]
    fn official_doc_example_e_3_1() {
        let sig = compute(&Jdcloud2Input {
            access_key: "TESTAK",
            secret_key: "TESTSK",
            region: "cn-north-1",
            service: "test",
            timestamp: time("20190214T104514Z"),
            method: "POST",
            path: "/v1/resource:action",
            query: "p1=p1&p0=p0&o=%&u=u",
            headers: &[
                ("x-jdcloud-date", "20190214T104514Z"),
                ("x-jdcloud-nonce", "testnonce"),
                ("x-my-header", "test"),
                ("x-my-header_blank", "  blank"),
            ],
            payload_hash: &sha256_hex(b"body data"),
        });
        assert_eq!(
            sha256_hex(b"body data"),
            "e51832a118eeff7ad976d635b7d04538e362e4c21bd0f6253580b0a83a209074"
        );
        assert_eq!(
            sig.canonical_request,
            "POST\n/v1/resource%3Aaction\no=%25&p0=p0&p1=p1&u=u\nx-jdcloud-date:20190214T104514Z\n\
             x-jdcloud-nonce:testnonce\nx-my-header:test\nx-my-header_blank:blank\n\n\
             x-jdcloud-date;x-jdcloud-nonce;x-my-header;x-my-header_blank\n\
             e51832a118eeff7ad976d635b7d04538e362e4c21bd0f6253580b0a83a209074"
        );
        assert_eq!(
            sig.hashed_canonical_request,
            "fb2e317056269590681d091f8eb22272967c0b922b2deda887312215ea4eed4c"
        );
        assert_eq!(
            sig.string_to_sign,
            "JDCLOUD2-HMAC-SHA256\n20190214T104514Z\n20190214/cn-north-1/test/jdcloud2_request\n\
             fb2e317056269590681d091f8eb22272967c0b922b2deda887312215ea4eed4c"
        );
        assert_eq!(
            hex::encode(sig.keys.k_date),
            "dbbdee87f18afeedd6456923587f5323b90c3a77fbc6e381b243c90c672d5daf"
        );
        assert_eq!(
            hex::encode(sig.keys.k_region),
            "78e1da51757851329da8e31a6bad9f509c4816cacb8d5b2b9d171e49498ce4b6"
        );
        assert_eq!(
            hex::encode(sig.keys.k_service),
            "44050ec21c8e839f36ff5b2d44ec4a5876f4ffd6ef9a7a692a3eba40396bdb68"
        );
        assert_eq!(
            hex::encode(sig.keys.k_signing),
            "a4e50bcb6001be0008696b173c30172b5ce22a77db00d21c6a9d69de2ba33b7d"
        );
        assert_eq!(
            sig.authorization,
            "JDCLOUD2-HMAC-SHA256 Credential=TESTAK/20190214/cn-north-1/test/jdcloud2_request, \
             SignedHeaders=x-jdcloud-date;x-jdcloud-nonce;x-my-header;x-my-header_blank, \
             Signature=2a98f83c074e7bee260bfc8ef64f009c07595bd93f7f0c3f4e156bf6479ed9bf"
        );
    }

    /// The §E.3.1 request as the doc sends it passes the verifier: scope region and service come
    /// from the request, not from this verifier's parameters.
    #[test]
    fn verify_accepts_the_doc_example_request() {
        let req = HttpRequest::new(
            "POST",
            "http://test.jdcloud-api.com/v1/resource:action?p1=p1&p0=p0&o=%&u=u",
        )
        .with_header("x-jdcloud-date", "20190214T104514Z")
        .with_header("x-jdcloud-nonce", "testnonce")
        .with_header("x-my-header", "test")
        .with_header("x-my-header_blank", "  blank")
        .with_header(
            "Authorization",
            "JDCLOUD2-HMAC-SHA256 Credential=TESTAK/20190214/cn-north-1/test/jdcloud2_request, \
             SignedHeaders=x-jdcloud-date;x-jdcloud-nonce;x-my-header;x-my-header_blank, \
             Signature=2a98f83c074e7bee260bfc8ef64f009c07595bd93f7f0c3f4e156bf6479ed9bf",
        )
        .with_body("body data");
        let creds = Credentials::new()
            .with("access_key", "TESTAK")
            .with("secret_key", "TESTSK");
        let ctx = VerifyContext {
            params: &[],
            credentials: &creds,
            now: time("20190214T104800Z"),
            max_skew: chrono::Duration::minutes(5),
        };
        assert_eq!(verify(&req, &ctx), Ok(()));
    }

    /// The JD Go gateway signer's request (vendors.md §E.3.2): query, headers and key shared by
    /// both of its tests.
    fn go_gateway_input<'a>(
        method: &'a str,
        headers: &'a [(&'a str, &'a str)],
        payload_hash: &'a str,
    ) -> Jdcloud2Input<'a> {
        Jdcloud2Input {
            access_key: "access key",
            secret_key: "secret key",
            region: "cn-north-1",
            service: "test",
            timestamp: time("20190214T104514Z"),
            method,
            path: "/v1/region/cn-north-1/test",
            query: "filters.1.name=id&filters.1.values.1=v1&filters.1.values.2=v2",
            headers,
            payload_hash,
        }
    }

    /// vendors.md §E.3.2 a, `TestSigner`, in the verified form (body `this is body`).
    #[test]
    fn go_gateway_signer_e_3_2_a() {
        let body_hash = sha256_hex(b"this is body");
        let headers = [
            ("content-type", "application/json"),
            ("host", "test.cn-north-1.jdcloud-api.net"),
            ("x-jdcloud-date", "20190214T104514Z"),
            ("x-jdcloud-nonce", "test nonce"),
        ];
        let sig = compute(&go_gateway_input("POST", &headers, &body_hash));
        assert_eq!(
            sig.canonical_request,
            "POST\n/v1/region/cn-north-1/test\n\
             filters.1.name=id&filters.1.values.1=v1&filters.1.values.2=v2\n\
             content-type:application/json\nhost:test.cn-north-1.jdcloud-api.net\n\
             x-jdcloud-date:20190214T104514Z\nx-jdcloud-nonce:test nonce\n\n\
             content-type;host;x-jdcloud-date;x-jdcloud-nonce\n\
             ed2fb3c1b64d0fed98834f78ef945dbe8b9659657da9154e0b07226ea9eea6d5"
        );
        assert_eq!(
            sig.hashed_canonical_request,
            "ca8f4eed6140679c992de60445704529ce62017d1a1f7b0a1ff1246f52636a4d"
        );
        assert_eq!(
            hex::encode(sig.keys.k_signing),
            "44b4ed524bd2dac21d2d225465f170bb8219d47cb0d92c0f1ec9184c467e648f"
        );
        assert_eq!(
            sig.authorization,
            "JDCLOUD2-HMAC-SHA256 Credential=access key/20190214/cn-north-1/test/jdcloud2_request, \
             SignedHeaders=content-type;host;x-jdcloud-date;x-jdcloud-nonce, \
             Signature=ab7f411c1af4d3938f69a24539572418fa4dcdb40e3c0dd4aa329fbca091688e"
        );

        // Self-computed by the research notes: the same request with the empty body the Go
        // test file literally passes.
        let empty = compute(&go_gateway_input("POST", &headers, &sha256_hex(b"")));
        assert_eq!(
            empty.signature,
            "e903cd8404d815407f39d075b87e1d1bec3b8443e2675aa44a12660ebcaab1a8"
        );
    }

    /// vendors.md §E.3.2 b, `TestBackSigner`: PATCH without `host` signed.
    #[test]
    fn go_gateway_back_signer_e_3_2_b() {
        let body_hash = sha256_hex(b"this is body");
        let headers = [
            ("content-type", "application/json"),
            ("x-jdcloud-date", "20190214T104514Z"),
            ("x-jdcloud-nonce", "test nonce"),
        ];
        let sig = compute(&go_gateway_input("PATCH", &headers, &body_hash));
        assert_eq!(
            sig.signature,
            "1912eba02012ce6eb482302bae29cfa8e721ad66c188c533f9070e69aad2c896"
        );
    }

    /// vendors.md §E.3.3: JD's Rust signer unit tests.
    #[test]
    fn rust_signer_tests_e_3_3() {
        let t = time("20180405T010203Z");
        assert_eq!(
            hex::encode(signing_keys("sk", t, "cn-north-1", "service_name").k_signing),
            "b302aa05734bcaf60be65a4be7c971669ac55444769681c19113d80460e31a33"
        );
        assert_eq!(
            credential_scope(time("20180101T000000Z"), "cn-north-1", "service_name"),
            "20180101/cn-north-1/service_name/jdcloud2_request"
        );

        let base = |headers| Jdcloud2Input {
            access_key: "ak",
            secret_key: "sk",
            region: "cn-north-1",
            service: "service_name",
            timestamp: t,
            method: "GET",
            path: "/v1/regions/cn-north-1/instances",
            query: "pageNumber=2&pageSize=10",
            headers,
            payload_hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        };
        let only_content_type = compute(&base(&[("content-type", "application/json")]));
        assert_eq!(
            only_content_type.string_to_sign,
            "JDCLOUD2-HMAC-SHA256\n20180405T010203Z\n20180405/cn-north-1/service_name/jdcloud2_request\n\
             cc696ca02602531bc35d4271dec6399149115f8632a7fa828e8d9e969967a03a"
        );

        let signed = compute(&base(&[
            ("content-type", "application/json"),
            ("x-jdcloud-date", "20180405T010203Z"),
            ("x-jdcloud-nonce", "55f3919e-3a7d-4174-b117-f150ff25e274"),
        ]));
        // The canonical request and its hash are the research notes' self-computed intermediates.
        assert_eq!(
            signed.canonical_request,
            "GET\n/v1/regions/cn-north-1/instances\npageNumber=2&pageSize=10\n\
             content-type:application/json\nx-jdcloud-date:20180405T010203Z\n\
             x-jdcloud-nonce:55f3919e-3a7d-4174-b117-f150ff25e274\n\n\
             content-type;x-jdcloud-date;x-jdcloud-nonce\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signed.hashed_canonical_request,
            "e114a7be3025637b19331467ca38fe6b72b6237eaa6355be15b389be8fb4b9fb"
        );
        assert_eq!(
            signed.authorization,
            "JDCLOUD2-HMAC-SHA256 Credential=ak/20180405/cn-north-1/service_name/jdcloud2_request, \
             SignedHeaders=content-type;x-jdcloud-date;x-jdcloud-nonce, \
             Signature=cea138630c57ba3de51933926e3b1657c34b4d1b6f86d360511bf40a09f63729"
        );
    }

    /// The `sign` glue on the Rust signer's request: spec parameters override the APIM scope,
    /// the caller's nonce and time are sent, `host` is signed and `User-Agent` is not.
    #[test]
    fn sign_uses_spec_scope_and_caller_nonce() {
        let creds = Credentials::new()
            .with("access_key", "ak")
            .with("secret_key", "sk");
        let params = [("region", "cn-north-1"), ("service", "service_name")];
        let mut req = HttpRequest::new(
            "GET",
            "https://www.jdcloud-api.com/v1/regions/cn-north-1/instances?pageNumber=2&pageSize=10",
        )
        .with_header("content-type", "application/json")
        .with_header("User-Agent", "fapiao");
        let ctx = SignContext {
            params: &params,
            region: None,
            credentials: &creds,
            now: time("20180405T010203Z"),
            nonce: "55f3919e-3a7d-4174-b117-f150ff25e274",
        };
        sign(&mut req, &ctx).unwrap();
        assert_eq!(req.header("x-jdcloud-date"), Some("20180405T010203Z"));
        assert_eq!(
            req.header("x-jdcloud-nonce"),
            Some("55f3919e-3a7d-4174-b117-f150ff25e274")
        );
        let auth = req.header("Authorization").unwrap();
        assert!(auth.starts_with(
            "JDCLOUD2-HMAC-SHA256 Credential=ak/20180405/cn-north-1/service_name/jdcloud2_request, \
             SignedHeaders=content-type;host;x-jdcloud-date;x-jdcloud-nonce, Signature="
        ));
    }

    #[test]
    fn sign_defaults_to_the_apim_sdk_scope() {
        let creds = Credentials::new()
            .with("access_key", "ak")
            .with("secret_key", "sk");
        let mut req = HttpRequest::new("POST", "https://aiapi.jdcloud.com/jdai/ocr_invoice")
            .with_header("Content-Type", "application/octet-stream")
            .with_body(vec![0xff, 0xd8, 0xff]);
        let ctx = SignContext {
            params: &[],
            region: Some("ignored-by-jd"),
            credentials: &creds,
            now: time("20240101T000000Z"),
            nonce: "n",
        };
        sign(&mut req, &ctx).unwrap();
        let auth = req.header("Authorization").unwrap();
        assert!(
            auth.contains("Credential=ak/20240101/jdcloud-api/simpleclient/jdcloud2_request, ")
        );
        assert_eq!(req.header("Host"), Some("aiapi.jdcloud.com"));

        let no_nonce = SignContext { nonce: "", ..ctx };
        assert_eq!(sign(&mut req, &no_nonce), Err(AuthError::MissingNonce));
    }

    #[test]
    fn content_sha256_header_replaces_the_body_hash() {
        let empty_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let req = HttpRequest::new("POST", "https://x/").with_body("image bytes");
        assert_eq!(payload_hash(&req), sha256_hex(b"image bytes"));
        let req = req.with_header("x-jdcloud-content-sha256", empty_hash);
        assert_eq!(payload_hash(&req), empty_hash);
    }

    #[test]
    fn verify_requires_date_and_nonce_to_be_signed() {
        let creds = Credentials::new()
            .with("access_key", "ak")
            .with("secret_key", "sk");
        let req = HttpRequest::new("POST", "https://x/")
            .with_header("x-jdcloud-date", "20240101T000000Z")
            .with_header(
                "Authorization",
                "JDCLOUD2-HMAC-SHA256 Credential=ak/20240101/r/s/jdcloud2_request, \
                 SignedHeaders=x-jdcloud-date, Signature=00",
            );
        let ctx = VerifyContext {
            params: &[],
            credentials: &creds,
            now: time("20240101T000000Z"),
            max_skew: chrono::Duration::minutes(5),
        };
        assert_eq!(
            verify(&req, &ctx),
            Err(VerifyError::MalformedAuthorization(
                "SignedHeaders must include x-jdcloud-nonce".to_owned()
            ))
        );
    }
}
