//! [`SandboxConfig`]: where the sandbox listens, which credentials it accepts, which faults it
//! injects.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::SandboxError;
use super::fault::FaultPlan;
use crate::Secret;
use crate::api::ApiDescriptor;
use crate::auth::{AuthScheme, Credentials};
use crate::client::ConfigError;
use crate::client::config::{EnvLookup, Settings, Sources, load_config, process_env};

/// How far a request's signing time may be from the sandbox's clock by default.
const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// How to run a [`Sandbox`](super::Sandbox). Built like the client: the defaults, then
/// builder-style changes.
///
/// Credentials are looked up as the client looks them up — settings given here, then the
/// credentials file, then the environment variables the spec names (`TENCENTCLOUD_SECRET_ID`,
/// …) — so a client and a sandbox started in the same environment agree with no setup.
#[derive(Clone)]
pub struct SandboxConfig {
    pub(crate) bind: SocketAddr,
    pub(crate) allow_remote: bool,
    code: Settings,
    credentials_file: Option<PathBuf>,
    env: EnvLookup,
    pub(crate) faults: FaultPlan,
    pub(crate) seed: Option<u64>,
    pub(crate) max_skew: Duration,
    pub(crate) enforce_qps: bool,
    pub(crate) log_requests: bool,
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials are `Secret`s, shown as names only.
        f.debug_struct("SandboxConfig")
            .field("bind", &self.bind)
            .field("allow_remote", &self.allow_remote)
            .field("credentials", &self.code)
            .field("credentials_file", &self.credentials_file)
            .field("faults", &self.faults)
            .field("seed", &self.seed)
            .field("max_skew", &self.max_skew)
            .field("enforce_qps", &self.enforce_qps)
            .field("log_requests", &self.log_requests)
            .finish_non_exhaustive()
    }
}

impl Default for SandboxConfig {
    fn default() -> SandboxConfig {
        SandboxConfig::new()
    }
}

impl SandboxConfig {
    /// The defaults: `127.0.0.1` on a free port, credentials from the environment, no faults,
    /// a random seed, five minutes of accepted clock skew, QPS not enforced, no request log.
    pub fn new() -> SandboxConfig {
        SandboxConfig {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            allow_remote: false,
            code: Settings::default(),
            credentials_file: None,
            env: process_env(),
            faults: FaultPlan::none(),
            seed: None,
            max_skew: DEFAULT_MAX_SKEW,
            enforce_qps: false,
            log_requests: false,
        }
    }

    /// The address to listen on. A non-loopback address is refused unless
    /// [`allow_remote`](Self::allow_remote) is set.
    pub fn bind(mut self, addr: SocketAddr) -> SandboxConfig {
        self.bind = addr;
        self
    }

    /// Allows listening on a non-loopback address, reachable from other machines.
    pub fn allow_remote(mut self, allow: bool) -> SandboxConfig {
        self.allow_remote = allow;
        self
    }

    /// Sets a credential the sandbox accepts. `scope` is a vendor id (every API of the vendor)
    /// or an API id; names are the auth scheme's (`secret_id`, `secret_key`, …).
    pub fn credential(
        mut self,
        scope: &str,
        name: &str,
        value: impl Into<Secret>,
    ) -> SandboxConfig {
        self.code
            .section(scope)
            .credentials
            .insert(name.to_owned(), value.into());
        self
    }

    /// Sets every credential of `credentials` for `scope`.
    pub fn credentials(mut self, scope: &str, credentials: &Credentials) -> SandboxConfig {
        for name in credentials.names() {
            if let Some(value) = credentials.get(name) {
                self = self.credential(scope, name, value.clone());
            }
        }
        self
    }

    /// Reads credentials from this TOML file, in the client's config-file format
    /// (`[tencent] credentials = { secret_id = "…", secret_key = "…" }`; other keys are
    /// accepted and ignored). It must exist.
    pub fn credentials_file(mut self, path: impl Into<PathBuf>) -> SandboxConfig {
        self.credentials_file = Some(path.into());
        self
    }

    /// Replaces the process environment as the source of credential variables (for tests and
    /// programs that keep settings elsewhere; `|_| None` reads none).
    pub fn environment(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> SandboxConfig {
        self.env = Arc::new(lookup);
        self
    }

    /// Run-level faults, each with its probability.
    pub fn faults(mut self, plan: FaultPlan) -> SandboxConfig {
        self.faults = plan;
        self
    }

    /// Seeds the sandbox's randomness (fault draws, request ids), for reproducible runs.
    pub fn seed(mut self, seed: u64) -> SandboxConfig {
        self.seed = Some(seed);
        self
    }

    /// How far a request's signing time may be from the sandbox's clock before it is refused
    /// with the spec's `expired` code.
    pub fn max_skew(mut self, skew: Duration) -> SandboxConfig {
        self.max_skew = skew;
        self
    }

    /// Answers requests beyond an API's documented QPS with its `rate_limited` code.
    pub fn enforce_qps(mut self, enforce: bool) -> SandboxConfig {
        self.enforce_qps = enforce;
        self
    }

    /// Prints one line per request to standard error.
    pub fn log_requests(mut self, log: bool) -> SandboxConfig {
        self.log_requests = log;
        self
    }

    /// Refuses a non-loopback bind address unless remote access was allowed.
    pub(crate) fn check_bind(&self) -> Result<(), SandboxError> {
        if self.bind.ip().is_loopback() || self.allow_remote {
            Ok(())
        } else {
            Err(SandboxError::RemoteBindRefused { addr: self.bind })
        }
    }

    /// The credentials file's settings (empty without one).
    pub(crate) fn load_file(&self) -> Result<Settings, SandboxError> {
        match &self.credentials_file {
            Some(path) => Ok(load_config(path, true)?),
            None => Ok(Settings::default()),
        }
    }

    /// The credentials the sandbox accepts for `api`; `None` when some the scheme needs are
    /// configured nowhere.
    pub(crate) fn resolve_credentials(
        &self,
        file: &Settings,
        api: &'static ApiDescriptor,
        scheme: AuthScheme,
    ) -> Result<Option<Credentials>, SandboxError> {
        let sources = Sources {
            code: &self.code,
            file,
            env: &*self.env,
        };
        match sources.resolve(api, scheme) {
            Ok(resolved) => Ok(Some(resolved.credentials)),
            Err(ConfigError::MissingCredentials { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::registry;

    #[test]
    fn loopback_binds_are_allowed_and_others_need_permission() {
        let v6 = "[::1]:0".parse().unwrap();
        assert!(SandboxConfig::new().check_bind().is_ok());
        assert!(SandboxConfig::new().bind(v6).check_bind().is_ok());
        let anywhere = "0.0.0.0:8080".parse().unwrap();
        assert!(matches!(
            SandboxConfig::new().bind(anywhere).check_bind(),
            Err(SandboxError::RemoteBindRefused { addr }) if addr == anywhere
        ));
        assert!(
            SandboxConfig::new()
                .bind(anywhere)
                .allow_remote(true)
                .check_bind()
                .is_ok()
        );
    }

    #[test]
    fn credentials_come_from_code_then_file_then_environment() {
        let Some(api) = registry().first() else {
            return;
        };
        let d = api.descriptor();
        let scheme = AuthScheme::from_id(d.auth.scheme).expect("known scheme");
        let env_value = |name: &str| format!("env-{name}");
        let names: Vec<(&str, &str)> = d.auth.credentials.iter().map(|c| (c.name, c.env)).collect();
        let vars = names.clone();
        let config = SandboxConfig::new().environment(move |var| {
            vars.iter()
                .find(|(_, env)| *env == var)
                .map(|(name, _)| env_value(name))
        });
        let (first, _) = names[0];
        let file = crate::client::config::parse_config(&format!(
            "[{}]\ncredentials = {{ {first} = \"file-value\" }}\n",
            d.vendor.id
        ))
        .expect("valid");

        let from_env = config
            .resolve_credentials(&Settings::default(), d, scheme)
            .unwrap()
            .expect("complete");
        assert_eq!(
            from_env.get(first).map(Secret::expose),
            Some(env_value(first).as_str())
        );
        let from_file = config
            .resolve_credentials(&file, d, scheme)
            .unwrap()
            .unwrap();
        assert_eq!(from_file.get(first).map(Secret::expose), Some("file-value"));
        let from_code = config
            .clone()
            .credential(d.id, first, "code-value")
            .resolve_credentials(&file, d, scheme)
            .unwrap()
            .unwrap();
        assert_eq!(from_code.get(first).map(Secret::expose), Some("code-value"));

        let none = SandboxConfig::new().environment(|_| None);
        assert_eq!(
            none.resolve_credentials(&Settings::default(), d, scheme)
                .unwrap(),
            None
        );
    }

    #[test]
    fn debug_shows_no_credential_values() {
        let config = SandboxConfig::new().credential("tencent", "secret_key", "very-secret-value");
        let shown = format!("{config:?}");
        assert!(shown.contains("secret_key"));
        assert!(!shown.contains("very-secret-value"));
    }
}
