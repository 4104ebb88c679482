//! Canonical request pieces shared by the SigV4-style schemes (TC3, JDCLOUD2, ACS3, Huawei SDK):
//! URI and query encoding, header canonicalization, and the six-line canonical request.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};

use super::HttpRequest;
use super::crypto::sha256_hex;

/// RFC 3986 unreserved characters stay as they are; everything else is `%XX` (upper-case hex).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Whether `b` is an RFC 3986 unreserved character (kept as it is by [`UNRESERVED`]).
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// Decodes one URL component to bytes. Invalid `%` sequences are kept literally (so `%2` later
/// re-encodes as `%252`, as the JD signers do); in queries `+` means a space.
fn decode_component(raw: &str, plus_is_space: bool) -> Vec<u8> {
    if plus_is_space && raw.contains('+') {
        percent_decode(raw.replace('+', " ").as_bytes()).collect()
    } else {
        percent_decode(raw.as_bytes()).collect()
    }
}

/// Decodes then RFC 3986-encodes a component, making the result independent of how the client
/// chose to escape it.
fn reencode(raw: &str, plus_is_space: bool) -> String {
    percent_encode(&decode_component(raw, plus_is_space), UNRESERVED).to_string()
}

/// Canonical URI: each `/`-separated segment decoded and re-encoded (so `:` becomes `%3A`);
/// an empty path becomes `/`.
pub(crate) fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    // Nearly every API path is plain: nothing to decode or encode.
    if path.bytes().all(|b| b == b'/' || is_unreserved(b)) {
        return path.to_owned();
    }
    path.split('/')
        .map(|segment| reencode(segment, false))
        .collect::<Vec<_>>()
        .join("/")
}

/// Canonical query string: every `name=value` pair decoded and re-encoded, a missing value
/// written as `name=`, pairs with an empty name dropped, sorted by name then value.
pub(crate) fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = reencode(name, true);
            (!name.is_empty()).then(|| (name, reencode(value, true)))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// How a scheme normalizes header values before signing them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeaderRules {
    /// Lower-case the value (TC3 does).
    pub lowercase_values: bool,
    /// Replace runs of inner spaces by one space (the JD signers do).
    pub collapse_spaces: bool,
    /// Sort the values of a repeated header before joining them with `,` (ACS3 does).
    pub sort_values: bool,
}

impl HeaderRules {
    fn normalize(self, value: &str) -> String {
        let trimmed = value.trim();
        let mut out = if self.collapse_spaces && trimmed.contains("  ") {
            trimmed
                .split(' ')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            trimmed.to_owned()
        };
        if self.lowercase_values {
            out.make_ascii_lowercase();
        }
        out
    }
}

/// The canonical-headers block and the matching signed-headers list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CanonicalHeaders {
    /// `name:value\n` per header, names lower-cased and sorted.
    pub block: String,
    /// The lower-cased names joined with `;`.
    pub signed: String,
}

/// Canonicalizes the headers to sign: names lower-cased, values normalized per `rules`, repeated
/// names merged into one line with values joined by `,`, lines sorted by name.
pub(crate) fn canonical_headers<N, V>(headers: &[(N, V)], rules: HeaderRules) -> CanonicalHeaders
where
    N: AsRef<str>,
    V: AsRef<str>,
{
    let mut lines: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_ref().to_ascii_lowercase(),
                rules.normalize(value.as_ref()),
            )
        })
        .collect();
    if rules.sort_values {
        lines.sort();
    } else {
        // Stable: the values of a repeated name keep the order they were sent in.
        lines.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut block = String::new();
    let mut signed = String::new();
    let mut previous: Option<&str> = None;
    for (name, value) in &lines {
        if previous == Some(name.as_str()) {
            // Another value of the same header: onto its line, before the newline.
            block.pop();
            block.push(',');
        } else {
            if previous.is_some() {
                signed.push(';');
            }
            signed.push_str(name);
            block.push_str(name);
            block.push(':');
        }
        block.push_str(value);
        block.push('\n');
        previous = Some(name);
    }
    CanonicalHeaders { block, signed }
}

/// The canonical request: method, URI, query, header block (whose own trailing newline leaves an
/// empty line), signed headers and payload hash, joined with `\n`, no trailing newline.
pub(crate) fn canonical_request(
    method: &str,
    uri: &str,
    query: &str,
    headers: &CanonicalHeaders,
    payload_hash: &str,
) -> String {
    format!(
        "{method}\n{uri}\n{query}\n{}\n{}\n{payload_hash}",
        headers.block, headers.signed
    )
}

/// The request headers a signer covers, chosen by lower-cased name, as `(name, value)` pairs.
pub(crate) fn pick_headers(req: &HttpRequest, keep: impl Fn(&str) -> bool) -> Vec<(&str, &str)> {
    req.headers
        .iter()
        .filter(|(name, _)| keep(&name.to_ascii_lowercase()))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// Whether a scheme that covers `content-type`, `host` and every header starting with
/// `prefix` (JDCLOUD2's `x-jdcloud-`, Huawei's `x-sdk-`) covers the lower-cased `name`.
pub(crate) fn is_covered(name: &str, prefix: &str) -> bool {
    name == "content-type" || name == "host" || name.starts_with(prefix)
}

/// The hashed payload of `req`: the value of the `declared` header when present (the SDKs put
/// a precomputed hash or `UNSIGNED-PAYLOAD` there), otherwise SHA-256 of the body bytes.
pub(crate) fn declared_or_body_hash(req: &HttpRequest, declared: &str) -> String {
    req.header(declared)
        .map_or_else(|| sha256_hex(&req.body), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: HeaderRules = HeaderRules {
        lowercase_values: false,
        collapse_spaces: false,
        sort_values: false,
    };

    /// The canonical-query cases of JD's Rust signer (vendors.md §E.3.3), input query → output.
    #[test]
    fn canonical_query_matches_jd_rust_signer_cases() {
        let cases = [
            ("a&b", "a=&b="),
            ("b&a&B&A", "A=&B=&a=&b="),
            ("a=-_.~", "a=-_.~"),
            ("a=/", "a=%2F"),
            ("a=%", "a=%25"),
            ("a=%2", "a=%252"),
            ("b&a=%e4%b8%ad", "a=%E4%B8%AD&b="),
            ("b&a=+++", "a=%20%20%20&b="),
            ("a=2&a=1", "a=1&a=2"),
        ];
        for (input, expected) in cases {
            assert_eq!(canonical_query(input), expected, "query {input:?}");
        }
    }

    #[test]
    fn canonical_query_drops_empty_names_and_handles_empty_input() {
        // JDCLOUD3 test data (vendors.md §E.3.4): `=a&a=a` ⇒ `a=a`.
        assert_eq!(canonical_query("=a&a=a"), "a=a");
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("&&"), "");
    }

    #[test]
    fn canonical_query_encodes_like_the_alibaba_reference() {
        // darabonba-openapi-util: {'test': ' ~/*-+'} ⇒ `test=%20~%2F%2A-%2B` (more_vendors.md §B.5);
        // the raw query carries `+` escaped because a bare `+` means a space.
        assert_eq!(canonical_query("test=%20~/*-%2B"), "test=%20~%2F%2A-%2B");
    }

    #[test]
    fn canonical_uri_encodes_segments_and_defaults_to_slash() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(
            canonical_uri("/v1/resource:action"),
            "/v1/resource%3Aaction"
        );
        assert_eq!(canonical_uri("/a%20b/%e4%b8%ad"), "/a%20b/%E4%B8%AD");
        // An escaped slash stays inside its segment.
        assert_eq!(canonical_uri("/a%2Fb/c"), "/a%2Fb/c");
        assert_eq!(canonical_uri("/jdai/ocr_invoice"), "/jdai/ocr_invoice");
    }

    /// Header-value cases of JD's Rust signer (vendors.md §E.3.3).
    #[test]
    fn collapsing_rules_match_jd_rust_signer_cases() {
        let rules = HeaderRules {
            collapse_spaces: true,
            ..PLAIN
        };
        assert_eq!(rules.normalize("Wor  ld"), "Wor ld");
        assert_eq!(rules.normalize("  World  "), "World");
        assert_eq!(rules.normalize(""), "");
        assert_eq!(PLAIN.normalize("  Wor  ld "), "Wor  ld");
    }

    #[test]
    fn canonical_headers_sort_merge_and_list_names() {
        let headers = [
            ("X-B", " 2 "),
            ("Host", "h"),
            ("x-b", "1"),
            ("Content-Type", "A/B"),
        ];
        let plain = canonical_headers(&headers, PLAIN);
        assert_eq!(plain.block, "content-type:A/B\nhost:h\nx-b:2,1\n");
        assert_eq!(plain.signed, "content-type;host;x-b");

        let sorted_lower = HeaderRules {
            lowercase_values: true,
            sort_values: true,
            ..PLAIN
        };
        let other = canonical_headers(&headers, sorted_lower);
        assert_eq!(other.block, "content-type:a/b\nhost:h\nx-b:1,2\n");
    }

    #[test]
    fn canonical_request_leaves_an_empty_line_after_the_headers() {
        let headers = canonical_headers(&[("host", "h")], PLAIN);
        assert_eq!(
            canonical_request("GET", "/", "a=1", &headers, "e3"),
            "GET\n/\na=1\nhost:h\n\nhost\ne3"
        );
    }

    #[test]
    fn pick_headers_filters_by_lowercased_name() {
        let req = HttpRequest::new("GET", "https://h/")
            .with_header("Host", "h")
            .with_header("User-Agent", "ua")
            .with_header("X-Acs-Date", "d");
        let picked = pick_headers(&req, |n| n == "host" || n.starts_with("x-acs-"));
        assert_eq!(picked, [("Host", "h"), ("X-Acs-Date", "d")]);
    }
}
