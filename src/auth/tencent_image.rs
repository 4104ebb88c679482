//! Tencent's legacy image-API signature (多次有效签名, multi-use), used by
//! `recognition.image.myqcloud.com/ocr/invoice`.
//!
//! A plaintext `a=<appid>&b=<bucket>&k=<SecretId>&e=<expiry>&t=<now>&r=<rand>&f=<fileid>` is
//! MACed with HMAC-SHA1 under the SecretKey; the header value is standard Base64 of the raw
//! 20-byte digest followed by the plaintext. The body is not covered. The verifier parses the
//! plaintext's `key=value` pairs in any order (the official SDKs use different layouts).

use chrono::{DateTime, Utc};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::crypto::{constant_time_eq, hmac_sha1, sha256};
use super::verification::{check_key_id, check_skew, signature_header};
use super::{
    AuthError, CredentialSpec, HttpRequest, ParamSpec, SignContext, VerifyContext, VerifyError,
    param,
};

const APP_ID: &str = "app_id";
const SECRET_ID: &str = "secret_id";
const SECRET_KEY: &str = "secret_key";
const TTL_SECONDS: &str = "ttl_seconds";
/// Thirty days, the validity the official samples use.
const DEFAULT_TTL_SECONDS: i64 = 2_592_000;
/// The length of the HMAC-SHA1 digest that prefixes the plaintext.
const DIGEST_LEN: usize = 20;

/// Credentials read by `tencent-image-sha1`.
pub(crate) const CREDENTIALS: &[CredentialSpec] = &[
    CredentialSpec {
        name: APP_ID,
        required: true,
        doc: "account AppID (`a=` in the signature)",
    },
    CredentialSpec {
        name: SECRET_ID,
        required: true,
        doc: "SecretId (`k=` in the signature)",
    },
    CredentialSpec {
        name: SECRET_KEY,
        required: true,
        doc: "SecretKey, the HMAC-SHA1 key",
    },
];

/// Spec parameters of `tencent-image-sha1`.
pub(crate) const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: TTL_SECONDS,
    required: false,
    default: Some("2592000"),
    doc: "signature validity in seconds (`e = t + ttl`); Tencent allows up to about 3 months",
}];

/// The fields of the signed plaintext.
pub struct Plaintext<'a> {
    /// `a`: AppID.
    pub app_id: &'a str,
    /// `b`: bucket; empty for OCR.
    pub bucket: &'a str,
    /// `k`: SecretId.
    pub secret_id: &'a str,
    /// `e`: expiry, Unix seconds (0 for a single-use signature).
    pub expires: i64,
    /// `t`: signing time, Unix seconds.
    pub now: i64,
    /// `r`: random number, at most 10 decimal digits.
    pub rand: u32,
    /// `u`: user id; only some official samples send it (`Some("0")`), the OCR doc omits it.
    pub user_id: Option<&'a str>,
    /// `f`: file id; empty for OCR (not bound to a resource).
    pub file_id: &'a str,
}

impl Plaintext<'_> {
    /// The plaintext in the documented layout (`u` before `f` when present).
    pub fn render(&self) -> String {
        let user = self.user_id.map(|u| format!("&u={u}")).unwrap_or_default();
        format!(
            "a={}&b={}&k={}&e={}&t={}&r={}{user}&f={}",
            self.app_id,
            self.bucket,
            self.secret_id,
            self.expires,
            self.now,
            self.rand,
            self.file_id
        )
    }
}

/// `HMAC-SHA1(SecretKey, plaintext)`, the raw digest.
pub fn digest(secret_key: &str, plaintext: &str) -> [u8; DIGEST_LEN] {
    hmac_sha1(secret_key.as_bytes(), plaintext.as_bytes())
}

/// The header value: Base64 of the digest followed by the plaintext.
pub fn signature(secret_key: &str, plaintext: &str) -> String {
    let mut raw = digest(secret_key, plaintext).to_vec();
    raw.extend_from_slice(plaintext.as_bytes());
    STANDARD.encode(raw)
}

/// The `r=` value for a caller nonce: the nonce itself when it is a decimal number of at most
/// 10 digits that fits in `u32`, otherwise a number derived from its hash, so any nonce format
/// (a UUID, say) yields a valid, deterministic `r`.
pub fn rand_from_nonce(nonce: &str) -> u32 {
    if let Ok(n) = nonce.parse::<u32>() {
        return n;
    }
    // The first four bytes of the hash, big-endian (the first eight hex digits).
    let [a, b, c, d, ..] = sha256(nonce.as_bytes());
    u32::from_be_bytes([a, b, c, d])
}

/// The `ttl_seconds` parameter, or the 30-day default.
fn ttl_seconds(params: &[(&str, &str)]) -> Result<i64, AuthError> {
    let Some(raw) = param(params, TTL_SECONDS) else {
        return Ok(DEFAULT_TTL_SECONDS);
    };
    match raw.parse::<i64>() {
        Ok(ttl) if ttl > 0 => Ok(ttl),
        _ => Err(AuthError::InvalidParam {
            name: TTL_SECONDS,
            reason: "must be a positive number of seconds",
        }),
    }
}

/// Sets `Authorization` to a multi-use signature valid for `ttl_seconds`.
pub(crate) fn sign(req: &mut HttpRequest, ctx: &SignContext<'_>) -> Result<(), AuthError> {
    let app_id = ctx.credentials.require(APP_ID)?;
    let secret_id = ctx.credentials.require(SECRET_ID)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let now = ctx.now.timestamp();
    let expires = now
        .checked_add(ttl_seconds(ctx.params)?)
        .ok_or(AuthError::TimeOutOfRange)?;
    let plaintext = Plaintext {
        app_id,
        bucket: "",
        secret_id,
        expires,
        now,
        rand: rand_from_nonce(ctx.nonce),
        user_id: None,
        file_id: "",
    }
    .render();
    req.set_header("Authorization", signature(secret_key, &plaintext));
    Ok(())
}

/// The `key=value` fields of a plaintext, first occurrence winning.
fn field<'a>(plaintext: &'a str, name: &str) -> Option<&'a str> {
    plaintext
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A Unix-seconds field of the plaintext.
fn time_field(plaintext: &str, name: &str) -> Result<i64, VerifyError> {
    field(plaintext, name)
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| VerifyError::MalformedAuthorization(format!("no numeric `{name}` field")))
}

/// A Unix-seconds value as a time, or the malformed-signature error.
fn to_time(secs: i64) -> Result<DateTime<Utc>, VerifyError> {
    DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| VerifyError::MalformedAuthorization("time field out of range".to_owned()))
}

/// Decodes the signature, checks the SecretId, AppID and MAC, then the validity window: `e` in
/// the future (or, for a single-use `e=0`, `t` within the allowed skew) and `t` not ahead of the
/// clock by more than the skew.
pub(crate) fn verify(req: &HttpRequest, ctx: &VerifyContext<'_>) -> Result<(), VerifyError> {
    let app_id = ctx.credentials.require(APP_ID)?;
    let secret_id = ctx.credentials.require(SECRET_ID)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let malformed = |why: &str| VerifyError::MalformedAuthorization(why.to_owned());

    let raw = STANDARD
        .decode(signature_header(req, "Authorization")?.trim())
        .map_err(|_| malformed("not standard Base64"))?;
    let (presented, plaintext) = raw
        .split_at_checked(DIGEST_LEN)
        .filter(|(_, rest)| !rest.is_empty())
        .ok_or_else(|| malformed("too short to hold a digest and a plaintext"))?;
    let plaintext =
        std::str::from_utf8(plaintext).map_err(|_| malformed("plaintext is not UTF-8"))?;

    check_key_id(field(plaintext, "k").unwrap_or_default(), secret_id)?;
    if field(plaintext, "a") != Some(app_id) {
        return Err(VerifyError::ScopeMismatch(
            "signature is for another AppID".to_owned(),
        ));
    }
    if !constant_time_eq(&digest(secret_key, plaintext), presented) {
        return Err(VerifyError::BadSignature);
    }

    let signed_at = to_time(time_field(plaintext, "t")?)?;
    if signed_at - ctx.now > ctx.max_skew {
        return Err(VerifyError::StaleTimestamp {
            signed_at,
            now: ctx.now,
        });
    }
    match time_field(plaintext, "e")? {
        0 => check_skew(signed_at, ctx),
        e => {
            let expired_at = to_time(e)?;
            if expired_at <= ctx.now {
                Err(VerifyError::Expired { expired_at })
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;

    /// The official worked example (vendors.md §D.3): inputs shared by all rows.
    fn doc_plaintext(expires: i64, user_id: Option<&'static str>, file_id: &'static str) -> String {
        Plaintext {
            app_id: "1252821871",
            bucket: "tencentyun",
            secret_id: "AKIDgaoOYh2kOmJfWVdH4lpfxScG2zPLPGoK",
            expires,
            now: 1_436_077_115,
            rand: 11162,
            user_id,
            file_id,
        }
        .render()
    }

    const DOC_KEY: &str = "nwOKDouy5JctNOlnere4gkVoOUz5EYAb";

    #[test]
    fn doc_vectors_d_3() {
        // (plaintext, HMAC-SHA1 hex, signature); the first three are published, the fourth
        // (OCR-doc layout without `u`) is the research notes' self-computed value.
        let cases = [
            (
                doc_plaintext(1_438_669_115, Some("0"), ""),
                "a=1252821871&b=tencentyun&k=AKIDgaoOYh2kOmJfWVdH4lpfxScG2zPLPGoK&e=1438669115&t=1436077115&r=11162&u=0&f=",
                "a7663988863206640d7d4bcf7b77b5b3110dfeb6",
                "p2Y5iIYyBmQNfUvPe3e1sxEN/rZhPTEyNTI4MjE4NzEmYj10ZW5jZW50eXVuJms9QUtJRGdhb09ZaDJrT21KZldWZEg0bHBmeFNjRzJ6UExQR29LJmU9MTQzODY2OTExNSZ0PTE0MzYwNzcxMTUmcj0xMTE2MiZ1PTAmZj0=",
            ),
            (
                doc_plaintext(1_438_669_115, Some("0"), "tencentyunSignTest"),
                "a=1252821871&b=tencentyun&k=AKIDgaoOYh2kOmJfWVdH4lpfxScG2zPLPGoK&e=1438669115&t=1436077115&r=11162&u=0&f=tencentyunSignTest",
                "4edf486011b88f54e93bff4ce8cf53a24549aca8",
                "Tt9IYBG4j1TpO/9M6M9TokVJrKhhPTEyNTI4MjE4NzEmYj10ZW5jZW50eXVuJms9QUtJRGdhb09ZaDJrT21KZldWZEg0bHBmeFNjRzJ6UExQR29LJmU9MTQzODY2OTExNSZ0PTE0MzYwNzcxMTUmcj0xMTE2MiZ1PTAmZj10ZW5jZW50eXVuU2lnblRlc3Q=",
            ),
            (
                doc_plaintext(0, Some("0"), "tencentyunSignTest"),
                "a=1252821871&b=tencentyun&k=AKIDgaoOYh2kOmJfWVdH4lpfxScG2zPLPGoK&e=0&t=1436077115&r=11162&u=0&f=tencentyunSignTest",
                "7b05df97382940e3766e6ad7eae27962bd33b8ea",
                "ewXflzgpQON2bmrX6uJ5Yr0zuOphPTEyNTI4MjE4NzEmYj10ZW5jZW50eXVuJms9QUtJRGdhb09ZaDJrT21KZldWZEg0bHBmeFNjRzJ6UExQR29LJmU9MCZ0PTE0MzYwNzcxMTUmcj0xMTE2MiZ1PTAmZj10ZW5jZW50eXVuU2lnblRlc3Q=",
            ),
            (
                doc_plaintext(1_438_669_115, None, ""),
                "a=1252821871&b=tencentyun&k=AKIDgaoOYh2kOmJfWVdH4lpfxScG2zPLPGoK&e=1438669115&t=1436077115&r=11162&f=",
                "75909a824a9fa5e8d743a484c17d93cd8c030915",
                "dZCagkqfpejXQ6SEwX2TzYwDCRVhPTEyNTI4MjE4NzEmYj10ZW5jZW50eXVuJms9QUtJRGdhb09ZaDJrT21KZldWZEg0bHBmeFNjRzJ6UExQR29LJmU9MTQzODY2OTExNSZ0PTE0MzYwNzcxMTUmcj0xMTE2MiZmPQ==",
            ),
        ];
        for (plaintext, expected_plaintext, expected_hmac, expected_signature) in cases {
            assert_eq!(plaintext, expected_plaintext);
            assert_eq!(hex::encode(digest(DOC_KEY, &plaintext)), expected_hmac);
            assert_eq!(signature(DOC_KEY, &plaintext), expected_signature);
        }
    }

    fn doc_credentials() -> Credentials {
        Credentials::new()
            .with("app_id", "1252821871")
            .with("secret_id", "AKIDgaoOYh2kOmJfWVdH4lpfxScG2zPLPGoK")
            .with("secret_key", DOC_KEY)
    }

    fn ctx_at(creds: &Credentials, secs: i64) -> VerifyContext<'_> {
        VerifyContext {
            params: &[],
            credentials: creds,
            now: DateTime::from_timestamp(secs, 0).unwrap(),
            max_skew: chrono::Duration::minutes(5),
        }
    }

    fn with_auth(value: &str) -> HttpRequest {
        HttpRequest::new("POST", "https://recognition.image.myqcloud.com/ocr/invoice")
            .with_header("authorization", value)
    }

    /// The published multi-use signature (with bucket and `u=0`) is accepted within its window
    /// and rejected once `e` has passed.
    #[test]
    fn verify_accepts_the_published_signature_until_it_expires() {
        let creds = doc_credentials();
        let req = with_auth(
            "p2Y5iIYyBmQNfUvPe3e1sxEN/rZhPTEyNTI4MjE4NzEmYj10ZW5jZW50eXVuJms9QUtJRGdhb09ZaDJrT21KZldWZEg0bHBmeFNjRzJ6UExQR29LJmU9MTQzODY2OTExNSZ0PTE0MzYwNzcxMTUmcj0xMTE2MiZ1PTAmZj0=",
        );
        assert_eq!(verify(&req, &ctx_at(&creds, 1_437_000_000)), Ok(()));
        assert_eq!(
            verify(&req, &ctx_at(&creds, 1_438_669_115)),
            Err(VerifyError::Expired {
                expired_at: DateTime::from_timestamp(1_438_669_115, 0).unwrap()
            })
        );
        // Signed "in the future" beyond the skew.
        assert!(matches!(
            verify(&req, &ctx_at(&creds, 1_436_077_115 - 3600)),
            Err(VerifyError::StaleTimestamp { .. })
        ));
    }

    /// A single-use signature (`e=0`) is only good close to its `t`.
    #[test]
    fn verify_limits_single_use_signatures_to_the_skew() {
        let creds = doc_credentials();
        let req = with_auth(
            "ewXflzgpQON2bmrX6uJ5Yr0zuOphPTEyNTI4MjE4NzEmYj10ZW5jZW50eXVuJms9QUtJRGdhb09ZaDJrT21KZldWZEg0bHBmeFNjRzJ6UExQR29LJmU9MCZ0PTE0MzYwNzcxMTUmcj0xMTE2MiZ1PTAmZj10ZW5jZW50eXVuU2lnblRlc3Q=",
        );
        assert_eq!(verify(&req, &ctx_at(&creds, 1_436_077_115 + 60)), Ok(()));
        assert!(matches!(
            verify(&req, &ctx_at(&creds, 1_436_077_115 + 3600)),
            Err(VerifyError::StaleTimestamp { .. })
        ));
    }

    #[test]
    fn verify_rejects_other_app_ids_and_garbage() {
        let creds = doc_credentials().with("app_id", "1000000000");
        let req = with_auth(&signature(DOC_KEY, &doc_plaintext(1_438_669_115, None, "")));
        assert!(matches!(
            verify(&req, &ctx_at(&creds, 1_437_000_000)),
            Err(VerifyError::ScopeMismatch(_))
        ));

        let creds = doc_credentials();
        for garbage in ["not base64!", "AAAA", ""] {
            assert!(
                matches!(
                    verify(&with_auth(garbage), &ctx_at(&creds, 1_437_000_000)),
                    Err(VerifyError::MalformedAuthorization(_))
                ),
                "{garbage:?}"
            );
        }
        let no_header = HttpRequest::new("POST", "https://recognition.image.myqcloud.com/");
        assert_eq!(
            verify(&no_header, &ctx_at(&creds, 1_437_000_000)),
            Err(VerifyError::MissingAuthorization("Authorization"))
        );
    }

    #[test]
    fn sign_builds_the_ocr_doc_plaintext() {
        let creds = doc_credentials();
        let params = [("ttl_seconds", "600")];
        let mut req =
            HttpRequest::new("POST", "https://recognition.image.myqcloud.com/ocr/invoice");
        let ctx = SignContext {
            params: &params,
            region: None,
            credentials: &creds,
            now: DateTime::from_timestamp(1_436_077_115, 0).unwrap(),
            nonce: "11162",
        };
        sign(&mut req, &ctx).unwrap();
        let expected_plaintext = "a=1252821871&b=&k=AKIDgaoOYh2kOmJfWVdH4lpfxScG2zPLPGoK&e=1436077715&t=1436077115&r=11162&f=";
        assert_eq!(
            req.header("Authorization"),
            Some(signature(DOC_KEY, expected_plaintext).as_str())
        );
    }

    #[test]
    fn ttl_must_be_positive() {
        assert_eq!(ttl_seconds(&[]), Ok(DEFAULT_TTL_SECONDS));
        assert_eq!(ttl_seconds(&[("ttl_seconds", "60")]), Ok(60));
        for bad in ["0", "-5", "soon"] {
            assert!(matches!(
                ttl_seconds(&[("ttl_seconds", bad)]),
                Err(AuthError::InvalidParam {
                    name: "ttl_seconds",
                    ..
                })
            ));
        }
    }

    #[test]
    fn rand_is_the_nonce_when_numeric_and_derived_otherwise() {
        assert_eq!(rand_from_nonce("11162"), 11162);
        assert_eq!(rand_from_nonce("4294967295"), u32::MAX);
        let derived = rand_from_nonce("55f3919e-3a7d-4174-b117-f150ff25e274");
        assert_eq!(
            derived,
            rand_from_nonce("55f3919e-3a7d-4174-b117-f150ff25e274")
        );
        // The first eight hex digits of the nonce's SHA-256, as a number.
        let hex = crate::auth::crypto::sha256_hex(b"55f3919e-3a7d-4174-b117-f150ff25e274");
        assert_eq!(Some(derived), u32::from_str_radix(&hex[..8], 16).ok());
        assert_ne!(derived, rand_from_nonce("another nonce"));
        // 4294967296 does not fit in u32, so it is hashed rather than truncated.
        assert_ne!(rand_from_nonce("4294967296"), 0);
    }
}
