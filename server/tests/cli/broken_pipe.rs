//! A closed pipe ends quietly, as ripgrep does: `tftsr scan big | head -1` and
//! `tftsr redact … | head -c 10` print no error, no panic, and exit with the documented status
//! (`scan` 1: it was printing findings; every other command 0).
//!
//! Two ways of closing: a reader that takes the first line (or bytes) and goes away while the
//! child still has megabytes to write, as `head` does; and a pipe whose read end is closed before
//! the child starts, so its very first write fails (deterministic, whatever the machine's load).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;

use crate::support::*;

/// Real loghub lines with a planted e-mail address on every line: several MB of input, and of
/// findings, so the child is still writing long after the reader has gone.
fn big_log(dir: &Path) -> std::path::PathBuf {
    let lines = corpus_lines("OpenSSH_2k.log", 2000);
    let mut text = String::new();
    for round in 0..6 {
        for (i, l) in lines.iter().enumerate() {
            text.push_str(&format!("{l} notify user{round}x{i}@example.com\n"));
        }
    }
    let p = dir.join("big.log");
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `args` reading `keep` bytes (or one line when `None`) of its stdout, then closing it
/// while the child writes on. Returns (exit code, what was read, stderr).
fn run_head(dir: &Path, args: &[&str], keep: Option<usize>) -> (Option<i32>, Vec<u8>, String) {
    let mut child = tftsr_std(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut got = Vec::new();
    match keep {
        None => {
            stdout.read_until(b'\n', &mut got).unwrap();
        }
        Some(n) => {
            got.resize(n, 0);
            stdout.read_exact(&mut got).unwrap();
        }
    }
    drop(stdout); // the reader goes away, as `head` does
    let out = progress::wait_output(child, &format!("tftsr {}", args.join(" ")));
    (
        out.status.code(),
        got,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `args` with stdout a pipe nobody reads: its read end is closed before the child starts.
fn run_closed(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = tftsr_std(dir);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped());
    let out = progress::output(&mut cmd, &format!("tftsr {}", args.join(" ")));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_quiet(what: &str, stderr: &str) {
    assert!(
        !stderr.contains("Broken pipe")
            && !stderr.contains("error")
            && !stderr.contains("panicked")
            && !stderr.contains("internal error"),
        "{what}: a closed pipe must end quietly, stderr was:\n{stderr}"
    );
}

#[test]
fn scan_into_head_1_ends_quietly_with_status_1() {
    let t = tempfile::tempdir().unwrap();
    let log = big_log(t.path());
    let log = log.to_str().unwrap();
    for format in ["text", "jsonl", "sarif"] {
        let (code, first, stderr) = run_head(t.path(), &["scan", "-q", "-f", format, log], None);
        assert!(!first.is_empty(), "{format}: a first line was read");
        assert_eq!(
            code,
            Some(1),
            "{format}: findings were printed; stderr: {stderr}"
        );
        assert_quiet(&format!("scan -f {format} | head -1"), &stderr);
    }
    // Without -q: the summary is not printed either (the run was cut short), and no error.
    let (code, _, stderr) = run_head(t.path(), &["scan", log], None);
    assert_eq!(code, Some(1));
    assert_quiet("scan | head -1", &stderr);
}

#[test]
fn redact_into_head_c_10_ends_quietly_with_status_0() {
    let t = tempfile::tempdir().unwrap();
    let log = big_log(t.path());
    let log = log.to_str().unwrap();
    for extra in [&[][..], &["--style", "mask"][..], &["--jsonl"][..]] {
        let mut args = vec!["redact", log];
        args.extend_from_slice(extra);
        let (code, first, stderr) = run_head(t.path(), &args, Some(10));
        assert_eq!(first.len(), 10);
        assert_eq!(code, Some(0), "{args:?}: stderr: {stderr}");
        assert_quiet(&format!("{args:?} | head -c 10"), &stderr);
    }
}

/// Every kind of writer: buffered writes (`types`, `fingerprint`), `println!` (`db path`, whose
/// panic on a closed stdout the panic hook turns into a quiet exit), clap's help, and the
/// streaming commands, each into a pipe already closed.
#[test]
fn every_command_into_a_closed_pipe_ends_quietly() {
    let t = tempfile::tempdir().unwrap();
    let log = big_log(t.path());
    let log = log.to_str().unwrap();
    let cases: &[(&[&str], i32)] = &[
        (&["scan", log], 1),
        (&["scan", "-f", "jsonl", log], 1),
        (&["redact", log], 0),
        (&["redact", "--dry-run", log], 0),
        (&["redact", "--diff", log], 0),
        (&["types"], 0),
        (&["types", "--json"], 0),
        (&["db", "path"], 0),
        (&["scan", "--help"], 0),
        (&["completions", "bash"], 0),
        (&["man"], 0),
        // JSON through serde_json's writer (its error wraps the io error): the store's lists.
        (&["issue", "list", "--json"], 0),
        (&["audit", "--json"], 0),
        (&["config", "show", "--json"], 0),
        (&["baseline", "create", log], 0),
    ];
    for (args, want) in cases {
        let (code, stderr) = run_closed(t.path(), args);
        assert_eq!(code, Some(*want), "{args:?}: stderr: {stderr}");
        assert_quiet(&format!("{args:?} > closed pipe"), &stderr);
    }
}
