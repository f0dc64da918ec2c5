//! `tftsr db rekey` killed with SIGKILL at each of its steps (debug-build stall points), and at
//! staggered moments: the next start cleans up or finishes the rekey, `.dbkey.new` never stays
//! behind, and the key in `.dbkey` always opens the data. A rekey still running in another
//! process is never disturbed by an open meanwhile.

use crate::helpers;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use helpers::*;

fn key_of(data: &Path) -> String {
    std::fs::read_to_string(data.join(".dbkey"))
        .unwrap()
        .trim()
        .to_string()
}

/// A key-file store with a few issues, made by the binary.
fn store_with_data() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for t in ["kept one", "kept two", "kept three"] {
        tftsr(&data)
            .args(["issue", "new", "--title", t, "--severity", "low"])
            .assert()
            .success();
    }
    (dir, data)
}

fn rekey_child(data: &Path, stall_at: Option<(&str, &Path)>) -> Child {
    let mut c = tftsr_std(data);
    c.args(["db", "rekey"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some((point, marker)) = stall_at {
        c.env("TFTSR_TEST_STALL_AT", point)
            .env("TFTSR_TEST_STALL_MARKER", marker);
    }
    c.spawn().unwrap()
}

/// Waits until the child reached the stall point (it writes the marker there), for as long as
/// it makes progress.
fn wait_for_marker(child: &mut Child, marker: &Path) {
    progress::Progress::new(child.id(), "the rekey to reach its stall point")
        .until(
            || 0,
            || {
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "rekey ended before reaching the stall point"
                );
                marker.exists().then_some(())
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
}

fn kill9(mut child: Child) {
    child.kill().unwrap();
    let st = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(st.signal(), Some(9));
}

/// Everything an interrupted rekey must leave after the next start: the data readable through
/// the binary, no `.dbkey.new`, the key in `.dbkey` opening the file, `db check` ok.
fn assert_settled(data: &Path) {
    tftsr(data)
        .args(["issue", "list"])
        .assert()
        .success()
        .stdout(predicates::str::contains("kept one"))
        .stdout(predicates::str::contains("kept three"));
    assert!(!data.join(".dbkey.new").exists(), ".dbkey.new left behind");
    let c = raw_conn(&db_in(data), Some(&key_of(data)));
    let n: i64 = c
        .query_row("SELECT count(*) FROM issues", [], |r| r.get(0))
        .expect("the key in .dbkey opens the database");
    assert_eq!(n, 3);
    drop(c);
    tftsr(data).args(["db", "check"]).assert().success();
}

#[test]
fn sigkill_at_each_rekey_step_is_settled_on_the_next_start() {
    // (stall point, whether the database is under the new key when killed there)
    for (point, committed) in [
        ("rekey_staged", false),
        ("rekey_committed", true),
        ("rekey_installed", true),
    ] {
        let (dir, data) = store_with_data();
        let old = key_of(&data);
        let marker = dir.path().join("stalled");
        let mut child = rekey_child(&data, Some((point, &marker)));
        wait_for_marker(&mut child, &marker);
        kill9(child);
        let staged = std::fs::read_to_string(data.join(".dbkey.new")).ok();
        match point {
            "rekey_installed" => assert!(staged.is_none(), "{point}"),
            _ => assert!(
                staged.is_some(),
                "{point}: the new key is staged before the rekey"
            ),
        }
        assert_settled(&data);
        let now = key_of(&data);
        if committed {
            assert_ne!(now, old, "{point}: the new key must be installed");
            if let Some(s) = staged {
                assert_eq!(now, s.trim(), "{point}");
            }
        } else {
            assert_eq!(
                now, old,
                "{point}: the rekey never happened; the old key stays"
            );
        }
        // And the store can be rekeyed again afterwards.
        tftsr(&data).args(["db", "rekey"]).assert().success();
        assert_ne!(key_of(&data), now);
        assert_settled(&data);
    }
}

#[test]
fn an_open_during_a_running_rekey_changes_no_key_file() {
    for (point, committed) in [("rekey_staged", false), ("rekey_committed", true)] {
        let (dir, data) = store_with_data();
        let old = key_of(&data);
        let marker = dir.path().join("stalled");
        let mut child = rekey_child(&data, Some((point, &marker)));
        wait_for_marker(&mut child, &marker);
        let staged = std::fs::read_to_string(data.join(".dbkey.new")).unwrap();
        // Another process opens the store while the rekey holds its lock: it reads the data with
        // whichever key opens it, and neither deletes nor installs the staged key.
        tftsr(&data)
            .args(["issue", "list"])
            .assert()
            .success()
            .stdout(predicates::str::contains("kept two"));
        assert_eq!(
            std::fs::read_to_string(data.join(".dbkey.new")).unwrap(),
            staged,
            "{point}"
        );
        assert_eq!(key_of(&data), old, "{point}");
        // A second rekey meanwhile is refused clearly.
        tftsr(&data)
            .args(["db", "rekey"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "another `tftsr db rekey` is running",
            ));
        kill9(child);
        assert_settled(&data);
        assert_eq!(key_of(&data) != old, committed, "{point}");
    }
}

#[test]
fn sigkill_at_staggered_moments_never_loses_the_key() {
    let (_dir, data) = store_with_data();
    // How much CPU time one whole rekey takes: the kill points are fractions of it, in the
    // child's own CPU time, so they fall in the same places whatever the load.
    let (st, whole) = progress::wait_measuring_cpu(&mut rekey_child(&data, None), "a whole rekey");
    assert!(st.success(), "the uninterrupted rekey failed");
    let mut interrupted = 0;
    for step in 0..12u32 {
        let mut child = rekey_child(&data, None);
        let finished = progress::run_until_cpu(&mut child, whole * step / 10);
        let _ = child.kill();
        let st = child.wait().unwrap();
        if !finished && !st.success() {
            interrupted += 1;
        }
        assert_settled(&data);
    }
    eprintln!("{interrupted} of 12 rekeys were killed before finishing");
    // Steps 1..9 stop before the CPU a whole rekey needs: nearly all are interrupted.
    assert!(
        interrupted >= 6,
        "only {interrupted} rekeys were interrupted; the test proved too little"
    );
}
