//! Small runtime pieces the generated response decoders use.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

use super::{ErrorCheck, VendorFailure};

/// A vendor error code as it appears on the wire: vendors write the same field as a string
/// (`"10000"`) or as a number (`0`) — JD's own example does both — so both are accepted and
/// kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WireCode(pub String);

impl<'de> serde::Deserialize<'de> for WireCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WireCode, D::Error> {
        struct CodeVisitor;

        impl Visitor<'_> for CodeVisitor {
            type Value = WireCode;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error code (string or integer)")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<WireCode, E> {
                Ok(WireCode(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<WireCode, E> {
                Ok(WireCode(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WireCode, E> {
                Ok(WireCode(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireCode, E> {
                Ok(WireCode(v.to_string()))
            }
        }

        d.deserialize_any(CodeVisitor)
    }
}

/// Applies one error check to the code (and message) read from a response.
///
/// Returns the failure when the check says the call failed; `None` when it passed. A check
/// with success codes fails on any other code and on a missing one; a check without success
/// codes fails only when the code is present and non-empty.
pub fn apply_check(
    check: &'static ErrorCheck,
    code: Option<WireCode>,
    message: Option<String>,
    request_id: &Option<String>,
) -> Option<VendorFailure> {
    let failed = match &code {
        Some(WireCode(c)) if check.success.is_empty() => !c.is_empty(),
        Some(WireCode(c)) => !check.success.contains(&c.as_str()),
        None => !check.success.is_empty(),
    };
    failed.then(|| VendorFailure {
        check: check.name,
        code: code.map(|c| c.0).unwrap_or_default(),
        message: message.unwrap_or_default(),
        request_id: request_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::CodeType;

    static PRESENCE: ErrorCheck = ErrorCheck {
        name: "default",
        code: "Response.Error.Code",
        message: Some("Response.Error.Message"),
        success: &[],
        code_type: CodeType::String,
    };
    static LISTED: ErrorCheck = ErrorCheck {
        name: "system",
        code: "code",
        message: Some("msg"),
        success: &["0", "10000"],
        code_type: CodeType::String,
    };

    fn code(v: &str) -> Option<WireCode> {
        Some(WireCode(v.into()))
    }

    #[test]
    fn codes_decode_from_strings_and_integers() {
        let s: WireCode = serde_json::from_str("\"10000\"").unwrap();
        let i: WireCode = serde_json::from_str("-1102").unwrap();
        assert_eq!((s.0.as_str(), i.0.as_str()), ("10000", "-1102"));
        assert!(serde_json::from_str::<WireCode>("[1]").is_err());
    }

    #[test]
    fn presence_check_fails_only_on_a_nonempty_code() {
        assert!(apply_check(&PRESENCE, None, None, &None).is_none());
        assert!(apply_check(&PRESENCE, code(""), None, &None).is_none());
        let f = apply_check(
            &PRESENCE,
            code("AuthFailure.SignatureFailure"),
            Some("bad".into()),
            &Some("rid".into()),
        )
        .unwrap();
        assert_eq!(f.code, "AuthFailure.SignatureFailure");
        assert_eq!(f.message, "bad");
        assert_eq!(f.request_id.as_deref(), Some("rid"));
    }

    #[test]
    fn listed_check_fails_on_other_or_missing_codes() {
        assert!(apply_check(&LISTED, code("0"), None, &None).is_none());
        assert!(apply_check(&LISTED, code("10000"), None, &None).is_none());
        assert_eq!(
            apply_check(&LISTED, code("10043"), None, &None).unwrap().check,
            "system"
        );
        assert!(apply_check(&LISTED, None, None, &None).is_some());
    }
}
