//! Which API a request is for: by the path of the API's endpoint URL (placeholders such as
//! `{project_id}` match any text), then — where several APIs share a path, as Tencent Cloud
//! API 3.0 actions all live at `/` — by the action the auth scheme carries in a header.

use crate::api::DynApi;
use crate::auth::AuthScheme;

/// One served API.
pub(crate) struct Route {
    /// The API.
    pub(crate) api: &'static dyn DynApi,
    /// Its auth scheme; `None` when this build does not implement the spec's scheme.
    pub(crate) scheme: Option<AuthScheme>,
    segments: Vec<&'static str>,
    /// `(header, value)` a request must carry to be for this API.
    action: Option<(&'static str, &'static str)>,
}

/// Why no single API matched; answered by the sandbox itself, not in a vendor's envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unrouted {
    /// 404, 405 or 409 (several APIs match).
    pub(crate) status: u16,
    /// What was looked for and what exists.
    pub(crate) message: String,
}

/// Every served API, in registry order.
pub(crate) struct Router {
    routes: Vec<Route>,
}

impl Router {
    /// Routes for `apis`.
    pub(crate) fn new(apis: &[&'static dyn DynApi]) -> Router {
        let routes = apis
            .iter()
            .map(|&api| {
                let d = api.descriptor();
                let scheme = AuthScheme::from_id(d.auth.scheme);
                let action = scheme
                    .and_then(AuthScheme::action_header)
                    .zip(d.auth.param("action"));
                Route {
                    api,
                    scheme,
                    segments: segments(spec_path(d.endpoint.url)),
                    action,
                }
            })
            .collect();
        Router { routes }
    }

    /// The routes, in registry order.
    pub(crate) fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The API a request is for. `header` looks a request header up by name.
    pub(crate) fn resolve<'h>(
        &self,
        method: &str,
        path: &str,
        header: impl Fn(&str) -> Option<&'h str>,
    ) -> Result<&Route, Unrouted> {
        let wanted = segments(path);
        let at_path: Vec<&Route> = self
            .routes
            .iter()
            .filter(|r| path_matches(&r.segments, &wanted))
            .collect();
        if at_path.is_empty() {
            return Err(Unrouted {
                status: 404,
                message: format!("no API is served at {path}"),
            });
        }
        let for_action: Vec<&Route> = at_path
            .iter()
            .copied()
            .filter(|r| {
                r.action
                    .is_none_or(|(name, value)| header(name) == Some(value))
            })
            .collect();
        if for_action.is_empty() {
            let actions: Vec<String> = at_path
                .iter()
                .filter_map(|r| r.action.map(|(name, value)| format!("{name}: {value}")))
                .collect();
            return Err(Unrouted {
                status: 404,
                message: format!(
                    "no API at {path} has the requested action (served: {})",
                    actions.join(", ")
                ),
            });
        }
        let for_method: Vec<&Route> = for_action
            .iter()
            .copied()
            .filter(|r| {
                r.api
                    .descriptor()
                    .endpoint
                    .method
                    .eq_ignore_ascii_case(method)
            })
            .collect();
        match for_method.as_slice() {
            [route] => Ok(route),
            [] => Err(Unrouted {
                status: 405,
                message: format!(
                    "{path} takes {}",
                    for_action[0].api.descriptor().endpoint.method
                ),
            }),
            several => {
                let ids: Vec<&str> = several.iter().map(|r| r.api.descriptor().id).collect();
                Err(Unrouted {
                    status: 409,
                    message: format!(
                        "several APIs match {method} {path}: {}; their specs need distinct paths",
                        ids.join(", ")
                    ),
                })
            }
        }
    }
}

/// The path and query of a spec URL, placeholders kept (`/v2/{project_id}/ocr/vat-invoice`).
/// The host may hold placeholders too, so this does not parse the URL.
pub(crate) fn spec_path_and_query(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = after_scheme
        .find(['/', '?'])
        .map_or("", |start| &after_scheme[start..]);
    rest.split('#').next().unwrap_or_default()
}

/// The path of a spec URL, without query.
pub(crate) fn spec_path(url: &str) -> &str {
    let path_and_query = spec_path_and_query(url);
    path_and_query.split('?').next().unwrap_or_default()
}

/// The non-empty segments of a path: `/a/b/` and `/a/b` are the same path.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Whether a request path is at a spec path (placeholders match any text of a segment).
pub(crate) fn at_path(pattern: &str, path: &str) -> bool {
    path_matches(&segments(pattern), &segments(path))
}

fn path_matches(pattern: &[&str], actual: &[&str]) -> bool {
    pattern.len() == actual.len()
        && pattern
            .iter()
            .zip(actual)
            .all(|(p, a)| segment_matches(p, a))
}

/// A segment pattern against a segment: literal text must be equal, and each `{name}` matches
/// one or more characters.
fn segment_matches(pattern: &str, actual: &str) -> bool {
    let Some(open) = pattern.find('{') else {
        return pattern == actual;
    };
    let Some(close) = pattern[open..].find('}').map(|c| open + c) else {
        return pattern == actual;
    };
    let Some(rest) = actual.strip_prefix(&pattern[..open]) else {
        return false;
    };
    let after = &pattern[close + 1..];
    rest.char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .chain(std::iter::once(rest.len()))
        .filter(|&i| i > 0)
        .any(|i| segment_matches(after, &rest[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{self, Credentials, HttpRequest, SignContext};

    #[test]
    fn spec_paths_keep_placeholders_and_drop_the_host() {
        assert_eq!(
            spec_path_and_query(
                "https://ocr.{region}.myhuaweicloud.com/v2/{project_id}/ocr/vat-invoice"
            ),
            "/v2/{project_id}/ocr/vat-invoice"
        );
        assert_eq!(spec_path_and_query("https://ocr.tencentcloudapi.com/"), "/");
        assert_eq!(spec_path_and_query("https://h.example"), "");
        assert_eq!(spec_path_and_query("https://h.example?x=1"), "?x=1");
        assert_eq!(spec_path("https://h.example/a/b?x=1#f"), "/a/b");
    }

    #[test]
    fn placeholders_match_one_or_more_characters_of_a_segment() {
        assert!(segment_matches("{project_id}", "abc"));
        assert!(!segment_matches("{project_id}", ""));
        assert!(segment_matches("v{n}", "v2"));
        assert!(!segment_matches("v{n}", "v"));
        assert!(segment_matches("{a}-{b}.json", "x-y-z.json"));
        assert!(!segment_matches("{a}-{b}.json", "x.json"));
        assert!(segment_matches("literal", "literal"));
        assert!(!segment_matches("literal", "other"));
        assert!(segment_matches("{open", "{open"));
        assert!(segment_matches("{n}", "数电"));
        assert!(path_matches(
            &segments("/v2/{project_id}/ocr"),
            &segments("/v2/p1/ocr/")
        ));
        assert!(!path_matches(
            &segments("/v2/{p}/ocr"),
            &segments("/v2/ocr")
        ));
        assert!(path_matches(&segments("/"), &segments("")));
    }

    /// The action header is where each scheme's signer really puts the action.
    #[test]
    fn action_headers_are_the_ones_the_signers_send() {
        for scheme in AuthScheme::ALL {
            let params: Vec<(&str, &str)> = scheme
                .params()
                .iter()
                .map(|p| {
                    (
                        p.name,
                        if p.name == "action" {
                            "ProbeAction"
                        } else {
                            "probe"
                        },
                    )
                })
                .filter(|(n, _)| *n != "ttl_seconds" && *n != "region")
                .collect();
            let mut credentials = Credentials::new();
            for c in scheme.credentials() {
                credentials.insert(c.name, "probe-credential");
            }
            let mut req = HttpRequest::new("POST", "https://h.example/p").with_body("{}");
            let ctx = SignContext {
                params: &params,
                region: None,
                credentials: &credentials,
                now: chrono::Utc::now(),
                nonce: "12345",
            };
            auth::sign(scheme, &mut req, &ctx).expect("signs");
            let carrying: Vec<&str> = req
                .headers
                .iter()
                .filter(|(_, v)| v == "ProbeAction")
                .map(|(n, _)| n.as_str())
                .collect();
            match scheme.action_header() {
                Some(name) => assert!(
                    carrying.iter().any(|n| n.eq_ignore_ascii_case(name)),
                    "{scheme}: {carrying:?}"
                ),
                None => assert!(carrying.is_empty(), "{scheme}: {carrying:?}"),
            }
        }
    }
}
