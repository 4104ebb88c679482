//! Every API of the registry served by an in-process sandbox and called through a client,
//! both configured in code (no environment, no config file) with distinctive credentials.

use std::io::Cursor;
use std::time::Duration;

use fapiao::api::{ApiDescriptor, FileFormat, registry};
use fapiao::client::{Client, ClientBuilder, RetryPolicy};
use fapiao::sandbox::{Sandbox, SandboxConfig};

/// The value configured for credential `name` of API `api`: unique per API and credential,
/// unmistakable in any output, and a plain token (letters and digits, so it also fits URL
/// placeholders such as `{project_id}`).
pub fn credential_value(api: &ApiDescriptor, name: &str) -> String {
    let id: String = api.id.chars().filter(char::is_ascii_alphanumeric).collect();
    let name: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("Hz{id}{name}Q7vX")
}

/// Every credential value configured for the APIs of the registry whose spec marks it secret.
pub fn secret_values() -> Vec<String> {
    registry()
        .iter()
        .map(|api| api.descriptor())
        .flat_map(|d| {
            d.auth
                .credentials
                .iter()
                .filter(|c| c.secret)
                .map(move |c| credential_value(d, c.name))
        })
        .collect()
}

/// A sandbox configuration reading no environment, accepting [`credential_value`]s.
pub fn sandbox_config() -> SandboxConfig {
    registry().iter().map(|api| api.descriptor()).fold(
        SandboxConfig::new().environment(|_| None).seed(11),
        |config, d| {
            d.auth.credentials.iter().fold(config, |config, c| {
                config.credential(d.id, c.name, credential_value(d, c.name))
            })
        },
    )
}

/// Retries that do not wait, with an ample budget (tests narrow it where it matters).
pub fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        budget_reserve: 1_000,
        ..RetryPolicy::default()
    }
}

/// A client builder with every API pointed at `sandbox`, its [`credential_value`]s, no QPS
/// cap worth speaking of, and no configuration from outside the code.
pub fn client_builder(sandbox: &Sandbox) -> ClientBuilder {
    registry().iter().map(|api| api.descriptor()).fold(
        Client::builder()
            .no_config_file()
            .environment(|_| None)
            .retry(quick_retry()),
        |builder, d| {
            let builder = builder
                .endpoint(d.id, sandbox.base_url())
                .qps(d.id, 1_000_000.0);
            d.auth.credentials.iter().fold(builder, |b, c| {
                b.credential(d.id, c.name, credential_value(d, c.name))
            })
        },
    )
}

/// A small image `api` accepts (PNG, else JPEG) within its pixel limits; each `variant` gives
/// different bytes.
pub fn sample_file(api: &ApiDescriptor, variant: u32) -> Vec<u8> {
    let limits = &api.limits;
    let side = limits
        .min_pixels
        .unwrap_or(1)
        .max(32)
        .min(limits.max_pixels.unwrap_or(u32::MAX));
    let accepts = |f| limits.formats.is_empty() || limits.formats.contains(&f);
    let format = if accepts(FileFormat::Png) {
        image::ImageFormat::Png
    } else {
        assert!(accepts(FileFormat::Jpeg), "{} takes no PNG or JPEG", api.id);
        image::ImageFormat::Jpeg
    };
    let [a, b, c, d] = variant.to_le_bytes();
    let image = image::RgbImage::from_fn(side, side, |x, y| match (x, y) {
        (0, 0) => image::Rgb([a, b, c]),
        (1, 0) => image::Rgb([d, 0, 0]),
        _ => image::Rgb([255, 255, 255]),
    });
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encodes");
    out.into_inner()
}
