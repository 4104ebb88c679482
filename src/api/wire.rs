//! Small runtime pieces the generated response decoders use.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

use serde_json::Value;

use super::{ApiDescriptor, CodeType, ErrorCheck, ErrorInfo, Example, VendorFailure};

/// A vendor error code or request id as it appears on the wire: vendors write the same field
/// as a string (`"10000"`) or as a number (`0`) — JD's own example does both, and Baidu's
/// `log_id` is an integer — so both are accepted and kept as text.
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

/// A complete wire response holding an example document.
///
/// The document is placed at [`Example::at`](super::Example::at); every error check outside
/// that subtree gets its first success code, so the response reads as a success. Used by the
/// sandbox to serve examples and by tests to decode them.
pub fn wrap_example(descriptor: &ApiDescriptor, example: &Example) -> serde_json::Result<Value> {
    let document: Value = serde_json::from_str(example.json)?;
    let mut wire = Value::Null;
    set_path(&mut wire, example.at, document);
    if !example.at.is_empty() {
        for check in descriptor.response.checks {
            if let Some(code) = check.success.first()
                && !is_under(check.code, example.at)
            {
                set_path(&mut wire, check.code, code_value(check, code));
            }
        }
    }
    Ok(wire)
}

/// A response reporting `code` (with `message`) at the check that declares it: outer checks
/// succeed, the declaring check carries the code.
pub fn error_response(descriptor: &ApiDescriptor, info: &ErrorInfo, request_id: &str) -> Value {
    let mut wire = Value::Null;
    for check in descriptor.response.checks {
        if check.name == info.check {
            set_path(&mut wire, check.code, code_value(check, info.code));
            if let Some(message) = check.message {
                set_path(
                    &mut wire,
                    message,
                    Value::String(info.message.best().to_owned()),
                );
            }
            break;
        }
        if let Some(code) = check.success.first() {
            set_path(&mut wire, check.code, code_value(check, code));
        }
    }
    if let Some(path) = descriptor.response.request_id {
        set_path(&mut wire, path, request_id_value(descriptor, request_id));
    }
    wire
}

/// A code as the check writes it: a JSON number for integer codes that parse as one.
fn code_value(check: &ErrorCheck, code: &str) -> Value {
    typed_value(check.code_type, code)
}

/// A request id as the vendor writes it ([`ResponseDescriptor::request_id_type`]): a JSON
/// number for integer ids that parse as one, else a string.
///
/// [`ResponseDescriptor::request_id_type`]: super::ResponseDescriptor::request_id_type
pub fn request_id_value(descriptor: &ApiDescriptor, id: &str) -> Value {
    typed_value(descriptor.response.request_id_type, id)
}

fn typed_value(ty: CodeType, text: &str) -> Value {
    match (ty, text.parse::<i64>()) {
        (CodeType::Int, Ok(n)) => Value::from(n),
        _ => Value::String(text.to_owned()),
    }
}

fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix || path.starts_with(&format!("{prefix}."))
}

/// Sets the value at a dotted path, creating objects on the way (empty path: the root).
pub fn set_path(root: &mut Value, path: &str, value: Value) {
    if path.is_empty() {
        *root = value;
        return;
    }
    let mut node = root;
    for segment in path.split('.') {
        if !node.is_object() {
            *node = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = node else { return };
        node = map.entry(segment).or_insert(Value::Null);
    }
    *node = value;
}

/// The value at a dotted path (empty path: the root).
pub fn get_path<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(root);
    }
    path.split('.')
        .try_fold(root, |node, segment| node.get(segment))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn integer_codes_and_ids_are_written_as_numbers_when_they_are_numbers() {
        assert_eq!(typed_value(CodeType::Int, "110"), Value::from(110));
        assert_eq!(
            typed_value(CodeType::Int, "1658382629117362483"),
            Value::from(1_658_382_629_117_362_483_i64)
        );
        assert_eq!(typed_value(CodeType::Int, "SDK108"), Value::from("SDK108"));
        assert_eq!(typed_value(CodeType::String, "110"), Value::from("110"));
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
            apply_check(&LISTED, code("10043"), None, &None)
                .unwrap()
                .check,
            "system"
        );
        assert!(apply_check(&LISTED, None, None, &None).is_some());
    }
}
