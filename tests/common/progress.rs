//! Waiting on another process without guessing how long it may take.
//!
//! A test that waits for a child (the language server, a CLI run) keeps waiting as long as the
//! child makes progress: it used CPU time, or the test saw a new sign of life from it (a message,
//! output, a file growing). It fails only when nothing happened for [`NO_PROGRESS`] — generous,
//! since a process that has work to do gets *some* CPU within that on any loaded machine, and one
//! that is idle and still has not answered never will — or, as a last resort against a child
//! spinning forever, after [`HARD_CAP`] in all. A definite wrong answer fails at once, which is
//! the caller's business.
//!
//! Linux only (`/proc/<pid>/stat`), like the tests that use it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// How long nothing may happen before a wait fails.
pub const NO_PROGRESS: Duration = Duration::from_secs(90);
/// The longest any single wait may take even while the child keeps working.
pub const HARD_CAP: Duration = Duration::from_secs(30 * 60);
/// How often a polling wait looks again.
pub const POLL: Duration = Duration::from_millis(10);

/// CPU time (user + system) a process has used so far, from `/proc/<pid>/stat`; `None` once the
/// process is gone (or reaped).
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}

/// Watches one child for progress: its CPU time, plus whatever sign of life the caller reports.
pub struct Progress {
    pid: u32,
    what: String,
    cpu: Option<Duration>,
    marks: u64,
    last_change: Instant,
    started: Instant,
}

impl Progress {
    /// `what` names the wait in the failure message ("a response to request 3").
    pub fn new(pid: u32, what: impl Into<String>) -> Progress {
        let now = Instant::now();
        Progress {
            pid,
            what: what.into(),
            cpu: cpu_time(pid),
            marks: 0,
            last_change: now,
            started: now,
        }
    }

    /// The caller saw a sign of life (a message arrived, output grew).
    pub fn mark(&mut self) {
        self.marks += 1;
        self.last_change = Instant::now();
    }

    /// `Err` with a message once the child made no progress for [`NO_PROGRESS`] (or the wait hit
    /// [`HARD_CAP`]); `Ok` while it should go on.
    pub fn check(&mut self) -> Result<(), String> {
        let cpu = cpu_time(self.pid);
        if cpu != self.cpu {
            self.cpu = cpu;
            self.last_change = Instant::now();
        }
        if self.last_change.elapsed() > NO_PROGRESS {
            return Err(format!(
                "gave up waiting for {}: process {} made no progress for {} s (CPU time {:?}, \
                 {} signs of life in {} s)",
                self.what,
                self.pid,
                NO_PROGRESS.as_secs(),
                self.cpu,
                self.marks,
                self.started.elapsed().as_secs()
            ));
        }
        if self.started.elapsed() > HARD_CAP {
            return Err(format!(
                "gave up waiting for {}: still not there after {} s although process {} kept \
                 working",
                self.what,
                HARD_CAP.as_secs(),
                self.pid
            ));
        }
        Ok(())
    }

    /// Polls `done` until it returns `Some`, checking progress in between; `sign` is any number
    /// that grows while the child works (bytes written so far, say), counted as a sign of life.
    pub fn until<T>(
        &mut self,
        mut sign: impl FnMut() -> u64,
        mut done: impl FnMut() -> Option<T>,
    ) -> Result<T, String> {
        let mut last = sign();
        loop {
            if let Some(v) = done() {
                return Ok(v);
            }
            let now = sign();
            if now != last {
                last = now;
                self.mark();
            }
            self.check()?;
            std::thread::sleep(POLL);
        }
    }
}

/// Waits for `child` to exit while it makes progress; kills it and panics if it stalls.
pub fn wait_child(child: &mut Child, what: &str) -> ExitStatus {
    let mut p = Progress::new(child.id(), what);
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        if let Err(e) = p.check() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{e}");
        }
        std::thread::sleep(POLL);
    }
}

/// Size of a file, 0 if it is not there: a sign of life for a child that writes it.
pub fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// Runs `cmd` to the end like `Command::output` (stdin empty), waiting while it makes progress
/// (CPU time, or bytes on its stdout/stderr) instead of for a guessed time.
pub fn output(cmd: &mut std::process::Command, what: &str) -> std::process::Output {
    use std::process::Stdio;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    wait_output(child, what)
}

/// `Child::wait_with_output` for a child spawned with piped stdout and stderr, waiting while it
/// makes progress; kills it and panics if it stalls.
pub fn wait_output(mut child: Child, what: &str) -> std::process::Output {
    use std::io::Read;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let seen = Arc::new(AtomicU64::new(0));
    let reader = |r: Option<Box<dyn Read + Send>>| {
        let seen = seen.clone();
        std::thread::spawn(move || {
            let mut all = Vec::new();
            let Some(mut r) = r else { return all };
            let mut buf = [0u8; 64 * 1024];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                all.extend_from_slice(&buf[..n]);
                seen.fetch_add(n as u64, Ordering::Relaxed);
            }
            all
        })
    };
    let out = reader(child.stdout.take().map(|r| Box::new(r) as _));
    let err = reader(child.stderr.take().map(|r| Box::new(r) as _));
    let mut p = Progress::new(child.id(), what);
    let status = p.until(
        || seen.load(Ordering::Relaxed),
        || child.try_wait().expect("try_wait"),
    );
    let status = status.unwrap_or_else(|e| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{e}")
    });
    std::process::Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Waits for `child` to exit (while it makes progress) and returns its status and the CPU time
/// it used in all: the yardstick for killing later runs of the same work part-way.
pub fn wait_measuring_cpu(child: &mut Child, what: &str) -> (ExitStatus, Duration) {
    let pid = child.id();
    let mut cpu = Duration::ZERO;
    let status = Progress::new(pid, what)
        .until(
            || 0,
            || {
                // Read before reaping: a zombie's /proc entry still holds its final CPU time.
                cpu = cpu_time(pid).unwrap_or(cpu).max(cpu);
                child.try_wait().expect("try_wait")
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    (status, cpu)
}

/// Lets `child` run until it has used `at` of CPU time, or exits; `true` if it exited first.
/// Kill points measured in the child's own CPU time fall in the same places of its work however
/// loaded the machine is, unlike wall-clock sleeps.
pub fn run_until_cpu(child: &mut Child, at: Duration) -> bool {
    let pid = child.id();
    Progress::new(pid, format!("the child to use {at:?} of CPU"))
        .until(
            || 0,
            || match child.try_wait().expect("try_wait") {
                Some(_) => Some(true),
                None if cpu_time(pid).is_some_and(|t| t >= at) => Some(false),
                None => None,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"))
}
