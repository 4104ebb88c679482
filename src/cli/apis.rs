//! `fapiao apis`, and the settings check `recognize` runs before sending anything.

use std::io::Write;
use std::process::ExitCode;

use fapiao::api::{DynApi, InputError};
use fapiao::client::{Client, ClientBuilder, ConfigError, Error, InputRefusal};
use serde::Serialize;

use super::CliError;
use super::args::{ApisArgs, ApisFormat};
use super::backends::Backend;
use super::output::table;

/// One registered API as `fapiao apis` lists it.
#[derive(Debug, Serialize)]
struct Listed {
    id: &'static str,
    vendor: &'static str,
    status: &'static str,
    qps: Option<f64>,
    max_file_bytes: Option<u64>,
    max_base64_bytes: Option<u64>,
    formats: Vec<&'static str>,
    auth: &'static str,
    environment: Vec<&'static str>,
    /// `present`, `not needed`, or what is missing.
    credentials: String,
    title: &'static str,
}

/// Prints every registered API, `local` included, as a table or JSON.
pub fn run(args: &ApisArgs) -> Result<ExitCode, CliError> {
    let client = client_builder(args.config.as_deref())
        .build()
        .map_err(CliError::usage)?;
    let listed: Vec<Listed> = Backend::all().map(|b| listed(&client, b)).collect();
    let text = match args.format {
        ApisFormat::Json => {
            let mut text = serde_json::to_string_pretty(&listed).map_err(CliError::fatal)?;
            text.push('\n');
            text
        }
        ApisFormat::Table => table(&listed),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::write("stdout", &e))?;
    Ok(ExitCode::SUCCESS)
}

fn listed(client: &Client, backend: Backend) -> Listed {
    let d = backend.descriptor();
    let credentials = match backend {
        Backend::Local(_) => "not needed".to_owned(),
        Backend::Cloud(api) => match check_settings(client, api) {
            Ok(()) => "present".to_owned(),
            Err(problem) => problem.summary,
        },
    };
    Listed {
        id: d.id,
        vendor: d.vendor.name.best(),
        status: d.status.id(),
        qps: d.limits.qps,
        max_file_bytes: d.limits.max_file_bytes,
        max_base64_bytes: d.limits.max_base64_bytes,
        formats: d.limits.formats.iter().map(|f| f.id()).collect(),
        auth: d.auth.scheme,
        environment: d.auth.credentials.iter().map(|c| c.env).collect(),
        credentials,
        title: d.title.best(),
    }
}

/// The table, fitted to the terminal.
fn table(listed: &[Listed]) -> String {
    let headers = [
        "ID",
        "VENDOR",
        "STATUS",
        "QPS",
        "MAX SIZE",
        "FORMATS",
        "AUTH",
        "ENVIRONMENT",
        "CREDENTIALS",
        "TITLE",
    ];
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|api| {
            vec![
                api.id.to_owned(),
                api.vendor.to_owned(),
                api.status.to_owned(),
                api.qps.map_or_else(|| "-".to_owned(), |q| q.to_string()),
                max_size(api.max_file_bytes, api.max_base64_bytes),
                non_empty(&api.formats.join(","), "-"),
                non_empty(api.auth, "none"),
                non_empty(&api.environment.join(" "), "-"),
                api.credentials.clone(),
                api.title.to_owned(),
            ]
        })
        .collect();
    table::render(&headers, &rows, table::output_width())
}

/// A client builder reading `config` (or the default config file).
pub fn client_builder(config: Option<&std::path::Path>) -> ClientBuilder {
    let builder = Client::builder();
    match config {
        Some(path) => builder.config_file(path),
        None => builder,
    }
}

/// Why an API cannot be called with the configured settings.
#[derive(Debug)]
pub struct SettingsProblem {
    /// A short form for tables (`missing: TENCENTCLOUD_SECRET_ID`).
    pub summary: String,
    /// The full explanation.
    pub message: String,
}

/// Checks that `client` can call `api` — credentials, region, endpoint — without sending
/// anything ([`Client::check_settings`]), in the words of the `apis` table and usage errors.
pub fn check_settings(client: &Client, api: &'static dyn DynApi) -> Result<(), SettingsProblem> {
    let Err(err) = client.check_settings(api.descriptor()) else {
        return Ok(());
    };
    let summary = match &err {
        Error::Config(ConfigError::MissingCredentials { env_vars, .. }) => {
            format!("missing: {env_vars}")
        }
        Error::Config(ConfigError::PlainHttp { .. }) => "plain HTTP: needs allow_http".to_owned(),
        Error::InputRefused(InputRefusal::Request(InputError::MissingCredential {
            name, ..
        })) => {
            format!("missing: {name}")
        }
        _ => "invalid settings".to_owned(),
    };
    Err(SettingsProblem {
        summary,
        message: err.to_string(),
    })
}

fn max_size(file: Option<u64>, base64: Option<u64>) -> String {
    let mib = |bytes: u64| format!("{:.0} MiB", bytes as f64 / f64::from(1 << 20));
    match (file, base64) {
        (Some(file), _) => mib(file),
        (None, Some(base64)) => format!("{} base64", mib(base64)),
        (None, None) => "-".to_owned(),
    }
}

fn non_empty(text: &str, placeholder: &str) -> String {
    if text.is_empty() { placeholder } else { text }.to_owned()
}
