//! Output that cannot be forged: control characters in file names, issue titles and other user
//! text are escaped in human-readable output (a terminal escape never reaches the terminal raw, a
//! newline in a file name cannot start a finding line of its own); JSONL stays exact.

use crate::support;

use std::fs;

use support::*;

/// An OSC title change, a clear-screen, and a newline followed by a forged finding line.
const EVIL: &str = "evil\x1b]0;owned\x07\x1b[2J\nforged.log:9:9: password: Password (high)\n.log";

fn no_escape(what: &str, bytes: &[u8]) {
    assert!(
        !bytes.contains(&0x1b) && !bytes.contains(&0x07),
        "{what}: a raw control character reached the output: {:?}",
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn file_names_are_escaped_in_scan_redact_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join(EVIL), "login from bob@example.com\n").unwrap();

    // A directory scan: the name comes from the file system.
    let out = tftsr(d)
        .args(["scan", "-t", "email", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    no_escape("scan stdout", &out.stdout);
    no_escape("scan stderr", &out.stderr);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one finding, one line: {stdout:?}");
    assert!(lines[0].contains("\\x1b]0;owned\\x07\\x1b[2J\\nforged.log:9:9"));
    assert!(lines[0].contains(": email: "), "{stdout:?}");

    // JSONL carries the exact name (JSON escapes it).
    let out = tftsr(d)
        .args(["scan", "-f", "jsonl", "-t", "email", "."])
        .output()
        .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        line["path"].as_str().unwrap().trim_start_matches("./"),
        EVIL
    );

    // redact's summary on stderr.
    let out = tftsr(d)
        .args(["redact", EVIL, "-o", "clean.log"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    no_escape("redact stderr", &out.stderr);
    assert!(String::from_utf8_lossy(&out.stderr).contains("\\x1b]0;owned"));

    // An error naming a missing file.
    let missing = format!("{EVIL}.missing");
    for args in [
        vec!["scan", missing.as_str()],
        vec!["redact", missing.as_str()],
    ] {
        let out = tftsr(d).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        no_escape("error", &out.stderr);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("\\x1b]0;owned"), "{stderr}");
        assert!(
            !stderr.lines().any(|l| l.starts_with("forged.log")),
            "{stderr}"
        );
    }
}

#[test]
fn issue_titles_and_attached_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let title = "db down\x1b]0;owned\x07\nfake-id  high  open";
    let out = tftsr(d)
        .args(["issue", "new", "--title", title, "--severity", "high"])
        .args(["--description", "line one\nline two \x1b[2J"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    no_escape("issue new", &out.stderr);
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    fs::write(d.join(EVIL), "login from bob@example.com\n").unwrap();
    let out = tftsr(d)
        .args(["issue", "attach", &id, EVIL])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    no_escape("issue attach", &out.stdout);
    no_escape("issue attach stderr", &out.stderr);

    for args in [vec!["issue", "list"], vec!["issue", "show", id.as_str()]] {
        let out = tftsr(d).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        no_escape(&format!("{args:?}"), &out.stdout);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("db down\\x1b]0;owned\\x07\\nfake-id"),
            "{stdout}"
        );
        assert!(
            !stdout.lines().any(|l| l.starts_with("fake-id")),
            "{args:?}: a title started a line: {stdout}"
        );
        if args[1] == "show" {
            // A description keeps its lines, not its escapes.
            assert!(stdout.contains("line one\nline two \\x1b[2J"), "{stdout}");
            assert!(stdout.contains("evil\\x1b]0;owned"), "{stdout}");
        }
    }

    // JSON stays exact.
    let out = tftsr(d)
        .args(["issue", "show", &id, "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["issue"]["title"], title);
}
