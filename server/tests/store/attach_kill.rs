//! A process killed in the middle of `tftsr issue attach` leaves no partial rows.
//!
//! Three ways: (1) the debug-build hook `TFTSR_TEST_ABORT_AFTER_SPANS=N` aborts the process (no
//! unwinding, no rollback code) after N findings were inserted inside the attach transaction;
//! (2) the hook `TFTSR_TEST_STALL_AFTER_SPANS=N` parks the process at that point and the test sends
//! a real SIGKILL; (3) SIGKILL at staggered points of large attaches, checking the
//! all-or-nothing invariant for whatever state each kill left. The points are measured in the
//! attach's own CPU time (a fraction of what a whole attach takes), not in wall-clock time, so
//! they fall in the same places however loaded the machine is.

use crate::helpers;

use std::path::Path;

use helpers::*;
use tftsr::store::Store;

/// Real OpenSSH log lines (loghub) with an e-mail address planted on every `every`-th line.
fn build_log(path: &Path, copies: usize, every: usize) -> usize {
    let src = crate::corpus::loghub_file("OpenSSH_2k.log");
    let mut out = String::new();
    let mut planted = 0;
    for c in 0..copies {
        for (i, line) in src.lines().enumerate() {
            out.push_str(line);
            if i % every == 0 {
                out.push_str(&format!(" notify=user{c}x{i}@example.com"));
                planted += 1;
            }
            out.push('\n');
        }
    }
    std::fs::write(path, out).unwrap();
    planted
}

fn new_issue(data: &Path) -> String {
    let out = tftsr(data)
        .env("TFTSR_DB_KEY", KEY)
        .args([
            "issue",
            "new",
            "--title",
            "ssh brute force",
            "--severity",
            "high",
        ])
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim()
        .to_string()
}

/// For every stored log file: all its spans and exactly one log_attach entry; no orphans.
fn assert_all_or_nothing(db: &Path) -> (i64, i64) {
    let c = raw_conn(db, Some(KEY));
    let q = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    let logs = q("SELECT count(*) FROM log_files");
    let attaches = q("SELECT count(*) FROM audit_log WHERE action = 'log_attach'");
    assert_eq!(logs, attaches, "log_files rows vs log_attach audit entries");
    let bad = q(
        "SELECT count(*) FROM audit_log a WHERE a.action = 'log_attach' AND
                 json_extract(a.details, '$.span_count') <>
                 (SELECT count(*) FROM pii_spans p WHERE p.log_file_id = a.entity_id)",
    );
    assert_eq!(bad, 0, "a log file with a partial set of findings");
    let orphans =
        q("SELECT count(*) FROM pii_spans WHERE log_file_id NOT IN (SELECT id FROM log_files)");
    assert_eq!(orphans, 0);
    let ic: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ic, "ok");
    (logs, q("SELECT count(*) FROM pii_spans"))
}

#[test]
fn abort_between_inserts_leaves_no_partial_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let log = dir.path().join("auth.log");
    let planted = build_log(&log, 1, 4);
    let id = new_issue(&data);
    let out = tftsr(&data)
        .env("TFTSR_DB_KEY", KEY)
        .env("TFTSR_TEST_ABORT_AFTER_SPANS", "200")
        .args(["issue", "attach", &id, log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the hook must have killed the attach"
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(6), "SIGABRT, not an orderly exit");
    }
    let (logs, spans) = assert_all_or_nothing(&db_in(&data));
    assert_eq!(
        (logs, spans),
        (0, 0),
        "nothing of the killed attach may remain"
    );
    // The store is fine and the same attach then succeeds completely.
    tftsr(&data)
        .env("TFTSR_DB_KEY", KEY)
        .args(["issue", "attach", &id, log.to_str().unwrap()])
        .assert()
        .success();
    let (logs, spans) = assert_all_or_nothing(&db_in(&data));
    assert_eq!(logs, 1);
    assert!(
        spans as usize >= planted,
        "{spans} findings < {planted} planted e-mails"
    );
    let s = Store::open(&enc_opts(&db_in(&data))).unwrap();
    assert!(s.check().unwrap().ok);
}

/// `tftsr issue attach ID LOG` into `data`, started (not waited for).
fn spawn_attach(data: &Path, id: &str, log: &Path) -> std::process::Child {
    tftsr_std(data)
        .env("TFTSR_DB_KEY", KEY)
        .args(["issue", "attach", id, log.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn kill_9_during_large_attaches_leaves_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let log = dir.path().join("big.log");
    build_log(&log, 8, 1); // ~16,000 findings, ~2 MB
    let id = new_issue(&data);
    // One whole attach first: how much CPU time it takes.
    let mut whole = spawn_attach(&data, &id, &log);
    let (status, cpu) = progress::wait_measuring_cpu(&mut whole, "a whole attach");
    assert!(status.success(), "the uninterrupted attach failed");
    assert_eq!(assert_all_or_nothing(&db_in(&data)).0, 1);
    let mut killed_mid = 0;
    for percent in [5u32, 20, 35, 50, 65, 80] {
        let mut child = spawn_attach(&data, &id, &log);
        let finished = progress::run_until_cpu(&mut child, cpu * percent / 100);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if !finished && !status.success() {
            killed_mid += 1;
        }
        assert_all_or_nothing(&db_in(&data));
    }
    eprintln!(
        "{killed_mid} of 6 attaches were killed before finishing (whole attach: {cpu:?} CPU)"
    );
    assert!(
        killed_mid >= 3,
        "only {killed_mid} attaches were interrupted; the test proved too little"
    );
}

#[test]
fn sigkill_inside_the_attach_transaction_leaves_no_partial_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let log = dir.path().join("auth.log");
    build_log(&log, 1, 4);
    let id = new_issue(&data);
    let marker = dir.path().join("stalled");
    let mut child = tftsr_std(&data)
        .env("TFTSR_DB_KEY", KEY)
        .env("TFTSR_TEST_STALL_AFTER_SPANS", "300")
        .env("TFTSR_TEST_STALL_MARKER", &marker)
        .args(["issue", "attach", &id, log.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    progress::Progress::new(child.id(), "the attach to reach span 300")
        .until(
            || 0,
            || {
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "attach ended before the stall point"
                );
                marker.exists().then_some(())
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    // 300 findings and the log_files row are inserted, uncommitted: another process sees nothing
    // and cannot write meanwhile (the attach holds the write lock).
    let (logs, spans) = assert_all_or_nothing(&db_in(&data));
    assert_eq!((logs, spans), (0, 0));
    child.kill().unwrap(); // SIGKILL
    let st = child.wait().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(st.signal(), Some(9));
    }
    let (logs, spans) = assert_all_or_nothing(&db_in(&data));
    assert_eq!(
        (logs, spans),
        (0, 0),
        "nothing of the killed attach may remain"
    );
    // Writers are not blocked by the dead process's lock.
    tftsr(&data)
        .env("TFTSR_DB_KEY", KEY)
        .args(["issue", "attach", &id, log.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(assert_all_or_nothing(&db_in(&data)).0, 1);
}
