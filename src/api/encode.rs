//! Request body encodings used by generated `encode()` code.

use serde::Serialize;

/// The request as a JSON object (fields that travel elsewhere are skipped by their serde
/// attributes).
pub fn json<T: Serialize>(request: &T) -> Vec<u8> {
    // Generated request structs hold only strings, numbers, booleans and lists, which
    // always serialise.
    serde_json::to_vec(request).unwrap_or_default()
}

/// Only the fields that are set, as `(name, value)` pairs.
pub fn present(fields: &[(&'static str, Option<String>)]) -> Vec<(&'static str, String)> {
    fields
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v.clone())))
        .collect()
}

/// `application/x-www-form-urlencoded` body of the fields that are set.
pub fn form(fields: &[(&'static str, Option<String>)]) -> Vec<u8> {
    let mut out = String::new();
    for (k, v) in present(fields) {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&urlencode(k));
        out.push('=');
        out.push_str(&urlencode(&v));
    }
    out.into_bytes()
}

/// Boundary of generated multipart bodies. Fixed so that a body (and the signature over it)
/// is reproducible; it cannot occur in the base64 or decimal values fields carry.
pub const MULTIPART_BOUNDARY: &str = "fapiao-multipart-boundary-7c1e";

/// `multipart/form-data` body of the fields that are set (use with
/// `Content-Type: multipart/form-data; boundary=` [`MULTIPART_BOUNDARY`]).
pub fn multipart(fields: &[(&'static str, Option<String>)]) -> Vec<u8> {
    let mut out = String::new();
    for (k, v) in present(fields) {
        out.push_str(&format!(
            "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    out.push_str(&format!("--{MULTIPART_BOUNDARY}--\r\n"));
    out.into_bytes()
}

/// Percent-encodes everything except RFC 3986 unreserved characters.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encodes_set_fields_only() {
        let body = form(&[
            ("image", Some("a+b/c=".into())),
            ("url", None),
            ("type", Some("normal".into())),
        ]);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "image=a%2Bb%2Fc%3D&type=normal"
        );
    }

    #[test]
    fn multipart_has_one_part_per_set_field() {
        let body = String::from_utf8(multipart(&[("a", Some("1".into())), ("b", None)])).unwrap();
        assert_eq!(body.matches("Content-Disposition").count(), 1);
        assert!(body.ends_with(&format!("--{MULTIPART_BOUNDARY}--\r\n")));
    }
}
