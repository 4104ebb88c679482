//! icuapi's `C-Date` / `C-Secret` / `Sign` headers.
//!
//! No vendor documentation of this scheme is public; it is read from a public client
//! (vendors.md §F.2): the query parameters and the top-level fields of the JSON body, plus
//! `cSecretId` and `cDate`, minus empty values, sorted by key and joined as `key=value&…` without
//! URL encoding; `Sign` is Base64 of the *hex* HMAC-SHA1 of that string. `C-Date` is a local
//! China time (`yyyy-MM-dd HH:mm:ss`, UTC+8), which the server presumably checks for freshness.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::crypto::{hex_lower, hmac_sha1};
use super::verification::{
    check_key_id, check_signature, check_skew, required_header, signature_header,
};
use super::{AuthError, CredentialSpec, HttpRequest, SignContext, VerifyContext, VerifyError};

const SECRET_ID: &str = "secret_id";
const SECRET_KEY: &str = "secret_key";
/// The `C-Date` layout (Java `yyyy-MM-dd HH:mm:ss`).
const C_DATE_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// China Standard Time, UTC+8 all year; the client sends JVM local time, presumably this.
const CHINA_TIME: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// Credentials read by `icuapi`.
pub(crate) const CREDENTIALS: &[CredentialSpec] = &[
    CredentialSpec {
        name: SECRET_ID,
        required: true,
        doc: "secretId, sent as C-Secret and signed as cSecretId",
    },
    CredentialSpec {
        name: SECRET_KEY,
        required: true,
        doc: "secretKey, the HMAC-SHA1 key",
    },
];

/// Everything one icuapi signature depends on.
pub struct IcuapiInput<'a> {
    /// secretId.
    pub secret_id: &'a str,
    /// secretKey.
    pub secret_key: &'a str,
    /// The `C-Date` header value.
    pub c_date: &'a str,
    /// The raw query string.
    pub query: &'a str,
    /// The body: empty, or a JSON object whose top-level fields are signed.
    pub body: &'a [u8],
}

/// An icuapi signature with its intermediate values.
pub struct IcuapiSignature {
    /// The signed fields, sorted, empty values removed.
    pub fields: BTreeMap<String, String>,
    /// `key=value&…` over `fields`.
    pub string_to_sign: String,
    /// Lowercase hex HMAC-SHA1 of the string to sign.
    pub hmac_hex: String,
    /// The `Sign` header value: Base64 of `hmac_hex`'s ASCII bytes.
    pub sign: String,
}

/// A JSON value as the Java client's `toString()` renders it: strings raw, numbers and booleans
/// as written, `null` as absent; nested arrays/objects as compact JSON (a guess — icuapi's
/// invoice API only has scalar fields).
fn field_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(_) | Value::Object(_) => Some(value.to_string()),
    }
}

/// The top-level fields of a JSON-object body (none for an empty body).
fn body_fields(body: &[u8]) -> Result<Map<String, Value>, AuthError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    serde_json::from_slice(body)
        .map_err(|_| AuthError::UnsupportedBody("icuapi signs the fields of a JSON object body"))
}

/// The fields icuapi signs: query parameters (decoded), then body fields (which win on a name
/// clash, as a later `put` does in the client's map), then `cSecretId` and `cDate`; empty values
/// dropped.
pub fn signed_fields(input: &IcuapiInput<'_>) -> Result<BTreeMap<String, String>, AuthError> {
    let mut fields: BTreeMap<String, String> = url::form_urlencoded::parse(input.query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for (name, value) in body_fields(input.body)? {
        match field_text(&value) {
            Some(text) => fields.insert(name, text),
            None => fields.remove(&name),
        };
    }
    fields.insert("cSecretId".to_owned(), input.secret_id.to_owned());
    fields.insert("cDate".to_owned(), input.c_date.to_owned());
    fields.retain(|_, value| !value.is_empty());
    Ok(fields)
}

/// Runs the icuapi algorithm.
pub fn compute(input: &IcuapiInput<'_>) -> Result<IcuapiSignature, AuthError> {
    let fields = signed_fields(input)?;
    let string_to_sign = fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let hmac_hex = hex_lower(&hmac_sha1(
        input.secret_key.as_bytes(),
        string_to_sign.as_bytes(),
    ));
    let sign = STANDARD.encode(&hmac_hex);
    Ok(IcuapiSignature {
        fields,
        string_to_sign,
        hmac_hex,
        sign,
    })
}

/// `C-Date` for a UTC instant: China local time.
pub fn c_date(now: DateTime<Utc>) -> String {
    now.with_timezone(&CHINA_TIME)
        .format(C_DATE_FORMAT)
        .to_string()
}

/// Adds `C-Date`, `C-Secret` and `Sign`.
pub(crate) fn sign(req: &mut HttpRequest, ctx: &SignContext<'_>) -> Result<(), AuthError> {
    let secret_id = ctx.credentials.require(SECRET_ID)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let date = c_date(ctx.now);
    let url = req.url_parts()?;
    let signature = compute(&IcuapiInput {
        secret_id,
        secret_key,
        c_date: &date,
        query: &url.query,
        body: &req.body,
    })?;
    req.set_header("C-Date", date);
    req.set_header("C-Secret", secret_id);
    req.set_header("Sign", signature.sign);
    Ok(())
}

/// Checks `C-Secret`, the freshness of `C-Date` and `Sign`.
pub(crate) fn verify(req: &HttpRequest, ctx: &VerifyContext<'_>) -> Result<(), VerifyError> {
    let secret_id = ctx.credentials.require(SECRET_ID)?;
    let secret_key = ctx.credentials.require(SECRET_KEY)?;
    let presented = signature_header(req, "Sign")?;
    check_key_id(required_header(req, "C-Secret")?, secret_id)?;

    let date = required_header(req, "C-Date")?;
    let signed_at = NaiveDateTime::parse_from_str(date, C_DATE_FORMAT)
        .ok()
        .and_then(|local| local.and_local_timezone(CHINA_TIME).single())
        .ok_or_else(|| VerifyError::MalformedHeader("C-Date".to_owned()))?
        .to_utc();
    check_skew(signed_at, ctx)?;

    let url = req.url_parts()?;
    let expected = compute(&IcuapiInput {
        secret_id,
        secret_key,
        c_date: date,
        query: &url.query,
        body: &req.body,
    })?;
    check_signature(&expected.sign, presented.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;

    const BODY: &str = r#"{"ImageUrl":"https://example.com/invoice.jpg"}"#;

    fn credentials() -> Credentials {
        Credentials::new()
            .with("secret_id", "EXAMPLESECRETID")
            .with("secret_key", "EXAMPLESECRETKEY")
    }

    /// 2024-01-01 12:00:00 in China.
    fn vector_time() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-01-01T04:00:00Z")
            .unwrap()
            .to_utc()
    }

    /// vendors.md §F.2, the research notes' self-computed example (no vendor vector exists).
    #[test]
    fn self_computed_example_f_2() {
        let sig = compute(&IcuapiInput {
            secret_id: "EXAMPLESECRETID",
            secret_key: "EXAMPLESECRETKEY",
            c_date: "2024-01-01 12:00:00",
            query: "",
            body: BODY.as_bytes(),
        })
        .unwrap();
        assert_eq!(
            sig.string_to_sign,
            "ImageUrl=https://example.com/invoice.jpg&cDate=2024-01-01 12:00:00&cSecretId=EXAMPLESECRETID"
        );
        assert_eq!(sig.hmac_hex, "0ebaf4e0ec393471bbfe5825221b978608eff964");
        assert_eq!(
            sig.sign,
            "MGViYWY0ZTBlYzM5MzQ3MWJiZmU1ODI1MjIxYjk3ODYwOGVmZjk2NA=="
        );
    }

    #[test]
    fn sign_sends_china_local_time_and_the_example_signature() {
        let creds = credentials();
        let mut req = HttpRequest::new("POST", "http://api.icuapi.com/openapi/ocr/invoice")
            .with_header("Content-Type", "application/json;charset=utf-8")
            .with_body(BODY);
        let ctx = SignContext {
            params: &[],
            region: None,
            credentials: &creds,
            now: vector_time(),
            nonce: "",
        };
        sign(&mut req, &ctx).unwrap();
        assert_eq!(req.header("C-Date"), Some("2024-01-01 12:00:00"));
        assert_eq!(req.header("C-Secret"), Some("EXAMPLESECRETID"));
        assert_eq!(
            req.header("Sign"),
            Some("MGViYWY0ZTBlYzM5MzQ3MWJiZmU1ODI1MjIxYjk3ODYwOGVmZjk2NA==")
        );
    }

    #[test]
    fn fields_merge_query_and_body_drop_empties_and_sort_ascii() {
        let fields = signed_fields(&IcuapiInput {
            secret_id: "id",
            secret_key: "k",
            c_date: "d",
            query: "b=1&Z=q+r&empty=",
            body: br#"{"IsPdf": true, "PdfPageNumber": 2, "ImageBase64": "", "Gone": null, "b": "body"}"#,
        })
        .unwrap();
        let rendered: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            rendered,
            [
                "IsPdf=true",
                "PdfPageNumber=2",
                "Z=q r",
                "b=body",
                "cDate=d",
                "cSecretId=id"
            ]
        );
    }

    #[test]
    fn non_object_bodies_cannot_be_signed() {
        for body in [&b"[1,2]"[..], b"not json", b"\"text\""] {
            let input = IcuapiInput {
                secret_id: "id",
                secret_key: "k",
                c_date: "d",
                query: "",
                body,
            };
            assert!(matches!(
                compute(&input),
                Err(AuthError::UnsupportedBody(_))
            ));
        }
    }

    #[test]
    fn verify_checks_secret_id_date_and_sign() {
        let creds = credentials();
        let signed = HttpRequest::new("POST", "http://api.icuapi.com/openapi/ocr/invoice")
            .with_header("C-Date", "2024-01-01 12:00:00")
            .with_header("C-Secret", "EXAMPLESECRETID")
            .with_header(
                "Sign",
                "MGViYWY0ZTBlYzM5MzQ3MWJiZmU1ODI1MjIxYjk3ODYwOGVmZjk2NA==",
            )
            .with_body(BODY);
        let ctx = VerifyContext {
            params: &[],
            credentials: &creds,
            now: vector_time() + chrono::Duration::seconds(40),
            max_skew: chrono::Duration::minutes(5),
        };
        assert_eq!(verify(&signed, &ctx), Ok(()));

        let mut bad_date = signed.clone();
        bad_date.set_header("C-Date", "2024/01/01 12:00:00");
        assert_eq!(
            verify(&bad_date, &ctx),
            Err(VerifyError::MalformedHeader("C-Date".to_owned()))
        );

        let mut no_secret = signed.clone();
        no_secret.headers.retain(|(n, _)| n != "C-Secret");
        assert_eq!(
            verify(&no_secret, &ctx),
            Err(VerifyError::MissingHeader("C-Secret".to_owned()))
        );
    }
}
