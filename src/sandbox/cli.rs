//! `fapiao sandbox`: runs the sandbox until Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::{FaultPlan, Sandbox, SandboxConfig, SandboxError};
use crate::client::endpoint_env_var;

/// Arguments of `fapiao sandbox`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = FAULT_HELP)]
pub struct Args {
    /// Address to listen on. Only loopback addresses are accepted without --allow-remote.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8765")]
    pub bind: SocketAddr,

    /// Allow listening on a non-loopback address (anyone who can reach it can use the
    /// sandbox and read its counters).
    #[arg(long)]
    pub allow_remote: bool,

    /// TOML file with the credentials the sandbox accepts, in the client's config-file
    /// format: `[tencent]` then `credentials = { secret_id = "...", secret_key = "..." }`
    /// (one table per vendor, or `[tencent.vat_invoice_ocr]` per API). Without it, and for
    /// what it leaves out, the credentials come from the environment variables the client
    /// reads (TENCENTCLOUD_SECRET_ID, ...).
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,

    /// Faults injected at random, each with a probability: `http:503=0.2,reset=0.1`.
    /// See the fault list below.
    #[arg(long, value_name = "SPEC")]
    pub fault: Option<FaultPlan>,

    /// Seed for the randomness (fault draws, request ids), to reproduce a run.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Answer requests beyond an API's documented QPS with its rate-limit code.
    #[arg(long)]
    pub enforce_qps: bool,

    /// Do not print a line per request.
    #[arg(long, short)]
    pub quiet: bool,
}

const FAULT_HELP: &str = "\
Faults (in --fault, in a request's X-Fapiao-Fault header, or POSTed to /__fapiao/faults):
  code:<vendor code>  answer with that declared error code, in the vendor's envelope
  http:<status>       answer with a bare HTTP error (429, 500, 502, 503, 504, ...)
  delay:<ms>          wait, then answer normally
  timeout             hold the connection without ever answering
  reset               drop the connection mid-request (TCP reset)
  truncate            send the success answer cut short of its Content-Length
  html                answer 502 with an HTML error page

A request's X-Fapiao-Example: <name> header picks the example served; otherwise it is chosen
by the hash of the file. Counters: GET /__fapiao/stats (JSON).";

impl Args {
    /// The sandbox configuration these arguments ask for.
    pub fn config(&self) -> SandboxConfig {
        let mut config = SandboxConfig::new()
            .bind(self.bind)
            .allow_remote(self.allow_remote)
            .enforce_qps(self.enforce_qps)
            .log_requests(!self.quiet);
        if let Some(path) = &self.credentials {
            config = config.credentials_file(path);
        }
        if let Some(plan) = &self.fault {
            config = config.faults(plan.clone());
        }
        if let Some(seed) = self.seed {
            config = config.seed(seed);
        }
        config
    }
}

/// Starts the sandbox, prints its base URL and every API's URL, and serves until Ctrl-C.
pub async fn run(args: Args) -> Result<(), SandboxError> {
    serve_until(&args, &mut std::io::stdout(), async {
        tokio::signal::ctrl_c().await.map_err(SandboxError::Signal)
    })
    .await
}

/// Starts the sandbox, prints the banner to `out`, and serves until `stop` completes.
async fn serve_until(
    args: &Args,
    out: &mut impl Write,
    stop: impl Future<Output = Result<(), SandboxError>>,
) -> Result<(), SandboxError> {
    let sandbox = Sandbox::start(args.config()).await?;
    // The banner is best effort: a closed stdout must not stop the sandbox.
    let _ = write_banner(&sandbox, out);
    stop.await
}

fn write_banner(sandbox: &Sandbox, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "fapiao sandbox listening on {}", sandbox.base_url())?;
    writeln!(out, "seed: {}", sandbox.seed())?;
    writeln!(out)?;
    let width = sandbox.apis().map(|api| api.id.len()).max().unwrap_or(0);
    for api in sandbox.apis() {
        let url = sandbox.endpoint_url(api.id).unwrap_or_default();
        let credentials = if sandbox.has_credentials(api.id) {
            "credentials configured".to_owned()
        } else {
            let vars: Vec<&str> = api.auth.credentials.iter().map(|c| c.env).collect();
            format!(
                "NO CREDENTIALS: requests are refused; set {} or pass --credentials",
                vars.join(", ")
            )
        };
        writeln!(out, "{:<width$}  {url}", api.id)?;
        writeln!(out, "{:<width$}  {credentials}", "")?;
    }
    writeln!(out)?;
    writeln!(out, "Point clients at it:")?;
    for api in sandbox.apis() {
        writeln!(
            out,
            "  export {}={}",
            endpoint_env_var(api.id),
            sandbox.base_url()
        )?;
    }
    writeln!(
        out,
        "Counters: {}/__fapiao/stats. Ctrl-C stops.",
        sandbox.base_url()
    )?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn parse(argv: &[&str]) -> Result<Args, clap::Error> {
        Cli::try_parse_from(std::iter::once("sandbox").chain(argv.iter().copied())).map(|c| c.args)
    }

    #[test]
    fn defaults_are_loopback_without_faults() {
        let args = parse(&[]).unwrap();
        assert!(args.bind.ip().is_loopback());
        assert!(!args.allow_remote);
        assert!(args.fault.is_none());
        assert!(args.config().check_bind().is_ok());
    }

    #[test]
    fn flags_reach_the_config() {
        let args = parse(&[
            "--bind",
            "127.0.0.1:0",
            "--fault",
            "http:503=0.2,reset=0.1",
            "--seed",
            "7",
            "--enforce-qps",
            "--quiet",
        ])
        .unwrap();
        let config = args.config();
        assert_eq!(config.faults.to_string(), "http:503=0.2,reset=0.1");
        assert_eq!(config.seed, Some(7));
        assert!(config.enforce_qps);
        assert!(!config.log_requests);
    }

    #[test]
    fn bad_faults_and_remote_binds_are_refused() {
        assert!(parse(&["--fault", "explode=0.5"]).is_err());
        let remote = parse(&["--bind", "0.0.0.0:0"]).unwrap();
        assert!(matches!(
            remote.config().check_bind(),
            Err(SandboxError::RemoteBindRefused { .. })
        ));
        let allowed = parse(&["--bind", "0.0.0.0:0", "--allow-remote"]).unwrap();
        assert!(allowed.config().check_bind().is_ok());
    }

    #[tokio::test]
    async fn the_banner_lists_every_api_and_its_endpoint_variable() {
        let args = parse(&["--bind", "127.0.0.1:0", "--quiet"]).unwrap();
        let mut out = Vec::new();
        serve_until(&args, &mut out, async { Ok(()) })
            .await
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("fapiao sandbox listening on http://127.0.0.1:"));
        for api in crate::api::registry() {
            let id = api.descriptor().id;
            assert!(text.contains(id), "{id} missing");
            assert!(
                text.contains(&endpoint_env_var(id)),
                "{id} variable missing"
            );
        }
    }
}
