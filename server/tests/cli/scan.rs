//! `tftsr scan` end to end: the real binary on real loghub lines with planted values.

use crate::support;

use std::fs;
use std::io::Write;
use std::path::Path;

use support::*;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Runs `scan --format jsonl --types email` on `args` and returns (exit code, records, stderr).
/// Waits on progress, not a guessed time: a scan that blocks (opening a FIFO, say) uses no CPU
/// and fails the test after `progress::NO_PROGRESS`.
fn scan_jsonl(dir: &Path, args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let out = progress::output(
        tftsr_std(dir)
            .args(["scan", "--format", "jsonl", "--types", "email"])
            .args(args),
        "tftsr scan",
    );
    (
        out.status.code().expect("exit code"),
        parse_jsonl(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Checks each record against the file bytes, the position oracle and the fingerprint under the
/// user key of `data_dir` (created there by the run); returns the values found.
fn check_records(data_dir: &Path, text: &str, records: &[serde_json::Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            let start = r["start"].as_u64().unwrap() as usize;
            let end = r["end"].as_u64().unwrap() as usize;
            let value = &text[start..end];
            assert_eq!(
                pos_of(text, start),
                (r["line"].as_u64().unwrap(), r["column"].as_u64().unwrap())
            );
            assert_eq!(
                pos_of(text, end),
                (
                    r["end_line"].as_u64().unwrap(),
                    r["end_column"].as_u64().unwrap()
                )
            );
            let fp = r["fingerprint"].as_str().unwrap();
            assert_eq!(fp, user_fingerprint(data_dir, value));
            // Keyed: not the plain SHA-256 anyone could compute from a guess.
            assert_ne!(fp, sha256_hex(value.as_bytes()));
            value.to_owned()
        })
        .collect()
}

#[test]
fn jsonl_follows_the_design_contract_exactly() {
    let dir = tmp();
    let (text, planted) = planted_log();
    fs::write(dir.path().join("app.log"), &text).unwrap();
    let (code, records, stderr) = scan_jsonl(dir.path(), &["app.log"]);
    assert_eq!(code, 1, "findings → exit 1; stderr: {stderr}");
    let raw = tftsr(dir.path())
        .args(["scan", "-f", "jsonl", "-t", "email", "app.log"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(records.len(), planted.len());
    let keys = [
        "path",
        "type",
        "start",
        "end",
        "line",
        "column",
        "end_line",
        "end_column",
        "fingerprint",
    ];
    let raw_lines: Vec<&str> = std::str::from_utf8(&raw).unwrap().lines().collect();
    for ((r, raw_line), (value, offset)) in records.iter().zip(&raw_lines).zip(&planted) {
        let obj = r.as_object().unwrap();
        // Exactly the contract's keys, in the contract's order, and no value.
        let mut names: Vec<&str> = obj.keys().map(String::as_str).collect();
        names.sort_by_key(|k| raw_line.find(&format!("\"{k}\":")).unwrap());
        assert_eq!(names, keys);
        assert_eq!(r["path"], "app.log");
        assert_eq!(r["type"], "email");
        assert_eq!(r["start"].as_u64().unwrap() as usize, *offset);
        assert_eq!(r["end"].as_u64().unwrap() as usize, offset + value.len());
    }
    let values = check_records(dir.path(), &text, &records);
    let expected: Vec<String> = planted.iter().map(|p| p.0.clone()).collect();
    assert_eq!(values, expected);
    // After "é café 日本語 😀 contact ": columns count chars, not bytes (nor UTF-16 units).
    let start = records[2]["start"].as_u64().unwrap() as usize;
    let line_start = text[..start].rfind('\n').unwrap() + 1;
    let chars = text[line_start..start].chars().count() as u64;
    assert_eq!(records[2]["column"].as_u64().unwrap(), chars + 1);
    assert!(chars + 1 < (start - line_start + 1) as u64);
}

#[test]
fn values_are_printed_only_with_show_values() {
    let dir = tmp();
    let (text, planted) = planted_log();
    fs::write(dir.path().join("app.log"), &text).unwrap();
    for format in ["text", "jsonl", "sarif"] {
        let out = tftsr(dir.path())
            .args(["scan", "--format", format, "app.log"])
            .output()
            .unwrap();
        let all = [out.stdout.clone(), out.stderr.clone()].concat();
        let all = String::from_utf8_lossy(&all);
        for (value, _) in &planted {
            assert!(!all.contains(value.as_str()), "{format} leaked a value");
        }
    }
    let out = tftsr(dir.path())
        .args([
            "scan",
            "--format",
            "jsonl",
            "--types",
            "email",
            "--show-values",
            "app.log",
        ])
        .output()
        .unwrap();
    let records = parse_jsonl(&out.stdout);
    let raw = String::from_utf8(out.stdout.clone()).unwrap();
    for ((r, raw_line), (value, _)) in records.iter().zip(raw.lines()).zip(&planted) {
        assert_eq!(r["value"].as_str().unwrap(), value);
        // `value` comes last, after the contract's fields.
        assert!(raw_line.find("\"value\":") > raw_line.find("\"fingerprint\":"));
    }
    let out = tftsr(dir.path())
        .args(["scan", "--types", "email", "--show-values", "app.log"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    for (value, _) in &planted {
        assert!(stdout.contains(&format!("{value:?}")));
    }
}

#[test]
fn text_format_is_path_line_column_type_message_with_summary_on_stderr() {
    let dir = tmp();
    let (text, planted) = planted_log();
    fs::write(dir.path().join("app.log"), &text).unwrap();
    let out = tftsr(dir.path())
        .args(["scan", "--types", "email", "app.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), planted.len());
    for (line, (_, offset)) in lines.iter().zip(&planted) {
        let (l, c) = pos_of(&text, *offset);
        assert!(
            line.starts_with(&format!("app.log:{l}:{c}: email: ")),
            "{line:?} should start with app.log:{l}:{c}: email: "
        );
    }
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{} findings", planted.len())),
        "{stderr}"
    );
    assert!(stderr.contains("email 6"), "{stderr}");

    // --quiet: same findings, nothing on stderr.
    let out = tftsr(dir.path())
        .args(["scan", "-q", "--types", "email", "app.log"])
        .output()
        .unwrap();
    assert_eq!(out.stdout.len(), stdout.len());
    assert!(out.stderr.is_empty());
}

#[test]
fn exit_status_is_0_without_findings() {
    let dir = tmp();
    // OpenSSH lines hold no e-mail address.
    fs::write(
        dir.path().join("clean.log"),
        corpus_lines("OpenSSH_2k.log", 200).join("\n"),
    )
    .unwrap();
    let (code, records, stderr) = scan_jsonl(dir.path(), &["clean.log"]);
    assert_eq!((code, records.len()), (0, 0), "{stderr}");
    assert!(
        stderr.contains("0 findings in 0 of 1 file scanned"),
        "{stderr}"
    );
}

#[test]
fn empty_file_is_scanned_cleanly() {
    let dir = tmp();
    fs::write(dir.path().join("empty.log"), "").unwrap();
    let out = tftsr(dir.path())
        .args(["scan", "empty.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 findings in 0 of 1 file scanned"));
}

#[test]
fn unknown_type_ids_are_rejected() {
    let dir = tmp();
    fs::write(dir.path().join("a.log"), "x\n").unwrap();
    for flag in ["--types", "--exclude-types"] {
        let out = tftsr(dir.path())
            .args(["scan", flag, "email,emial", "a.log"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{flag}: entry 2 is not a known type id"))
                && !stderr.contains("emial"),
            "{stderr}"
        );
    }
    // Excluding what was included leaves nothing.
    let (text, _) = planted_log();
    fs::write(dir.path().join("b.log"), text).unwrap();
    let (code, records, _) = scan_jsonl(dir.path(), &["--exclude-types", "email", "b.log"]);
    assert_eq!((code, records.len()), (0, 0));
}

#[test]
fn crlf_lines_have_right_columns_and_no_cr_in_spans() {
    let dir = tmp();
    let (text, planted) = planted_log();
    let crlf = text.replace('\n', "\r\n") + "end of line dave@example.org\r\n";
    fs::write(dir.path().join("win.log"), &crlf).unwrap();
    let (code, records, _) = scan_jsonl(dir.path(), &["win.log"]);
    assert_eq!(code, 1);
    assert_eq!(records.len(), planted.len() + 1);
    let values = check_records(dir.path(), &crlf, &records);
    for v in &values {
        assert!(!v.contains('\r') && !v.contains('\n'), "{v:?}");
    }
    assert_eq!(values.last().unwrap(), "dave@example.org");
    let last = records.last().unwrap();
    assert_eq!(last["column"], 13);
    assert_eq!(last["end_column"], 29);
}

#[test]
fn invalid_utf8_is_scanned_around_and_reported() {
    let dir = tmp();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"2024-01-01 caf\xe9 (latin-1) user bob@example.com logged in\n");
    bytes.extend_from_slice(b"\xff\xfe garbage \xc3\x28 then alice@example.org\n");
    bytes.extend_from_slice("naïve ünïcödé carol@example.net\n".as_bytes());
    fs::write(dir.path().join("mixed.log"), &bytes).unwrap();
    let (code, records, stderr) = scan_jsonl(dir.path(), &["mixed.log"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("mixed.log: 4 invalid UTF-8 sequences skipped"),
        "{stderr}"
    );
    let found: Vec<&[u8]> = records
        .iter()
        .map(|r| &bytes[r["start"].as_u64().unwrap() as usize..r["end"].as_u64().unwrap() as usize])
        .collect();
    assert_eq!(
        found,
        [
            &b"bob@example.com"[..],
            b"alice@example.org",
            b"carol@example.net"
        ]
    );
    // Each invalid sequence counts as one column, like the U+FFFD an editor shows.
    assert_eq!(
        (records[0]["line"].as_u64(), records[0]["column"].as_u64()),
        (Some(1), Some(32))
    );
    assert_eq!(
        (records[1]["line"].as_u64(), records[1]["column"].as_u64()),
        (Some(2), Some(20))
    );
}

#[test]
fn a_5mb_single_line_is_scanned_whole() {
    let dir = tmp();
    let filler = corpus_lines("Spark_2k.log", 2000)
        .join(" ")
        .replace('@', "at");
    let mut line = String::new();
    let mut offsets = Vec::new();
    for (k, value) in [
        "first@example.com",
        "middle@example.com",
        "last@example.com",
    ]
    .iter()
    .enumerate()
    {
        while line.len() < k * 2_500_000 {
            line.push_str(&filler);
            line.push(' ');
        }
        offsets.push(line.len());
        line.push_str(value);
        line.push(' ');
    }
    assert!(line.len() > 5_000_000 && !line.contains('\n'));
    fs::write(dir.path().join("long.log"), &line).unwrap();
    let (code, records, stderr) = scan_jsonl(dir.path(), &["long.log"]);
    assert_eq!(code, 1, "{stderr}");
    let starts: Vec<usize> = records
        .iter()
        .map(|r| r["start"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(starts, offsets);
    check_records(dir.path(), &line, &records);
    assert!(
        !stderr.contains("in pieces"),
        "5 MB is below the forced-cut size: {stderr}"
    );
}

#[test]
fn binary_files_are_reported_skipped_or_scanned_as_asked() {
    let dir = tmp();
    let mut bin = vec![0u8, 1, 2, 3, 0, 0x7f];
    bin.extend_from_slice(b"ELF bob@example.com\n");
    fs::write(dir.path().join("core.bin"), &bin).unwrap();
    fs::write(dir.path().join("ok.log"), "mail alice@example.org\n").unwrap();
    // By default a binary input is an error: a CI gate must not pass over it silently.
    let (code, records, stderr) = scan_jsonl(dir.path(), &["core.bin", "ok.log"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(records.len(), 1);
    assert!(
        stderr.contains("core.bin: binary file, not scanned"),
        "{stderr}"
    );
    let (code, records, stderr) =
        scan_jsonl(dir.path(), &["--binary", "skip", "core.bin", "ok.log"]);
    assert_eq!(code, 1);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["path"], "ok.log");
    assert!(stderr.contains("core.bin: binary file skipped"), "{stderr}");
    assert!(stderr.contains("1 binary file skipped"), "{stderr}");
    let (code, records, _) = scan_jsonl(dir.path(), &["--binary", "scan", "core.bin", "ok.log"]);
    assert_eq!(code, 1);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["start"], 10, "offsets of the file's bytes");
}

#[test]
fn gzip_input_is_read_transparently_with_decompressed_offsets() {
    use flate2::write::GzEncoder;
    let dir = tmp();
    let (text, _) = planted_log();
    fs::write(dir.path().join("app.log"), &text).unwrap();
    // Two gzip members, as `cat a.gz b.gz` makes: both must be read.
    let half = text[..text.len() / 2].rfind('\n').unwrap() + 1;
    let mut gz = Vec::new();
    for part in [&text[..half], &text[half..]] {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(part.as_bytes()).unwrap();
        gz.extend(e.finish().unwrap());
    }
    fs::write(dir.path().join("app.log.1.gz"), &gz).unwrap();
    let (_, plain, _) = scan_jsonl(dir.path(), &["app.log"]);
    let (code, zipped, stderr) = scan_jsonl(dir.path(), &["app.log.1.gz"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(plain.len(), zipped.len());
    for (mut p, z) in plain.into_iter().zip(zipped) {
        p["path"] = "app.log.1.gz".into();
        assert_eq!(p, z);
    }
    // A truncated archive is an error for that file only.
    fs::write(dir.path().join("cut.log.gz"), &gz[..gz.len() / 3]).unwrap();
    let (code, records, stderr) = scan_jsonl(dir.path(), &["cut.log.gz", "app.log"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot decompress cut.log.gz"), "{stderr}");
    assert!(records.iter().any(|r| r["path"] == "app.log"));
}

#[test]
fn stdin_is_scanned_with_dash_or_no_path() {
    let dir = tmp();
    let (text, planted) = planted_log();
    for args in [&["-"][..], &[][..]] {
        let out = tftsr(dir.path())
            .args(["scan", "--format", "jsonl", "--types", "email"])
            .args(args)
            .write_stdin(text.clone())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let records = parse_jsonl(&out.stdout);
        assert_eq!(records.len(), planted.len());
        assert!(records.iter().all(|r| r["path"] == "<stdin>"));
        check_records(dir.path(), &text, &records);
    }
}

#[test]
fn directories_are_walked_sorted_honouring_ignore_files() {
    let dir = tmp();
    let root = dir.path().join("logs");
    let mail = |who: &str| {
        format!(
            "{}\nuser {who}@example.com\n",
            corpus_lines("HDFS_2k.log", 3).join("\n")
        )
    };
    for (path, body) in [
        ("b/c.log", mail("c")),
        ("a.log", mail("a")),
        ("b/x.tmp", mail("x")),
        ("ignored-dir/d.log", mail("d")),
        ("private/e.log", mail("e")),
        (".env", mail("env")),
        (".git/config", mail("git")),
        ("b/a/z.log", mail("z")),
    ] {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
    fs::write(root.join(".gitignore"), "*.tmp\nignored-dir/\n").unwrap();
    fs::write(root.join(".tftsrignore"), "private/\n").unwrap();
    // A FIFO in the tree must be skipped, not opened (that would block forever).
    let fifo = root.join("b/pipe.log");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());

    let (code, records, stderr) = scan_jsonl(dir.path(), &["--trust-config", "logs"]);
    assert_eq!(code, 1, "{stderr}");
    let paths: Vec<&str> = records
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["logs/.env", "logs/a.log", "logs/b/a/z.log", "logs/b/c.log"],
        "sorted, ignores honoured, dotfiles scanned, .git skipped"
    );
    // Without --trust-config the tree's ignore files do not apply (they came with the logs).
    let (_, records, stderr) = scan_jsonl(dir.path(), &["logs"]);
    let paths: Vec<&str> = records
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "logs/.env",
            "logs/a.log",
            "logs/b/a/z.log",
            "logs/b/c.log",
            "logs/b/x.tmp",
            "logs/ignored-dir/d.log",
            "logs/private/e.log"
        ]
    );
    assert!(stderr.contains("2 ignore files"), "{stderr}");
    // Deterministic: the same bytes on every run, whatever the thread scheduling.
    let a = tftsr(dir.path())
        .args(["scan", "-f", "jsonl", "logs"])
        .output()
        .unwrap();
    let b = tftsr(dir.path())
        .args(["scan", "-f", "jsonl", "logs"])
        .output()
        .unwrap();
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn ten_thousand_files_are_all_scanned_in_order() {
    let dir = tmp();
    let root = dir.path().join("many");
    let lines = corpus_lines("Zookeeper_2k.log", 2000);
    let mut expected = Vec::new();
    for i in 0..10_000 {
        let sub = root.join(format!("d{:02}", i % 50));
        fs::create_dir_all(&sub).unwrap();
        let name = sub.join(format!("f{i:05}.log"));
        let mut body = lines[i % 1990..i % 1990 + 5]
            .join("\n")
            .replace('@', " at ");
        if i % 10 == 0 {
            body.push_str(&format!("\nowner u{i}@example.com\n"));
            expected.push(format!("many/d{:02}/f{i:05}.log", i % 50));
        }
        fs::write(name, body).unwrap();
    }
    expected.sort();
    let (code, records, stderr) = scan_jsonl(dir.path(), &["many"]);
    assert_eq!(code, 1, "{stderr}");
    let paths: Vec<String> = records
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, expected);
    assert!(
        stderr.contains("1000 findings in 1000 of 10000 files scanned"),
        "{stderr}"
    );
}

#[test]
fn unreadable_inputs_are_errors_and_the_rest_is_still_scanned() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("one.log"), "mail one@example.com\n").unwrap();
    fs::write(d.join("two.log"), "mail two@example.com\n").unwrap();
    // Real failures even for root (CI runs as root, for whom chmod 000 changes nothing):
    // - a dangling symlink: open() fails with ENOENT;
    std::os::unix::fs::symlink(d.join("rotated-away.log"), d.join("dangling.log")).unwrap();
    // - /proc/self/mem: open() succeeds, read() at offset 0 fails with EIO (page 0 is never
    //   mapped): an input that exists, opens, and cannot be read.
    std::os::unix::fs::symlink("/proc/self/mem", d.join("mem.log")).unwrap();
    let (code, records, stderr) = scan_jsonl(
        d,
        &[
            "one.log",
            "dangling.log",
            "mem.log",
            "missing.log",
            "two.log",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    let paths: Vec<&str> = records
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["one.log", "two.log"]);
    assert!(
        stderr.contains("error: cannot read dangling.log: No such file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: cannot read mem.log: Input/output error"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: cannot read missing.log"),
        "{stderr}"
    );
    assert!(stderr.contains("3 errors"), "{stderr}");

    // chmod 000 is only a failure for a non-root user: checked when we are one.
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(d.join("one.log"), fs::Permissions::from_mode(0o000)).unwrap();
        let (code, records, stderr) = scan_jsonl(d, &["one.log", "two.log"]);
        assert_eq!((code, records.len()), (2, 1), "{stderr}");
        assert!(
            stderr.contains("cannot read one.log: Permission denied"),
            "{stderr}"
        );
    }
}

#[test]
fn configuration_is_discovered_above_the_input_or_given() {
    let dir = tmp();
    let d = dir.path();
    let team = d.join("team");
    fs::create_dir_all(team.join("svc/logs")).unwrap();
    fs::write(team.join(".tftsr.toml"), "[types]\ndisable = [\"email\"]\n").unwrap();
    fs::write(team.join("svc/logs/app.log"), "mail bob@example.com\n").unwrap();
    fs::write(d.join("plain.toml"), "").unwrap();

    let (code, records, _) = scan_jsonl(d, &["--trust-config", "team/svc/logs/app.log"]);
    assert_eq!(
        (code, records.len()),
        (0, 0),
        "discovered config disables email"
    );
    // Not vouched for (above the logs, not above the current directory): it cannot disable.
    let (code, records, stderr) = scan_jsonl(d, &["team/svc/logs/app.log"]);
    assert_eq!((code, records.len()), (1, 1), "{stderr}");
    assert!(
        stderr.contains("team/.tftsr.toml (outside the current project"),
        "{stderr}"
    );
    let (code, records, _) = scan_jsonl(d, &["--config", "plain.toml", "team/svc/logs/app.log"]);
    assert_eq!(
        (code, records.len()),
        (1, 1),
        "--config wins over discovery"
    );

    fs::write(
        d.join("bad.toml"),
        "[types]\ndisable = [\"email\"\nfoo = 1\n",
    )
    .unwrap();
    let out = tftsr(d)
        .args(["scan", "--config", "bad.toml", "team"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml:"));
}

#[test]
fn help_of_scan_and_redact_has_examples() {
    let dir = tmp();
    let out = tftsr(dir.path()).args(["scan", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Examples:",
        "--format",
        "jsonl",
        "sarif",
        "Exit status",
        "--show-values",
    ] {
        assert!(help.contains(needle), "scan --help lacks {needle}");
    }
    let out = tftsr(dir.path())
        .args(["redact", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in ["Examples:", "--in-place", "pseudonym", "partial", "mask"] {
        assert!(help.contains(needle), "redact --help lacks {needle}");
    }
}

#[test]
fn a_line_longer_than_the_chunk_limit_is_cut_with_a_note() {
    let dir = tmp();
    // 20 MiB without a line break: beyond the 16 MiB a chunk may grow to, so it is cut at
    // whitespace (memory stays bounded) and the user is told.
    let filler = corpus_lines("HDFS_2k.log", 2000)
        .join(" ")
        .replace('@', "at");
    let mut line = String::from("start first@example.com ");
    while line.len() < 20 << 20 {
        line.push_str(&filler);
        line.push(' ');
    }
    let last = line.len();
    line.push_str("last@example.com\n");
    fs::write(dir.path().join("huge-line.log"), &line).unwrap();
    let (code, records, stderr) = scan_jsonl(dir.path(), &["huge-line.log"]);
    assert_eq!(code, 1, "{stderr}");
    let starts: Vec<u64> = records
        .iter()
        .map(|r| r["start"].as_u64().unwrap())
        .collect();
    assert_eq!(starts, [6, last as u64]);
    assert_eq!(records[1]["line"], 1);
    assert_eq!(
        records[1]["column"],
        line[..last].chars().count() as u64 + 1
    );
    assert!(
        stderr.contains("huge-line.log: 1 stretches over 16 MiB"),
        "{stderr}"
    );
}

#[test]
fn no_input_and_stdin_on_a_terminal_is_a_usage_error() {
    let dir = tmp();
    // `script` gives the child a pseudo-terminal as stdin, as an interactive shell would.
    let bin = assert_cmd::cargo::cargo_bin("tftsr");
    let out = support::child_env::scrub(&mut std::process::Command::new("script"))
        .args(["-qec", &format!("{} scan", bin.display()), "/dev/null"])
        .current_dir(dir.path())
        .output()
        .expect("util-linux `script`");
    let all = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("nothing to scan"), "{all}");
}
