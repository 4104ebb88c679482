//! Steps every verifier takes: find and parse the signature header, match the key id, check the
//! clock, gather the signed headers, compare signatures in constant time.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::crypto::constant_time_eq;
use super::{HttpRequest, VerifyContext, VerifyError};

/// The three fields of a SigV4-style authorization header
/// (`ALGO Credential=…, SignedHeaders=…, Signature=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedAuthorization<'a> {
    /// The key-id field (`Credential=` or `Access=`), scope included.
    pub key: &'a str,
    /// The signed header names, lower-cased, in the order listed.
    pub signed_headers: Vec<String>,
    /// The presented signature.
    pub signature: &'a str,
}

/// The value of the signature header `name`, or [`VerifyError::MissingAuthorization`].
pub(crate) fn signature_header<'r>(
    req: &'r HttpRequest,
    name: &'static str,
) -> Result<&'r str, VerifyError> {
    req.header(name)
        .ok_or(VerifyError::MissingAuthorization(name))
}

/// Parses `ALGO k=v, k=v, …` (spaces after commas optional, as ACS3 omits them), requiring the
/// algorithm name and the `key_field`, `SignedHeaders` and `Signature` fields.
pub(crate) fn parse_authorization<'a>(
    value: &'a str,
    algorithm: &str,
    key_field: &str,
) -> Result<ParsedAuthorization<'a>, VerifyError> {
    let malformed = |why: &str| VerifyError::MalformedAuthorization(why.to_owned());
    let rest = value
        .trim()
        .strip_prefix(algorithm)
        .filter(|rest| rest.starts_with(' '))
        .ok_or_else(|| malformed(&format!("expected the {algorithm} algorithm")))?;
    let mut fields = Vec::new();
    for part in rest.split(',') {
        let (name, field_value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| malformed("a field is not `name=value`"))?;
        fields.push((name, field_value));
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| malformed(&format!("no {name} field")))
    };
    let signed_headers: Vec<String> = field("SignedHeaders")?
        .split(';')
        .map(str::to_ascii_lowercase)
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(malformed("empty name in SignedHeaders"));
    }
    Ok(ParsedAuthorization {
        key: field(key_field)?,
        signed_headers,
        signature: field("Signature")?,
    })
}

/// Splits `key/scope1/…/scopeN/terminator` into the key id and its `N` scope parts, after
/// checking the terminator (`tc3_request`, `jdcloud2_request`). The key id may itself contain
/// `/`, so the split is from the right.
pub(crate) fn split_credential<'a, const N: usize>(
    credential: &'a str,
    terminator: &str,
) -> Result<(&'a str, [&'a str; N]), VerifyError> {
    let rest = credential
        .strip_suffix(terminator)
        .and_then(|r| r.strip_suffix('/'))
        .ok_or_else(|| {
            VerifyError::MalformedAuthorization(format!(
                "credential scope must end with {terminator}"
            ))
        })?;
    let mut parts = rest.rsplitn(N + 1, '/');
    let mut scope = [""; N];
    for slot in scope.iter_mut().rev() {
        *slot = parts.next().filter(|s| !s.is_empty()).ok_or_else(|| {
            VerifyError::MalformedAuthorization("credential scope is incomplete".to_owned())
        })?;
    }
    let key = parts.next().unwrap_or_default();
    Ok((key, scope))
}

/// Fails with [`VerifyError::UnknownKeyId`] unless the presented key id is the expected one.
pub(crate) fn check_key_id(presented: &str, expected: &str) -> Result<(), VerifyError> {
    if constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::UnknownKeyId)
    }
}

/// Fails with [`VerifyError::BadSignature`] unless the signatures are equal.
pub(crate) fn check_signature(expected: &str, presented: &str) -> Result<(), VerifyError> {
    if constant_time_eq(expected.as_bytes(), presented.as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

/// Fails with [`VerifyError::StaleTimestamp`] when `signed_at` is further than `max_skew` from
/// the verifier's clock, in either direction.
pub(crate) fn check_skew(
    signed_at: DateTime<Utc>,
    ctx: &VerifyContext<'_>,
) -> Result<(), VerifyError> {
    if (ctx.now - signed_at).abs() > ctx.max_skew {
        Err(VerifyError::StaleTimestamp {
            signed_at,
            now: ctx.now,
        })
    } else {
        Ok(())
    }
}

/// Fails with [`VerifyError::MalformedAuthorization`] unless every `required` name is signed.
pub(crate) fn require_signed(signed: &[String], required: &[&str]) -> Result<(), VerifyError> {
    match required
        .iter()
        .find(|name| !signed.iter().any(|s| s == *name))
    {
        Some(name) => Err(VerifyError::MalformedAuthorization(format!(
            "SignedHeaders must include {name}"
        ))),
        None => Ok(()),
    }
}

/// The value of a header the scheme requires.
pub(crate) fn required_header<'r>(
    req: &'r HttpRequest,
    name: &str,
) -> Result<&'r str, VerifyError> {
    req.header(name)
        .ok_or_else(|| VerifyError::MissingHeader(name.to_owned()))
}

/// A UTC timestamp header in `format` (a chrono `strftime` pattern without zone).
pub(crate) fn header_time(
    req: &HttpRequest,
    name: &str,
    format: &str,
) -> Result<DateTime<Utc>, VerifyError> {
    let value = required_header(req, name)?;
    NaiveDateTime::parse_from_str(value, format)
        .map(|t| t.and_utc())
        .map_err(|_| VerifyError::MalformedHeader(name.to_owned()))
}

/// The `(name, value)` pairs of the headers listed in SignedHeaders, as the request carries them
/// (a repeated header yields several pairs). `host` falls back to the URL's authority, as a
/// server sees it when the client sent no explicit header (HTTP/2 `:authority`).
pub(crate) fn signed_header_values(
    req: &HttpRequest,
    signed: &[String],
    url_host: &str,
) -> Result<Vec<(String, String)>, VerifyError> {
    let mut pairs = Vec::new();
    for name in signed {
        let before = pairs.len();
        pairs.extend(
            req.header_values(name)
                .map(|v| (name.clone(), v.to_owned())),
        );
        if pairs.len() == before {
            if name != "host" {
                return Err(VerifyError::MissingHeader(name.clone()));
            }
            pairs.push((name.clone(), url_host.to_owned()));
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_with_and_without_spaces() {
        let tc3 = parse_authorization(
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=abc",
            "TC3-HMAC-SHA256",
            "Credential",
        )
        .unwrap();
        assert_eq!(tc3.key, "AKID/2019-02-25/cvm/tc3_request");
        assert_eq!(tc3.signed_headers, ["content-type", "host"]);
        assert_eq!(tc3.signature, "abc");

        let acs3 = parse_authorization(
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=def",
            "ACS3-HMAC-SHA256",
            "Credential",
        )
        .unwrap();
        assert_eq!((acs3.key, acs3.signature), ("AK", "def"));
    }

    #[test]
    fn rejects_wrong_algorithm_and_missing_fields() {
        let cases = [
            "TC3-HMAC-SHA256X Credential=a, SignedHeaders=h, Signature=s",
            "Bearer abc",
            "TC3-HMAC-SHA256 Credential=a, Signature=s",
            "TC3-HMAC-SHA256 Credential=a, SignedHeaders=h",
            "TC3-HMAC-SHA256 Credential=a, SignedHeaders=h;;x, Signature=s",
            "TC3-HMAC-SHA256 Credential",
            "",
        ];
        for value in cases {
            assert!(
                matches!(
                    parse_authorization(value, "TC3-HMAC-SHA256", "Credential"),
                    Err(VerifyError::MalformedAuthorization(_))
                ),
                "{value:?}"
            );
        }
    }

    #[test]
    fn splits_credential_from_the_right_after_its_terminator() {
        let split = |c| split_credential::<3>(c, "tc3_request");
        let (key, scope) = split("a/key/20190214/cn-north-1/ocr/tc3_request").unwrap();
        assert_eq!(key, "a/key");
        assert_eq!(scope, ["20190214", "cn-north-1", "ocr"]);
        assert!(
            split("key/20190214//ocr/tc3_request").is_err(),
            "empty part"
        );
        assert!(split("20190214/ocr/tc3_request").is_err(), "too few parts");
        let wrong = split("key/20190214/cn-north-1/ocr/jdcloud2_request");
        assert!(
            matches!(&wrong, Err(VerifyError::MalformedAuthorization(m)) if m.contains("tc3_request")),
            "{wrong:?}"
        );
        assert!(
            split("key/20190214/cn-north-1/ocrtc3_request").is_err(),
            "no separator"
        );
    }

    #[test]
    fn signed_header_values_fall_back_to_url_host_only_for_host() {
        let req = HttpRequest::new("GET", "https://h/")
            .with_header("X-A", "1")
            .with_header("x-a", "2");
        let names = ["x-a".to_owned(), "host".to_owned()];
        let pairs = signed_header_values(&req, &names, "h:8443").unwrap();
        assert_eq!(
            pairs,
            [
                ("x-a".to_owned(), "1".to_owned()),
                ("x-a".to_owned(), "2".to_owned()),
                ("host".to_owned(), "h:8443".to_owned()),
            ]
        );
        assert_eq!(
            signed_header_values(&req, &["x-b".to_owned()], "h"),
            Err(VerifyError::MissingHeader("x-b".to_owned()))
        );
    }

    #[test]
    fn require_signed_names_the_missing_header() {
        let signed = ["host".to_owned()];
        assert!(require_signed(&signed, &["host"]).is_ok());
        assert_eq!(
            require_signed(&signed, &["host", "x-sdk-date"]),
            Err(VerifyError::MalformedAuthorization(
                "SignedHeaders must include x-sdk-date".to_owned()
            ))
        );
    }
}
