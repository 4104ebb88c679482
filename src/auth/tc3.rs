//! TC3-HMAC-SHA256, the Tencent Cloud API 3.0 signature (v3).
//!
//! Canonical request → string to sign (algorithm, Unix timestamp, credential scope
//! `date/service/tc3_request`, hashed canonical request) → signing key derived from
//! `"TC3" + SecretKey`, the UTC date and the service → lowercase hex HMAC-SHA256. The signer
//! signs `content-type;host;x-tc-action`, as the current Tencent docs and demos do; the verifier
//! accepts any signed set that includes `content-type` and `host` (the Go SDK signs only those).

use chrono::{DateTime, Utc};

use super::canonical::{HeaderRules, canonical_headers, canonical_request, pick_headers};
use super::crypto::{hex_lower, hmac_sha256, hmac_sha256_chain, sha256_hex};
use super::verification::{
    check_key_id, check_signature, check_skew, parse_authorization, require_signed,
    required_header, signature_header, signed_header_values, split_credential,
};
use super::{
    AuthError, CredentialSpec, HttpRequest, ParamSpec, SignContext, VerifyContext, VerifyError,
    param, require_param,
};

/// The algorithm name, first word of the `Authorization` header.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The last part of the credential scope.
const TERMINATOR: &str = "tc3_request";
/// API 3.0 always signs the canonical URI `/` (the SDKs hard-code it, whatever the path).
const CANONICAL_URI: &str = "/";
/// The `X-TC-Content-SHA256` value that exempts the body from the signature.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The headers this signer covers.
const SIGNED_HEADERS: [&str; 3] = ["content-type", "host", "x-tc-action"];
/// Tencent lower-cases and trims both names and values.
const HEADER_RULES: HeaderRules = HeaderRules {
    lowercase_values: true,
    collapse_spaces: false,
    sort_values: false,
};

const SECRET_ID: &str = "secret_id";
const SECRET_KEY: &str = "secret_key";
const TOKEN: &str = "token";
const SERVICE: &str = "service";
const ACTION: &str = "action";
const VERSION: &str = "version";

/// Credentials read by `tc3-hmac-sha256`.
pub(crate) const CREDENTIALS: &[CredentialSpec] = &[
    CredentialSpec {
        name: SECRET_ID,
        required: true,
        doc: "SecretId (AKID…), sent in the Authorization credential",
    },
    CredentialSpec {
        name: SECRET_KEY,
        required: true,
        doc: "SecretKey, the HMAC key",
    },
    CredentialSpec {
        name: TOKEN,
        required: false,
        doc: "session token of temporary credentials, sent as X-TC-Token",
    },
];

/// Spec parameters of `tc3-hmac-sha256`. The region is not one: the runtime picks it per call.
pub(crate) const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: SERVICE,
        required: true,
        default: None,
        doc: "product in the credential scope, e.g. `ocr`",
    },
    ParamSpec {
        name: ACTION,
        required: true,
        default: None,
        doc: "API name sent as X-TC-Action, e.g. `VatInvoiceOCR`",
    },
    ParamSpec {
        name: VERSION,
        required: true,
        default: None,
        doc: "API version sent as X-TC-Version, e.g. `2018-11-19`",
    },
];

/// Everything one TC3 signature depends on.
pub struct Tc3Input<'a> {
    /// SecretId; appears in the Authorization header only.
    pub secret_id: &'a str,
    /// SecretKey.
    pub secret_key: &'a str,
    /// Service in the credential scope (`ocr`).
    pub service: &'a str,
    /// Signing time; its Unix seconds go into the string to sign, its UTC date into the scope.
    pub timestamp: DateTime<Utc>,
    /// HTTP method as sent.
    pub method: &'a str,
    /// The raw query string (empty for POST).
    pub query: &'a str,
    /// The headers to sign, `(name, value)` as sent.
    pub headers: &'a [(&'a str, &'a str)],
    /// Lowercase hex SHA-256 of the body (see [`payload_hash`]).
    pub payload_hash: &'a str,
}

/// A TC3 signature with every intermediate value.
pub struct Tc3Signature {
    /// `YYYY-MM-DD`, the UTC date of the timestamp.
    pub date: String,
    /// The canonical request.
    pub canonical_request: String,
    /// Hex SHA-256 of the canonical request.
    pub hashed_canonical_request: String,
    /// `date/service/tc3_request`.
    pub credential_scope: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// `HMAC("TC3" + SecretKey, date)`.
    pub secret_date: [u8; 32],
    /// `HMAC(secret_date, service)`.
    pub secret_service: [u8; 32],
    /// `HMAC(secret_service, "tc3_request")`.
    pub secret_signing: [u8; 32],
    /// Lowercase hex `HMAC(secret_signing, string_to_sign)`.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Runs the TC3 algorithm.
pub fn compute(input: &Tc3Input<'_>) -> Tc3Signature {
    let date = input.timestamp.format("%Y-%m-%d").to_string();
    let headers = canonical_headers(input.headers, HEADER_RULES);
    let canonical_request = canonical_request(
        input.method,
        CANONICAL_URI,
        input.query,
        &headers,
        input.payload_hash,
    );
    let hashed_canonical_request = sha256_hex(canonical_request.as_bytes());
    let credential_scope = format!("{date}/{}/{TERMINATOR}", input.service);
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{credential_scope}\n{hashed_canonical_request}",
        input.timestamp.timestamp()
    );
    let seed = format!("TC3{}", input.secret_key);
    let [secret_date, secret_service, secret_signing] =
        hmac_sha256_chain(seed.as_bytes(), [&date, input.service, TERMINATOR]);
    let signature = hex_lower(&hmac_sha256(&secret_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{credential_scope}, SignedHeaders={}, Signature={signature}",
        input.secret_id, headers.signed
    );
    Tc3Signature {
        date,
        canonical_request,
        hashed_canonical_request,
        credential_scope,
        string_to_sign,
        secret_date,
        secret_service,
        secret_signing,
        signature,
        authorization,
    }
}

/// The hashed payload of `req`: SHA-256 of the body, or of the literal `UNSIGNED-PAYLOAD` when
/// the request opts out with `X-TC-Content-SHA256: UNSIGNED-PAYLOAD` (a Go SDK option).
pub fn payload_hash(req: &HttpRequest) -> String {
    match req.header("X-TC-Content-SHA256") {
        Some(v) if v.eq_ignore_ascii_case(UNSIGNED_PAYLOAD) => {
            sha256_hex(UNSIGNED_PAYLOAD.as_bytes())
        }
        _ => sha256_hex(&req.body),
    }
}

/// The `Content-Type` the Tencent SDKs send when the caller set none.
fn default_content_type(method: &str) -> &'static str {
    if method.eq_ignore_ascii_case("GET") {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    }
}

/// Adds `Host`/`Content-Type` when absent, the `X-TC-*` headers and `Authorization`.
pub(crate) fn sign(req: &mut HttpRequest, ctx: &SignContext<'_>) -> Result<(), AuthError> {
    let secret_id = ctx.credentials.require(SECRET_ID)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let service = require_param(ctx.params, SERVICE)?;
    let action = require_param(ctx.params, ACTION)?;
    let version = require_param(ctx.params, VERSION)?;
    let url = req.url_parts()?;

    req.set_header_if_absent("Host", url.host);
    req.set_header_if_absent("Content-Type", default_content_type(&req.method));
    req.set_header("X-TC-Action", action);
    req.set_header("X-TC-Timestamp", ctx.now.timestamp().to_string());
    req.set_header("X-TC-Version", version);
    if let Some(region) = ctx.region {
        req.set_header("X-TC-Region", region);
    }
    if let Some(token) = ctx.credentials.optional(TOKEN) {
        req.set_header("X-TC-Token", token);
    }

    let headers = pick_headers(req, |name| SIGNED_HEADERS.contains(&name));
    let signature = compute(&Tc3Input {
        secret_id,
        secret_key,
        service,
        timestamp: ctx.now,
        method: &req.method,
        query: &url.query,
        headers: &headers,
        payload_hash: &payload_hash(req),
    });
    req.set_header("Authorization", signature.authorization);
    Ok(())
}

/// Recomputes the signature from the request's `Authorization` (key id, scope, signed headers)
/// and `X-TC-Timestamp`, as Tencent's gateway does.
pub(crate) fn verify(req: &HttpRequest, ctx: &VerifyContext<'_>) -> Result<(), VerifyError> {
    let secret_id = ctx.credentials.require(SECRET_ID)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let auth = parse_authorization(
        signature_header(req, "Authorization")?,
        ALGORITHM,
        "Credential",
    )?;
    let (key_id, [date, service]) = split_credential::<2>(auth.key, TERMINATOR)?;
    check_key_id(key_id, secret_id)?;

    let timestamp = required_header(req, "X-TC-Timestamp")?
        .parse::<i64>()
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or_else(|| VerifyError::MalformedHeader("X-TC-Timestamp".to_owned()))?;
    check_skew(timestamp, ctx)?;
    if date != timestamp.format("%Y-%m-%d").to_string() {
        return Err(VerifyError::ScopeMismatch(
            "credential date is not the UTC date of X-TC-Timestamp".to_owned(),
        ));
    }
    if let Some(expected) = param(ctx.params, SERVICE).filter(|s| *s != service) {
        return Err(VerifyError::ScopeMismatch(format!(
            "credential service is not `{expected}`"
        )));
    }

    require_signed(&auth.signed_headers, &["content-type", "host"])?;
    let url = req.url_parts()?;
    let owned = signed_header_values(req, &auth.signed_headers, &url.host)?;
    let headers: Vec<(&str, &str)> = owned
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let expected = compute(&Tc3Input {
        secret_id,
        secret_key,
        service,
        timestamp,
        method: &req.method,
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

    /// The payload of the official doc vectors (vendors.md §C.2): the `\u672a` escapes are
    /// literal backslash sequences.
    const DOC_PAYLOAD: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    const DOC_PAYLOAD_HASH: &str =
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064";
    const DOC_CONTENT_TYPE: &str = "application/json; charset=utf-8";
    const DOC_TIMESTAMP: i64 = 1551113065;

    fn doc_time() -> DateTime<Utc> {
        DateTime::from_timestamp(DOC_TIMESTAMP, 0).unwrap()
    }

    /// Signs the §C.2 doc request (POST to cvm, DescribeInstances) with the given key and
    /// signed headers.
    fn doc_vector(secret_id: &str, secret_key: &str, sign_action: bool) -> Tc3Signature {
        let all = [
            ("Content-Type", DOC_CONTENT_TYPE),
            ("Host", "cvm.tencentcloudapi.com"),
            ("X-TC-Action", "DescribeInstances"),
        ];
        let headers = if sign_action { &all[..] } else { &all[..2] };
        compute(&Tc3Input {
            secret_id,
            secret_key,
            service: "cvm",
            timestamp: doc_time(),
            method: "POST",
            query: "",
            headers,
            payload_hash: DOC_PAYLOAD_HASH,
        })
    }

    #[test]
    fn doc_payload_hash() {
        assert_eq!(sha256_hex(DOC_PAYLOAD.as_bytes()), DOC_PAYLOAD_HASH);
    }

    /// vendors.md §C.2.1: current doc revision, key of 32 `*`, signs x-tc-action.
    #[test]
    fn current_doc_vector_c_2_1() {
        let sig = doc_vector("AKID-masked", &"*".repeat(32), true);
        assert_eq!(sig.date, "2019-02-25");
        assert_eq!(
            sig.canonical_request,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\
             x-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n\
             35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            sig.hashed_canonical_request,
            "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
        );
        assert_eq!(sig.credential_scope, "2019-02-25/cvm/tc3_request");
        assert_eq!(
            sig.string_to_sign,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
        );
        assert_eq!(
            hex::encode(sig.secret_date),
            "da98fb70dcf6b112dc21038d1eeeb3a95c74b4dcb12c1131f864f6066bd02be0"
        );
        assert_eq!(
            hex::encode(sig.secret_service),
            "8d70cbefb03939f929db64d32dc2ba89b1095620119fe3e050e2b18c5bd2752f"
        );
        assert_eq!(
            hex::encode(sig.secret_signing),
            "b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af"
        );
        assert_eq!(
            sig.signature,
            "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
        );
        assert_eq!(
            sig.authorization,
            "TC3-HMAC-SHA256 Credential=AKID-masked/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host;x-tc-action, \
             Signature=10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
        );
    }

    /// vendors.md §C.2.2 a: earlier doc revision, key with 7 literal `*`, signs content-type;host.
    /// The derived keys are the research notes' self-computed values.
    #[test]
    fn earlier_doc_vector_c_2_2_a() {
        let sig = doc_vector(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
            "Gu5t9xGARNpq86cd98joQYCN3*******",
            false,
        );
        assert_eq!(
            sig.canonical_request,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n\
             content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            sig.hashed_canonical_request,
            "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            sig.string_to_sign,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            hex::encode(sig.secret_date),
            "f1cb4d518a0eda9d5cbbfdb7850983f1e603eeae484edea76e4dd8d8deb5556e"
        );
        assert_eq!(
            hex::encode(sig.secret_service),
            "e7c609ce81bea53546bed2cc904778bef9ca14082e48e67883443ed64e227cd7"
        );
        assert_eq!(
            hex::encode(sig.secret_signing),
            "8aa8ab5755582f576e94bcfe383b8e29325b0ca90c3590d569221c6a63a091ed"
        );
        assert_eq!(
            sig.authorization,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
        );
    }

    /// vendors.md §C.2.2 b: same key, signing x-tc-action too.
    #[test]
    fn earlier_doc_vector_c_2_2_b() {
        let sig = doc_vector("AKID", "Gu5t9xGARNpq86cd98joQYCN3*******", true);
        assert_eq!(
            sig.hashed_canonical_request,
            "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
        );
        assert_eq!(
            sig.signature,
            "be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3"
        );
    }

    /// vendors.md §C.2.3: oldest doc revision (published signature; derived keys and the
    /// x-tc-action variant are the research notes' self-computed values).
    #[test]
    fn oldest_doc_vector_c_2_3() {
        let id = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
        let key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
        let sig = doc_vector(id, key, false);
        assert_eq!(
            hex::encode(sig.secret_date),
            "d1308c81fe71cfd4e06437bbc067b2b8a3d2d8c0e375d547f15c41d5214b395a"
        );
        assert_eq!(
            hex::encode(sig.secret_service),
            "3c7cb7c7795393edc14fd2e0e6434a518564b4504b88e94f5d11bf59ba3e7050"
        );
        assert_eq!(
            hex::encode(sig.secret_signing),
            "ac658d5dde49e9bfdd14e04e062f66b05d9f637d44b8a8d845327d4a77f666b1"
        );
        assert_eq!(
            sig.authorization,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
        assert_eq!(
            doc_vector(id, key, true).signature,
            "644be983de9a8a3f00db8eadaba61467c3b429e2215758ba897b738ca469fd26"
        );
    }

    const OCR_BODY: &str = r#"{"ImageUrl":"https://example.com/invoice.jpg"}"#;

    fn ocr_params() -> [(&'static str, &'static str); 3] {
        [
            ("service", "ocr"),
            ("action", "VatInvoiceOCR"),
            ("version", "2018-11-19"),
        ]
    }

    fn ocr_credentials() -> Credentials {
        Credentials::new()
            .with("secret_id", "AKIDEXAMPLE")
            .with("secret_key", "SECRETKEYEXAMPLE")
    }

    /// vendors.md §C.3 (self-computed by the research notes, not vendor-published), run through
    /// the full `sign` glue: proves which headers are added and that the signature covers them.
    #[test]
    fn self_computed_ocr_vector_c_3_through_sign() {
        let creds = ocr_credentials();
        let params = ocr_params();
        let mut req = HttpRequest::new("POST", "https://ocr.tencentcloudapi.com/")
            .with_header("Content-Type", DOC_CONTENT_TYPE)
            .with_body(OCR_BODY);
        let ctx = SignContext {
            params: &params,
            region: Some("ap-guangzhou"),
            credentials: &creds,
            now: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            nonce: "",
        };
        sign(&mut req, &ctx).unwrap();
        assert_eq!(
            req.header("Authorization"),
            Some(
                "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/ocr/tc3_request, \
                 SignedHeaders=content-type;host;x-tc-action, \
                 Signature=113368f6bc94964b603ae564b00fa1c0175dcac3ce8a2fe3ffe8a62bb0ad22a4"
            )
        );
        assert_eq!(req.header("Host"), Some("ocr.tencentcloudapi.com"));
        assert_eq!(req.header("X-TC-Action"), Some("VatInvoiceOCR"));
        assert_eq!(req.header("X-TC-Timestamp"), Some("1700000000"));
        assert_eq!(req.header("X-TC-Version"), Some("2018-11-19"));
        assert_eq!(req.header("X-TC-Region"), Some("ap-guangzhou"));
        assert_eq!(req.header("X-TC-Token"), None);
        assert_eq!(
            payload_hash(&req),
            "47bb2a119b55b0b21e8e5400db75e7c688c942145d8e50ff0672a66cf9c085ad"
        );
    }

    /// The intermediate values of the self-computed §C.3 vector.
    #[test]
    fn self_computed_ocr_vector_c_3_intermediates() {
        let sig = compute(&Tc3Input {
            secret_id: "AKIDEXAMPLE",
            secret_key: "SECRETKEYEXAMPLE",
            service: "ocr",
            timestamp: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            method: "POST",
            query: "",
            headers: &[
                ("content-type", DOC_CONTENT_TYPE),
                ("host", "ocr.tencentcloudapi.com"),
                ("x-tc-action", "VatInvoiceOCR"),
            ],
            payload_hash: &sha256_hex(OCR_BODY.as_bytes()),
        });
        assert_eq!(
            sig.hashed_canonical_request,
            "116afee06bc3318e00b20db4d3c9d69539500c326ba7380950a48226d7eca580"
        );
        assert_eq!(
            hex::encode(sig.secret_date),
            "77b7f36eac331a242ac79cccd06814f1eec5781421d4576635ee5f033f86a285"
        );
        assert_eq!(
            hex::encode(sig.secret_service),
            "2e9337fe4a6d88bedacf52f0d364a57689a71e2a223e466fcf9bf5def396d27f"
        );
        assert_eq!(
            hex::encode(sig.secret_signing),
            "c4bd0256ebd010bf3fd5c9c21a30b4f22c76e02597612aaf898c18b62eff53fd"
        );
        assert_eq!(
            sig.signature,
            "113368f6bc94964b603ae564b00fa1c0175dcac3ce8a2fe3ffe8a62bb0ad22a4"
        );
    }

    /// The request of §C.2.3 as Tencent's doc sends it, signed by the vendor (content-type;host
    /// only), is accepted: the verifier follows the request's own SignedHeaders.
    #[test]
    fn verify_accepts_the_vendor_signed_doc_request() {
        let creds = Credentials::new()
            .with("secret_id", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE")
            .with("secret_key", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
        let req = HttpRequest::new("POST", "https://cvm.tencentcloudapi.com/")
            .with_header(
                "Authorization",
                "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
                 SignedHeaders=content-type;host, \
                 Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
            )
            .with_header("Content-Type", DOC_CONTENT_TYPE)
            .with_header("Host", "cvm.tencentcloudapi.com")
            .with_header("X-TC-Action", "DescribeInstances")
            .with_header("X-TC-Timestamp", "1551113065")
            .with_header("X-TC-Version", "2017-03-12")
            .with_header("X-TC-Region", "ap-guangzhou")
            .with_body(DOC_PAYLOAD);
        let params = [("service", "cvm")];
        let ctx = VerifyContext {
            params: &params,
            credentials: &creds,
            now: doc_time() + chrono::Duration::seconds(30),
            max_skew: chrono::Duration::minutes(5),
        };
        assert_eq!(verify(&req, &ctx), Ok(()));

        let wrong_service = [("service", "ocr")];
        let ctx = VerifyContext {
            params: &wrong_service,
            ..ctx
        };
        assert!(matches!(
            verify(&req, &ctx),
            Err(VerifyError::ScopeMismatch(_))
        ));
    }

    #[test]
    fn unsigned_payload_header_exempts_the_body() {
        let plain = HttpRequest::new("POST", "https://x/").with_body("abc");
        let unsigned = plain
            .clone()
            .with_header("X-TC-Content-SHA256", "UNSIGNED-PAYLOAD");
        assert_eq!(payload_hash(&plain), sha256_hex(b"abc"));
        assert_eq!(payload_hash(&unsigned), sha256_hex(b"UNSIGNED-PAYLOAD"));
    }

    #[test]
    fn sign_adds_the_session_token_and_defaults_content_type() {
        let creds = ocr_credentials().with("token", "session-token");
        let params = ocr_params();
        let mut req = HttpRequest::new("POST", "https://ocr.tencentcloudapi.com/").with_body("{}");
        let ctx = SignContext {
            params: &params,
            region: None,
            credentials: &creds,
            now: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            nonce: "",
        };
        sign(&mut req, &ctx).unwrap();
        assert_eq!(req.header("X-TC-Token"), Some("session-token"));
        assert_eq!(req.header("Content-Type"), Some("application/json"));
        assert_eq!(req.header("X-TC-Region"), None);
    }

    #[test]
    fn sign_reports_the_missing_param() {
        let creds = ocr_credentials();
        let params = [("service", "ocr"), ("action", "VatInvoiceOCR")];
        let mut req = HttpRequest::new("POST", "https://ocr.tencentcloudapi.com/");
        let ctx = SignContext {
            params: &params,
            region: None,
            credentials: &creds,
            now: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            nonce: "",
        };
        assert_eq!(
            sign(&mut req, &ctx),
            Err(AuthError::MissingParam("version"))
        );
    }

    #[test]
    fn verify_requires_content_type_and_host_to_be_signed() {
        let creds = ocr_credentials();
        let req = HttpRequest::new("POST", "https://ocr.tencentcloudapi.com/")
            .with_header(
                "Authorization",
                "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/ocr/tc3_request, \
                 SignedHeaders=host, Signature=00",
            )
            .with_header("X-TC-Timestamp", "1700000000");
        let ctx = VerifyContext {
            params: &[],
            credentials: &creds,
            now: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            max_skew: chrono::Duration::minutes(5),
        };
        assert!(matches!(
            verify(&req, &ctx),
            Err(VerifyError::MalformedAuthorization(_))
        ));
    }
}
