//! The closed set of auth schemes a spec can name, with what each one reads.

use std::fmt;

use super::{TokenIssuer, acs3, baidu_oauth, huawei, icuapi, jdcloud2, tc3, tencent_image};

/// A request-signing scheme. The ids are the strings specs use in `auth.scheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthScheme {
    /// `tc3-hmac-sha256`: Tencent Cloud API 3.0 signature v3.
    Tc3HmacSha256,
    /// `tencent-image-sha1`: Tencent legacy image API HMAC-SHA1 multi-use signature.
    TencentImageSha1,
    /// `jdcloud2-hmac-sha256`: JD Cloud API-gateway signature, as JD's AI gateway uses it.
    Jdcloud2HmacSha256,
    /// `icuapi`: icuapi's `C-Date`/`C-Secret`/`Sign` headers.
    Icuapi,
    /// `acs3-hmac-sha256`: Alibaba Cloud V3 signature.
    Acs3HmacSha256,
    /// `huawei-sdk-hmac-sha256`: Huawei Cloud APIG AK/SK signature.
    HuaweiSdkHmacSha256,
    /// `baidu-oauth`: Baidu AI Cloud's OAuth `access_token`, issued for the API Key and Secret
    /// Key and sent as a query parameter.
    BaiduOauth,
}

/// A credential a scheme reads from [`Credentials`](super::Credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialSpec {
    /// The name to store it under.
    pub name: &'static str,
    /// Whether the scheme fails without it: signing, or — for a token-issuing scheme — asking
    /// for the token.
    pub required: bool,
    /// What it is, in the vendor's terms.
    pub doc: &'static str,
}

/// A parameter a scheme takes from the API spec's `auth` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// The parameter name in the spec.
    pub name: &'static str,
    /// Whether signing fails without it (a parameter with a default is never required).
    pub required: bool,
    /// The value used when the spec gives none.
    pub default: Option<&'static str>,
    /// What it controls.
    pub doc: &'static str,
}

impl AuthScheme {
    /// Every scheme, in a stable order.
    pub const ALL: [AuthScheme; 7] = [
        AuthScheme::Tc3HmacSha256,
        AuthScheme::TencentImageSha1,
        AuthScheme::Jdcloud2HmacSha256,
        AuthScheme::Icuapi,
        AuthScheme::Acs3HmacSha256,
        AuthScheme::HuaweiSdkHmacSha256,
        AuthScheme::BaiduOauth,
    ];

    /// The id specs use for this scheme.
    pub fn id(self) -> &'static str {
        match self {
            AuthScheme::Tc3HmacSha256 => "tc3-hmac-sha256",
            AuthScheme::TencentImageSha1 => "tencent-image-sha1",
            AuthScheme::Jdcloud2HmacSha256 => "jdcloud2-hmac-sha256",
            AuthScheme::Icuapi => "icuapi",
            AuthScheme::Acs3HmacSha256 => "acs3-hmac-sha256",
            AuthScheme::HuaweiSdkHmacSha256 => "huawei-sdk-hmac-sha256",
            AuthScheme::BaiduOauth => "baidu-oauth",
        }
    }

    /// The scheme with this id, if any (ids are matched exactly).
    pub fn from_id(id: &str) -> Option<AuthScheme> {
        AuthScheme::ALL.into_iter().find(|scheme| scheme.id() == id)
    }

    /// The credentials the scheme reads.
    pub fn credentials(self) -> &'static [CredentialSpec] {
        match self {
            AuthScheme::Tc3HmacSha256 => tc3::CREDENTIALS,
            AuthScheme::TencentImageSha1 => tencent_image::CREDENTIALS,
            AuthScheme::Jdcloud2HmacSha256 => jdcloud2::CREDENTIALS,
            AuthScheme::Icuapi => icuapi::CREDENTIALS,
            AuthScheme::Acs3HmacSha256 => acs3::CREDENTIALS,
            AuthScheme::HuaweiSdkHmacSha256 => huawei::CREDENTIALS,
            AuthScheme::BaiduOauth => baidu_oauth::CREDENTIALS,
        }
    }

    /// The header in which the signer sends the spec's `auth.params.action`, for schemes that
    /// address several APIs at one URL (the sandbox routes by it).
    pub fn action_header(self) -> Option<&'static str> {
        match self {
            AuthScheme::Tc3HmacSha256 => Some("X-TC-Action"),
            AuthScheme::Acs3HmacSha256 => Some("x-acs-action"),
            AuthScheme::TencentImageSha1
            | AuthScheme::Jdcloud2HmacSha256
            | AuthScheme::Icuapi
            | AuthScheme::HuaweiSdkHmacSha256
            | AuthScheme::BaiduOauth => None,
        }
    }

    /// The token issuer of a scheme whose requests carry a token the vendor issues first (see
    /// [`token`](super::token)); `None` for schemes that sign every request with the key.
    pub fn token_issuer(self) -> Option<&'static dyn TokenIssuer> {
        match self {
            AuthScheme::Tc3HmacSha256
            | AuthScheme::TencentImageSha1
            | AuthScheme::Jdcloud2HmacSha256
            | AuthScheme::Icuapi
            | AuthScheme::Acs3HmacSha256
            | AuthScheme::HuaweiSdkHmacSha256 => None,
            AuthScheme::BaiduOauth => Some(&baidu_oauth::ISSUER),
        }
    }

    /// The spec parameters the scheme takes.
    pub fn params(self) -> &'static [ParamSpec] {
        match self {
            AuthScheme::Tc3HmacSha256 => tc3::PARAMS,
            AuthScheme::TencentImageSha1 => tencent_image::PARAMS,
            AuthScheme::Jdcloud2HmacSha256 => jdcloud2::PARAMS,
            AuthScheme::Icuapi | AuthScheme::HuaweiSdkHmacSha256 => &[],
            AuthScheme::Acs3HmacSha256 => acs3::PARAMS,
            AuthScheme::BaiduOauth => baidu_oauth::PARAMS,
        }
    }
}

impl fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_the_spec_strings() {
        let ids: Vec<&str> = AuthScheme::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(
            ids,
            [
                "tc3-hmac-sha256",
                "tencent-image-sha1",
                "jdcloud2-hmac-sha256",
                "icuapi",
                "acs3-hmac-sha256",
                "huawei-sdk-hmac-sha256",
                "baidu-oauth",
            ]
        );
        for scheme in AuthScheme::ALL {
            assert_eq!(AuthScheme::from_id(scheme.id()), Some(scheme));
            assert_eq!(scheme.to_string(), scheme.id());
        }
        assert_eq!(AuthScheme::from_id("TC3-HMAC-SHA256"), None);
        assert_eq!(AuthScheme::from_id("bce-auth-v1"), None);
    }

    #[test]
    fn credential_names_are_as_documented() {
        let names = |s: AuthScheme| s.credentials().iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(
            names(AuthScheme::Tc3HmacSha256),
            ["secret_id", "secret_key", "token"]
        );
        assert_eq!(
            names(AuthScheme::TencentImageSha1),
            ["app_id", "secret_id", "secret_key"]
        );
        assert_eq!(
            names(AuthScheme::Jdcloud2HmacSha256),
            ["access_key", "secret_key"]
        );
        assert_eq!(names(AuthScheme::Icuapi), ["secret_id", "secret_key"]);
        assert_eq!(
            names(AuthScheme::Acs3HmacSha256),
            ["access_key_id", "access_key_secret", "security_token"]
        );
        assert_eq!(
            names(AuthScheme::HuaweiSdkHmacSha256),
            ["access_key", "secret_key"]
        );
        assert_eq!(
            names(AuthScheme::BaiduOauth),
            ["api_key", "secret_key", "access_token"]
        );
        let optional: Vec<&str> = AuthScheme::ALL
            .iter()
            .flat_map(|s| s.credentials())
            .filter(|c| !c.required)
            .map(|c| c.name)
            .collect();
        assert_eq!(optional, ["token", "security_token"]);
    }

    #[test]
    fn token_issuers_sign_with_a_credential_of_their_own() {
        let issuing: Vec<AuthScheme> = AuthScheme::ALL
            .into_iter()
            .filter(|s| s.token_issuer().is_some())
            .collect();
        assert_eq!(issuing, [AuthScheme::BaiduOauth]);
        for scheme in issuing {
            let credential = scheme.token_issuer().map(|i| i.token_credential());
            assert!(
                scheme
                    .credentials()
                    .iter()
                    .any(|c| Some(c.name) == credential),
                "{scheme}"
            );
        }
    }

    #[test]
    fn params_are_as_documented_and_defaults_are_never_required() {
        let names = |s: AuthScheme| s.params().iter().map(|p| p.name).collect::<Vec<_>>();
        assert_eq!(
            names(AuthScheme::Tc3HmacSha256),
            ["service", "action", "version"]
        );
        assert_eq!(names(AuthScheme::TencentImageSha1), ["ttl_seconds"]);
        assert_eq!(names(AuthScheme::Jdcloud2HmacSha256), ["service", "region"]);
        assert_eq!(names(AuthScheme::Acs3HmacSha256), ["action", "version"]);
        assert!(AuthScheme::Icuapi.params().is_empty());
        assert!(AuthScheme::HuaweiSdkHmacSha256.params().is_empty());
        assert_eq!(names(AuthScheme::BaiduOauth), ["token_url"]);
        for param in AuthScheme::ALL.iter().flat_map(|s| s.params()) {
            assert!(
                !(param.required && param.default.is_some()),
                "{}",
                param.name
            );
        }
    }
}
