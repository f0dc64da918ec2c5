//! `tftsr scan`'s manners: `--color`, `--count`, `--files-with-matches` and the closing table of
//! files, on the real binary over real loghub lines with planted values.

use std::fs;
use std::path::Path;

use crate::support::*;

/// A tree of three logs from real loghub lines: `a.log` with two planted e-mails, `b/c.log`
/// with one, `b/clean.log` with none (its lines cleaned by `tftsr redact` itself).
fn tree(dir: &Path) {
    let lines = corpus_lines("OpenSSH_2k.log", 12);
    let with = |plants: &[(usize, &str)]| {
        let mut s = String::new();
        for (i, l) in lines.iter().enumerate() {
            s.push_str(l);
            if let Some((_, v)) = plants.iter().find(|p| p.0 == i) {
                s.push_str(&format!(" notify {v}"));
            }
            s.push('\n');
        }
        s
    };
    fs::write(
        dir.join("a.log"),
        with(&[(2, "alice.smith@example.com"), (9, "bob@example.net")]),
    )
    .unwrap();
    fs::create_dir_all(dir.join("b")).unwrap();
    fs::write(
        dir.join("b/c.log"),
        with(&[(5, "carol_99@mail.example.com")]),
    )
    .unwrap();
    let raw = with(&[]);
    fs::write(dir.join("raw.tmp"), &raw).unwrap();
    let clean = tftsr(dir)
        .env("TFTSR_DATA_DIR", data_dir(dir))
        .args(["redact", "raw.tmp", "-q"])
        .output()
        .unwrap();
    assert!(clean.status.success());
    fs::remove_file(dir.join("raw.tmp")).unwrap();
    fs::write(dir.join("b/clean.log"), clean.stdout).unwrap();
}

/// The scanned tree: `ws/` inside the test's temp dir, so the store's directory (its fingerprint
/// key) can sit beside it, outside what the scans walk (hidden files are scanned: a `.env` holds
/// secrets).
fn ws(t: &tempfile::TempDir) -> std::path::PathBuf {
    let w = t.path().join("ws");
    fs::create_dir_all(&w).unwrap();
    w
}

fn data_dir(dir: &Path) -> std::path::PathBuf {
    dir.parent().expect("ws/ has a parent").join("data")
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = progress::output(
        tftsr_std(dir)
            .env("TFTSR_DATA_DIR", data_dir(dir))
            .arg("scan")
            .args(args),
        "tftsr scan",
    );
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn color_always_paints_path_numbers_type_and_severity_and_never_or_a_pipe_does_not() {
    let t = tempfile::tempdir().unwrap();
    tree(&ws(&t));
    let (code, out, _) = run(&ws(&t), &["--types", "email", "--color", "always", "a.log"]);
    assert_eq!(code, 1);
    let first = out.lines().next().expect("a finding");
    // ripgrep's manner: path magenta, line and column green, type bold, severity by weight.
    // ripgrep's manner: path magenta, line and column green, type bold, severity by weight.
    assert!(
        first.starts_with("\x1b[35ma.log\x1b[0m:\x1b[32m3\x1b[0m:\x1b[32m"),
        "{first:?}"
    );
    assert!(
        first.contains("\x1b[0m: \x1b[1memail\x1b[0m: "),
        "{first:?}"
    );
    assert!(first.ends_with(" (\x1b[33mwarning\x1b[0m)"), "{first:?}");
    // --color always wins over NO_COLOR (no-color.org: an explicit request is honoured).
    let out2 = progress::output(
        tftsr_std(&ws(&t))
            .env("NO_COLOR", "1")
            .args(["scan", "--types", "email", "--color", "always", "a.log"]),
        "scan",
    );
    assert_eq!(String::from_utf8_lossy(&out2.stdout), out);

    // never, and auto into a pipe (the test's stdout is a pipe): plain text, same findings.
    let (_, never, _) = run(&ws(&t), &["--types", "email", "--color", "never", "a.log"]);
    let (_, auto, _) = run(&ws(&t), &["--types", "email", "a.log"]);
    assert!(!never.contains('\x1b') && !auto.contains('\x1b'));
    assert_eq!(never, auto);
    let stripped = out
        .replace("\x1b[0m", "")
        .replace("\x1b[35m", "")
        .replace("\x1b[32m", "");
    let stripped = stripped
        .replace("\x1b[1m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[36m", "");
    assert_eq!(stripped, never, "colours change nothing but colours");
    assert_eq!(never.lines().count(), 2);

    let (code, _, err) = run(&ws(&t), &["--color", "sometimes", "a.log"]);
    assert_eq!(code, 2);
    assert!(err.contains("--color"), "{err}");
}

#[test]
fn count_and_files_with_matches_list_only_files_with_findings() {
    let t = tempfile::tempdir().unwrap();
    tree(&ws(&t));
    let (code, out, err) = run(&ws(&t), &["--types", "email", "--count", "."]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "./a.log:2\n./b/c.log:1\n");
    let (code, out, _) = run(&ws(&t), &["--types", "email", "-l", "."]);
    assert_eq!(code, 1);
    assert_eq!(out, "./a.log\n./b/c.log\n");
    let (code, out, _) = run(
        &ws(&t),
        &["--types", "email", "--files-with-matches", "b/clean.log"],
    );
    assert_eq!((code, out.as_str()), (0, ""));
    // Colours apply to the listing too.
    let (_, out, _) = run(
        &ws(&t),
        &["--types", "email", "--count", "--color", "always", "a.log"],
    );
    assert_eq!(out, "\x1b[35ma.log\x1b[0m:\x1b[32m2\x1b[0m\n");
    // They list files in text output; with another format it is a clear error.
    let (code, out, err) = run(&ws(&t), &["--count", "--format", "jsonl", "."]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.contains("--count") && err.contains("--format jsonl"),
        "{err}"
    );
    let (code, _, err) = run(&ws(&t), &["--count", "-l", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn a_directory_scan_closes_with_a_table_of_files_and_their_counts() {
    let t = tempfile::tempdir().unwrap();
    tree(&ws(&t));
    let (code, out, err) = run(&ws(&t), &["--types", "email", "."]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 3);
    let table: Vec<&str> = err.lines().collect();
    assert_eq!(
        table,
        [
            "tftsr: configuration: built-in defaults",
            "file       findings",
            "./a.log           2",
            "./b/c.log         1",
            "tftsr: 3 findings in 2 of 3 files scanned (email 3)",
        ],
        "{err}"
    );
    // One file: no table, just the configuration line and the summary; --quiet: neither.
    let (_, _, err) = run(&ws(&t), &["--types", "email", "a.log"]);
    assert_eq!(err.lines().count(), 2, "{err}");
    let (_, _, err) = run(&ws(&t), &["--types", "email", "-q", "."]);
    assert_eq!(err, "");
}
