//! Tracing logs on stderr: off by default but for warnings about the config file (a
//! misspelled section would otherwise be ignored without a word), `-v` info (which config
//! file was read, one line per file), `-vv` debug, `-vvv` trace; `RUST_LOG`, when set, wins.
//! Lines are printed around the progress bar rather than through it.

use std::io::{self, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use super::progress;

/// Installs the subscriber for the whole process.
pub fn init(verbose: u8) {
    let level = match verbose {
        0 => "fapiao::client::config=warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    // Only fails when a subscriber is already set, and then logs still go somewhere.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Stderr)
        .with_target(false)
        .try_init();
}

/// Stderr, with the progress bar cleared while a line is written.
struct Stderr;

/// One buffered log line.
struct Line(Vec<u8>);

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line(Vec::new())
    }
}

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        // A log line that cannot be written is dropped: there is nowhere else to report it.
        let _ = progress::suspend(|| io::stderr().write_all(&self.0));
    }
}
