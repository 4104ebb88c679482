//! Request signing and verification for every vendor auth scheme.
//!
//! Signers are pure and deterministic: the clock reading and the nonce come from the caller in a
//! [`SignContext`], so a signature can be reproduced and tested. [`sign`] adds exactly the headers
//! the vendor's own SDK sends. [`verify`] is the gateway side, used by the loopback sandbox: it
//! recomputes the signature from what the request carries (its signed-headers list, credential
//! scope and timestamps), so requests signed by the vendors' official SDKs pass too.
//!
//! Each scheme's module also exposes its algorithm step by step (canonical request, string to
//! sign, derived keys, signature) for the published test vectors.
//!
//! Schemes that sign with a token the vendor issues first also implement [`TokenIssuer`] (see
//! [`token`]).

pub mod acs3;
pub mod baidu_oauth;
mod canonical;
mod credentials;
mod crypto;
mod error;
pub mod huawei;
pub mod icuapi;
pub mod jdcloud2;
mod request;
mod scheme;
pub mod tc3;
pub mod tencent_image;
pub mod token;
mod verification;

use chrono::{DateTime, Utc};

pub use credentials::Credentials;
pub(crate) use crypto::sha256_hex;
pub use error::{AuthError, VerifyError};
pub use request::{HttpRequest, UrlParts};
pub use scheme::{AuthScheme, CredentialSpec, ParamSpec};
pub use token::{IssuedToken, TokenAnswer, TokenError, TokenIssuer};

/// What a signer needs besides the request: spec parameters, credentials, the clock and a nonce.
#[derive(Debug, Clone, Copy)]
pub struct SignContext<'a> {
    /// The `auth` parameters of the API spec (`service`, `action`, …; see
    /// [`AuthScheme::params`]).
    pub params: &'a [(&'a str, &'a str)],
    /// The region the runtime chose, for schemes that send one (TC3 `X-TC-Region`).
    pub region: Option<&'a str>,
    /// The caller's credentials.
    pub credentials: &'a Credentials,
    /// The signing time.
    pub now: DateTime<Utc>,
    /// A fresh random value for schemes that send a nonce; ignored by the others.
    pub nonce: &'a str,
}

/// What a verifier needs: the API's spec parameters, the credentials it accepts, its clock and
/// how far a request's signing time may be from that clock.
#[derive(Debug, Clone, Copy)]
pub struct VerifyContext<'a> {
    /// The `auth` parameters of the API spec.
    pub params: &'a [(&'a str, &'a str)],
    /// The credentials a valid request is signed with.
    pub credentials: &'a Credentials,
    /// The verifier's current time.
    pub now: DateTime<Utc>,
    /// The largest accepted distance between the signing time and `now`.
    pub max_skew: chrono::Duration,
}

/// Signs `req` in place with `scheme`: adds the scheme's headers (timestamp, nonce, …) and its
/// signature header.
pub fn sign(
    scheme: AuthScheme,
    req: &mut HttpRequest,
    ctx: &SignContext<'_>,
) -> Result<(), AuthError> {
    match scheme {
        AuthScheme::Tc3HmacSha256 => tc3::sign(req, ctx),
        AuthScheme::TencentImageSha1 => tencent_image::sign(req, ctx),
        AuthScheme::Jdcloud2HmacSha256 => jdcloud2::sign(req, ctx),
        AuthScheme::Icuapi => icuapi::sign(req, ctx),
        AuthScheme::Acs3HmacSha256 => acs3::sign(req, ctx),
        AuthScheme::HuaweiSdkHmacSha256 => huawei::sign(req, ctx),
        AuthScheme::BaiduOauth => baidu_oauth::sign(req, ctx),
    }
}

/// Checks the signature `req` carries under `scheme`, as the vendor's gateway would.
pub fn verify(
    scheme: AuthScheme,
    req: &HttpRequest,
    ctx: &VerifyContext<'_>,
) -> Result<(), VerifyError> {
    match scheme {
        AuthScheme::Tc3HmacSha256 => tc3::verify(req, ctx),
        AuthScheme::TencentImageSha1 => tencent_image::verify(req, ctx),
        AuthScheme::Jdcloud2HmacSha256 => jdcloud2::verify(req, ctx),
        AuthScheme::Icuapi => icuapi::verify(req, ctx),
        AuthScheme::Acs3HmacSha256 => acs3::verify(req, ctx),
        AuthScheme::HuaweiSdkHmacSha256 => huawei::verify(req, ctx),
        AuthScheme::BaiduOauth => baidu_oauth::verify(req, ctx),
    }
}

/// The value of spec parameter `name`, if given and not empty.
fn param<'a>(params: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .filter(|v| !v.is_empty())
}

/// The value of a spec parameter the scheme cannot do without.
fn require_param<'a>(
    params: &[(&'a str, &'a str)],
    name: &'static str,
) -> Result<&'a str, AuthError> {
    param(params, name).ok_or(AuthError::MissingParam(name))
}

/// The nonce, for schemes that put one on the wire.
fn require_nonce<'a>(ctx: &SignContext<'a>) -> Result<&'a str, AuthError> {
    Some(ctx.nonce)
        .filter(|n| !n.is_empty())
        .ok_or(AuthError::MissingNonce)
}

/// `bits` as a UUID v4 string (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`): the nonce form
/// JD's SDKs send, and the request-id form most vendors answer with.
pub(crate) fn uuid_v4(bits: u128) -> String {
    // Version 4 and the RFC 4122 variant.
    let bits = (bits & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests;
