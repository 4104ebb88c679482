//! Named credentials for a signer.

use std::collections::BTreeMap;

use super::AuthError;
use crate::Secret;

/// Credentials by name (`secret_id`, `secret_key`, …; each scheme lists the names it reads in
/// [`AuthScheme::credentials`](super::AuthScheme::credentials)). Values are [`Secret`]s, so
/// `Debug` shows the names only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    values: BTreeMap<String, Secret>,
}

impl Credentials {
    /// An empty set.
    pub fn new() -> Credentials {
        Credentials::default()
    }

    /// Adds (or replaces) a credential, builder style.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Credentials {
        self.insert(name, value);
        self
    }

    /// Adds (or replaces) a credential.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Secret>) {
        self.values.insert(name.into(), value.into());
    }

    /// The credential called `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.values.get(name)
    }

    /// The names present, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// The value of a credential the scheme cannot do without. An empty value counts as missing:
    /// an environment variable set to `""` is a configuration mistake, not a key.
    pub(crate) fn require(&self, name: &'static str) -> Result<&str, AuthError> {
        self.optional(name)
            .ok_or(AuthError::MissingCredential(name))
    }

    /// The value of an optional credential; empty counts as absent.
    pub(crate) fn optional(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|s| !s.is_empty()).map(Secret::expose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_insert_and_get() {
        let mut creds = Credentials::new()
            .with("secret_id", "AKID")
            .with("secret_key", "SK");
        creds.insert("secret_key", "SK2");
        assert_eq!(creds.get("secret_id").map(Secret::expose), Some("AKID"));
        assert_eq!(creds.get("secret_key").map(Secret::expose), Some("SK2"));
        assert_eq!(creds.get("token"), None);
        assert_eq!(
            creds.names().collect::<Vec<_>>(),
            ["secret_id", "secret_key"]
        );
    }

    #[test]
    fn require_treats_empty_as_missing() {
        let creds = Credentials::new()
            .with("secret_id", "")
            .with("secret_key", "SK");
        assert_eq!(
            creds.require("secret_id"),
            Err(AuthError::MissingCredential("secret_id"))
        );
        assert_eq!(
            creds.require("nope"),
            Err(AuthError::MissingCredential("nope"))
        );
        assert_eq!(creds.require("secret_key"), Ok("SK"));
        assert_eq!(creds.optional("secret_id"), None);
    }

    #[test]
    fn debug_shows_names_but_no_values() {
        let creds = Credentials::new()
            .with("secret_id", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE")
            .with("secret_key", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
        let shown = format!("{creds:?}");
        assert!(shown.contains("secret_key"));
        assert!(!shown.contains("EXAMPLE"));
    }
}
