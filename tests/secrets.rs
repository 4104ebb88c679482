//! No configured secret reaches any output, for any API: every error message, every log line
//! at trace level, every result and record, every `Debug` form — of the client and the
//! sandbox in process (a capturing `tracing` subscriber), and of the `fapiao` binary
//! (`recognize -vvv` with `RUST_LOG=trace`, `apis`, error paths) and the sandbox binary with
//! its request log. Leaks are looked for as the value itself, its base64 (standard and
//! URL-safe, padded or not) and its hex.
//!
//! Credentials are configured in code and config files, never through the environment. The
//! non-secret credentials (`secret_id`, `access_key`, `project_id`, …) are identifiers the
//! specs allow in URLs and messages; only those the specs mark secret are checked here.
//! `tests/client.rs` and `tests/token_secrecy.rs` cover vendors echoing secrets back.

mod hardening_support;
#[path = "client_support/log.rs"]
mod log;

use std::fmt::Debug;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use base64::Engine;
use fapiao::api::{ApiDescriptor, DynApi, Input, registry};
use fapiao::client::{Client, ConfigError, Error, RetryPolicy};
use fapiao::sandbox::{Fault, Sandbox};
use hardening_support::cloud;

const BIN: &str = env!("CARGO_BIN_EXE_fapiao");

/// Every form in which `secret` would be recognisable.
fn leak_forms(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let bytes = secret.as_bytes();
    vec![
        secret.to_owned(),
        STANDARD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        URL_SAFE.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
        hex::encode(bytes),
        hex::encode_upper(bytes),
    ]
}

/// Everything captured, each text with where it came from.
#[derive(Default)]
struct Captured(Vec<(String, String)>);

impl Captured {
    fn add(&mut self, what: impl Into<String>, text: impl Into<String>) {
        self.0.push((what.into(), text.into()));
    }

    /// A value's `Debug` form.
    fn debug(&mut self, what: impl Into<String>, value: &impl Debug) {
        self.add(what, format!("{value:?}"));
    }

    /// A call's outcome: the result's `Debug` form, or the error's message and `Debug` form.
    fn outcome<T: Debug>(&mut self, what: &str, outcome: &Result<T, Error>) {
        match outcome {
            Ok(value) => self.debug(what, value),
            Err(err) => {
                self.add(what, err.to_string());
                self.debug(what, err);
            }
        }
    }

    /// Fails, naming the text, when any text holds any form of any of `secrets`.
    fn assert_no_leak(&self, secrets: &[String]) {
        assert!(!secrets.is_empty());
        for secret in secrets {
            for form in leak_forms(secret) {
                for (what, text) in &self.0 {
                    assert!(
                        !text.contains(&form),
                        "{what} leaks {secret} as {form}:\n{text}"
                    );
                }
            }
        }
    }
}

/// A value that is not the configured one, so the sandbox refuses it.
fn wrong(value: &str) -> String {
    format!("Wrong{value}")
}

/// The secret values configured, and the wrong ones sent where a failure is wanted.
fn all_secrets() -> Vec<String> {
    let right = cloud::secret_values();
    let wrong: Vec<String> = right.iter().map(|v| wrong(v)).collect();
    [right, wrong].concat()
}

fn file_input(api: &ApiDescriptor) -> Input {
    Input {
        file: Some(cloud::sample_file(api, 0)),
        ..Input::default()
    }
}

/// The faults every API meets: each of its declared error codes, then broken exchanges.
fn faults(api: &ApiDescriptor) -> Vec<Fault> {
    let codes = api.errors.iter().map(|e| Fault::Code(e.code.to_owned()));
    codes
        .chain([
            Fault::Http(500),
            Fault::Http(429),
            Fault::Html,
            Fault::Truncate,
            Fault::Reset,
            Fault::Timeout,
        ])
        .collect()
}

/// A client like `client_builder`'s, with every credential value replaced by a wrong one.
fn wrong_client(sandbox: &Sandbox) -> Client {
    registry()
        .iter()
        .map(|api| api.descriptor())
        .fold(
            cloud::client_builder(sandbox).retry(RetryPolicy::never()),
            |builder, d| {
                d.auth.credentials.iter().fold(builder, |b, c| {
                    b.credential(d.id, c.name, wrong(&cloud::credential_value(d, c.name)))
                })
            },
        )
        .build()
        .expect("client")
}

/// One API through success, every fault, wrong and missing credentials and a refused input.
async fn exercise(
    api: &'static dyn DynApi,
    sandbox: &Sandbox,
    clients: &[Client; 3],
    out: &mut Captured,
) {
    let [client, wrong, bare] = clients;
    let d = api.descriptor();
    let input = file_input(d);
    let ok = client.recognize(api, &input).await;
    assert!(ok.is_ok(), "{}: {ok:?}", d.id);
    out.outcome(&format!("{} success", d.id), &ok);
    if let Ok(invoices) = &ok {
        out.add(
            format!("{} invoices", d.id),
            serde_json::to_string(invoices).expect("JSON"),
        );
    }
    for fault in faults(d) {
        sandbox.push_fault(fault.clone());
        let outcome = client.recognize(api, &input).await;
        out.outcome(&format!("{} {fault}", d.id), &outcome);
    }
    out.outcome(
        &format!("{} wrong credentials", d.id),
        &wrong.recognize(api, &input).await,
    );
    out.outcome(
        &format!("{} no credentials", d.id),
        &bare.recognize(api, &input).await,
    );
    let refused = Input {
        file: Some(b"not an invoice".to_vec()),
        ..Input::default()
    };
    out.outcome(
        &format!("{} refused input", d.id),
        &client.recognize(api, &refused).await,
    );
}

#[tokio::test]
async fn no_secret_reaches_client_results_errors_or_trace_logs_for_any_api() {
    let (logs, _guard) = log::capture();
    let mut out = Captured::default();
    let config = cloud::sandbox_config();
    out.debug("sandbox config", &config);
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    out.debug("sandbox", &sandbox);
    let builder = cloud::client_builder(&sandbox)
        .retry(RetryPolicy::never())
        .timeout(Duration::from_millis(300));
    out.debug("client builder", &builder);
    let client = builder.build().expect("client");
    out.debug("client", &client);
    let bare = Client::builder()
        .no_config_file()
        .environment(|_| None)
        .build()
        .expect("client");
    let clients = [client, wrong_client(&sandbox), bare];
    for api in registry() {
        exercise(*api, &sandbox, &clients, &mut out).await;
    }
    out.debug("sandbox stats", &sandbox.stats());

    let logged = logs.text();
    for expected in [
        "fapiao_call",
        "sending request",
        "response received",
        "sandbox request",
    ] {
        assert!(
            logged.contains(expected),
            "the capture works: no {expected:?}"
        );
    }
    out.add("trace log", logged);
    out.assert_no_leak(&all_secrets());
}

#[tokio::test]
async fn credentials_never_travel_over_plain_http_off_loopback_unless_allowed() {
    let (logs, _guard) = log::capture();
    // icuapi documents only a plain-HTTP endpoint.
    let api = fapiao::api::find("icuapi.invoice").expect("registered");
    let d = api.descriptor();
    assert!(d.endpoint.url.starts_with("http://"), "{}", d.endpoint.url);
    let with_credentials = |builder: fapiao::client::ClientBuilder| {
        d.auth.credentials.iter().fold(builder, |b, c| {
            b.credential(d.id, c.name, cloud::credential_value(d, c.name))
        })
    };
    let base = || Client::builder().no_config_file().environment(|_| None);
    // An empty input passes the input check, has the settings resolved, and then fails to
    // encode: nothing is ever sent.
    let empty = Input::default();

    let refused = with_credentials(base())
        .build()
        .expect("client")
        .recognize(api, &empty)
        .await;
    let Err(Error::Config(ConfigError::PlainHttp { url, .. })) = &refused else {
        panic!("plain HTTP refused: {refused:?}");
    };
    assert_eq!(url, d.endpoint.url);
    let message = refused.as_ref().expect_err("refused").to_string();
    assert!(
        message.contains("allow_http = true") && message.contains("[icuapi]"),
        "{message}"
    );

    let in_code = with_credentials(base().allow_http("icuapi", true))
        .build()
        .expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[icuapi]\nallow_http = true\n").expect("written");
    let in_file = with_credentials(Client::builder().config_file(&config).environment(|_| None))
        .build()
        .expect("client");
    for allowed in [in_code, in_file] {
        let outcome = allowed.recognize(api, &empty).await;
        assert!(
            matches!(outcome, Err(Error::InputRefused(_))),
            "allowed, so only the empty input is refused: {outcome:?}"
        );
    }
    let mut out = Captured::default();
    out.outcome("refusal", &refused);
    out.add("log", logs.text());
    out.assert_no_leak(&cloud::secret_values());
}

// ---------------------------------------------------------------- the binaries

/// A config file giving every API its credentials (`wrong` ones when asked) per API section,
/// and `extra` lines.
fn config_file(dir: &Path, name: &str, wrong_values: bool, extra: &str) -> PathBuf {
    let mut text = String::from(extra);
    for api in registry() {
        let d = api.descriptor();
        let values: Vec<String> = d
            .auth
            .credentials
            .iter()
            .map(|c| {
                let value = cloud::credential_value(d, c.name);
                let value = if wrong_values { wrong(&value) } else { value };
                format!("{} = \"{value}\"", c.name)
            })
            .collect();
        text.push_str(&format!(
            "\n[{}]\ncredentials = {{ {} }}\n",
            d.id,
            values.join(", ")
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

/// `fapiao` with an empty environment apart from a home without config and trace logging.
fn fapiao(home: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("RUST_LOG", "trace")
        .arg("-vvv");
    command
}

/// Runs `command`; its exit code, and its stdout and stderr for the capture.
fn run(command: &mut Command, what: &str, out: &mut Captured) -> Option<i32> {
    let output = command.output().expect("fapiao runs");
    out.add(
        format!("{what} stdout"),
        String::from_utf8_lossy(&output.stdout),
    );
    out.add(
        format!("{what} stderr"),
        String::from_utf8_lossy(&output.stderr),
    );
    output.status.code()
}

/// A running sandbox binary, stopped when dropped (a failing test leaves no process behind).
struct SandboxProcess(Child);

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        // Already gone is fine: only its output is wanted.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The sandbox binary, its output going to files in `home`, and its base URL.
fn start_sandbox(home: &Path, credentials: &Path) -> (SandboxProcess, String) {
    let stdout = std::fs::File::create(home.join("sandbox.out")).expect("file");
    let stderr = std::fs::File::create(home.join("sandbox.err")).expect("file");
    let child = fapiao(home)
        .args([
            "sandbox",
            "--bind",
            "127.0.0.1:0",
            "--seed",
            "5",
            "--credentials",
        ])
        .arg(credentials)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("the sandbox runs");
    let process = SandboxProcess(child);
    let started = Instant::now();
    loop {
        let banner = std::fs::read_to_string(home.join("sandbox.out")).unwrap_or_default();
        if let Some(url) = banner
            .lines()
            .find_map(|l| l.strip_prefix("fapiao sandbox listening on "))
        {
            return (process, url.trim().to_owned());
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the sandbox did not start"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Queues `faults` in the sandbox through its admin endpoint.
fn queue_faults(base_url: &str, faults: &str) {
    let addr = base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connects");
    let request = format!(
        "POST /__fapiao/faults HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{faults}",
        faults.len()
    );
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answered");
    assert!(answer.starts_with("HTTP/1.1 2"), "{answer}");
}

/// `fapiao recognize` of `api` on its sample file: successfully, after a vendor error, and
/// with wrong credentials.
fn recognize_runs(home: &Path, api: &ApiDescriptor, base_url: &str, out: &mut Captured) {
    let file = home.join(format!("{}.img", api.id));
    std::fs::write(&file, cloud::sample_file(api, 1)).expect("written");
    let recognize = |config: &Path| {
        let mut command = fapiao(home);
        command
            .args([
                "recognize",
                "--format",
                "jsonl",
                "--max-attempts",
                "1",
                "--api",
                api.id,
            ])
            .args(["--endpoint", base_url, "--config"])
            .arg(config)
            .arg(&file);
        command
    };
    let right = home.join("right.toml");
    let code = run(
        &mut recognize(&right),
        &format!("{} recognize", api.id),
        out,
    );
    assert_eq!(code, Some(0), "{}", api.id);
    if let Some(error) = api.errors.first() {
        queue_faults(base_url, &format!("code:{}", error.code));
        let code = run(
            &mut recognize(&right),
            &format!("{} {}", api.id, error.code),
            out,
        );
        // An authentication code stops the batch (exit 2); any other fails the file (exit 1).
        let auth = matches!(
            error.kind,
            fapiao::api::ErrorKind::Auth | fapiao::api::ErrorKind::SignatureExpired
        );
        assert_eq!(code, Some(if auth { 2 } else { 1 }), "{}", api.id);
    }
    // Refused credentials stop the batch with exit 2 (and the message must quote no secret).
    let code = run(
        &mut recognize(&home.join("wrong.toml")),
        &format!("{} wrong", api.id),
        out,
    );
    assert_eq!(code, Some(2), "{}", api.id);
}

/// Runs that stop on bad settings: an unparsable config file (which must quote no value), a
/// missing credential, and a plain-HTTP endpoint.
fn settings_errors(home: &Path, out: &mut Captured) {
    let tencent = fapiao::api::find("tencent.vat_invoice_ocr").expect("registered");
    let d = tencent.descriptor();
    let secret = cloud::credential_value(d, "secret_key");
    let write = |name: &str, text: String| {
        let path = home.join(name);
        std::fs::write(&path, text).expect("written");
        path
    };
    let cases = [
        // Not quoted: invalid TOML on the secret's line.
        (
            "broken config",
            write(
                "broken.toml",
                format!("[{}]\ncredentials = {{ secret_key = {secret} }}\n", d.id),
            ),
            d.id,
        ),
        (
            "missing credential",
            write(
                "partial.toml",
                format!(
                    "[{}]\ncredentials = {{ secret_key = \"{secret}\" }}\n",
                    d.id
                ),
            ),
            d.id,
        ),
        // icuapi's spec endpoint is plain HTTP, and this config does not allow it.
        ("plain HTTP", home.join("right.toml"), "icuapi.invoice"),
    ];
    for (what, config, api) in cases {
        let mut command = fapiao(home);
        command
            .args(["recognize", "--api", api, "--config"])
            .arg(&config)
            .arg(home);
        assert_eq!(run(&mut command, what, out), Some(2), "{what}");
    }
}

#[test]
fn no_secret_reaches_the_binaries_records_logs_or_the_sandbox_request_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    let right = config_file(home, "right.toml", false, "");
    config_file(home, "wrong.toml", true, "");
    let mut out = Captured::default();
    let (sandbox, base_url) = start_sandbox(home, &right);
    for api in registry() {
        recognize_runs(home, api.descriptor(), &base_url, &mut out);
    }
    let mut apis = fapiao(home);
    apis.args(["apis", "--config"]).arg(&right);
    assert_eq!(run(&mut apis, "apis", &mut out), Some(0));
    settings_errors(home, &mut out);
    drop(sandbox);

    let sandbox_log = std::fs::read_to_string(home.join("sandbox.err")).expect("log");
    assert!(
        sandbox_log.contains("sandbox request"),
        "traced:\n{sandbox_log}"
    );
    assert!(
        sandbox_log.lines().any(|l| l.starts_with("POST /")),
        "request log:\n{sandbox_log}"
    );
    let cli_logs = out
        .0
        .iter()
        .filter(|(w, t)| w.ends_with("stderr") && t.contains("TRACE"));
    assert!(cli_logs.count() > 0, "the runs log at trace level");
    out.add(
        "sandbox stdout",
        std::fs::read_to_string(home.join("sandbox.out")).expect("out"),
    );
    out.add("sandbox stderr", sandbox_log);
    out.assert_no_leak(&all_secrets());
}
