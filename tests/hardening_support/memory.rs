//! Peak resident memory, as the kernel counts it (Linux only: `VmHWM` for the process itself,
//! `getrusage` for its children; elsewhere the operations still run and the bounds are not
//! checked).
//!
//! An operation is measured in a fresh child process of the test binary — the same test run
//! again, alone — so that the peak is the operation's and not that of other tests running in
//! parallel threads.

use std::process::Command;

/// Tells a child process of the test binary which test it is running for [`in_child`].
const CHILD_TEST_VAR: &str = "FAPIAO_MEASURED_TEST";
/// Starts the line on which a child reports its peaks.
const MARKER: &str = "fapiao-peak-rss-kib";

/// 1 MiB in KiB, the unit the kernel reports.
pub const MIB: u64 = 1024;

/// Peak resident set sizes, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peak {
    /// Of the process itself.
    pub own: u64,
    /// Of the largest of its finished children (the binaries it ran).
    pub children: u64,
}

/// This process's peaks so far, or `None` where they are not measured.
pub fn peak() -> Option<Peak> {
    #[cfg(target_os = "linux")]
    {
        Some(Peak {
            own: own_high_water_kib()?,
            children: children_max_rss_kib()?,
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// `VmHWM`: the high-water mark of this program image's resident memory.
#[cfg(target_os = "linux")]
fn own_high_water_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    line.trim().strip_suffix("kB")?.trim().parse().ok()
}

/// The largest peak resident set of the children this process has waited for.
#[cfg(target_os = "linux")]
fn children_max_rss_kib() -> Option<u64> {
    // SAFETY: `getrusage` writes one `rusage` into the zeroed value it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) == 0).then_some(usage)?
    };
    u64::try_from(usage.ru_maxrss).ok()
}

/// Runs `operation` in a child process of this test binary and returns the child's peaks.
///
/// `test` must be the name of the calling test: the child runs that test again (exactly it,
/// alone), which calls `in_child` again and this time runs `operation`, reports its peaks on
/// stdout and exits. A failed assertion inside `operation` fails the child, and the parent
/// then fails with the child's output. Where peaks are not measured, `operation` runs in this
/// process and the result is `None`.
pub fn in_child(test: &str, operation: impl FnOnce()) -> Option<Peak> {
    if cfg!(not(target_os = "linux")) {
        operation();
        return None;
    }
    if std::env::var(CHILD_TEST_VAR).is_ok_and(|name| name == test) {
        operation();
        let peak = peak().expect("measured on Linux");
        // On a line of its own: the harness has printed the test's name without a newline.
        println!("\n{MARKER} {} {}", peak.own, peak.children);
        std::process::exit(0);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_TEST_VAR, test)
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = stdout.lines().find_map(|line| line.strip_prefix(MARKER));
    let (Some(report), true) = (report, output.status.success()) else {
        panic!(
            "the measured child of `{test}` failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let numbers: Vec<u64> = report
        .split_whitespace()
        .map(|n| n.parse().expect("a number of KiB"))
        .collect();
    Some(Peak {
        own: numbers[0],
        children: numbers[1],
    })
}
