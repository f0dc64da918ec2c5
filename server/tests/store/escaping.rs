//! Output that cannot be forged, for the store's commands: control characters in what the store
//! holds (audit ids, whys) and in its paths are escaped in the human output of `tftsr audit`,
//! `tftsr why` and `tftsr db` (a terminal escape never reaches the terminal raw, a newline cannot
//! start a line of its own); `--json` stays exact.

use crate::helpers;

use helpers::*;
use tftsr::store::{AuditAction, Store};

/// An OSC title change, a clear-screen, a bare CR, and a newline followed by a forged line.
const EVIL: &str = "x\x1b]0;owned\x07\x1b[2J\rcr\nforged line";

fn no_raw_controls(what: &str, bytes: &[u8]) {
    let s = String::from_utf8_lossy(bytes);
    assert!(
        !bytes.iter().any(|&b| b == 0x1b || b == 0x07 || b == b'\r'),
        "{what}: a raw control character reached the output: {s:?}"
    );
    assert!(
        !s.lines().any(|l| l.starts_with("forged")),
        "{what}: user text started a line of its own: {s}"
    );
}

fn ok(cmd: &mut assert_cmd::Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn audit_entries_with_control_characters_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    // An entity id from outside (an extension's API call, a damaged file): the store keeps it.
    let s = Store::open(&enc_opts(&db)).unwrap();
    s.audit(
        AuditAction::SettingsChange,
        "setting",
        EVIL,
        serde_json::json!({}),
    )
    .unwrap();
    drop(s);
    let out = ok(tftsr(dir.path()).env("TFTSR_DB_KEY", KEY).args(["audit"]));
    no_raw_controls("audit", &out.stdout);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("x\\x1b]0;owned\\x07\\x1b[2J\\rcr\\nforged line"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "one entry, one line: {stdout}");

    let out = ok(tftsr(dir.path())
        .env("TFTSR_DB_KEY", KEY)
        .args(["audit", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["entity_id"], EVIL, "JSON stays exact");
}

#[test]
fn whys_with_control_characters_are_escaped_and_keep_their_lines_indented() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let out = ok(tftsr(data).args(["issue", "new", "--title", "t", "--severity", "low"]));
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let answer = "first line\nforged: 2. a question\x1b[31m";
    let out = ok(tftsr(data).args(["why", "add", &id, "--question", EVIL, "--answer", answer]));
    no_raw_controls("why add", &out.stdout);
    no_raw_controls("why add stderr", &out.stderr);
    let out = ok(tftsr(data).args(["why", "list", &id]));
    no_raw_controls("why list", &out.stdout);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("x\\x1b]0;owned\\x07\\x1b[2J\\rcr\\nforged line"),
        "{stdout}"
    );
    // The answer keeps its line break, indented under its field.
    assert!(
        stdout.contains("   answer:   first line\n             forged: 2. a question\\x1b[31m"),
        "{stdout}"
    );
    let out = ok(tftsr(data).args(["why", "list", &id, "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["why_question"], EVIL);
    assert_eq!(v[0]["answer"], answer);
}

#[test]
fn db_paths_with_control_characters_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join(EVIL);
    std::fs::create_dir(&data).unwrap();
    ok(tftsr(&data).args(["issue", "new", "--title", "t", "--severity", "low"]));
    for args in [vec!["db", "path"], vec!["db", "check"]] {
        let out = ok(tftsr(&data).args(&args));
        no_raw_controls(&format!("{args:?}"), &out.stdout);
        no_raw_controls(&format!("{args:?} stderr"), &out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("x\\x1b]0;owned\\x07"), "{args:?}: {stdout}");
    }
    let out = ok(tftsr(&data).args(["db", "path", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["data_dir"], data.to_str().unwrap());
    // An export named with control characters: the note names it escaped.
    let target = dir.path().join(format!("{EVIL}.json"));
    let out = ok(tftsr(&data).args(["db", "export", "-o", target.to_str().unwrap()]));
    no_raw_controls("db export", &out.stderr);
    assert!(target.is_file());
}
