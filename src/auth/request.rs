//! The HTTP request as signers and verifiers see it.

use std::fmt;

use url::Url;

use super::AuthError;

/// An HTTP request exactly as it goes on the wire: a signer adds headers to it, and a verifier
/// recomputes the signature from it.
///
/// `url` is absolute (`scheme://host[:port]/path[?query]`); a server-side verifier rebuilds it
/// from the request line and `Host`. Header names keep the case they are sent in; lookups ignore
/// case. `Debug` hides the values of credential-bearing headers and prints only the body length.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HttpRequest {
    /// The method, as sent (`POST`).
    pub method: String,
    /// The absolute URL including the query string.
    pub url: String,
    /// Headers in the order sent.
    pub headers: Vec<(String, String)>,
    /// The exact body bytes.
    pub body: Vec<u8>,
}

/// The parts of a request URL that signatures cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    /// Host name, with `:port` when the port is not the scheme's default (what `Host` carries).
    pub host: String,
    /// The path as it appears on the wire (percent-encoded), `/` at least.
    pub path: String,
    /// The raw query string without `?`; empty when there is none.
    pub query: String,
}

impl HttpRequest {
    /// A request with no headers and an empty body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Appends a header (builder style).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body (builder style).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first value of the header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).next()
    }

    /// Every value of the header `name`, in the order sent.
    pub fn header_values<'s, 'n>(
        &'s self,
        name: &'n str,
    ) -> impl Iterator<Item = &'s str> + use<'s, 'n> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets the header `name` to `value`: the first header of that name (any case) is replaced in
    /// place and any further ones are removed; otherwise the header is appended.
    pub fn set_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let mut entry = Some((name.clone(), value.into()));
        self.headers.retain_mut(|header| {
            if !header.0.eq_ignore_ascii_case(&name) {
                return true;
            }
            match entry.take() {
                Some(new) => {
                    *header = new;
                    true
                }
                None => false,
            }
        });
        if let Some(new) = entry {
            self.headers.push(new);
        }
    }

    /// Sets the header only when the request does not carry it yet.
    pub fn set_header_if_absent(&mut self, name: &str, value: impl Into<String>) {
        if self.header(name).is_none() {
            self.headers.push((name.to_owned(), value.into()));
        }
    }

    /// Splits the URL into host(+port), path and query.
    pub fn url_parts(&self) -> Result<UrlParts, AuthError> {
        let url = Url::parse(&self.url)?;
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(AuthError::InvalidUrl(url::ParseError::EmptyHost)),
        };
        Ok(UrlParts {
            host,
            path: url.path().to_owned(),
            query: url.query().unwrap_or_default().to_owned(),
        })
    }
}

/// Header names whose values are credentials or signatures and must not be printed.
fn is_sensitive_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "authorization" || name == "sign" || name.contains("token") || name.contains("secret")
}

/// Query parameter names that carry credentials (Baidu's `access_token`, signed-URL schemes).
fn is_sensitive_query_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["token", "secret", "sign", "key"]
        .iter()
        .any(|word| name.contains(word))
}

/// The URL with the values of credential-bearing query parameters replaced by `***`.
fn redacted_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_sensitive_query_param(name) => format!("{name}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let shown = if is_sensitive_header(n) {
                    "***"
                } else {
                    v.as_str()
                };
                (n.as_str(), shown)
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redacted_url(&self.url))
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_ignores_case() {
        let req = HttpRequest::new("POST", "https://a.example/")
            .with_header("Content-Type", "application/json")
            .with_header("x-multi", "1")
            .with_header("X-Multi", "2");
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.header("CONTENT-TYPE"), Some("application/json"));
        assert_eq!(req.header("host"), None);
        assert_eq!(req.header_values("x-multi").collect::<Vec<_>>(), ["1", "2"]);
    }

    #[test]
    fn set_header_replaces_in_place_and_drops_duplicates() {
        let mut req = HttpRequest::new("POST", "https://a.example/")
            .with_header("a", "1")
            .with_header("X-Dup", "old1")
            .with_header("b", "2")
            .with_header("x-dup", "old2");
        req.set_header("X-Dup", "new");
        assert_eq!(
            req.headers,
            [
                ("a".to_owned(), "1".to_owned()),
                ("X-Dup".to_owned(), "new".to_owned()),
                ("b".to_owned(), "2".to_owned()),
            ]
        );
        req.set_header("c", "3");
        assert_eq!(req.headers.last(), Some(&("c".to_owned(), "3".to_owned())));
    }

    #[test]
    fn set_header_if_absent_keeps_existing_value() {
        let mut req = HttpRequest::new("GET", "https://a.example/").with_header("HOST", "kept");
        req.set_header_if_absent("Host", "other");
        req.set_header_if_absent("Content-Type", "text/plain");
        assert_eq!(req.header("host"), Some("kept"));
        assert_eq!(req.header("content-type"), Some("text/plain"));
        assert_eq!(req.headers.len(), 2);
    }

    #[test]
    fn url_parts_keep_non_default_port_and_raw_query() {
        let req = HttpRequest::new("GET", "http://h.example:8000/v1/a%20b?x=%2F&y");
        let parts = req.url_parts().unwrap();
        assert_eq!(parts.host, "h.example:8000");
        assert_eq!(parts.path, "/v1/a%20b");
        assert_eq!(parts.query, "x=%2F&y");

        let default_port = HttpRequest::new("GET", "https://h.example:443")
            .url_parts()
            .unwrap();
        assert_eq!(default_port.host, "h.example");
        assert_eq!(default_port.path, "/");
        assert_eq!(default_port.query, "");
    }

    #[test]
    fn url_parts_reject_relative_and_hostless_urls() {
        assert!(matches!(
            HttpRequest::new("GET", "/only/a/path").url_parts(),
            Err(AuthError::InvalidUrl(_))
        ));
        assert!(matches!(
            HttpRequest::new("GET", "mailto:someone@example.com").url_parts(),
            Err(AuthError::InvalidUrl(_))
        ));
    }

    #[test]
    fn debug_hides_credential_headers_and_body() {
        let req = HttpRequest::new("POST", "https://a.example/")
            .with_header("Authorization", "TC3-HMAC-SHA256 Signature=abc")
            .with_header("X-TC-Token", "session-token-value")
            .with_header("C-Secret", "my-secret-id")
            .with_header("Content-Type", "application/json")
            .with_body("secret body");
        let shown = format!("{req:?}");
        assert!(!shown.contains("abc"));
        assert!(!shown.contains("session-token-value"));
        assert!(!shown.contains("my-secret-id"));
        assert!(!shown.contains("secret body"));
        assert!(shown.contains("application/json"));
        assert!(shown.contains("body_len: 11"));
    }

    #[test]
    fn debug_hides_credential_query_values() {
        let req = HttpRequest::new(
            "POST",
            "https://aip.baidubce.com/rest/2.0/ocr/v1/vat_invoice?access_token=24.abc&type=normal",
        );
        let shown = format!("{req:?}");
        assert!(!shown.contains("24.abc"));
        assert!(shown.contains("access_token=***&type=normal"));
        assert_eq!(redacted_url("https://a.example/p"), "https://a.example/p");
    }
}
