//! `tftsr baseline create` and `tftsr scan --baseline FILE`, on the real binary over real loghub
//! lines with planted values: the baseline holds no value, survives edits and moved lines, is
//! matched by file + type + keyed fingerprint (the same value elsewhere is new), fails clearly
//! under another key, and baselined results are SARIF suppressions (schema-valid).

use std::path::Path;

use crate::support::*;

const OLD: [&str; 3] = [
    "alice.smith@example.com",
    "password=Tr0ub4dor&3xyz",
    "10.20.30.44",
];

/// `ws/app.log` and `ws/sub/b.log`: real lines with the old values planted.
fn tree(ws: &Path) {
    let lines = corpus_lines("Apache_2k.log", 30);
    let mut a = String::new();
    for (i, l) in lines.iter().enumerate() {
        a.push_str(l);
        match i {
            3 => a.push_str(&format!(" user {}", OLD[0])),
            11 => a.push_str(&format!(" login {}", OLD[1])),
            20 => a.push_str(&format!(" from {}", OLD[2])),
            _ => {}
        }
        a.push('\n');
    }
    std::fs::create_dir_all(ws.join("sub")).unwrap();
    std::fs::write(ws.join("app.log"), &a).unwrap();
    std::fs::write(
        ws.join("sub/b.log"),
        format!("{}\nnotify {}\n", lines[0], OLD[0]),
    )
    .unwrap();
}

fn run(dir: &Path, data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = tftsr(dir)
        .env("TFTSR_DATA_DIR", data)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let data = t.path().join("data");
    std::fs::create_dir_all(&ws).unwrap();
    tree(&ws);
    (t, ws, data)
}

#[test]
fn baseline_hides_old_findings_through_edits_and_reports_new_ones() {
    let (_t, ws, data) = setup();
    let (code, stdout, stderr) = run(
        &ws,
        &data,
        &["baseline", "create", ".", "-o", "tftsr-baseline.json"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(ws.join("tftsr-baseline.json")).unwrap();
    for v in OLD {
        assert!(!text.contains(v), "the baseline holds a value");
    }
    assert!(!text.contains("Tr0ub4dor"));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entries = doc["findings"].as_array().unwrap();
    assert!(entries
        .iter()
        .all(|e| !e.as_object().unwrap().contains_key("line")));
    // Each entry is (path relative to the baseline, type, the value's keyed fingerprint).
    assert!(entries.iter().any(|e| e["path"] == "sub/b.log"
        && e["type"] == "email"
        && e["fingerprint"] == user_fingerprint(&data, OLD[0]).as_str()));

    // Nothing new: exit 0, nothing reported, the summary says how many were baselined.
    let (code, stdout, stderr) = run(
        &ws,
        &data,
        &["scan", "--baseline", "tftsr-baseline.json", "."],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("in the baseline (not reported)"),
        "{stderr}"
    );
    // …also from another directory, scanning a subdirectory (paths are the baseline's).
    let (code, _, stderr) = run(
        &ws.join("sub"),
        &data,
        &["scan", "--baseline", "../tftsr-baseline.json", "."],
    );
    assert_eq!(code, 0, "{stderr}");

    // Edits and moved lines: lines inserted above, the old lines swapped; a new value, and an
    // old value in a file where it was not before.
    let old = std::fs::read_to_string(ws.join("app.log")).unwrap();
    let mut lines: Vec<&str> = old.lines().collect();
    lines.swap(3, 20);
    let mut edited = String::from("restarted at 09:00\nconfig reloaded\n");
    edited.push_str(&lines.join("\n"));
    edited.push_str("\nnew contact bob@example.net\n");
    std::fs::write(ws.join("app.log"), edited).unwrap();
    std::fs::write(ws.join("sub/c.log"), format!("moved here: {}\n", OLD[0])).unwrap();
    let (code, stdout, stderr) = run(
        &ws,
        &data,
        &[
            "scan",
            "-q",
            "-f",
            "jsonl",
            "--baseline",
            "tftsr-baseline.json",
            ".",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let found = parse_jsonl(stdout.as_bytes());
    let got: Vec<(String, String)> = found
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().into(),
                f["type"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("./app.log".to_owned(), "email".to_owned()),
            ("./sub/c.log".to_owned(), "email".to_owned())
        ],
        "only the new value and the old value in a new file"
    );
    assert_eq!(
        found[0]["fingerprint"],
        user_fingerprint(&data, "bob@example.net").as_str()
    );
}

#[test]
fn sarif_marks_baselined_results_as_external_suppressions() {
    let (t, ws, data) = setup();
    let (code, _, _) = run(&ws, &data, &["baseline", "create", ".", "-o", "base.json"]);
    assert_eq!(code, 0);
    std::fs::write(ws.join("new.log"), "ping carol@example.org\n").unwrap();
    let (code, stdout, stderr) = run(
        &ws,
        &data,
        &["scan", "-q", "-f", "sarif", "--baseline", "base.json", "."],
    );
    assert_eq!(code, 1, "the new finding fails: {stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    crate::sarif::validate(&doc, t.path()).expect("schema-valid SARIF");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let (suppressed, open): (Vec<_>, Vec<_>) = results
        .iter()
        .partition(|r| r.get("suppressions").is_some());
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "new.log"
    );
    assert!(suppressed.len() >= 4, "{results:?}");
    for r in &suppressed {
        assert_eq!(r["suppressions"][0]["kind"], "external");
        assert!(r["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("base.json"));
    }
    // The baseline file itself is not scanned.
    assert!(!stdout.contains("base.json\"}"));
}

#[test]
fn baseline_under_another_key_or_broken_is_a_clear_error() {
    let (_t, ws, data) = setup();
    let (code, stdout, _) = run(&ws, &data, &["baseline", "create", "."]);
    assert_eq!(code, 0);
    std::fs::write(ws.join("..").join("b.json"), &stdout).unwrap();
    // Another key (CI without the team's key): exit 2, said plainly, not "everything is new".
    let out = tftsr(&ws)
        .env("TFTSR_DATA_DIR", &data)
        .env("TFTSR_FINGERPRINT_KEY", "ab".repeat(32))
        .args(["scan", "--baseline", "../b.json", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another fingerprint key"), "{err}");
    // Not a baseline, or one holding a value instead of a fingerprint: exit 2, no value echoed.
    std::fs::write(ws.join("../bad.json"), "{\"version\": 1, \"key_checks\": [], \"findings\": [{\"path\": \"app.log\", \"type\": \"email\", \"fingerprint\": \"alice.smith@example.com\"}]}").unwrap();
    let (code, _, stderr) = run(&ws, &data, &["scan", "--baseline", "../bad.json", "."]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("not a fingerprint") && !stderr.contains("alice"),
        "{stderr}"
    );
    std::fs::write(ws.join("../junk.json"), "hunter2 is not json").unwrap();
    let (code, _, stderr) = run(&ws, &data, &["scan", "--baseline", "../junk.json", "."]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("not a tftsr baseline") && !stderr.contains("hunter2"),
        "{stderr}"
    );
    // An input that cannot be read: no baseline is written (it would hide that file's findings).
    let (code, _, stderr) = run(
        &ws,
        &data,
        &["baseline", "create", ".", "missing.log", "-o", "../x.json"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("baseline not written"), "{stderr}");
    assert!(!ws.join("../x.json").exists());
}
