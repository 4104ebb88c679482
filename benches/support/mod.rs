//! Shared by the criterion benches (included with `#[path]`): a group wrapper that either
//! times a function with criterion or, in *counted mode*, runs it a fixed number of times so
//! that callgrind can count its instructions.
//!
//! Counted mode is on when `FAPIAO_BENCH_RUNS=<n>` is set: every function whose id
//! (`group/function`) contains `FAPIAO_BENCH_FILTER` (default: all) runs `n` times inside
//! [`counted_runs`] and nothing is timed. `benches/callgrind.sh` runs a bench that way under
//! `valgrind --tool=callgrind --toggle-collect='*counted_runs*'`, so set-up is not counted,
//! and prints instructions per run.
#![allow(dead_code)]

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};

/// Runs of counted mode and which functions they apply to.
#[derive(Debug, Clone)]
struct Counted {
    runs: u64,
    filter: String,
}

impl Counted {
    fn from_env() -> Option<Counted> {
        let runs = std::env::var("FAPIAO_BENCH_RUNS").ok()?.parse().ok()?;
        let filter = std::env::var("FAPIAO_BENCH_FILTER").unwrap_or_default();
        Some(Counted { runs, filter })
    }
}

/// Whether the bench runs in counted mode (for set-up that must differ, such as running
/// everything on one thread so that callgrind sees all of it).
pub fn counted_mode() -> bool {
    Counted::from_env().is_some()
}

/// What to do with one function of a group.
enum Mode {
    /// Time it with criterion.
    Timed,
    /// Run it this many times, untimed.
    Counted(u64),
    /// Counted mode, but the filter leaves it out.
    Skipped,
}

/// A criterion benchmark group that honours counted mode.
pub struct Group<'c> {
    name: String,
    inner: BenchmarkGroup<'c, WallTime>,
    counted: Option<Counted>,
}

impl<'c> Group<'c> {
    /// Opens the group `name`.
    pub fn new(c: &'c mut Criterion, name: impl Into<String>) -> Group<'c> {
        let name = name.into();
        Group {
            inner: c.benchmark_group(name.clone()),
            name,
            counted: Counted::from_env(),
        }
    }

    /// Sets the throughput criterion reports per iteration.
    pub fn throughput(&mut self, throughput: Throughput) -> &mut Self {
        self.inner.throughput(throughput);
        self
    }

    /// Sets criterion's sample count (10 at least).
    pub fn sample_size(&mut self, samples: usize) -> &mut Self {
        self.inner.sample_size(samples);
        self
    }

    /// Runs the same number of iterations per sample, for functions that take a second or
    /// more (criterion's default linear sampling would run them hundreds of times).
    pub fn flat_sampling(&mut self) -> &mut Self {
        self.inner.sampling_mode(SamplingMode::Flat);
        self
    }

    /// Times `f` (or runs it in counted mode).
    pub fn bench<O>(&mut self, name: &str, mut f: impl FnMut() -> O) -> &mut Self {
        match self.mode(name) {
            Mode::Timed => {
                self.inner.bench_function(name, |b| b.iter(&mut f));
            }
            Mode::Counted(runs) => counted_runs(runs, &mut f),
            Mode::Skipped => {}
        }
        self
    }

    /// Times `f` with a fresh input from `setup` per iteration (set-up not timed, nor
    /// counted).
    pub fn bench_with_setup<I, O>(
        &mut self,
        name: &str,
        mut setup: impl FnMut() -> I,
        mut f: impl FnMut(I) -> O,
    ) -> &mut Self {
        match self.mode(name) {
            Mode::Timed => {
                self.inner.bench_function(name, |b| {
                    b.iter_batched(&mut setup, &mut f, criterion::BatchSize::SmallInput)
                });
            }
            Mode::Counted(runs) => {
                for _ in 0..runs {
                    counted_runs_with(setup(), &mut f);
                }
            }
            Mode::Skipped => {}
        }
        self
    }

    /// Times `f`, which runs the given number of iterations and returns how long they took
    /// (criterion's `iter_custom`); in counted mode it is called once for all the runs.
    pub fn bench_custom(&mut self, name: &str, mut f: impl FnMut(u64) -> Duration) -> &mut Self {
        match self.mode(name) {
            Mode::Timed => {
                self.inner.bench_function(name, |b| b.iter_custom(&mut f));
            }
            Mode::Counted(runs) => counted_runs_with(runs, &mut f),
            Mode::Skipped => {}
        }
        self
    }

    /// Closes the group.
    pub fn finish(self) {
        self.inner.finish();
    }

    /// The mode of function `name`; a counted function is announced, for the script to
    /// check that its filter picked exactly one.
    fn mode(&self, name: &str) -> Mode {
        let Some(counted) = &self.counted else {
            return Mode::Timed;
        };
        let id = format!("{}/{name}", self.name);
        if !id.contains(&counted.filter) {
            return Mode::Skipped;
        }
        println!("counted: {id} × {}", counted.runs);
        Mode::Counted(counted.runs)
    }
}

/// The loop callgrind collects in (`--toggle-collect='*counted_runs*'`); never inlined, so
/// the symbol exists.
#[inline(never)]
fn counted_runs<O>(runs: u64, f: &mut impl FnMut() -> O) {
    for _ in 0..runs {
        black_box(f());
    }
}

/// One call on a prepared input, collected by the same pattern as [`counted_runs`].
#[inline(never)]
fn counted_runs_with<I, O>(input: I, f: &mut impl FnMut(I) -> O) {
    black_box(f(input));
}
