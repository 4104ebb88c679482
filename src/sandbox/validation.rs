//! Checks a request against its API's spec — body encoding, field types, required fields and
//! one-of groups, credential fields, and the file's size, format and pixel limits — the way the
//! vendor would before recognising anything.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::http::RequestHead;
use crate::api::{
    ApiDescriptor, BodyEncoding, FieldLocation, FieldType, FileFormat, Input, InputKind,
    RequestField,
};
use crate::auth::Credentials;
use crate::client::InputRefusal;
use crate::client::input_check::{check_input, check_request_size};

/// The kinds of bad request a spec's `emulation` block names a vendor code for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    /// A required field or every field of a one-of group is missing.
    MissingField,
    /// A field has the wrong type or an invalid value.
    InvalidValue,
    /// The file or request exceeds a size or pixel limit.
    TooLarge,
    /// The file is in a format the API does not accept.
    UnsupportedFormat,
    /// The caller exceeds the API's QPS.
    RateLimited,
}

impl Problem {
    /// The vendor's code for this problem, from the spec's `emulation` block.
    pub(crate) fn vendor_code(self, api: &ApiDescriptor) -> Option<&'static str> {
        let e = &api.emulation;
        match self {
            Problem::MissingField => e.missing_field,
            Problem::InvalidValue => e.invalid_value,
            Problem::TooLarge => e.too_large,
            Problem::UnsupportedFormat => e.unsupported_format,
            Problem::RateLimited => e.rate_limited,
        }
    }

    /// The HTTP status answered when the spec names no vendor code.
    pub(crate) fn fallback_status(self) -> u16 {
        match self {
            Problem::MissingField | Problem::InvalidValue => 400,
            Problem::TooLarge => 413,
            Problem::UnsupportedFormat => 415,
            Problem::RateLimited => 429,
        }
    }

    /// Stable name, used in the sandbox's own error bodies.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Problem::MissingField => "missing_field",
            Problem::InvalidValue => "invalid_value",
            Problem::TooLarge => "too_large",
            Problem::UnsupportedFormat => "unsupported_format",
            Problem::RateLimited => "rate_limited",
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// A bad request, with what was wrong.
    Request(Problem, String),
    /// A field carrying a credential (the legacy `appid`) does not match the sandbox's.
    Credential(&'static str),
}

/// What a valid request asks to recognise: the file's bytes, else the URL's, else the body's.
/// Its content hash keys the success counters and picks the example served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// The bytes identifying the input.
    pub(crate) input: Vec<u8>,
}

/// A field value as the request carries it.
#[derive(Debug, Clone, PartialEq)]
enum FieldValue {
    /// A member of a JSON body.
    Json(Value),
    /// A form field, query parameter or header.
    Text(String),
    /// The raw body or a multipart part.
    Bytes(Vec<u8>),
}

impl FieldValue {
    /// Present and not empty: vendors treat `""` and `null` as not given.
    fn is_set(&self) -> bool {
        match self {
            FieldValue::Json(Value::Null) => false,
            FieldValue::Json(Value::String(s)) | FieldValue::Text(s) => !s.is_empty(),
            FieldValue::Bytes(b) => !b.is_empty(),
            FieldValue::Json(_) => true,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            FieldValue::Json(Value::String(s)) | FieldValue::Text(s) => Some(s),
            FieldValue::Bytes(b) => std::str::from_utf8(b).ok(),
            FieldValue::Json(_) => None,
        }
    }

    fn bytes(&self) -> Option<&[u8]> {
        match self {
            FieldValue::Bytes(b) => Some(b),
            other => other.text().map(str::as_bytes),
        }
    }

    fn is_true(&self) -> bool {
        match self {
            FieldValue::Json(Value::Bool(b)) => *b,
            other => other
                .text()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("true")),
        }
    }

    fn has_type(&self, ty: FieldType) -> bool {
        match self {
            FieldValue::Json(v) => json_has_type(v, ty),
            FieldValue::Text(t) => text_has_type(t, ty),
            FieldValue::Bytes(_) if ty == FieldType::Bytes => true,
            FieldValue::Bytes(b) => std::str::from_utf8(b).is_ok_and(|t| text_has_type(t, ty)),
        }
    }
}

fn json_has_type(v: &Value, ty: FieldType) -> bool {
    match ty {
        FieldType::String | FieldType::Bytes => v.is_string(),
        FieldType::Int => v.is_i64() || v.is_u64(),
        FieldType::Float => v.is_number(),
        FieldType::Bool => v.is_boolean(),
        FieldType::IntList => v
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.is_i64() || x.is_u64())),
        FieldType::StringList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
    }
}

/// Text carries scalars only; list fields in text locations are taken as given.
fn text_has_type(t: &str, ty: FieldType) -> bool {
    let t = t.trim();
    match ty {
        FieldType::Int => t.parse::<i64>().is_ok(),
        FieldType::Float => t.parse::<f64>().is_ok_and(f64::is_finite),
        FieldType::Bool => t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false"),
        FieldType::String | FieldType::Bytes | FieldType::IntList | FieldType::StringList => true,
    }
}

/// Checks a request against `api`'s spec. `credentials` are the sandbox's credentials for the
/// API, compared with credential-carrying fields.
pub(crate) fn check(
    api: &'static ApiDescriptor,
    head: &RequestHead,
    body: &[u8],
    credentials: Option<&Credentials>,
) -> Result<Accepted, Rejection> {
    check_request_size(api, body.len()).map_err(refusal)?;
    let fields = collect_fields(api, head, body)?;
    check_presence(api, &fields)?;
    check_credential_fields(api, &fields, credentials)?;
    if let Some((field, file)) = file_input(api, &fields)? {
        let input = check_file(api, field, file, &fields)?;
        return Ok(Accepted { input });
    }
    let url = api
        .request
        .iter()
        .filter(|f| f.input == Some(InputKind::FileUrl))
        .find_map(|f| fields.get(f.name).and_then(FieldValue::bytes));
    Ok(Accepted {
        input: url.unwrap_or(body).to_vec(),
    })
}

/// The set fields of the request, by wire name, after type checks.
fn collect_fields(
    api: &'static ApiDescriptor,
    head: &RequestHead,
    body: &[u8],
) -> Result<HashMap<&'static str, FieldValue>, Rejection> {
    let parsed = ParsedBody::parse(api.endpoint.body, head, body)?;
    let query: Vec<(String, String)> = url::form_urlencoded::parse(head.query().as_bytes())
        .into_owned()
        .collect();
    let mut fields = HashMap::new();
    for field in api.request {
        let value = match field.location {
            FieldLocation::Body => parsed.get(field.name),
            FieldLocation::RawBody => Some(FieldValue::Bytes(body.to_vec())),
            FieldLocation::Query => lookup(&query, field.name).map(FieldValue::Text),
            FieldLocation::Header => head.header(field.name).map(|v| FieldValue::Text(v.into())),
        };
        let Some(value) = value.filter(FieldValue::is_set) else {
            continue;
        };
        if !value.has_type(field.ty) {
            return Err(invalid(format!(
                "field {} must be {}",
                field.name,
                type_name(field.ty)
            )));
        }
        fields.insert(field.name, value);
    }
    Ok(fields)
}

fn check_presence(
    api: &ApiDescriptor,
    fields: &HashMap<&'static str, FieldValue>,
) -> Result<(), Rejection> {
    if let Some(field) = api
        .request
        .iter()
        .find(|f| f.required && !fields.contains_key(f.name))
    {
        return Err(Rejection::Request(
            Problem::MissingField,
            format!("required field {} is missing", field.name),
        ));
    }
    if let Some(group) = api
        .one_of
        .iter()
        .find(|group| !group.iter().any(|name| fields.contains_key(name)))
    {
        return Err(Rejection::Request(
            Problem::MissingField,
            format!("one of {} must be set", group.join(", ")),
        ));
    }
    Ok(())
}

fn check_credential_fields(
    api: &ApiDescriptor,
    fields: &HashMap<&'static str, FieldValue>,
    credentials: Option<&Credentials>,
) -> Result<(), Rejection> {
    for field in api.request {
        let (Some(InputKind::Credential(name)), Some(value)) =
            (field.input, fields.get(field.name))
        else {
            continue;
        };
        let expected = credentials.and_then(|c| c.get(name)).map(|s| s.expose());
        if value.text().map(str::trim) != expected {
            return Err(Rejection::Credential(field.name));
        }
    }
    Ok(())
}

/// The first set field that carries the file, with the file's bytes.
fn file_input(
    api: &'static ApiDescriptor,
    fields: &HashMap<&'static str, FieldValue>,
) -> Result<Option<(&'static RequestField, Vec<u8>)>, Rejection> {
    for field in api.request {
        let Some(value) = fields.get(field.name) else {
            continue;
        };
        let bytes = match field.input {
            Some(
                InputKind::FileBase64
                | InputKind::ImageBase64
                | InputKind::PdfBase64
                | InputKind::OfdBase64,
            ) => decode_base64(field, value)?,
            Some(InputKind::FileBytes) => value.bytes().unwrap_or_default().to_vec(),
            _ => continue,
        };
        return Ok(Some((field, bytes)));
    }
    Ok(None)
}

fn decode_base64(field: &RequestField, value: &FieldValue) -> Result<Vec<u8>, Rejection> {
    // Line-wrapped base64 (MIME style, as some SDKs produce) is accepted.
    let compact: Vec<u8> = value
        .bytes()
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    STANDARD
        .decode(compact)
        .map_err(|_| invalid(format!("field {} is not valid base64", field.name)))
}

/// The file's size, format and pixel limits, and what the carrying field admits; gives the
/// file back when it passes.
fn check_file(
    api: &'static ApiDescriptor,
    field: &RequestField,
    file: Vec<u8>,
    fields: &HashMap<&'static str, FieldValue>,
) -> Result<Vec<u8>, Rejection> {
    let input = Input {
        file: Some(file),
        ..Input::default()
    };
    let format = check_input(api, &input).map_err(refusal)?;
    let admitted = match (field.input, format) {
        (Some(kind), Some(f)) => kind.admits(f),
        _ => true,
    };
    if !admitted {
        return Err(Rejection::Request(
            Problem::UnsupportedFormat,
            format!(
                "field {} does not take {} files",
                field.name,
                format_name(format)
            ),
        ));
    }
    // An API with a PDF switch reads a PDF only when the switch is on.
    let pdf_switch = api
        .request
        .iter()
        .find(|f| f.input == Some(InputKind::IsPdf));
    if let (Some(switch), Some(FileFormat::Pdf)) = (pdf_switch, format)
        && !switch_on(switch, fields)
    {
        return Err(Rejection::Request(
            Problem::UnsupportedFormat,
            format!("a PDF was sent without {} set to true", switch.name),
        ));
    }
    Ok(input.file.unwrap_or_default())
}

/// Whether a boolean switch is on: as sent, else the vendor's documented default.
fn switch_on(switch: &RequestField, fields: &HashMap<&'static str, FieldValue>) -> bool {
    match fields.get(switch.name) {
        Some(value) => value.is_true(),
        None => switch
            .default
            .is_some_and(|d| d.trim().eq_ignore_ascii_case("true")),
    }
}

fn format_name(format: Option<FileFormat>) -> &'static str {
    format.map_or("unknown", FileFormat::id)
}

/// Sorts a client-side input refusal into the problem the vendor would report.
fn refusal(r: InputRefusal) -> Rejection {
    let problem = match &r {
        r if r.is_too_large() => Problem::TooLarge,
        InputRefusal::UnknownFormat { .. }
        | InputRefusal::UnsupportedFormat { .. }
        | InputRefusal::UnreadableHeader { .. } => Problem::UnsupportedFormat,
        InputRefusal::Empty { .. } | InputRefusal::Request(_) => Problem::MissingField,
        _ => Problem::InvalidValue,
    };
    Rejection::Request(problem, r.to_string())
}

fn invalid(detail: String) -> Rejection {
    Rejection::Request(Problem::InvalidValue, detail)
}

fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::String => "a string",
        FieldType::Int => "an integer",
        FieldType::Float => "a number",
        FieldType::Bool => "a boolean",
        FieldType::Bytes => "bytes",
        FieldType::IntList => "a list of integers",
        FieldType::StringList => "a list of strings",
    }
}

fn lookup(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The body's fields, decoded per the endpoint's encoding.
enum ParsedBody {
    Json(serde_json::Map<String, Value>),
    Form(Vec<(String, String)>),
    Multipart(Vec<(String, Vec<u8>)>),
    /// Raw or no body: no named fields.
    Unnamed,
}

impl ParsedBody {
    fn parse(
        encoding: BodyEncoding,
        head: &RequestHead,
        body: &[u8],
    ) -> Result<ParsedBody, Rejection> {
        match encoding {
            BodyEncoding::Json => match serde_json::from_slice(body) {
                Ok(Value::Object(map)) => Ok(ParsedBody::Json(map)),
                _ => Err(invalid("the body is not a JSON object".to_owned())),
            },
            BodyEncoding::Form => Ok(ParsedBody::Form(
                url::form_urlencoded::parse(body).into_owned().collect(),
            )),
            BodyEncoding::Multipart => {
                let boundary = head.header("content-type").and_then(multipart_boundary);
                boundary
                    .and_then(|b| multipart_parts(body, &b))
                    .map(ParsedBody::Multipart)
                    .ok_or_else(|| invalid("the body is not valid multipart/form-data".to_owned()))
            }
            BodyEncoding::Raw | BodyEncoding::None => Ok(ParsedBody::Unnamed),
        }
    }

    fn get(&self, name: &str) -> Option<FieldValue> {
        match self {
            ParsedBody::Json(map) => map.get(name).cloned().map(FieldValue::Json),
            ParsedBody::Form(pairs) => lookup(pairs, name).map(FieldValue::Text),
            ParsedBody::Multipart(parts) => parts
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| FieldValue::Bytes(v.clone())),
            ParsedBody::Unnamed => None,
        }
    }
}

/// The `boundary` parameter of a multipart `Content-Type`.
fn multipart_boundary(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|param| {
        let (name, value) = param.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// The named parts of a multipart body; `None` when it is malformed.
fn multipart_parts(body: &[u8], boundary: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let delimiter = format!("--{boundary}");
    let mut sections = split_on(body, delimiter.as_bytes()).into_iter();
    sections.next()?; // Preamble.
    let mut parts = Vec::new();
    for section in sections {
        if section.starts_with(b"--") {
            return Some(parts);
        }
        let section = section.strip_prefix(b"\r\n")?;
        let section = section.strip_suffix(b"\r\n")?;
        let split = find(section, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&section[..split]).ok()?;
        let name = headers.lines().find_map(part_name)?;
        parts.push((name, section[split + 4..].to_vec()));
    }
    None // No closing delimiter.
}

/// The `name` of a `Content-Disposition: form-data; name="…"` line.
fn part_name(line: &str) -> Option<String> {
    let (header, value) = line.split_once(':')?;
    if !header.trim().eq_ignore_ascii_case("content-disposition") {
        return None;
    }
    value.split(';').find_map(|param| {
        let (k, v) = param.trim().split_once('=')?;
        (k.trim() == "name").then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_on<'b>(mut bytes: &'b [u8], delimiter: &[u8]) -> Vec<&'b [u8]> {
    let mut out = Vec::new();
    while let Some(at) = find(bytes, delimiter) {
        out.push(&bytes[..at]);
        bytes = &bytes[at + delimiter.len()..];
    }
    out.push(bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::encode::{MULTIPART_BOUNDARY, multipart};

    #[test]
    fn json_and_text_values_are_type_checked() {
        assert!(FieldValue::Json(Value::from(3)).has_type(FieldType::Int));
        assert!(!FieldValue::Json(Value::from("3")).has_type(FieldType::Int));
        assert!(!FieldValue::Json(Value::from(1.5)).has_type(FieldType::Int));
        assert!(FieldValue::Json(Value::from(1.5)).has_type(FieldType::Float));
        assert!(!FieldValue::Json(Value::from("true")).has_type(FieldType::Bool));
        assert!(FieldValue::Json(serde_json::json!([1, 2])).has_type(FieldType::IntList));
        assert!(!FieldValue::Json(serde_json::json!([1, "2"])).has_type(FieldType::IntList));
        assert!(FieldValue::Text("3".into()).has_type(FieldType::Int));
        assert!(!FieldValue::Text("three".into()).has_type(FieldType::Int));
        assert!(FieldValue::Text("FALSE".into()).has_type(FieldType::Bool));
        assert!(!FieldValue::Text("NaN".into()).has_type(FieldType::Float));
        assert!(FieldValue::Bytes(vec![0xFF]).has_type(FieldType::Bytes));
        assert!(!FieldValue::Bytes(vec![0xFF]).has_type(FieldType::Int));
        assert!(!FieldValue::Bytes(vec![0xFF]).has_type(FieldType::String));
    }

    #[test]
    fn empty_and_null_values_count_as_not_set() {
        assert!(!FieldValue::Json(Value::Null).is_set());
        assert!(!FieldValue::Json(Value::from("")).is_set());
        assert!(!FieldValue::Text(String::new()).is_set());
        assert!(!FieldValue::Bytes(Vec::new()).is_set());
        assert!(FieldValue::Json(Value::from(false)).is_set());
        assert!(FieldValue::Json(Value::from(true)).is_true());
        assert!(FieldValue::Text(" True ".into()).is_true());
        assert!(!FieldValue::Json(Value::from("yes")).is_true());
    }

    #[test]
    fn multipart_bodies_written_by_the_encoder_parse_back() {
        let body = multipart(&[
            ("image", Some("aGVsbG8=".into())),
            ("skip", None),
            ("type", Some("normal".into())),
        ]);
        let parts = multipart_parts(&body, MULTIPART_BOUNDARY).expect("parses");
        assert_eq!(
            parts,
            [
                ("image".to_owned(), b"aGVsbG8=".to_vec()),
                ("type".to_owned(), b"normal".to_vec())
            ]
        );
        assert_eq!(
            multipart_boundary(&format!(
                "multipart/form-data; boundary=\"{MULTIPART_BOUNDARY}\""
            ))
            .as_deref(),
            Some(MULTIPART_BOUNDARY)
        );
        assert_eq!(multipart_boundary("multipart/form-data"), None);
        assert_eq!(multipart_parts(b"--b\r\nno headers", "b"), None);
        assert_eq!(
            multipart_parts(&body[..body.len() - 10], MULTIPART_BOUNDARY),
            None
        );
    }

    #[test]
    fn base64_may_be_line_wrapped_but_not_garbage() {
        let field = RequestField {
            name: "ImageBase64",
            ty: FieldType::String,
            location: FieldLocation::Body,
            input: Some(InputKind::FileBase64),
            required: false,
            default: None,
            fixed: None,
            doc: crate::api::Text { zh: "", en: "" },
        };
        assert_eq!(
            decode_base64(&field, &FieldValue::Text("aGVs\nbG8=\n".into())),
            Ok(b"hello".to_vec())
        );
        assert!(matches!(
            decode_base64(&field, &FieldValue::Text("not base64!".into())),
            Err(Rejection::Request(Problem::InvalidValue, _))
        ));
    }
}
