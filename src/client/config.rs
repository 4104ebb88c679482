//! Per-API settings — credentials, region, endpoint, QPS — and where they come from.
//!
//! Three sources, in precedence order:
//!
//! 1. code: [`ClientBuilder`](super::ClientBuilder) methods;
//! 2. the config file (below);
//! 3. the environment: each credential's variable as the spec names it (for example
//!    `TENCENTCLOUD_SECRET_ID`), and `FAPIAO_ENDPOINT_<API_ID>` for the endpoint.
//!
//! Within one source an API's own settings win over its vendor's. Region and QPS fall back to
//! the spec (`default_region`, `limits.qps`).
//!
//! # Config file
//!
//! Read from `$FAPIAO_CONFIG` (which must then exist), else `$XDG_CONFIG_HOME/fapiao/config.toml`,
//! else `$HOME/.config/fapiao/config.toml` (both optional). One table per vendor; a sub-table per
//! API (the API id is `<vendor>.<api>`, so TOML's dotted table names nest it under its vendor):
//!
//! ```toml
//! [tencent]                      # every tencent.* API
//! region = "ap-guangzhou"
//! credentials = { secret_id = "AKID…", secret_key = "…" }
//!
//! [tencent.vat_invoice_ocr]      # this API only; overrides [tencent]
//! endpoint = "http://127.0.0.1:8080"
//! qps = 20
//! ```
//!
//! Keys of a section: `region`, `endpoint` (see [endpoint overrides](super#endpoint-overrides)),
//! `qps` (a positive number; raise it when your account allows more than the documented
//! default), `allow_http` (see [plain HTTP](super#plain-http)) and `credentials`, named as the
//! API's auth scheme names them. Anything else is an error. Since the file holds secrets,
//! errors about it name keys and positions, never values.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::endpoint::redact_userinfo;
use crate::Secret;
use crate::api::ApiDescriptor;
use crate::auth::{AuthScheme, Credentials};

/// Looks up an environment variable; replaceable so tests and sandboxes need not touch the
/// process environment.
pub(crate) type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The process environment.
pub(crate) fn process_env() -> EnvLookup {
    Arc::new(|name| std::env::var(name).ok())
}

/// A configuration problem found before any request was sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config file cannot be read or parsed.
    #[error("config file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong, with a line and column where known.
        reason: String,
    },
    /// Credentials the API's auth scheme needs are not configured anywhere.
    #[error(
        "{api}: credentials not configured: {names}; set {env_vars}, or add them to \
         [{vendor}] credentials in the config file"
    )]
    MissingCredentials {
        /// API id.
        api: &'static str,
        /// Vendor id (the config section to add them to).
        vendor: &'static str,
        /// The missing credentials' names, comma-separated.
        names: String,
        /// Their environment variables, comma-separated.
        env_vars: String,
    },
    /// The configured region is not one the API is offered in.
    #[error("{api}: region `{region}` is not offered (regions: {offered})")]
    UnknownRegion {
        /// API id.
        api: &'static str,
        /// The configured region.
        region: String,
        /// The API's regions, comma-separated.
        offered: String,
    },
    /// The endpoint URL has a placeholder nothing fills.
    #[error("{api}: endpoint placeholder {{{name}}} {reason}")]
    Placeholder {
        /// API id.
        api: &'static str,
        /// The placeholder's name.
        name: String,
        /// Why it cannot be filled.
        reason: &'static str,
    },
    /// The endpoint is plain HTTP to a host other than loopback, and plain HTTP was not
    /// allowed for the API (see [plain HTTP](super#plain-http)).
    #[error(
        "{api}: endpoint `{url}` is plain HTTP: credentials, signatures and invoices would cross \
         the network unencrypted; use an https endpoint, or accept the risk with \
         `allow_http = true` in the [{vendor}] section of the config file \
         (ClientBuilder::allow_http in code)"
    )]
    PlainHttp {
        /// API id.
        api: &'static str,
        /// Vendor id (the config section to allow it in).
        vendor: &'static str,
        /// The URL, without any userinfo.
        url: String,
    },
    /// An endpoint URL is not a usable absolute http(s) URL.
    #[error("{api}: endpoint `{url}` is invalid: {reason}")]
    InvalidEndpoint {
        /// API id.
        api: &'static str,
        /// The URL as written (before placeholders are filled).
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The API's auth scheme is not one this runtime implements.
    #[error("{api}: unknown auth scheme `{scheme}`")]
    UnknownScheme {
        /// API id.
        api: &'static str,
        /// The scheme id from the spec.
        scheme: &'static str,
    },
    /// A QPS setting is not a positive finite number.
    #[error("{scope}: qps must be a positive number, got {value}")]
    InvalidQps {
        /// Vendor or API id.
        scope: String,
        /// The value given.
        value: f64,
    },
    /// The HTTP client could not be set up (TLS roots, resolver).
    #[error("HTTP client setup failed: {0}")]
    HttpClient(String),
}

/// Settings for one scope: a vendor (`tencent`) or an API (`tencent.vat_invoice_ocr`).
#[derive(Clone, Default)]
pub(crate) struct Section {
    pub(crate) region: Option<String>,
    pub(crate) endpoint: Option<String>,
    pub(crate) qps: Option<f64>,
    pub(crate) allow_http: Option<bool>,
    pub(crate) credentials: BTreeMap<String, Secret>,
}

impl std::fmt::Debug for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials are `Secret`s; an endpoint may hold a proxy password.
        f.debug_struct("Section")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint.as_deref().map(redact_userinfo))
            .field("qps", &self.qps)
            .field("allow_http", &self.allow_http)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// Sections by scope, from one source.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    sections: HashMap<String, Section>,
}

impl Settings {
    /// Scopes that are neither a registered vendor nor a registered API (a misspelling
    /// would otherwise be ignored without a word).
    fn unknown_scopes(&self) -> impl Iterator<Item = &str> {
        let known = |scope: &str| {
            crate::api::registry().iter().any(|api| {
                let d = api.descriptor();
                d.id == scope || d.vendor.id == scope
            })
        };
        self.sections
            .keys()
            .map(String::as_str)
            .filter(move |s| !known(s))
    }

    /// The section for `scope`, created empty on first use.
    pub(crate) fn section(&mut self, scope: &str) -> &mut Section {
        self.sections.entry(scope.to_owned()).or_default()
    }

    /// The sections that apply to `api`, most specific first.
    fn for_api<'s>(&'s self, api: &ApiDescriptor) -> impl Iterator<Item = &'s Section> + 's {
        [api.id, api.vendor.id]
            .into_iter()
            .filter_map(|scope| self.sections.get(scope))
    }
}

/// Everything resolved for one API.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) credentials: Credentials,
    pub(crate) region: Option<String>,
    /// The endpoint override, if any source gives one.
    pub(crate) endpoint: Option<String>,
    pub(crate) qps: Option<f64>,
    /// Whether a plain-HTTP endpoint off loopback may be used.
    pub(crate) allow_http: bool,
}

/// The sources, in precedence order.
pub(crate) struct Sources<'a> {
    pub(crate) code: &'a Settings,
    pub(crate) file: &'a Settings,
    pub(crate) env: &'a (dyn Fn(&str) -> Option<String> + Send + Sync),
}

impl Sources<'_> {
    /// Resolves every setting of `api`.
    pub(crate) fn resolve(
        &self,
        api: &'static ApiDescriptor,
        scheme: AuthScheme,
    ) -> Result<Resolved, ConfigError> {
        Ok(Resolved {
            credentials: self.credentials(api, scheme)?,
            region: self.region(api)?,
            endpoint: self
                .first(api, |s| s.endpoint.clone())
                .or_else(|| (self.env)(&endpoint_env_var(api.id)).filter(|v| !v.trim().is_empty())),
            qps: self.first(api, |s| s.qps).or(api.limits.qps),
            allow_http: self.first(api, |s| s.allow_http).unwrap_or(false),
        })
    }

    /// The first value `pick` finds in code, then file sections.
    fn first<T>(&self, api: &ApiDescriptor, pick: impl Fn(&Section) -> Option<T>) -> Option<T> {
        self.code
            .for_api(api)
            .chain(self.file.for_api(api))
            .find_map(pick)
    }

    /// The credentials of `api`; those the spec lists must be present unless the scheme marks
    /// them optional (a session token, say).
    fn credentials(
        &self,
        api: &ApiDescriptor,
        scheme: AuthScheme,
    ) -> Result<Credentials, ConfigError> {
        let mut creds = Credentials::new();
        // Lowest precedence first so that later inserts win; credentials the spec does not
        // list (an optional session token, say) still reach the signer.
        let sections: Vec<&Section> = self
            .code
            .for_api(api)
            .chain(self.file.for_api(api))
            .collect();
        for source in api.auth.credentials {
            if let Some(value) = (self.env)(source.env).filter(|v| !v.is_empty()) {
                creds.insert(source.name, value);
            }
        }
        for section in sections.iter().rev() {
            for (name, value) in section.credentials.iter().filter(|(_, v)| !v.is_empty()) {
                creds.insert(name.clone(), value.clone());
            }
        }
        let missing: Vec<_> = api
            .auth
            .credentials
            .iter()
            .filter(|c| creds.get(c.name).is_none() && scheme_requires(scheme, c.name))
            .collect();
        if missing.is_empty() {
            return Ok(creds);
        }
        let names: Vec<&str> = missing.iter().map(|c| c.name).collect();
        let env_vars: Vec<&str> = missing.iter().map(|c| c.env).collect();
        Err(ConfigError::MissingCredentials {
            api: api.id,
            vendor: api.vendor.id,
            names: names.join(", "),
            env_vars: env_vars.join(", "),
        })
    }

    fn region(&self, api: &ApiDescriptor) -> Result<Option<String>, ConfigError> {
        let region = self
            .first(api, |s| s.region.clone())
            .or_else(|| api.auth.default_region.map(str::to_owned));
        let offered = api.auth.regions;
        match region {
            Some(r) if !offered.is_empty() && !offered.contains(&r.as_str()) => {
                Err(ConfigError::UnknownRegion {
                    api: api.id,
                    region: r,
                    offered: offered.join(", "),
                })
            }
            region => Ok(region),
        }
    }
}

/// False only for credentials the scheme itself marks optional.
fn scheme_requires(scheme: AuthScheme, name: &str) -> bool {
    let spec = scheme.credentials().iter().find(|c| c.name == name);
    spec.is_none_or(|c| c.required)
}

/// The environment variable that overrides an API's endpoint: `FAPIAO_ENDPOINT_` and the API
/// id upper-cased, with every character other than a letter or digit turned into `_`
/// (`tencent.vat_invoice_ocr` → `FAPIAO_ENDPOINT_TENCENT_VAT_INVOICE_OCR`).
pub fn endpoint_env_var(api_id: &str) -> String {
    let suffix: String = api_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("FAPIAO_ENDPOINT_{suffix}")
}

/// Where the config file is looked for, and whether it must exist.
pub(crate) fn default_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<(PathBuf, bool)> {
    let set = |name| env(name).filter(|v: &String| !v.is_empty());
    if let Some(path) = set("FAPIAO_CONFIG") {
        return Some((PathBuf::from(path), true));
    }
    let base = set("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| set("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some((base.join("fapiao").join("config.toml"), false))
}

/// Reads a config file; a missing optional file gives empty settings.
pub(crate) fn load_config(path: &Path, required: bool) -> Result<Settings, ConfigError> {
    let fail = |reason: String| ConfigError::File {
        path: path.to_owned(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let settings = parse_config(&text).map_err(fail)?;
            tracing::info!(path = %path.display(), "config file read");
            for scope in settings.unknown_scopes() {
                tracing::warn!(
                    path = %path.display(),
                    "config section [{scope}] names no registered vendor or API; it is ignored"
                );
            }
            Ok(settings)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            tracing::info!(path = %path.display(), "no config file");
            Ok(Settings::default())
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Parses config-file text. Errors never quote values: the file holds secrets.
pub(crate) fn parse_config(text: &str) -> Result<Settings, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e
            .span()
            .map(|s| line_column(text, s.start))
            .unwrap_or_default();
        format!(
            "{at}invalid TOML ({})",
            e.message().lines().next().unwrap_or_default()
        )
    })?;
    let mut settings = Settings::default();
    for (vendor, value) in &table {
        let section = value
            .as_table()
            .ok_or_else(|| format!("`{vendor}` must be a table ([{vendor}])"))?;
        parse_section(&mut settings, vendor, section, true)?;
    }
    Ok(settings)
}

fn parse_section(
    settings: &mut Settings,
    scope: &str,
    table: &toml::Table,
    is_vendor: bool,
) -> Result<(), String> {
    let mut section = Section::default();
    for (key, value) in table {
        let wrong_type = |expected| format!("[{scope}] {key} must be {expected}");
        match key.as_str() {
            "region" => {
                section.region = Some(value.as_str().ok_or_else(|| wrong_type("a string"))?.into())
            }
            "endpoint" => {
                section.endpoint =
                    Some(value.as_str().ok_or_else(|| wrong_type("a string"))?.into())
            }
            "qps" => section.qps = Some(parse_qps(scope, value)?),
            "allow_http" => {
                section.allow_http =
                    Some(value.as_bool().ok_or_else(|| wrong_type("true or false"))?)
            }
            "credentials" => {
                let creds = value
                    .as_table()
                    .ok_or_else(|| wrong_type("a table of strings"))?;
                for (name, v) in creds {
                    let v = v
                        .as_str()
                        .ok_or_else(|| format!("[{scope}] credential {name} must be a string"))?;
                    section.credentials.insert(name.clone(), Secret::new(v));
                }
            }
            _ => match value.as_table() {
                Some(api) if is_vendor => {
                    parse_section(settings, &format!("{scope}.{key}"), api, false)?
                }
                _ => return Err(format!("[{scope}] has an unknown key `{key}`")),
            },
        }
    }
    *settings.section(scope) = section;
    Ok(())
}

fn parse_qps(scope: &str, value: &toml::Value) -> Result<f64, String> {
    let qps = value
        .as_float()
        .or_else(|| value.as_integer().map(|i| i as f64))
        .ok_or_else(|| format!("[{scope}] qps must be a number"))?;
    check_qps(scope, qps).map_err(|e| e.to_string())
}

/// Accepts a positive finite QPS.
pub(crate) fn check_qps(scope: &str, qps: f64) -> Result<f64, ConfigError> {
    if qps.is_finite() && qps > 0.0 {
        Ok(qps)
    } else {
        Err(ConfigError::InvalidQps {
            scope: scope.to_owned(),
            value: qps,
        })
    }
}

/// `line L, column C: ` (1-based) for a byte offset.
fn line_column(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[tencent]
region = "ap-guangzhou"
credentials = { secret_id = "AKIDsample", secret_key = "sample-secret-key" }

[tencent.vat_invoice_ocr]
endpoint = "http://127.0.0.1:8080"
qps = 20

[jdcloud.ocr_invoice]
qps = 2.5
allow_http = true
[jdcloud.ocr_invoice.credentials]
access_key = "ak"
"#;

    #[test]
    fn vendor_and_api_sections_parse() {
        let settings = parse_config(SAMPLE).expect("valid");
        let vendor = &settings.sections["tencent"];
        assert_eq!(vendor.region.as_deref(), Some("ap-guangzhou"));
        assert_eq!(
            vendor.credentials["secret_key"].expose(),
            "sample-secret-key"
        );
        let api = &settings.sections["tencent.vat_invoice_ocr"];
        assert_eq!(api.endpoint.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(api.qps, Some(20.0));
        let jd = &settings.sections["jdcloud.ocr_invoice"];
        assert_eq!(jd.qps, Some(2.5));
        assert_eq!(jd.allow_http, Some(true));
        assert_eq!(api.allow_http, None);
        assert_eq!(jd.credentials["access_key"].expose(), "ak");
        assert!(!format!("{settings:?}").contains("sample-secret-key"));
    }

    #[test]
    fn errors_name_keys_and_positions_but_never_values() {
        let secret = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
        let cases = [
            (
                format!("[tencent]\nsecret_key = \"{secret}\"\n"),
                "[tencent] has an unknown key `secret_key`",
            ),
            (
                format!("[tencent]\nregion = [\"{secret}\"]\n"),
                "[tencent] region must be a string",
            ),
            (
                format!("[tencent.api.deeper]\nregion = \"{secret}\"\n"),
                "[tencent.api] has an unknown key `deeper`",
            ),
            (
                format!("tencent = \"{secret}\"\n"),
                "`tencent` must be a table",
            ),
            (
                format!("[tencent.credentials]\nsecret_key = {secret}\n"),
                "line 2, column",
            ),
            (
                "[tencent]\ncredentials = { secret_key = 7 }\n".to_owned(),
                "credential secret_key must be a string",
            ),
            ("[a]\nqps = 0\n".to_owned(), "qps must be a positive number"),
            (
                "[a]\nallow_http = \"yes\"\n".to_owned(),
                "[a] allow_http must be true or false",
            ),
            (
                "[a]\nqps = \"fast\"\n".to_owned(),
                "[a] qps must be a number",
            ),
        ];
        for (text, expected) in cases {
            let err = parse_config(&text).expect_err(&text);
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
            assert!(!err.contains(secret), "{err:?} leaks the value");
        }
    }

    #[test]
    fn endpoint_variable_upper_cases_and_replaces_separators() {
        assert_eq!(
            endpoint_env_var("tencent.vat_invoice_ocr"),
            "FAPIAO_ENDPOINT_TENCENT_VAT_INVOICE_OCR"
        );
        assert_eq!(
            endpoint_env_var("huawei-cloud.vat.v2"),
            "FAPIAO_ENDPOINT_HUAWEI_CLOUD_VAT_V2"
        );
    }

    #[test]
    fn config_path_prefers_fapiao_config_then_xdg_then_home() {
        let path = |vars: &[(&str, &str)]| {
            default_config_path(&|name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            })
        };
        let all = [
            ("FAPIAO_CONFIG", "/etc/f.toml"),
            ("XDG_CONFIG_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(path(&all), Some((PathBuf::from("/etc/f.toml"), true)));
        assert_eq!(
            path(&all[1..]),
            Some((PathBuf::from("/x/fapiao/config.toml"), false))
        );
        assert_eq!(
            path(&[("HOME", "/h"), ("FAPIAO_CONFIG", "")]),
            Some((PathBuf::from("/h/.config/fapiao/config.toml"), false))
        );
        assert_eq!(path(&[]), None);
    }

    #[test]
    fn missing_optional_file_is_empty_but_missing_required_file_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let absent = dir.path().join("absent.toml");
        let settings = load_config(&absent, false).expect("optional");
        assert!(settings.sections.is_empty());
        let err = load_config(&absent, true).expect_err("required");
        assert!(matches!(err, ConfigError::File { ref path, .. } if *path == absent));
    }
}
