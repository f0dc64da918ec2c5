//! `tftsr redact` end to end: outputs, in-place safety, gzip, stdin, styles.

use crate::support;

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use support::*;

/// `text` with each planted value replaced by `[Email]`: the expected tag-style output.
fn expected_tagged(text: &str, planted: &[(String, usize)]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    for (value, offset) in planted {
        out.push_str(&text[pos..*offset]);
        out.push_str("[Email]");
        pos = offset + value.len();
    }
    out.push_str(&text[pos..]);
    out
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tftsr-tmp"))
        .collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn tag_style_replaces_exactly_the_values_and_the_output_scans_clean() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, planted) = planted_log();
    fs::write(d.join("app.log"), &text).unwrap();
    let out = tftsr(d)
        .args(["redact", "app.log", "-o", "clean.log", "--types", "email"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "with -o nothing goes to stdout");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("redacted 6 values (email 6)"), "{stderr}");
    for (value, _) in &planted {
        assert!(!stderr.contains(value.as_str()));
    }
    let clean = fs::read_to_string(d.join("clean.log")).unwrap();
    assert_eq!(clean, expected_tagged(&text, &planted));
    assert_eq!(
        fs::read_to_string(d.join("app.log")).unwrap(),
        text,
        "input untouched"
    );

    let rescan = tftsr(d)
        .args(["scan", "-t", "email", "clean.log"])
        .output()
        .unwrap();
    assert_eq!(
        rescan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rescan.stdout)
    );

    // All types: the output scans clean, and redacting it again changes nothing.
    let all = tftsr(d)
        .args(["redact", "app.log", "-o", "all.log"])
        .output()
        .unwrap();
    assert_eq!(all.status.code(), Some(0));
    let rescan = tftsr(d).args(["scan", "all.log"]).output().unwrap();
    assert_eq!(
        rescan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rescan.stdout)
    );
    let all_text = fs::read_to_string(d.join("all.log")).unwrap();
    let again = tftsr(d).args(["redact", "all.log"]).output().unwrap();
    assert_eq!(again.stdout, all_text.as_bytes(), "idempotent");
}

#[test]
fn stdin_goes_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let (text, planted) = planted_log();
    for args in [
        &["redact", "-t", "email"][..],
        &["redact", "-t", "email", "-"][..],
    ] {
        let out = tftsr(dir.path())
            .args(args)
            .write_stdin(text.clone())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            expected_tagged(&text, &planted)
        );
    }
}

#[test]
fn in_place_replaces_atomically_and_keeps_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, planted) = planted_log();
    let log = d.join("svc.log");
    fs::write(&log, &text).unwrap();
    fs::set_permissions(&log, fs::Permissions::from_mode(0o640)).unwrap();
    let out = tftsr(d)
        .args(["redact", "--in-place", "-t", "email", "svc.log"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        expected_tagged(&text, &planted)
    );
    assert_eq!(
        fs::metadata(&log).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    assert!(leftovers(d).is_empty());

    // Through a symlink: the file it points to is replaced, the link stays a link.
    std::os::unix::fs::symlink("svc.log", d.join("current.log")).unwrap();
    fs::write(&log, &text).unwrap();
    let out = tftsr(d)
        .args(["redact", "-i", "-t", "email", "current.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(fs::symlink_metadata(d.join("current.log"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        expected_tagged(&text, &planted)
    );
    assert!(leftovers(d).is_empty());

    // -o onto the input itself would truncate what is being read: refused, input intact.
    let before = fs::read(&log).unwrap();
    let out = tftsr(d)
        .args(["redact", "svc.log", "-o", "./svc.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--in-place"));
    assert_eq!(fs::read(&log).unwrap(), before);
}

#[test]
fn a_failing_in_place_run_leaves_the_original_untouched() {
    use flate2::write::GzEncoder;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, _) = planted_log();
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    for _ in 0..50 {
        e.write_all(text.as_bytes()).unwrap();
    }
    let gz = e.finish().unwrap();
    // Truncated: decompression fails part-way, after output has been written.
    let cut = &gz[..gz.len() * 2 / 3];
    fs::write(d.join("old.log.gz"), cut).unwrap();
    let out = tftsr(d)
        .args(["redact", "-i", "old.log.gz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot decompress old.log.gz"), "{stderr}");
    assert_eq!(
        fs::read(d.join("old.log.gz")).unwrap(),
        cut,
        "original untouched"
    );
    assert!(
        leftovers(d).is_empty(),
        "temp file removed: {:?}",
        leftovers(d)
    );
}

#[test]
fn a_killed_in_place_run_never_leaves_a_half_written_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, _) = planted_log();
    let big = text.repeat(40_000 * 1024 / text.len().max(1) + 1); // ~40 MB
    fs::write(d.join("big.log"), &big).unwrap();
    let mut child = tftsr_std(d)
        .args(["redact", "--in-place", "big.log"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it is demonstrably part-way: its temp file exists and has data. Waits while the
    // run makes progress (CPU time, the temp file growing), not for a guessed time.
    let killed_midway = progress::Progress::new(child.id(), "the in-place run to start writing")
        .until(
            || {
                leftovers(d)
                    .first()
                    .map_or(0, |t| progress::file_len(&d.join(t)))
            },
            || {
                if leftovers(d)
                    .first()
                    .is_some_and(|t| progress::file_len(&d.join(t)) > 0)
                {
                    child.kill().unwrap();
                    return Some(true);
                }
                child.try_wait().unwrap().map(|_| false)
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    child.wait().unwrap();
    assert!(
        killed_midway,
        "the run finished before it could be interrupted"
    );
    // SIGKILL leaves the temp file behind, but never a partial big.log.
    assert_eq!(fs::read(d.join("big.log")).unwrap(), big.as_bytes());
}

#[test]
fn gzip_in_plain_or_gzip_out() {
    use flate2::write::GzEncoder;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, planted) = planted_log();
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    fs::write(d.join("app.log.gz"), e.finish().unwrap()).unwrap();
    let expected = expected_tagged(&text, &planted);

    let out = tftsr(d)
        .args(["redact", "-t", "email", "app.log.gz", "-o", "plain.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(fs::read_to_string(d.join("plain.log")).unwrap(), expected);

    let out = tftsr(d)
        .args(["redact", "-t", "email", "app.log.gz", "-o", "clean.log.gz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let zipped = fs::read(d.join("clean.log.gz")).unwrap();
    assert_eq!(&zipped[..2], &[0x1f, 0x8b], "gzip output for a .gz name");
    assert_eq!(gunzip(&zipped), expected.as_bytes());

    // In place keeps the format: a .gz stays gzip.
    let out = tftsr(d)
        .args(["redact", "-t", "email", "-i", "app.log.gz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        gunzip(&fs::read(d.join("app.log.gz")).unwrap()),
        expected.as_bytes()
    );
}

#[test]
fn invalid_utf8_and_crlf_are_copied_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut input = Vec::new();
    input.extend_from_slice(b"caf\xe9 user bob@example.com\r\n");
    input.extend_from_slice(b"\xff\xfe\x00 tail alice@example.org\r\n");
    fs::write(d.join("raw.log"), &input).unwrap();
    let out = tftsr(d)
        .args(["redact", "-t", "email", "raw.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut expected = Vec::new();
    expected.extend_from_slice(b"caf\xe9 user [Email]\r\n");
    expected.extend_from_slice(b"\xff\xfe\x00 tail [Email]\r\n");
    assert_eq!(out.stdout, expected);
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 invalid UTF-8 sequences"));
}

#[test]
fn bad_arguments_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("a.log"), "x\n").unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["redact", "a.log", "--style", "blur"], "blur"),
        (&["redact", "-i", "-"], "--in-place needs a file"),
        (&["redact", "missing.log"], "cannot read missing.log"),
        (
            &["redact", "a.log", "--types", "mail"],
            "unknown type `mail`",
        ),
    ];
    for (args, needle) in cases {
        let out = tftsr(d).args(args).write_stdin("").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
