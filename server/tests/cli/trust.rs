//! A scanned tree cannot switch its own scanner off: configuration and ignore files that came
//! with the logs may add rules and severities, but their allowlists, `[types]`, ignore files and
//! fingerprint key apply only with `--config` / `--trust-config` or from the project tftsr runs
//! in (and then only if they are the user's). Each abuse on the real binary, for scan and redact.

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};

use support::*;

/// Values of several types, each planted after a real loghub line.
const PLANTS: [&str; 11] = [
    "user=alice.smith@example.com",
    "client 10.1.2.3 connected",
    "card 4111 1111 1111 1111 declined",
    "auth password=hunter2-Correct-Horse",
    "key AKIA2JVQ5RZ7HXKM4TNW used",
    "ssn 219-09-9999 on file",
    "mail to bob@example.net bounced",
    "token ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "peer 192.168.44.7 reset",
    "reply-to carol_99@mail.example.com",
    "iban DE89370400440532013000 ok",
];

/// The planted values as they appear in the log (what must never survive a redaction).
const VALUES: [&str; 11] = [
    "alice.smith@example.com",
    "10.1.2.3",
    "4111 1111 1111 1111",
    "hunter2-Correct-Horse",
    "AKIA2JVQ5RZ7HXKM4TNW",
    "219-09-9999",
    "bob@example.net",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "192.168.44.7",
    "carol_99@mail.example.com",
    "DE89370400440532013000",
];

fn log_text() -> String {
    let lines = corpus_lines("HDFS_2k.log", PLANTS.len() * 2);
    let mut t = String::new();
    for (i, l) in lines.iter().enumerate() {
        t.push_str(l);
        if i % 2 == 0 {
            t.push(' ');
            t.push_str(PLANTS[i / 2]);
        }
        t.push('\n');
    }
    t
}

/// A project dir (the current directory of the runs) with `logs/app.log` in it.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    fs::write(logs.join("app.log"), log_text()).unwrap();
    (dir, logs)
}

/// (exit code, stdout, stderr) of the real binary run in `cwd`.
fn run(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = tftsr(cwd).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(cwd: &Path, args: &[&str]) -> (i32, usize, String) {
    let mut all = vec!["scan", "--format", "jsonl"];
    all.extend_from_slice(args);
    let (code, out, err) = run(cwd, &all);
    (code, out.lines().count(), err)
}

/// Asserts the redacted copy of the planted log holds none of the values.
fn redacts_everything(cwd: &Path, args: &[&str]) -> String {
    let mut all = vec!["redact"];
    all.extend_from_slice(args);
    let (code, out, err) = run(cwd, &all);
    assert_eq!(code, 0, "{err}");
    for v in VALUES {
        assert!(
            !out.contains(v),
            "{v} left in clear by redact {args:?}: {err}"
        );
    }
    err
}

#[test]
fn a_shipped_allowlist_or_type_disable_does_not_weaken_scan_or_redact() {
    let all_types: Vec<String> = tftsr::engine::PiiType::ALL
        .iter()
        .map(|t| format!("\"{}\"", t.id()))
        .collect();
    let abuses = [
        "[allowlist]\nregexes = [\".*\"]\n".to_owned(),
        format!("[types]\ndisable = [{}]\n", all_types.join(", ")),
        "[types]\nenable = [\"mac_address\"]\n".to_owned(),
    ];
    for abuse in abuses {
        let (dir, logs) = project();
        let d = dir.path();
        fs::write(logs.join(".tftsr.toml"), &abuse).unwrap();
        // A file in the tree, the tree, and from inside the tree.
        let (code, n, err) = findings(d, &["logs/app.log"]);
        assert_eq!(code, 1, "{abuse}: {err}");
        assert!(n >= VALUES.len(), "{abuse}: only {n} findings: {err}");
        assert!(
            err.contains("logs/.tftsr.toml (found with the scanned files"),
            "the output says which configuration applied and how: {err}"
        );
        let (code, n2, _) = findings(d, &["logs"]);
        assert_eq!((code, n2), (1, n));
        let (code, n3, _) = findings(&logs, &["app.log"]);
        assert_eq!((code, n3), (1, n));
        redacts_everything(d, &["logs/app.log"]);
        redacts_everything(&logs, &["app.log"]);
        // Vouched for, it applies (the documented way to use a tree's own allowlist).
        let (_, trusted, _) = findings(d, &["--trust-config", "logs/app.log"]);
        assert!(trusted < n, "{abuse}: --trust-config applies it");
    }
}

#[test]
fn shipped_ignore_files_do_not_hide_files() {
    for name in [".tftsrignore", ".gitignore", ".ignore"] {
        let (dir, logs) = project();
        let d = dir.path();
        fs::write(logs.join(name), "*\n").unwrap();
        let (code, n, err) = findings(d, &["logs"]);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(n >= VALUES.len(), "{name}: {err}");
        assert!(err.contains("findings in 1 of"), "{name}: {err}");
        assert!(err.contains("1 ignore file in the scanned"), "{err}");
        // With --trust-config the tree's own ignore file is honoured.
        let (code, n, _) = findings(d, &["--trust-config", "logs"]);
        assert_eq!((code, n), (0, 0), "{name}");
    }
    // An ignore file above the scanned tree (the parent's .gitignore) does not apply either.
    let (dir, _) = project();
    fs::write(dir.path().join(".gitignore"), "logs/\n*.log\n").unwrap();
    let (code, n, _) = findings(dir.path(), &["logs"]);
    assert_eq!(code, 1);
    assert!(n >= VALUES.len());
}

#[test]
fn a_configuration_in_a_parent_of_the_logs_is_not_the_project_s() {
    // /x/.tftsr.toml above /x/logs, scanned from another directory (a world-writable /tmp, a
    // shared log directory): not the project tftsr runs in.
    let (dir, _) = project();
    fs::write(
        dir.path().join(".tftsr.toml"),
        "[allowlist]\nregexes = [\".*\"]\n",
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let log = dir.path().join("logs/app.log");
    let log = log.to_str().unwrap();
    let (code, n, err) = findings(elsewhere.path(), &[log]);
    assert_eq!(code, 1, "{err}");
    assert!(n >= VALUES.len());
    assert!(err.contains("outside the current project"), "{err}");
    redacts_everything(elsewhere.path(), &[log]);
    // From the project itself, its own configuration applies.
    let (code, n, err) = findings(dir.path(), &["logs/app.log"]);
    assert_eq!((code, n), (0, 0), "{err}");
    assert!(err.contains("the project's"), "{err}");
}

#[test]
fn links_and_foreign_files_do_not_make_a_configuration_the_project_s() {
    use std::os::unix::fs::PermissionsExt;
    // The project's .tftsr.toml is a link to a file that came with the logs.
    let (dir, logs) = project();
    let d = dir.path();
    let shipped = logs.join("shipped.toml");
    fs::write(&shipped, "[allowlist]\nregexes = [\".*\"]\n").unwrap();
    std::os::unix::fs::symlink(&shipped, d.join(".tftsr.toml")).unwrap();
    let (code, n, err) = findings(d, &["logs/app.log"]);
    assert_eq!(code, 1, "{err}");
    assert!(n >= VALUES.len(), "{err}");
    redacts_everything(d, &["logs/app.log"]);
    // A project configuration others may write (a world-writable file) is not trusted either.
    let (dir, _) = project();
    let d = dir.path();
    let cfg = d.join(".tftsr.toml");
    fs::write(&cfg, "[allowlist]\nregexes = [\".*\"]\n").unwrap();
    fs::set_permissions(&cfg, fs::Permissions::from_mode(0o666)).unwrap();
    let (code, n, err) = findings(d, &["logs/app.log"]);
    assert_eq!(code, 1, "{err}");
    assert!(n >= VALUES.len());
    assert!(err.contains("not yours or writable by others"), "{err}");
    // A linked log directory: the logs' configuration is found through the link, and is theirs.
    let (dir, logs) = project();
    fs::write(
        logs.join(".tftsr.toml"),
        "[allowlist]\nregexes = [\".*\"]\n",
    )
    .unwrap();
    let other = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&logs, other.path().join("current")).unwrap();
    let (code, n, _) = findings(other.path(), &["current/app.log"]);
    assert_eq!(code, 1);
    assert!(n >= VALUES.len());
    drop(dir);
}

#[test]
fn shipped_rules_add_findings_but_never_cut_a_built_in_one_short() {
    let (dir, logs) = project();
    let d = dir.path();
    // One character of every e-mail address, as a "rule" of the logs' configuration.
    fs::write(
        logs.join(".tftsr.toml"),
        "[[rules]]\nid = \"one_char\"\nregex = '[a-z]'\n\n[severity]\nemail = \"hint\"\n",
    )
    .unwrap();
    let err = redacts_everything(d, &["logs/app.log"]);
    assert!(err.contains("found with the scanned files"), "{err}");
    let (_, out, _) = run(
        d,
        &[
            "scan",
            "--format",
            "jsonl",
            "--types",
            "email",
            "logs/app.log",
        ],
    );
    assert_eq!(out.lines().count(), 3, "the three e-mail addresses, whole");
}
