//! [`ClientBuilder`]: settings given in code, timeouts, retries.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::config::{self, EnvLookup, Settings};
use super::transport::Transport;
use super::{Client, ConfigError, Error, Inner, RetryPolicy};
use crate::Secret;

/// Default time to establish a connection (TCP and TLS).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one whole attempt, answer included; large PDFs take the vendors a while.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(60);

/// Which config file to read.
#[derive(Debug, Clone)]
enum ConfigFile {
    /// `$FAPIAO_CONFIG`, else the XDG location.
    Default,
    /// This file, which must exist.
    Path(PathBuf),
    /// None.
    Skip,
}

/// Builds a [`Client`]. Settings given here win over the config file and the environment.
///
/// A `scope` is a vendor id (`tencent`: every API of the vendor) or an API id
/// (`tencent.vat_invoice_ocr`: that API only, winning over its vendor's settings).
pub struct ClientBuilder {
    code: Settings,
    invalid: Option<ConfigError>,
    config_file: ConfigFile,
    env: EnvLookup,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("code", &self.code)
            .field("config_file", &self.config_file)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// The defaults: config file and process environment read, 10 s connect timeout, 60 s
    /// total timeout per attempt, [`RetryPolicy::default`].
    pub fn new() -> ClientBuilder {
        ClientBuilder {
            code: Settings::default(),
            invalid: None,
            config_file: ConfigFile::Default,
            env: config::process_env(),
            connect_timeout: Some(CONNECT_TIMEOUT),
            timeout: Some(TOTAL_TIMEOUT),
            retry: RetryPolicy::default(),
        }
    }

    /// Sets a credential (`secret_id`, `secret_key`, … as the auth scheme names it).
    pub fn credential(
        mut self,
        scope: &str,
        name: &str,
        value: impl Into<Secret>,
    ) -> ClientBuilder {
        self.code
            .section(scope)
            .credentials
            .insert(name.to_owned(), value.into());
        self
    }

    /// Sets the region, overriding the spec's default.
    pub fn region(mut self, scope: &str, region: impl Into<String>) -> ClientBuilder {
        self.code.section(scope).region = Some(region.into());
        self
    }

    /// Overrides the endpoint (see the [module docs](super#endpoint-overrides)).
    pub fn endpoint(mut self, scope: &str, url: impl Into<String>) -> ClientBuilder {
        self.code.section(scope).endpoint = Some(url.into());
        self
    }

    /// Allows (or, with `false`, refuses again) a plain-`http://` endpoint to a host other
    /// than loopback, such as a vendor that offers no HTTPS. Credentials, signatures and
    /// invoices then cross the network unencrypted (see [plain HTTP](super#plain-http)).
    pub fn allow_http(mut self, scope: &str, allow: bool) -> ClientBuilder {
        self.code.section(scope).allow_http = Some(allow);
        self
    }

    /// Sets the client-side rate limit, overriding the spec's documented QPS (for accounts
    /// allowed more). Must be positive; [`build`](Self::build) reports a bad value.
    pub fn qps(mut self, scope: &str, qps: f64) -> ClientBuilder {
        match config::check_qps(scope, qps) {
            Ok(qps) => self.code.section(scope).qps = Some(qps),
            Err(e) => self.invalid = Some(e),
        }
        self
    }

    /// Reads this config file (which must exist) instead of the default location.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> ClientBuilder {
        self.config_file = ConfigFile::Path(path.into());
        self
    }

    /// Reads no config file.
    pub fn no_config_file(mut self) -> ClientBuilder {
        self.config_file = ConfigFile::Skip;
        self
    }

    /// Replaces the process environment as the source of environment variables (credential
    /// variables, `FAPIAO_ENDPOINT_*`, `FAPIAO_CONFIG`, `XDG_CONFIG_HOME`, `HOME`) — for tests,
    /// sandboxes, and programs that keep settings elsewhere.
    pub fn environment(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> ClientBuilder {
        self.env = Arc::new(lookup);
        self
    }

    /// Time to establish a connection; `None` waits as long as the OS does.
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> ClientBuilder {
        self.connect_timeout = timeout.into();
        self
    }

    /// Time for one whole attempt, from connecting to the end of the answer; `None` waits
    /// forever.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> ClientBuilder {
        self.timeout = timeout.into();
        self
    }

    /// Sets how failed attempts are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// Reads the config file and sets up the connection pool. Credentials are checked when an
    /// API is first used, since only then is it known which ones are needed.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(e) = self.invalid {
            return Err(e.into());
        }
        let file = match &self.config_file {
            ConfigFile::Default => match config::default_config_path(&*self.env) {
                Some((path, required)) => config::load_config(&path, required)?,
                None => Settings::default(),
            },
            ConfigFile::Path(path) => config::load_config(path, true)?,
            ConfigFile::Skip => Settings::default(),
        };
        let transport = Transport::new(self.connect_timeout, self.timeout)?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                code: self.code,
                file,
                env: self.env,
                retry: self.retry,
                apis: Mutex::new(HashMap::new()),
                tokens: Default::default(),
            }),
        })
    }
}
