//! The progress bar of `scan` and `redact` on the real binary: drawn on stderr when stderr is a
//! terminal (a pseudo-terminal here, opened with `posix_openpt`), never with `--quiet`,
//! `--no-progress`, `TERM=dumb` or stderr not a terminal, and never changing a byte of stdout.
//!
//! What is checked of the bar is its first frame, drawn before anything is read ("scanning
//! 0 B/1.00 MiB"): later frames depend on the machine's speed, the first one does not.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::*;

/// The planted values: on no line of any stream but stdout with --show-values (not used here).
const EMAIL: &str = "alice.progress@example.com";
const IP: &str = "10.20.30.40";

/// A log of exactly `size` bytes (so the bar's total is a round figure) of loghub lines with a
/// planted e-mail address and IP address on every tenth.
fn log_of(dir: &Path, name: &str, size: usize) -> PathBuf {
    let lines = corpus_lines("OpenSSH_2k.log", 2000);
    let mut text = String::new();
    let mut i = 0usize;
    while text.len() < size {
        let l = &lines[i % lines.len()];
        if i.is_multiple_of(10) {
            text.push_str(&format!("{l} mail {EMAIL} from {IP}\n"));
        } else {
            text.push_str(l);
            text.push('\n');
        }
        i += 1;
    }
    text.truncate(size - 1);
    // The cut may fall inside a planted value: the last line is plain padding.
    let cut = text.rfind('\n').unwrap();
    text.truncate(cut + 1);
    while text.len() < size - 1 {
        text.push('x');
    }
    text.push('\n');
    assert_eq!(text.len(), size);
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A pseudo-terminal of 160 columns: (master, slave). Both ends are opened close-on-exec, so a
/// child another test starts meanwhile does not inherit them (it would hold the terminal open).
fn pty() -> (File, File) {
    let master = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open("/dev/ptmx")
        .expect("open /dev/ptmx");
    let fd = master.as_raw_fd();
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: fd is an open pseudo-terminal master; `name` is a buffer of the given length.
    unsafe {
        assert_eq!(libc::grantpt(fd), 0, "grantpt");
        assert_eq!(libc::unlockpt(fd), 0, "unlockpt");
        assert_eq!(
            libc::ptsname_r(fd, name.as_mut_ptr(), name.len()),
            0,
            "ptsname_r"
        );
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 160,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        assert_eq!(libc::ioctl(fd, libc::TIOCSWINSZ, &size), 0, "TIOCSWINSZ");
    }
    // SAFETY: ptsname_r wrote a NUL-terminated path into `name`.
    let path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
        .to_str()
        .unwrap()
        .to_owned();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(path)
        .expect("open the pty's slave");
    (master, slave)
}

/// What a run printed: stdout (a pipe), and what reached the terminal.
struct Run {
    out: Output,
    /// What the pseudo-terminal received (stderr, and stdout too with `stdout_on_tty`).
    tty: String,
}

/// Runs `tftsr args` with stderr on a pseudo-terminal (and stdout too if `stdout_on_tty`; else a
/// pipe), `stdin` fed from a pipe if given (else empty), with `TERM` as given.
fn run_on_tty(
    dir: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    stdout_on_tty: bool,
    term: &str,
) -> Run {
    let (master, slave) = pty();
    let mut cmd: Command = tftsr_std(dir);
    cmd.args(args)
        .env("TERM", term)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(slave.try_clone().unwrap());
    if stdout_on_tty {
        cmd.stdout(slave.try_clone().unwrap());
    } else {
        cmd.stdout(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("spawn tftsr");
    // Only the child holds the terminal now: when it exits, reading the master ends (EIO).
    drop(cmd);
    drop(slave);
    let reader = std::thread::spawn(move || {
        let mut master = master;
        let mut all = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    if let (Some(bytes), Some(mut w)) = (stdin, child.stdin.take()) {
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = w.write_all(&bytes);
        });
    }
    let out = progress::wait_output(child, &format!("tftsr {} (on a terminal)", args.join(" ")));
    let tty = String::from_utf8(reader.join().unwrap()).expect("the terminal got UTF-8");
    Run { out, tty }
}

/// Runs `tftsr args` with stdout and stderr pipes (no terminal anywhere).
fn run_piped(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = tftsr_std(dir);
    cmd.args(args).env("TERM", "xterm-256color");
    match stdin {
        None => progress::output(&mut cmd, &format!("tftsr {}", args.join(" "))),
        Some(bytes) => {
            let mut child = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut w = child.stdin.take().unwrap();
            let bytes = bytes.to_vec();
            std::thread::spawn(move || {
                let _ = w.write_all(&bytes);
            });
            progress::wait_output(child, &format!("tftsr {}", args.join(" ")))
        }
    }
}

/// Neither the planted values nor any line of the log in what the terminal got.
fn assert_no_document_text(tty: &str, log: &Path) {
    assert!(!tty.contains(EMAIL), "a value on the terminal: {tty:?}");
    assert!(!tty.contains(IP), "a value on the terminal: {tty:?}");
    let text = std::fs::read_to_string(log).unwrap();
    let first = text.lines().next().unwrap();
    assert!(!tty.contains(first), "log text on the terminal");
}

/// Everything the bar drew, and the bar's last clear, come before `summary_start`: what is
/// printed after the run stands on its own line as without a bar.
fn assert_cleared_before(tty: &str, verb: &str, summary_start: &str) {
    let summary = tty
        .find(summary_start)
        .unwrap_or_else(|| panic!("no {summary_start:?} on the terminal: {tty:?}"));
    let last_frame = tty.rfind(verb).unwrap();
    assert!(last_frame < summary, "a frame after the summary: {tty:?}");
    let between = &tty[last_frame..summary];
    assert!(
        between.contains("\r\x1b[2K"),
        "the bar was not cleared before the summary: {between:?}"
    );
}

#[test]
fn scan_of_a_file_on_a_terminal_shows_bytes_of_the_total_and_leaves_stdout_alone() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_of(dir.path(), "app.log", 1 << 20);
    let args = ["scan", "--format", "jsonl", "app.log"];
    let tty = run_on_tty(dir.path(), &args, None, false, "xterm-256color");
    assert_eq!(tty.out.status.code(), Some(1), "{}", tty.tty);
    // The first frame, drawn before the first byte is read.
    assert!(
        tty.tty.contains("scanning 0 B/1.00 MiB ["),
        "no progress bar on the terminal: {:?}",
        tty.tty
    );
    assert_cleared_before(&tty.tty, "scanning", "tftsr: ");
    assert!(tty.tty.contains(" findings in 1 of 1 file scanned"));
    assert_no_document_text(&tty.tty, &log);

    // Without a terminal: no bar, and stdout byte for byte what it was on the terminal.
    let piped = run_piped(dir.path(), &args, None);
    assert_eq!(piped.status.code(), Some(1));
    assert!(!piped.stdout.is_empty());
    assert_eq!(piped.stdout, tty.out.stdout, "stdout changed by the bar");
    let stderr = String::from_utf8(piped.stderr).unwrap();
    assert!(!stderr.contains("scanning"), "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\r'),
        "{stderr:?}"
    );
    // … and the same as --no-progress asks for.
    let mut no_bar = args.to_vec();
    no_bar.push("--no-progress");
    let asked = run_piped(dir.path(), &no_bar, None);
    assert_eq!(asked.stdout, piped.stdout);
    assert_eq!(String::from_utf8(asked.stderr).unwrap(), stderr);
}

#[test]
fn scan_of_a_directory_counts_files_and_bytes_of_all() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let a = log_of(&logs, "a.log", 1 << 20);
    log_of(&logs, "b.log", 1 << 20);
    let run = run_on_tty(
        dir.path(),
        &["scan", "--count", "logs"],
        None,
        false,
        "xterm",
    );
    assert_eq!(run.out.status.code(), Some(1), "{}", run.tty);
    assert!(
        run.tty.contains("scanning 0/2 files 0 B/2.00 MiB ["),
        "{:?}",
        run.tty
    );
    assert_cleared_before(&run.tty, "scanning", "tftsr: ");
    assert_no_document_text(&run.tty, &a);
    let piped = run_piped(dir.path(), &["scan", "--count", "logs"], None);
    assert_eq!(piped.stdout, run.out.stdout);
    let listed = String::from_utf8(piped.stdout).unwrap();
    assert!(listed.contains("logs/a.log:") && listed.contains("logs/b.log:"));
}

#[test]
fn scan_of_stdin_shows_a_spinner_without_a_total() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_of(dir.path(), "app.log", 256 << 10);
    let bytes = std::fs::read(&log).unwrap();
    let run = run_on_tty(dir.path(), &["scan"], Some(&bytes), false, "xterm");
    assert_eq!(run.out.status.code(), Some(1), "{}", run.tty);
    // Bytes read and a rate; no total, no bar, no percentage.
    assert!(run.tty.contains("scanning 0 B 0 B/s"), "{:?}", run.tty);
    assert!(!run.tty.contains('%'), "{:?}", run.tty);
    assert_cleared_before(&run.tty, "scanning", "tftsr: ");
    assert_no_document_text(&run.tty, &log);
    let piped = run_piped(dir.path(), &["scan"], Some(&bytes));
    assert_eq!(piped.stdout, run.out.stdout);
}

#[test]
fn findings_printed_to_the_same_terminal_are_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    log_of(dir.path(), "app.log", 1 << 20);
    let args = ["scan", "--color", "never", "app.log"];
    let run = run_on_tty(dir.path(), &args, None, true, "xterm");
    assert_eq!(run.out.status.code(), Some(1));
    let piped = run_piped(dir.path(), &args, None);
    let expected = String::from_utf8(piped.stdout).unwrap();
    assert!(run.tty.contains("scanning 0 B/1.00 MiB"), "{:?}", run.tty);
    // Every finding line reached the terminal whole (the terminal turns \n into \r\n), each
    // after the bar was taken out of the way.
    for line in expected.lines() {
        let framed = format!("{line}\r\n");
        assert!(run.tty.contains(&framed), "{line:?} torn on the terminal");
    }
}

#[test]
fn redact_to_a_file_on_a_terminal_shows_bytes_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_of(dir.path(), "app.log", 1 << 20);
    let run = run_on_tty(
        dir.path(),
        &["redact", "app.log", "-o", "tty.clean.log"],
        None,
        false,
        "xterm",
    );
    assert_eq!(run.out.status.code(), Some(0), "{}", run.tty);
    assert!(
        run.tty.contains("redacting 0 B/1.00 MiB ["),
        "{:?}",
        run.tty
    );
    assert_cleared_before(&run.tty, "redacting", "tftsr: redacted ");
    assert_no_document_text(&run.tty, &log);
    let piped = run_piped(
        dir.path(),
        &["redact", "app.log", "-o", "piped.clean.log"],
        None,
    );
    assert_eq!(piped.status.code(), Some(0));
    let stderr = String::from_utf8(piped.stderr).unwrap();
    assert!(
        !stderr.contains("redacting") && !stderr.contains('\x1b'),
        "{stderr:?}"
    );
    let (a, b) = (
        std::fs::read(dir.path().join("tty.clean.log")).unwrap(),
        std::fs::read(dir.path().join("piped.clean.log")).unwrap(),
    );
    assert_eq!(a, b, "the redacted copy changed by the bar");
    assert!(String::from_utf8(a).unwrap().contains("[Email]"));

    // To stdout (a pipe), from stdin: a spinner, and the same bytes as without a terminal.
    let bytes = std::fs::read(&log).unwrap();
    let run = run_on_tty(dir.path(), &["redact"], Some(&bytes), false, "xterm");
    assert_eq!(run.out.status.code(), Some(0), "{}", run.tty);
    assert!(run.tty.contains("redacting 0 B 0 B/s"), "{:?}", run.tty);
    let piped = run_piped(dir.path(), &["redact"], Some(&bytes));
    assert_eq!(piped.stdout, run.out.stdout);
    assert_eq!(
        piped.stdout,
        std::fs::read(dir.path().join("piped.clean.log")).unwrap()
    );
}

#[test]
fn no_bar_with_quiet_no_progress_a_dumb_terminal_or_diff() {
    let dir = tempfile::tempdir().unwrap();
    log_of(dir.path(), "app.log", 256 << 10);
    let cases: [(&[&str], &str); 6] = [
        (&["scan", "--quiet", "app.log"], "xterm"),
        (&["scan", "--no-progress", "app.log"], "xterm"),
        (&["scan", "app.log"], "dumb"),
        (&["redact", "--quiet", "app.log"], "xterm"),
        (&["redact", "--no-progress", "app.log"], "xterm"),
        (&["redact", "--diff", "app.log"], "xterm"),
    ];
    for (args, term) in cases {
        let run = run_on_tty(dir.path(), args, None, false, term);
        assert!(run.out.status.success() || run.out.status.code() == Some(1));
        assert!(
            !run.tty.contains("scanning") && !run.tty.contains("redacting"),
            "tftsr {args:?} (TERM={term}) drew a bar: {:?}",
            run.tty
        );
        assert!(!run.tty.contains('\x1b'), "{args:?}: {:?}", run.tty);
    }
}
