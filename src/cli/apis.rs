//! `fapiao apis`, and the settings check `recognize` runs before sending anything.

use std::io::Write;
use std::process::ExitCode;

use fapiao::api::{DynApi, InputError, Limits};
use fapiao::client::{Client, ClientBuilder, ConfigError, Error, InputRefusal};

use super::CliError;
use super::args::ApisArgs;
use super::backends::Backend;
use super::output::table;

/// Prints one row per registered API, `local` included.
pub fn run(args: &ApisArgs) -> Result<ExitCode, CliError> {
    let client = client_builder(args.config.as_deref())
        .build()
        .map_err(CliError::usage)?;
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
    let rows: Vec<Vec<String>> = Backend::all()
        .map(|backend| {
            let d = backend.descriptor();
            let credentials = match backend {
                Backend::Local(_) => "not needed".to_owned(),
                Backend::Cloud(api) => match check_settings(&client, api) {
                    Ok(()) => "present".to_owned(),
                    Err(problem) => problem.summary,
                },
            };
            let env: Vec<&str> = d.auth.credentials.iter().map(|c| c.env).collect();
            vec![
                d.id.to_owned(),
                d.vendor.name.best().to_owned(),
                d.status.id().to_owned(),
                d.limits
                    .qps
                    .map_or_else(|| "-".to_owned(), |q| q.to_string()),
                max_size(&d.limits),
                formats(&d.limits),
                non_empty(d.auth.scheme, "none"),
                non_empty(&env.join(" "), "-"),
                credentials,
                d.title.best().to_owned(),
            ]
        })
        .collect();
    std::io::stdout()
        .write_all(table::render(&headers, &rows).as_bytes())
        .map_err(|e| CliError::write("stdout", &e))?;
    Ok(ExitCode::SUCCESS)
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

fn max_size(limits: &Limits) -> String {
    let mib = |bytes: u64| format!("{:.0} MiB", bytes as f64 / f64::from(1 << 20));
    match (limits.max_file_bytes, limits.max_base64_bytes) {
        (Some(file), _) => mib(file),
        (None, Some(base64)) => format!("{} base64", mib(base64)),
        (None, None) => "-".to_owned(),
    }
}

fn formats(limits: &Limits) -> String {
    let ids: Vec<&str> = limits.formats.iter().map(|f| f.id()).collect();
    non_empty(&ids.join(","), "-")
}

fn non_empty(text: &str, placeholder: &str) -> String {
    if text.is_empty() { placeholder } else { text }.to_owned()
}
