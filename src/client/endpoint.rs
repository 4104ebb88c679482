//! The URL a request goes to: the spec's URL with its placeholders filled, or an override.
//!
//! The spec URL may hold `{region}` and non-secret credential placeholders such as
//! `{project_id}`. An **endpoint override** (from the builder, the config file or
//! `FAPIAO_ENDPOINT_<API_ID>`) replaces the scheme, host and port; the spec's path and query
//! are kept unless the override has a path of its own:
//!
//! | spec URL | override | request URL |
//! |---|---|---|
//! | `https://aiapi.jdcloud.com/jdai/ocr_invoice` | `http://127.0.0.1:8080` | `http://127.0.0.1:8080/jdai/ocr_invoice` |
//! | `https://aiapi.jdcloud.com/jdai/ocr_invoice` | `http://127.0.0.1:8080/` | `http://127.0.0.1:8080/jdai/ocr_invoice` |
//! | `https://aiapi.jdcloud.com/jdai/ocr_invoice` | `https://gw.example/jd/ocr` | `https://gw.example/jd/ocr` |
//!
//! So a sandbox or proxy that serves every API at its usual path needs only its base URL. The
//! override may use the same placeholders.

use url::Url;

use super::ConfigError;
use crate::api::ApiDescriptor;
use crate::auth::Credentials;

/// The URL of `api`'s requests, before query fields are added.
pub(crate) fn request_url(
    api: &ApiDescriptor,
    endpoint: Option<&str>,
    region: Option<&str>,
    credentials: &Credentials,
) -> Result<Url, ConfigError> {
    let parse = |template: &str| -> Result<Url, ConfigError> {
        let filled = fill_placeholders(api, template, region, credentials)?;
        let invalid = |reason: String| ConfigError::InvalidEndpoint {
            api: api.id,
            url: template.to_owned(),
            reason,
        };
        let url = Url::parse(&filled).map_err(|e| invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(invalid("not an absolute http(s) URL".to_owned()));
        }
        Ok(url)
    };
    let spec = parse(api.endpoint.url)?;
    let Some(endpoint) = endpoint else {
        return Ok(spec);
    };
    let mut url = parse(endpoint)?;
    if matches!(url.path(), "" | "/") && url.query().is_none() {
        url.set_path(spec.path());
        url.set_query(spec.query());
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
