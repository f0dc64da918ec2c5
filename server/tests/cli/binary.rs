//! Binary detection that does not hide text: a log padded with NUL bytes (a crash, a preallocated
//! file) is scanned and redacted between the padding; UTF-16 logs (LE/BE, with or without a byte
//! order mark) are decoded, their findings reported at the file's byte offsets and redacted in
//! UTF-16; a truly binary file is an error by default (`--binary skip|scan|error`).

use crate::support;

use std::fs;
use std::path::Path;

use support::*;

/// 22 planted values of several types after real loghub lines (the crash-padded log).
fn planted() -> (String, Vec<String>) {
    let lines = corpus_lines("OpenSSH_2k.log", 44);
    let mut values = Vec::new();
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        // Real lines hold addresses of their own: only the planted values are counted.
        text.push_str(&line.replace(|c: char| c.is_ascii_digit(), "x"));
        if i % 2 == 0 {
            let v = match (i / 2) % 4 {
                0 => format!("user{i}@example.com"),
                1 => format!("10.{i}.7.9"),
                2 => format!("AKIAIOSFODNN7EXAMP{:02}", i % 100),
                _ => format!("ghp_16C7e42F292c6912E7710c838347Ae1{:05}", i),
            };
            text.push_str(" value ");
            text.push_str(&v);
            values.push(v);
        }
        text.push('\n');
    }
    assert_eq!(values.len(), 22);
    (text, values)
}

fn run(dir: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = tftsr(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_nul_padded_log_is_scanned_and_redacted_between_the_padding() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, values) = planted();
    let half = text.len() / 2;
    let cut = text[..half].rfind('\n').unwrap() + 1;
    // Padding in the first 8 KiB (as a crash leaves at a block boundary), mid-file, at the end.
    let mut data = b"2026-11-29 boot\n".to_vec();
    data.extend(vec![0u8; 3000]);
    data.extend_from_slice(&text.as_bytes()[..cut]);
    data.extend(vec![0u8; 70_000]);
    data.extend_from_slice(&text.as_bytes()[cut..]);
    data.extend(vec![0u8; 512]);
    fs::write(d.join("crash.log"), &data).unwrap();

    let (code, out, err) = run(d, &["scan", "-f", "jsonl", "--show-values", "crash.log"]);
    assert_eq!(code, 1, "findings: a CI gate fails: {err}");
    let records = parse_jsonl(&out);
    let found: Vec<&str> = records
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    for v in &values {
        assert!(found.contains(&v.as_str()), "{v} missed: {found:?}");
    }
    for r in &records {
        let (s, e) = (
            r["start"].as_u64().unwrap() as usize,
            r["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            &data[s..e],
            r["value"].as_str().unwrap().as_bytes(),
            "byte offsets"
        );
    }
    assert!(err.contains("NUL bytes"), "{err}");

    let (code, out, err) = run(d, &["redact", "crash.log"]);
    assert_eq!(code, 0, "{err}");
    for v in &values {
        assert!(!contains(&out, v.as_bytes()), "{v} left in clear");
    }
    // The padding is copied as it is.
    assert_eq!(
        out.iter().filter(|&&b| b == 0).count(),
        data.iter().filter(|&&b| b == 0).count()
    );
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if big_endian {
            &[0xFE, 0xFF]
        } else {
            &[0xFF, 0xFE]
        });
    }
    for u in text.encode_utf16() {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_logs_are_decoded_scanned_at_their_byte_offsets_and_redacted_in_utf16() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (mut text, values) = planted();
    // Windows line ends and text beyond ASCII, as Windows tools write it.
    text = text.replace('\n', "\r\n") + "José 😀 last user zoe@example.org\r\n";
    fs::write(d.join("plain.log"), &text).unwrap();
    let (_, plain_out, _) = run(d, &["scan", "-f", "jsonl", "plain.log"]);
    let plain = parse_jsonl(&plain_out);
    let (_, redacted_utf8, _) = run(d, &["redact", "plain.log"]);
    let redacted_utf8 = String::from_utf8(redacted_utf8).unwrap();
    for (be, bom) in [(false, true), (false, false), (true, true), (true, false)] {
        let name = format!("win-{}-{}.log", if be { "be" } else { "le" }, bom);
        let data = utf16(&text, be, bom);
        fs::write(d.join(&name), &data).unwrap();
        let (code, out, err) = run(d, &["scan", "-f", "jsonl", "--show-values", &name]);
        assert_eq!(code, 1, "{name}: {err}");
        let records = parse_jsonl(&out);
        assert_eq!(
            records.len(),
            plain.len(),
            "{name}: as many as in the UTF-8 copy"
        );
        let found: Vec<&str> = records
            .iter()
            .map(|r| r["value"].as_str().unwrap())
            .collect();
        for v in values.iter().map(String::as_str).chain(["zoe@example.org"]) {
            assert!(found.contains(&v), "{name}: {v} missed");
        }
        for (r, p) in records.iter().zip(&plain) {
            // Lines and columns are those of the text; offsets are the file's bytes.
            assert_eq!(
                (&r["line"], &r["column"], &r["end_column"]),
                (&p["line"], &p["column"], &p["end_column"])
            );
            let (s, e) = (
                r["start"].as_u64().unwrap() as usize,
                r["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(
                &data[s..e],
                &utf16(r["value"].as_str().unwrap(), be, false)[..],
                "{name}"
            );
            assert_eq!(
                r["fingerprint"], p["fingerprint"],
                "same value, same fingerprint"
            );
        }
        assert!(err.contains("UTF-16"), "{err}");
        // Redacted in UTF-16, byte order and BOM kept: the UTF-8 redaction, re-encoded.
        let (code, out, err) = run(d, &["redact", &name]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, utf16(&redacted_utf8, be, bom), "{name}");
    }
}

#[test]
fn a_truly_binary_file_is_reported_skipped_or_scanned_as_asked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A real binary (this test executable) with a value planted in it.
    let mut data = fs::read(std::env::current_exe().unwrap()).unwrap();
    data.truncate(200_000);
    data.extend_from_slice(b"\0\0 password=Zq9-binary-planted \0\0");
    fs::write(d.join("core.bin"), &data).unwrap();
    fs::write(d.join("ok.log"), "nothing here\n").unwrap();

    let (code, _, err) = run(d, &["scan", "core.bin", "ok.log"]);
    assert_eq!(code, 2, "reported, not passed: {err}");
    assert!(err.contains("core.bin: binary file, not scanned"), "{err}");
    let (code, _, err) = run(d, &["scan", "--binary", "skip", "core.bin", "ok.log"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("binary file skipped"), "{err}");
    let (code, out, _) = run(
        d,
        &[
            "scan", "-f", "jsonl", "--binary", "scan", "--types", "password", "core.bin",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(parse_jsonl(&out).len(), 1);

    let (code, _, err) = run(d, &["redact", "core.bin", "-o", "out.bin"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("binary file") && !d.join("out.bin").exists(),
        "{err}"
    );
    let (code, _, _) = run(
        d,
        &["redact", "--binary", "skip", "core.bin", "-o", "out.bin"],
    );
    assert_eq!(code, 0);
    assert!(!d.join("out.bin").exists(), "skip writes nothing");
    let (code, _, err) = run(
        d,
        &["redact", "--binary", "scan", "core.bin", "-o", "out.bin"],
    );
    assert_eq!(code, 0, "{err}");
    let out = fs::read(d.join("out.bin")).unwrap();
    assert!(!contains(&out, b"Zq9-binary-planted"));
    let (code, _, _) = run(d, &["redact", "-i", "core.bin"]);
    assert_eq!(code, 2);
    assert_eq!(
        fs::read(d.join("core.bin")).unwrap(),
        data,
        "in place: left as it was"
    );
}
