//! Progress on stderr: an indicatif bar with rate and ETA when stderr is a terminal (nothing
//! otherwise), as wide as the terminal, and the summary line at the end.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use fapiao::api::ErrorKind;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::counted;
use super::record::{Outcome, Record, Skip};

/// The bar being drawn, so log lines can be printed around it.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `print` with the bar (if any) cleared from the screen, then redraws it.
pub fn suspend<R>(print: impl FnOnce() -> R) -> R {
    let active = ACTIVE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    match active {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

/// The progress of one batch.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress over `total` inputs; a bar only when stderr is a terminal.
    pub fn new(total: u64) -> Progress {
        if total == 0 || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{wide_bar} {pos}/{len} files  {per_sec}  ETA {eta}  {msg}",
        );
        if let Ok(style) = style {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) = Some(bar.clone());
        Progress { bar: Some(bar) }
    }

    /// One more input done; `failed` counts the failures so far.
    pub fn advance(&self, failed: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if failed > 0 {
                bar.set_message(format!("{failed} failed"));
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
    }
}

/// What a run did, for the final summary.
#[derive(Debug)]
pub struct Summary {
    started: Instant,
    /// Inputs with a result.
    pub done: u64,
    /// Failed inputs by error kind.
    pub failed: BTreeMap<String, u64>,
    /// Inputs skipped because `--resume` found their result.
    pub skipped: u64,
    /// Inputs not sent because no API of the chain accepts their format.
    pub unsupported: u64,
    /// Inputs not sent because they hold the same bytes as an earlier one.
    pub identical: u64,
    /// Inputs whose invoice (or bytes) an earlier input already had.
    pub duplicates: u64,
    /// Results from an API after earlier ones of the chain failed.
    pub fell_back: u64,
    /// Results with an error-level validation finding (`--validate`).
    pub invalid: u64,
    /// Failed inputs whose failure may pass on another try (unavailable, rate limit, …).
    pub retryable: u64,
    /// Invoices recognised.
    pub invoices: u64,
}

impl Summary {
    /// A summary starting now.
    pub fn start(skipped: u64) -> Summary {
        Summary {
            started: Instant::now(),
            done: 0,
            failed: BTreeMap::new(),
            skipped,
            unsupported: 0,
            identical: 0,
            duplicates: 0,
            retryable: 0,
            fell_back: 0,
            invalid: 0,
            invoices: 0,
        }
    }

    /// Counts one record.
    pub fn add(&mut self, record: &Record) {
        match &record.outcome {
            Outcome::Ok(recognized) => {
                self.done += 1;
                self.invoices += recognized.invoices.len() as u64;
                if !record.fallbacks.is_empty() {
                    self.fell_back += 1;
                }
                if recognized.findings.iter().any(|f| f.severity == "error") {
                    self.invalid += 1;
                }
            }
            Outcome::Error { error } => {
                *self.failed.entry(error.kind.clone()).or_default() += 1;
                if ErrorKind::from_id(&error.kind).is_some_and(ErrorKind::allows_fallback) {
                    self.retryable += 1;
                }
            }
            Outcome::Skipped { skipped } if skipped.code == Skip::SAME_FILE => self.identical += 1,
            Outcome::Skipped { .. } => self.unsupported += 1,
        }
        if record.duplicate_of.is_some() {
            self.duplicates += 1;
        }
    }

    /// Failed inputs.
    pub fn failed_count(&self) -> u64 {
        self.failed.values().sum()
    }

    /// Inputs recorded by this run.
    pub fn recorded(&self) -> u64 {
        self.done + self.unrecognized() + self.identical
    }

    /// Inputs without a result: failed, or not sent for their format.
    pub fn unrecognized(&self) -> u64 {
        self.failed_count() + self.unsupported
    }

    /// `1000 files: 990 done, 10 failed (unavailable 7, bad_input 3), 5 skipped; 12 invoices in 3.2 s, 3.7 invoices/s`
    pub fn line(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let mut line = format!(
            "{}: {} done, {} failed",
            counted(self.recorded() + self.skipped, "file"),
            self.done,
            self.failed_count()
        );
        if !self.failed.is_empty() {
            let kinds: Vec<String> = self
                .failed
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            line.push_str(&format!(" ({})", kinds.join(", ")));
        }
        if self.fell_back > 0 {
            line.push_str(&format!(", {} done by a fallback API", self.fell_back));
        }
        if self.invalid > 0 {
            line.push_str(&format!(", {} with validation errors", self.invalid));
        }
        if self.unsupported > 0 {
            line.push_str(&format!(", {} unsupported (not sent)", self.unsupported));
        }
        if self.duplicates > 0 {
            line.push_str(&format!(", {}", counted(self.duplicates, "duplicate")));
            if self.identical > 0 {
                line.push_str(&format!(" ({} identical, not sent)", self.identical));
            }
        }
        if self.skipped > 0 {
            line.push_str(&format!(", {} skipped (already recorded)", self.skipped));
        }
        let rate = if elapsed > 0.0 {
            self.invoices as f64 / elapsed
        } else {
            0.0
        };
        line.push_str(&format!(
            "; {} in {elapsed:.1} s, {rate:.1} invoices/s",
            counted(self.invoices, "invoice")
        ));
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::record::{Failure, Recognized};

    #[test]
    fn the_summary_counts_results_and_failures_by_kind() {
        let mut summary = Summary::start(2);
        let ok = Record::ok(
            "a".into(),
            "1".into(),
            Recognized {
                api: "local".into(),
                invoices: vec![fapiao::Invoice::default(); 2],
                findings: Vec::new(),
                qr_cross_check: None,
                findings_lang: None,
            },
        );
        let failure = |kind: &str| Failure {
            api: "x".into(),
            kind: kind.into(),
            code: "c".into(),
            message: "m".into(),
        };
        summary.add(&ok);
        summary.add(&Record::error("b".into(), None, failure("bad_input")));
        summary.add(&Record::error("c".into(), None, failure("unavailable")));
        summary.add(&Record::error("d".into(), None, failure("unavailable")));
        summary.add(&Record::skipped(
            "e.txt".into(),
            None,
            Skip::UNSUPPORTED,
            "m".into(),
        ));
        let mut same = Record::skipped("f".into(), None, Skip::SAME_FILE, "m".into());
        same.duplicate_of = Some("a".into());
        summary.add(&same);
        let line = summary.line();
        assert!(
            line.starts_with(
                "8 files: 1 done, 3 failed (bad_input 1, unavailable 2), 1 unsupported \
                 (not sent), 1 duplicate (1 identical, not sent), 2 skipped"
            ),
            "{line}"
        );
        assert_eq!(summary.unrecognized(), 4);
        assert!(line.contains("; 2 invoices in "), "{line}");
    }
}
