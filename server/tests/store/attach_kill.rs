//! A process killed in the middle of `tftsr issue attach` leaves no partial rows.
//!
//! Three ways: (1) the debug-build hook `TFTSR_TEST_ABORT_AFTER_SPANS=N` aborts the process (no
//! unwinding, no rollback code) after N findings were inserted inside the attach transaction;
//! (2) the hook `TFTSR_TEST_STALL_AFTER_SPANS=N` parks the process at that point and the test sends
//! a real SIGKILL; (3) SIGKILL at staggered moments during large attaches, checking the
//! all-or-nothing invariant for whatever state each kill left.

use crate::helpers;

use std::path::Path;
use std::time::Duration;

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

#[test]
fn kill_9_during_large_attaches_leaves_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let log = dir.path().join("big.log");
    build_log(&log, 8, 1); // ~16,000 findings, ~2 MB
    let id = new_issue(&data);
    let bin = assert_cmd::cargo::cargo_bin("tftsr");
    let mut killed_mid = 0;
    for delay_ms in [150u64, 400, 700, 1000, 1500, 2500] {
        let mut child = std::process::Command::new(&bin)
            .env("TFTSR_DATA_DIR", &data)
            .env("TFTSR_DB_KEY", KEY)
            .env("TFTSR_DB_ENCRYPT", "1")
            .env_remove("TFTSR_TEST_ABORT_AFTER_SPANS")
            .args(["issue", "attach", &id, log.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if !finished && !status.success() {
            killed_mid += 1;
        }
        assert_all_or_nothing(&db_in(&data));
    }
    eprintln!("{killed_mid} of 6 attaches were killed before finishing");
    assert!(
        killed_mid > 0,
        "no attach was actually interrupted; the test proved nothing"
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
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tftsr"))
        .env("TFTSR_DATA_DIR", &data)
        .env("TFTSR_DB_KEY", KEY)
        .env("TFTSR_DB_ENCRYPT", "1")
        .env("TFTSR_TEST_STALL_AFTER_SPANS", "300")
        .env("TFTSR_TEST_STALL_MARKER", &marker)
        .args(["issue", "attach", &id, log.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t = std::time::Instant::now();
    while !marker.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "attach never reached span 300"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "attach ended before the stall point"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
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
