//! The `fapiao` command line.
//!
//! * `recognize PATH…` — files and folders through one API or a fallback chain, into JSON,
//!   JSONL, CSV, xlsx or a table, with a crash-safe journal for `--resume` ([`recognize`]);
//! * `apis` — every registered API, its limits and whether its credentials are set ([`apis`]);
//! * `validate FILE|-` — the findings of [`fapiao::Invoice::validate`] for recognised invoices,
//!   from any output `recognize` writes ([`validate`], [`readback`]);
//! * `sandbox` — the loopback emulator of every API ([`fapiao::sandbox::cli`]);
//! * `completions SHELL` — a shell completion script (clap_complete).
//!
//! Exit codes: 0 when everything succeeded, 1 when any input failed or was not sent for its
//! format (or output could not be written, `--validate` found an error-level finding, or
//! `--duplicates fail` a duplicate), 2 for usage
//! errors — an unknown API, missing credentials, an unreadable path, an output that would
//! destroy an earlier run's — which print one line on stderr before anything is sent
//! anywhere, and for credentials an API refused (the batch stops at the first refusal); 130
//! after Ctrl-C.

mod apis;
mod args;
mod backends;
mod duplicates;
mod inputs;
mod journal;
mod logging;
mod output;
mod progress;
mod readback;
mod recognize;
mod record;
mod sink;
mod targets;
mod validate;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Why a command stopped early.
#[derive(Debug)]
pub enum CliError {
    /// The command line or the configuration is wrong; nothing was done (exit 2).
    Usage(String),
    /// The command could not finish, e.g. the output could not be written (exit 1).
    Fatal(String),
    /// Whoever read the output closed it (`fapiao … | head`): stop quietly (exit 0).
    OutputClosed,
}

impl CliError {
    /// A usage error from anything displayable.
    pub fn usage(message: impl std::fmt::Display) -> CliError {
        CliError::Usage(message.to_string())
    }

    /// A fatal error from anything displayable.
    pub fn fatal(message: impl std::fmt::Display) -> CliError {
        CliError::Fatal(message.to_string())
    }

    /// An error writing `target`: [`CliError::OutputClosed`] for a closed pipe, otherwise
    /// fatal.
    pub fn write(target: &str, err: &std::io::Error) -> CliError {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::OutputClosed
        } else {
            CliError::fatal(format!("cannot write {target}: {err}"))
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return clap_exit(&err),
    };
    logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return report(&CliError::fatal(format!("cannot start the runtime: {err}"))),
    };
    let result = match cli.command {
        Command::Recognize(args) => recognize::run(&runtime, args),
        Command::Apis(args) => apis::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Completions(args) => completions(args.shell),
        Command::Sandbox(args) => runtime
            .block_on(fapiao::sandbox::cli::run(args))
            .map(|()| ExitCode::SUCCESS)
            .map_err(CliError::usage),
    };
    result.unwrap_or_else(|err| report(&err))
}

/// Prints the completion script for `shell`.
fn completions(shell: clap_complete::Shell) -> Result<ExitCode, CliError> {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "fapiao", &mut script);
    std::io::Write::write_all(&mut std::io::stdout(), &script)
        .map_err(|e| CliError::write("stdout", &e))?;
    Ok(ExitCode::SUCCESS)
}

/// Prints an error as one line on stderr and returns its exit code.
fn report(err: &CliError) -> ExitCode {
    let (message, code) = match err {
        CliError::Usage(message) => (message, 2),
        CliError::Fatal(message) => (message, 1),
        CliError::OutputClosed => return ExitCode::SUCCESS,
    };
    eprintln!("fapiao: error: {}", one_line(message));
    ExitCode::from(code)
}

/// Help and version go to stdout with exit 0; a parse error prints its first paragraph (the
/// problem itself, without the usage block) as one line, with exit 2.
fn clap_exit(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // Nothing useful can be done when stdout is gone.
        let _ = err.print();
        return if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let rendered = err.render().to_string();
    // The first paragraph: the problem and its details (missing arguments, possible values).
    let paragraph: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    let joined = paragraph.join(" ");
    let first = joined.strip_prefix("error: ").unwrap_or(&joined);
    eprintln!("fapiao: error: {first} (see `fapiao --help`)");
    ExitCode::from(2)
}

/// `n noun`, with an `s` unless `n` is 1 (`1 file`, `3 files`).
pub fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `message` with line breaks folded, so every error is exactly one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
