//! `tftsr redact --dry-run` and `--diff`, on the real binary over real loghub lines with planted
//! values: nothing is written anywhere, no value is printed (unless --show-values), the counts
//! are those of the real redaction, and the diff's hunks are checked against the original file
//! and the real `redact` output line by line.

use std::path::Path;

use crate::support::*;

/// The planted log of `support`, with a PEM private key (a value over several lines, which the
/// tag style turns into one) from the bundled example, and a CRLF line.
fn log(dir: &Path) -> (std::path::PathBuf, String, Vec<String>) {
    let (mut text, planted) = planted_log();
    let example =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/app.log"))
            .unwrap();
    let begin = example.find("-----BEGIN RSA PRIVATE KEY-----").unwrap();
    let end = example.find("-----END RSA PRIVATE KEY-----").unwrap() + 29;
    let pem = &example[begin..end];
    text.push_str("deploy key follows\n");
    text.push_str(pem);
    text.push('\n');
    text.push_str("done, notify erin@example.org\r\n");
    text.push_str(&corpus_lines("HDFS_2k.log", 10).join("\n"));
    text.push('\n');
    let mut values: Vec<String> = planted.into_iter().map(|(v, _)| v).collect();
    values.push("erin@example.org".into());
    // A line of the key's body: the value is all of it.
    values.push(pem.lines().nth(1).unwrap().to_owned());
    let p = dir.join("app.log");
    std::fs::write(&p, &text).unwrap();
    (p, text, values)
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = tftsr(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn assert_no_values(what: &str, text: &str, values: &[String]) {
    for v in values {
        assert!(!text.contains(v.as_str()), "{what} prints a value:\n{text}");
    }
}

/// (type, count) of a dry run's table, without the total.
fn table(stdout: &str) -> Vec<(String, u64)> {
    stdout
        .lines()
        .map(|l| {
            let mut w = l.split_whitespace();
            (
                w.next().unwrap().to_owned(),
                w.next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn dry_run_counts_what_redact_would_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let (p, text, values) = log(t.path());
    let path = p.to_str().unwrap();
    let out_file = t.path().join("clean.log");
    let (code, stdout, stderr) = run(
        t.path(),
        &[
            "redact",
            path,
            "--dry-run",
            "-o",
            out_file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!out_file.exists(), "--dry-run wrote -o");
    assert_no_values("--dry-run", &format!("{stdout}{stderr}"), &values);
    let rows = table(&stdout);
    let (total_name, total) = rows.last().unwrap().clone();
    assert_eq!(total_name, "total");
    let by_type = &rows[..rows.len() - 1];
    assert_eq!(by_type.iter().map(|r| r.1).sum::<u64>(), total);
    assert!(
        stderr.contains("nothing written") && stderr.contains("not written"),
        "{stderr}"
    );

    // The counts are those of the scan (the same findings the redaction replaces).
    let (_, jsonl, _) = run(t.path(), &["scan", "-q", "-f", "jsonl", path]);
    let mut scanned = std::collections::BTreeMap::<String, u64>::new();
    for f in parse_jsonl(jsonl.as_bytes()) {
        *scanned
            .entry(f["type"].as_str().unwrap().into())
            .or_default() += 1;
    }
    assert_eq!(
        by_type
            .iter()
            .cloned()
            .collect::<std::collections::BTreeMap<_, _>>(),
        scanned
    );
    assert!(scanned["email"] >= 7 && scanned.contains_key("private_key"));

    // --in-place --dry-run leaves the file as it was; the pseudonym style creates no store.
    for style in ["tag", "pseudonym"] {
        let (code, _, stderr) = run(
            t.path(),
            &["redact", path, "--in-place", "--dry-run", "--style", style],
        );
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
    }
    assert!(
        !t.path().join("tftsr.db").exists(),
        "--dry-run opened the store"
    );
}

/// One hunk: (old_start, old_len, new_start, new_len, lines with their mark).
type Hunk = (usize, usize, usize, usize, Vec<(char, String)>);

/// A unified diff's hunks.
fn hunks(diff: &str) -> Vec<Hunk> {
    let mut out = Vec::new();
    for l in diff.lines() {
        if let Some(h) = l.strip_prefix("@@ -") {
            let h = h.strip_suffix(" @@").unwrap();
            let (old, new) = h.split_once(" +").unwrap();
            let parse = |r: &str| -> (usize, usize) {
                match r.split_once(',') {
                    Some((s, n)) => (s.parse().unwrap(), n.parse().unwrap()),
                    None => (r.parse().unwrap(), 1),
                }
            };
            let (os, ol) = parse(old);
            let (ns, nl) = parse(new);
            out.push((os, ol, ns, nl, Vec::new()));
        } else if l.starts_with("--- ") || l.starts_with("+++ ") {
            continue;
        } else if let Some(h) = out.last_mut() {
            let mut c = l.chars();
            let mark = c.next().unwrap();
            h.4.push((mark, c.as_str().to_owned()));
        }
    }
    out
}

/// Checks each hunk against the original's lines (` ` and `-`, a `-` line masked unless
/// `shown`) and the real redaction's lines (` ` and `+`); returns how many `-` lines there were.
fn check_hunks(diff: &str, original: &str, redacted: &str, shown: bool) -> usize {
    let old: Vec<&str> = original.lines().collect();
    let new: Vec<&str> = redacted.lines().collect();
    let mut minus = 0;
    let hs = hunks(diff);
    assert!(!hs.is_empty(), "no hunks:\n{diff}");
    for (os, ol, ns, nl, lines) in hs {
        let (mut o, mut n) = (os - 1, ns - 1);
        for (mark, text) in &lines {
            match mark {
                ' ' => {
                    assert_eq!(old[o].trim_end_matches('\r'), text);
                    assert_eq!(new[n].trim_end_matches('\r'), text);
                    o += 1;
                    n += 1;
                }
                '-' => {
                    let orig = old[o].trim_end_matches('\r');
                    if shown {
                        assert_eq!(orig, text);
                    } else {
                        // The same line, each value's characters as `*`.
                        assert_eq!(orig.chars().count(), text.chars().count(), "{text}");
                        assert!(orig
                            .chars()
                            .zip(text.chars())
                            .all(|(a, b)| a == b || b == '*'));
                        assert_ne!(orig, text, "a changed line shows a masked value");
                    }
                    minus += 1;
                    o += 1;
                }
                '+' => {
                    assert_eq!(new[n].trim_end_matches('\r'), text);
                    n += 1;
                }
                other => panic!("unexpected mark {other:?}"),
            }
        }
        assert_eq!(
            (o - (os - 1), n - (ns - 1)),
            (ol, nl),
            "hunk @@ -{os},{ol} +{ns},{nl} @@"
        );
    }
    minus
}

#[test]
fn diff_masks_values_and_matches_the_real_redaction_line_for_line() {
    let t = tempfile::tempdir().unwrap();
    let (p, text, values) = log(t.path());
    let path = p.to_str().unwrap();
    for style in ["tag", "mask", "partial"] {
        let (code, redacted, _) = run(t.path(), &["redact", "-q", path, "--style", style]);
        assert_eq!(code, 0);
        let (code, diff, stderr) = run(t.path(), &["redact", path, "--diff", "--style", style]);
        assert_eq!(code, 0, "{stderr}");
        assert_no_values(&format!("--diff --style {style}"), &diff, &values);
        assert_no_values("stderr", &stderr, &values);
        assert!(diff.starts_with(&format!(
            "--- {path}\n+++ {path} (redacted, style {style})\n"
        )));
        let minus = check_hunks(&diff, &text, &redacted, false);
        assert!(stderr.contains(&format!("on {minus} lines")), "{stderr}");
        assert!(!diff.contains('\x1b'), "no colours into a pipe");
    }
    // The multi-line key becomes one line in the tag style: the hunk's sides differ in length.
    let (_, diff, _) = run(t.path(), &["redact", "-q", path, "--diff"]);
    assert!(hunks(&diff).iter().any(|h| h.1 != h.3));
    // --show-values: the originals on the `-` side, as asked.
    let (_, redacted, _) = run(t.path(), &["redact", "-q", path]);
    let (code, diff, _) = run(t.path(), &["redact", "-q", path, "--diff", "--show-values"]);
    assert_eq!(code, 0);
    check_hunks(&diff, &text, &redacted, true);
    assert!(diff.contains("erin@example.org"));
    // Colours on request: `-` red, `+` green.
    let (_, diff, _) = run(
        t.path(),
        &["redact", "-q", path, "--diff", "--color", "always"],
    );
    assert!(diff.contains("\x1b[") && diff.contains("\x1b[0m"));
    // A clean file: no diff at all, exit 0.
    // (real lines, cleaned by `redact` itself: loghub's HDFS lines hold IP addresses)
    std::fs::write(
        t.path().join("raw.log"),
        corpus_lines("HDFS_2k.log", 20).join("\n"),
    )
    .unwrap();
    let (_, clean, _) = run(t.path(), &["redact", "-q", "raw.log"]);
    std::fs::write(t.path().join("clean.log"), clean).unwrap();
    let (code, diff, stderr) = run(t.path(), &["redact", "clean.log", "--diff"]);
    assert_eq!((code, diff.as_str()), (0, ""), "{stderr}");
    assert!(stderr.contains("would redact 0 values"));
}

#[test]
fn preview_refuses_what_redact_refuses_and_jsonl() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("bin.dat"),
        [0u8, 1, 2, 3, 0, 0, 0, 255, 254].repeat(500),
    )
    .unwrap();
    for flag in ["--dry-run", "--diff"] {
        let (code, stdout, stderr) = run(t.path(), &["redact", "bin.dat", flag]);
        assert_eq!(code, 2, "{flag}: {stderr}");
        assert!(
            stdout.is_empty() && stderr.contains("binary file"),
            "{stderr}"
        );
        let (code, _, _) = run(t.path(), &["redact", "bin.dat", flag, "--binary", "skip"]);
        assert_eq!(code, 0);
        let (code, _, stderr) = run(t.path(), &["redact", "nope.log", flag]);
        assert_eq!(code, 2);
        assert!(stderr.contains("nope.log"), "{stderr}");
        let (code, _, _) = run(t.path(), &["redact", "nope.log", flag, "--jsonl"]);
        assert_eq!(code, 2, "--jsonl has no preview");
    }
}
