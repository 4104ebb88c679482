//! The URL a request goes to: the spec's URL with its placeholders filled, or an endpoint
//! override that keeps the spec's path unless it has its own (see the
//! [client docs](super#endpoint-overrides)); plain HTTP only to loopback unless allowed (see
//! [plain HTTP](super#plain-http)).

use std::borrow::Cow;

use url::{Host, Url};

use super::ConfigError;
use crate::api::ApiDescriptor;
use crate::auth::Credentials;

/// The URL of `api`'s requests, before query fields are added. A plain `http` URL to a host
/// other than loopback is refused unless `allow_http`.
pub(crate) fn request_url(
    api: &ApiDescriptor,
    endpoint: Option<&str>,
    region: Option<&str>,
    credentials: &Credentials,
    allow_http: bool,
) -> Result<Url, ConfigError> {
    let url = resolve_url(api, endpoint, region, credentials)?;
    refuse_plain_http(api, &url, allow_http)?;
    Ok(url)
}

/// Refuses a plain `http` URL to a host other than loopback, unless `allow_http`.
pub(crate) fn refuse_plain_http(
    api: &ApiDescriptor,
    url: &Url,
    allow_http: bool,
) -> Result<(), ConfigError> {
    if url.scheme() == "http" && !allow_http && !is_loopback(url) {
        return Err(ConfigError::PlainHttp {
            api: api.id,
            vendor: api.vendor.id,
            url: redact_userinfo(url.as_str()).into_owned(),
        });
    }
    Ok(())
}

/// True when `url`'s host is a loopback address (`127.0.0.0/8`, `::1`) or `localhost`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The spec's URL or the override, placeholders filled.
fn resolve_url(
    api: &ApiDescriptor,
    endpoint: Option<&str>,
    region: Option<&str>,
    credentials: &Credentials,
) -> Result<Url, ConfigError> {
    let parse = |template: &str| -> Result<Url, ConfigError> {
        let filled = fill_placeholders(api, template, region, credentials)?;
        absolute_url(api, template, &filled)
    };
    let Some(endpoint) = endpoint else {
        return parse(api.endpoint.url);
    };
    let mut url = parse(endpoint)?;
    if matches!(url.path(), "" | "/") && url.query().is_none() {
        let spec = parse(api.endpoint.url)?;
        url.set_path(spec.path());
        url.set_query(spec.query());
    }
    Ok(url)
}

/// `url` parsed, when it is an absolute http(s) URL; errors show `template` (the URL as
/// configured, before placeholders were filled) without its userinfo.
pub(crate) fn absolute_url(
    api: &ApiDescriptor,
    template: &str,
    url: &str,
) -> Result<Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidEndpoint {
        api: api.id,
        url: redact_userinfo(template).into_owned(),
        reason,
    };
    let url = Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid("not an absolute http(s) URL".to_owned()));
    }
    Ok(url)
}

/// Replaces each `{name}` in `template`: `region` by the region, other names by the non-secret
/// credential of that name. Values must be URL-safe tokens, so a value cannot change which
/// host or path the request goes to.
fn fill_placeholders(
    api: &ApiDescriptor,
    template: &str,
    region: Option<&str>,
    credentials: &Credentials,
) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| ConfigError::InvalidEndpoint {
                api: api.id,
                url: template.to_owned(),
                reason: "unclosed `{`".to_owned(),
            })?;
        let name = &after[..close];
        out.push_str(placeholder_value(api, name, region, credentials)?);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn placeholder_value<'a>(
    api: &ApiDescriptor,
    name: &str,
    region: Option<&'a str>,
    credentials: &'a Credentials,
) -> Result<&'a str, ConfigError> {
    let fail = |reason| ConfigError::Placeholder {
        api: api.id,
        name: name.to_owned(),
        reason,
    };
    let value = if name == "region" {
        region.ok_or_else(|| fail("needs a region; configure one"))?
    } else {
        let source = api.auth.credentials.iter().find(|c| c.name == name);
        match source {
            None => {
                return Err(fail(
                    "names neither the region nor a credential of this API",
                ));
            }
            Some(c) if c.secret => {
                return Err(fail("names a secret credential, which never goes in a URL"));
            }
            Some(_) => credentials
                .get(name)
                .map(|s| s.expose())
                .ok_or_else(|| fail("has no value"))?,
        }
    };
    let url_safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if value.is_empty() || !value.chars().all(url_safe) {
        return Err(fail(
            "has a value that is not a plain token (letters, digits, - _ .)",
        ));
    }
    Ok(value)
}

/// `url` with its `user:password@` part, if any, masked: a proxy URL may carry a password,
/// and endpoints appear in error messages and `Debug` output.
pub(crate) fn redact_userinfo(url: &str) -> Cow<'_, str> {
    let Some(scheme_end) = url.find("://") else {
        return Cow::Borrowed(url);
    };
    let host_start = scheme_end + 3;
    let rest = &url[host_start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => Cow::Owned(format!("{}***{}", &url[..host_start], &rest[at..])),
        None => Cow::Borrowed(url),
    }
}

#[cfg(test)]
mod tests {
    use super::{ConfigError, Credentials, redact_userinfo, request_url};

    #[test]
    fn plain_http_goes_only_to_loopback_unless_allowed() {
        let api = crate::api::find("tencent.vat_invoice_ocr")
            .expect("a generated API")
            .descriptor();
        let url = |endpoint: &str, allow| {
            request_url(api, Some(endpoint), None, &Credentials::new(), allow)
        };
        for local in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:8080",
            "http://LOCALHOST:9",
            "https://gw.example/ocr",
        ] {
            assert!(url(local, false).is_ok(), "{local}");
        }
        for remote in [
            "http://10.0.0.7:8080",
            "http://gw.example",
            "http://localhost.gw.example",
        ] {
            let err = url(remote, false).expect_err(remote);
            assert!(
                matches!(err, ConfigError::PlainHttp { .. }),
                "{remote}: {err}"
            );
            assert!(err.to_string().contains("allow_http = true"), "{err}");
            assert!(url(remote, true).is_ok(), "{remote} allowed");
        }
        let err = url("http://user:pa55word@proxy.example:3128", false).expect_err("remote");
        let message = err.to_string();
        assert!(
            message.contains("http://***@proxy.example:3128/"),
            "{message}"
        );
        assert!(!message.contains("pa55word"), "{message}");
    }

    #[test]
    fn userinfo_is_masked_wherever_it_is() {
        let cases = [
            ("http://user:pa55@proxy:3128/v1", "http://***@proxy:3128/v1"),
            ("https://tok@h.example", "https://***@h.example"),
            (
                "http://h.example/path@not-userinfo",
                "http://h.example/path@not-userinfo",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("not a url @ all", "not a url @ all"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_userinfo(url), shown);
        }
    }
}
