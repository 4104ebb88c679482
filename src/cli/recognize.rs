//! `fapiao recognize`: every input through the API chain, one record each, written as they
//! complete, with bounded concurrency.
//!
//! Before anything is read or sent, the run checks what would make every input fail the
//! same way — an unknown API, missing credentials or other settings, an unreadable path, an
//! output option that does not fit the format, an output that would replace an earlier
//! run's — and stops with a usage error (exit 2).

use std::collections::HashMap;
use std::future::Future;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::Poll;

use tokio::runtime::Runtime;
use tokio::task::JoinSet;

use fapiao::Lang;
use fapiao::api::{ErrorKind, Input, content_hash};
use fapiao::client::{Client, RetryPolicy};

use super::CliError;
use super::apis::{check_settings, client_builder};
use super::args::RecognizeArgs;
use super::backends::{self, Backend, CallError, Chain};
use super::duplicates::{Hashes, Identities, Policy, Turn};
use super::inputs::{self, InputFile};
use super::output::Format;
use super::progress::{Progress, Summary};
use super::record::{Failure, Outcome, Recognized, Record, Skip};
use super::sink::Sink;
use super::targets::{Existing, Targets};
use super::validate;

/// Files in flight at once for cloud APIs when `--concurrency` is not given.
const DEFAULT_CLOUD_CONCURRENCY: usize = 4;

/// Runs `fapiao recognize`.
pub fn run(runtime: &Runtime, args: RecognizeArgs) -> Result<ExitCode, CliError> {
    let format = args
        .format
        .or_else(|| args.output.as_deref().and_then(Format::from_path))
        .unwrap_or_else(|| default_format(args.output.is_none()));
    check_output_options(format, &args)?;
    let chain = Arc::new(build_chain(&args)?);
    let targets = Targets::new(format, args.output.as_deref(), args.items.as_deref());
    let wanted = inputs::extensions_of(chain.formats());
    let inputs = inputs::discover(&args.paths, &wanted, &targets.files())?;
    let concurrency = concurrency(args.concurrency, &chain);
    targets.check(match (args.resume, args.overwrite) {
        (true, _) => Existing::Resume,
        (false, true) => Existing::Overwrite,
        (false, false) => Existing::Keep,
    })?;

    let resume = args.resume.then_some(chain.max_file_bytes());
    let (mut sink, resumed) = Sink::open(format, args.output.as_deref(), resume, &inputs)?;
    if resumed.unreadable_lines > 0 {
        eprintln!(
            "fapiao: note: dropped {} incomplete line(s) from the journal of an interrupted run",
            resumed.unreadable_lines
        );
    }
    let todo: Vec<InputFile> = inputs
        .into_iter()
        .filter(|i| !resumed.done.contains(&i.display))
        .collect();
    let mut summary = Summary::start(resumed.done.len() as u64);
    let mut batch = Batch {
        chain,
        concurrency,
        validate: args.validate.then_some(args.lang),
        hashes: Arc::default(),
        identities: Identities::default(),
    };
    if args.resume {
        sink.seed(&batch.hashes, &mut batch.identities)?;
    }
    let stop = runtime.block_on(batch.run(todo, &mut sink, &mut summary))?;
    sink.render(format, &args)?;
    eprintln!("{}", summary.line());
    finish(stop, &summary, &args)
}

/// The exit code, and what to do next when the batch did not finish.
fn finish(stop: Stop, summary: &Summary, args: &RecognizeArgs) -> Result<ExitCode, CliError> {
    let rerun = match &args.output {
        Some(_) => "run the same command with --resume",
        None => "run it with --output FILE, then with --resume, to keep results across runs",
    };
    match stop {
        Stop::CredentialsRefused(failure) => Err(CliError::usage(format!(
            "{} refused the credentials ({}: {}); the batch stopped after the first refusal \
             so no more files are sent with them. Fix them (see `fapiao apis`), then {rerun}",
            failure.api, failure.code, failure.message
        ))),
        Stop::Interrupted => {
            eprintln!(
                "fapiao: interrupted: {} recorded; {rerun} to continue",
                super::counted(summary.recorded(), "file")
            );
            Ok(ExitCode::from(130))
        }
        Stop::Finished => {
            if summary.retryable > 0 && args.output.is_some() {
                eprintln!(
                    "fapiao: note: {} failed in a way that may pass later; {rerun} to try them again",
                    super::counted(summary.retryable, "file")
                );
            }
            let duplicates_fail = args.duplicates == Policy::Fail && summary.duplicates > 0;
            if duplicates_fail {
                eprintln!(
                    "fapiao: error: {} found (--duplicates fail)",
                    super::counted(summary.duplicates, "duplicate")
                );
            }
            Ok(
                if summary.unrecognized() > 0 || summary.invalid > 0 || duplicates_fail {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                },
            )
        }
    }
}

/// Without `--format` or a telling `--output` extension: a table for a person at a terminal,
/// JSON for a pipe, a file or a program.
fn default_format(to_stdout: bool) -> Format {
    if to_stdout && std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    }
}

/// Output options that cannot work together are refused up front.
fn check_output_options(format: Format, args: &RecognizeArgs) -> Result<(), CliError> {
    if args.resume && args.output.is_none() {
        return Err(CliError::usage(
            "--resume needs --output FILE (the run to resume is recorded there)",
        ));
    }
    if format == Format::Xlsx && args.output.is_none() {
        return Err(CliError::usage("--format xlsx needs --output FILE"));
    }
    if args.items.is_some() && format != Format::Csv {
        return Err(CliError::usage(
            "--items applies to --format csv (xlsx has an items sheet, json the items themselves)",
        ));
    }
    Ok(())
}

/// The chain of `--api` or `--apis`, with a client for its cloud APIs whose settings have
/// been checked.
fn build_chain(args: &RecognizeArgs) -> Result<Chain, CliError> {
    let ids: Vec<&str> = if args.apis.is_empty() {
        vec![args.api.as_deref().unwrap_or("local")]
    } else {
        args.apis.iter().map(|id| id.trim()).collect()
    };
    let backends = ids
        .into_iter()
        .map(Backend::find)
        .collect::<Result<Vec<_>, _>>()?;
    let client = build_client(args, &backends)?;
    if let Some(client) = &client {
        for backend in &backends {
            if let Backend::Cloud(api) = backend {
                check_settings(client, *api).map_err(|problem| CliError::usage(problem.message))?;
            }
        }
    }
    Chain::new(backends, client).ok_or_else(|| CliError::usage("no API given"))
}

/// A client for the chain's cloud APIs, or `None` when it has none.
fn build_client(args: &RecognizeArgs, backends: &[Backend]) -> Result<Option<Client>, CliError> {
    let clouds: Vec<&str> = backends
        .iter()
        .filter(|b| matches!(b, Backend::Cloud(_)))
        .map(|b| b.id())
        .collect();
    if clouds.is_empty() {
        return Ok(None);
    }
    let mut builder = client_builder(args.config.as_deref()).retry(RetryPolicy {
        max_attempts: args.max_attempts,
        budget_ratio: args.retry_budget,
        ..RetryPolicy::default()
    });
    for id in clouds {
        if let Some(url) = &args.endpoint {
            builder = builder.endpoint(id, url.clone());
        }
        if let Some(region) = &args.region {
            builder = builder.region(id, region.clone());
        }
    }
    builder.build().map(Some).map_err(CliError::usage)
}

/// Files in flight: as requested or the default, never above the lowest QPS of the chain's
/// APIs (their descriptors' documented limit). Lowering a requested value is noted on stderr.
fn concurrency(requested: Option<u32>, chain: &Chain) -> usize {
    let default = if chain.backends().all(|b| matches!(b, Backend::Local(_))) {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        DEFAULT_CLOUD_CONCURRENCY
    };
    let wanted = requested.map_or(default, |n| n as usize);
    let slowest = chain
        .backends()
        .filter_map(|b| Some((b.descriptor().limits.qps?, b.id())))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    match slowest {
        Some((qps, id)) if wanted as f64 > qps.max(1.0) => {
            let cap = qps.max(1.0).floor() as usize;
            if requested.is_some() {
                eprintln!("fapiao: note: --concurrency {wanted} lowered to {cap}, the QPS of {id}");
            }
            cap
        }
        _ => wanted,
    }
}

/// One batch: the chain, how many files at once, whether to validate (and in which
/// language the findings are written), and what was seen.
struct Batch {
    chain: Arc<Chain>,
    concurrency: usize,
    validate: Option<Lang>,
    hashes: Arc<Hashes>,
    identities: Identities,
}

/// Why a batch ended.
enum Stop {
    /// Every input has its record.
    Finished,
    /// An API refused the credentials; the inputs not yet recorded were not sent.
    CredentialsRefused(Failure),
    /// Ctrl-C; the inputs in flight were abandoned (resuming sends them again).
    Interrupted,
}

impl Batch {
    /// Processes `todo`, writing each record to `sink` as it completes.
    async fn run(
        &mut self,
        todo: Vec<InputFile>,
        sink: &mut Sink,
        summary: &mut Summary,
    ) -> Result<Stop, CliError> {
        let apis: Vec<&str> = self.chain.backends().map(Backend::id).collect();
        tracing::info!(files = todo.len(), concurrency = self.concurrency, apis = ?apis, "batch starts");
        let progress = Progress::new(todo.len() as u64);
        let mut pending = todo.into_iter().enumerate();
        let mut running = JoinSet::new();
        // Which file each task works on, so even a task that panicked gets its record.
        let mut paths = HashMap::new();
        let mut interrupt = Some(Box::pin(tokio::signal::ctrl_c()));
        loop {
            while running.len() < self.concurrency {
                let Some((index, input)) = pending.next() else {
                    break;
                };
                let display = input.display.clone();
                let (chain, hashes) = (Arc::clone(&self.chain), Arc::clone(&self.hashes));
                let validate = self.validate;
                let task = running.spawn(async move {
                    let turn = hashes.turn(index);
                    process(&chain, turn, &hashes, input, validate).await
                });
                paths.insert(task.id(), display);
            }
            // The next completed task, unless Ctrl-C comes first.
            let next = std::future::poll_fn(|cx| {
                if let Some(signal) = &mut interrupt {
                    match signal.as_mut().poll(cx) {
                        Poll::Ready(Ok(())) => return Poll::Ready(None),
                        // No signal handling here: Ctrl-C ends the process as usual.
                        Poll::Ready(Err(_)) => interrupt = None,
                        Poll::Pending => {}
                    }
                }
                running.poll_join_next_with_id(cx).map(Some)
            });
            let Some(joined) = next.await else {
                return Ok(Stop::Interrupted);
            };
            let Some(joined) = joined else {
                break;
            };
            let mut record = match joined {
                Ok((id, record)) => {
                    paths.remove(&id);
                    record
                }
                Err(err) => {
                    let path = paths.remove(&err.id()).unwrap_or_default();
                    let failure = CallError::new("", ErrorKind::Internal, "panic", err).failure;
                    Record::error(path, None, failure)
                }
            };
            self.identities.mark(&mut record);
            log(&record);
            summary.add(&record);
            progress.advance(summary.unrecognized());
            sink.write(&record)
                .map_err(|e| CliError::write("the output", &e))?;
            if let Some(refusal) = refused_credentials(&record) {
                return Ok(Stop::CredentialsRefused(refusal.clone()));
            }
        }
        Ok(Stop::Finished)
    }
}

/// The failure of `record` (or of an API it fell back from) that refused the credentials.
fn refused_credentials(record: &Record) -> Option<&Failure> {
    record
        .failure()
        .into_iter()
        .chain(&record.fallbacks)
        .find(|f| backends::refuses_credentials(f))
}

/// One log line per record: info for a result, warn for a failure.
fn log(record: &Record) {
    match &record.outcome {
        Outcome::Ok(ok) => {
            tracing::info!(file = %record.path, api = %ok.api, invoices = ok.invoices.len(), "recognized");
        }
        Outcome::Error { error } => tracing::warn!(
            file = %record.path,
            api = %error.api,
            kind = %error.kind,
            code = %error.code,
            "failed: {}",
            error.message
        ),
        Outcome::Skipped { skipped } => {
            tracing::info!(file = %record.path, code = %skipped.code, "skipped: {}", skipped.message);
        }
    }
}

/// Why a file was not read.
enum Unread {
    /// It is larger than any API of the chain accepts.
    TooLarge { size: u64, limit: u64 },
    /// Opening or reading it failed.
    Io(std::io::Error),
}

impl Unread {
    fn into_failure(self) -> CallError {
        match self {
            Unread::TooLarge { size, limit } => CallError::new(
                "",
                ErrorKind::TooLarge,
                "file_too_large",
                format!(
                    "the file is {size} bytes, more than the {limit} bytes any API of the \
                     chain accepts; it was not read"
                ),
            ),
            Unread::Io(err) => CallError::new("", ErrorKind::BadInput, "read", err),
        }
    }
}

/// Reads `path` (standard input for `-`) whole unless it holds more than `limit` bytes: a
/// file's size is checked before anything is read, and reading stops one byte past the limit
/// (for a file that grows, and for stdin).
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, Unread> {
    use std::io::Read;
    let (source, size): (Box<dyn Read>, u64) = if path.as_os_str() == inputs::STDIN {
        (Box::new(std::io::stdin().lock()), 0)
    } else {
        let file = std::fs::File::open(path).map_err(Unread::Io)?;
        let size = file.metadata().map_err(Unread::Io)?.len();
        (Box::new(file), size)
    };
    if size > limit {
        return Err(Unread::TooLarge { size, limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or_default());
    source
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Unread::Io)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(Unread::TooLarge { size: read, limit });
    }
    Ok(bytes)
}

/// The record of a file whose format no API of the chain accepts.
fn unsupported(chain: &Chain, file: InputFile) -> Record {
    let extension = file.path.extension().map_or_else(
        || "(none)".to_owned(),
        |e| format!(".{}", e.to_string_lossy()),
    );
    let apis: Vec<&str> = chain.backends().map(Backend::id).collect();
    let accepted = inputs::extensions_of(chain.formats());
    let accepted: Vec<&str> = accepted.into_iter().collect();
    let message = format!(
        "extension {extension} is not a format {} accepts ({}); the file was not read",
        apis.join(" or "),
        accepted.join(", ")
    );
    Record::skipped(file.display, None, Skip::UNSUPPORTED, message)
}

/// Reads, hashes and recognises one file — unless an earlier input (claiming its hash in
/// its `turn`) has the same bytes.
async fn process(
    chain: &Chain,
    turn: Turn<'_>,
    hashes: &Hashes,
    file: InputFile,
    validate: Option<Lang>,
) -> Record {
    if file.unsupported {
        return unsupported(chain, file);
    }
    let path = file.path.clone();
    let limit = chain.max_file_bytes();
    // Hashing up to the size limit is blocking work too, so it runs beside the read.
    let read = tokio::task::spawn_blocking(move || {
        read_bounded(&path, limit).map(|bytes| {
            let sha256 = content_hash(&bytes);
            (bytes, sha256)
        })
    })
    .await;
    let (bytes, sha256) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(unread)) => return Record::error(file.display, None, unread.into_failure().failure),
        Err(err) => {
            return Record::error(
                file.display,
                None,
                CallError::new("", ErrorKind::Internal, "read", err).failure,
            );
        }
    };
    if let Some(first) = turn.claim(&sha256, &file.display).await {
        let message = format!("the same bytes as {first}, whose record stands for both; not sent");
        let mut record = Record::skipped(file.display, Some(sha256), Skip::SAME_FILE, message);
        record.duplicate_of = Some(first);
        return record;
    }
    let input = Arc::new(Input {
        file: Some(bytes),
        ..Input::default()
    });
    let outcome = chain.recognize(&input, &file.display).await;
    let mut record = match outcome.result {
        Ok((backend, invoices)) => {
            let (findings, cross_checked) = match validate {
                Some(lang) => {
                    validate::findings(backend, &invoices, &input, &file.display, lang).await
                }
                None => (Vec::new(), false),
            };
            let recognized = Recognized {
                api: backend.id().to_owned(),
                invoices,
                findings_lang: validate.filter(|_| !findings.is_empty()),
                findings,
                qr_cross_check: validate.map(|_| cross_checked),
            };
            Record::ok(file.display, sha256, recognized)
        }
        Err(err) => {
            hashes.release(&sha256, &file.display);
            Record::error(file.display, Some(sha256), err.failure)
        }
    };
    record.fallbacks = outcome.fallbacks.into_iter().map(|e| e.failure).collect();
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(ids: &[&str]) -> Chain {
        let backends = ids.iter().map(|id| Backend::find(id).unwrap()).collect();
        Chain::new(backends, None).unwrap()
    }

    #[test]
    fn concurrency_never_exceeds_the_lowest_qps_of_the_chain() {
        let limited: Vec<_> = fapiao::api::registry()
            .iter()
            .filter_map(|api| Some((api.descriptor().id, api.descriptor().limits.qps?)))
            .collect();
        let unlimited = fapiao::api::registry()
            .iter()
            .map(|api| api.descriptor())
            .find(|d| d.limits.qps.is_none())
            .map(|d| d.id);
        for (id, qps) in limited {
            let cap = qps.max(1.0).floor() as usize;
            assert_eq!(concurrency(Some(1000), &chain(&[id])), cap, "{id}");
            assert_eq!(concurrency(Some(1), &chain(&[id])), 1, "{id}");
            if let Some(free) = unlimited {
                assert_eq!(
                    concurrency(Some(1000), &chain(&[free, id])),
                    cap,
                    "{free},{id}"
                );
            }
        }
        if let Some(free) = unlimited {
            assert_eq!(concurrency(Some(64), &chain(&[free])), 64);
            assert_eq!(
                concurrency(None, &chain(&[free])),
                DEFAULT_CLOUD_CONCURRENCY
            );
        }
    }
}
