//! The command-line grammar (clap derive).

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use fapiao::Lang;

use super::duplicates::Policy;
use super::output::Format;
use super::output::columns::Headers;

/// Chinese invoice (发票) recognition with any vendor API or offline.
#[derive(Debug, Parser)]
#[command(name = "fapiao", version, about)]
pub struct Cli {
    /// More logs on stderr: -v info, -vv debug, -vvv trace (`RUST_LOG`, when set, wins).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Recognise invoices in files and folders, one record per file.
    Recognize(RecognizeArgs),
    /// List every registered API: limits, auth, environment variables, credentials present.
    Apis(ApisArgs),
    /// Validate invoices produced by `recognize` (json, jsonl, csv, xlsx) or bare Invoice JSON.
    Validate(ValidateArgs),
    /// Run the loopback sandbox that emulates every API.
    Sandbox(fapiao::sandbox::cli::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish), e.g.
    /// `fapiao completions bash > ~/.local/share/bash-completion/completions/fapiao`.
    Completions(CompletionsArgs),
}

/// `fapiao completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `fapiao recognize`.
#[derive(Debug, Args)]
pub struct RecognizeArgs {
    /// Files and folders; `-` reads one file from stdin. Folders are searched recursively,
    /// in sorted order; a file whose extension no chosen API accepts gets a `skipped` record
    /// unread; hidden entries are skipped; a folder without files is an error.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The API to use (see `fapiao apis`) [default: local].
    #[arg(long, value_name = "ID", conflicts_with = "apis")]
    pub api: Option<String>,
    /// A fallback chain: the next API is tried when one fails with an error another vendor
    /// may not have (unavailable, quota, rate limit, internal, timeout), never for bad input.
    #[arg(long, value_name = "ID,ID…", value_delimiter = ',', num_args = 1)]
    pub apis: Vec<String>,
    /// Endpoint override for every cloud API of the chain, e.g. a sandbox's base URL.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Region for every cloud API of the chain (otherwise the config file's or the spec's).
    #[arg(long)]
    pub region: Option<String>,
    /// Output format [default: from the --output extension; else table on a terminal, json
    /// when piped].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Output file [default: stdout]. For json, csv, xlsx and table a journal
    /// `FILE.journal.jsonl` records results as they complete and the file is rendered from it
    /// at the end; jsonl is written record by record to FILE itself.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With --format csv: also write the line items, one row per item, to this file.
    #[arg(long, value_name = "FILE")]
    pub items: Option<PathBuf>,
    /// csv and xlsx headers and kind names: the Chinese labels printed on invoices, or stable
    /// English ids for scripts.
    #[arg(long, value_enum, default_value_t = Headers::Zh, value_name = "LANG")]
    pub headers: Headers,
    /// Leave out the UTF-8 byte-order mark csv files start with (Excel on Chinese Windows
    /// needs it to read UTF-8).
    #[arg(long)]
    pub no_bom: bool,
    /// Attach validation findings; a cloud result is also cross-checked against the QR code
    /// the local backend reads from the same file. Any error-level finding makes exit 1.
    #[arg(long)]
    pub validate: bool,
    /// With --validate: the language of the finding messages, in every format (en or zh).
    // Not tied to --headers: headers default to Chinese for Excel users, but the rest of
    // the CLI's text is English, and one language per terminal line matters more.
    #[arg(long, value_name = "LANG", default_value = "en", value_parser = lang_parser(),
          requires = "validate")]
    pub lang: Lang,
    /// Files in flight at once [default: CPU count for local, 4 for cloud APIs]; never more
    /// than the lowest QPS of the chain's APIs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: Option<u32>,
    /// Skip files already recorded with a result in --output (same path and SHA-256); failed
    /// files are tried again. Without it (or --overwrite) an existing output or journal stops
    /// the run before anything is sent.
    #[arg(long)]
    pub resume: bool,
    /// What to do with a file whose invoice (same code and number) or bytes an earlier file
    /// of this run or of the resumed journal already had: every such record carries
    /// `duplicate_of`; files with the same bytes are never sent twice.
    #[arg(long, value_enum, default_value_t = Policy::Flag, value_name = "POLICY")]
    pub duplicates: Policy,
    /// Replace an existing --output, its journal and --items file, discarding their records.
    #[arg(long, conflicts_with = "resume")]
    pub overwrite: bool,
    /// Attempts per API call, the first included; retryable failures (5xx, 429, resets,
    /// timeouts, codes the spec marks retryable) are retried with jittered backoff.
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Retries allowed per call on average, per API, before calls fail fast (protects a
    /// struggling vendor and your bill).
    #[arg(long, value_name = "RATIO", default_value_t = 0.1, value_parser = parse_ratio)]
    pub retry_budget: f64,
    /// Config file with credentials, regions, endpoints and QPS [default: $FAPIAO_CONFIG,
    /// else ~/.config/fapiao/config.toml when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `fapiao apis`.
#[derive(Debug, Args)]
pub struct ApisArgs {
    /// Config file consulted for credentials (as for `recognize`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A table fitted to the terminal, or a JSON array for scripts.
    #[arg(long, value_enum, default_value_t = ApisFormat::Table)]
    pub format: ApisFormat,
}

/// How `fapiao apis` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApisFormat {
    /// Aligned columns.
    Table,
    /// One object per API.
    Json,
}

/// `fapiao validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A `recognize` output (json, jsonl, or by its extension csv or xlsx, where line items
    /// are not checked), an Invoice, or an array of Invoices; `-` reads JSON from stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The language of the finding messages and the summary (en or zh).
    #[arg(long, value_name = "LANG", default_value = "en", value_parser = lang_parser())]
    pub lang: Lang,
}

/// Parses `en` or `zh` into a [`Lang`], listing both in `--help` and errors.
fn lang_parser() -> impl TypedValueParser<Value = Lang> {
    PossibleValuesParser::new([Lang::En.id(), Lang::Zh.id()]).try_map(|id| id.parse::<Lang>())
}

/// A non-negative finite number.
fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(format!("`{text}` is not a non-negative number")),
    }
}
