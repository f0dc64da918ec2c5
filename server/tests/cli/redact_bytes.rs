//! The real `tftsr redact` and `tftsr scan` leave nothing of a value whatever its bytes:
//! invalid UTF-8 and NUL inside it, CR/LF inside a quoted value, and such values placed across
//! the streaming reader's chunk boundaries (its first read is 64 KiB, then larger ones).

use crate::support;

use support::*;

/// The first fragment of 4 bytes or more of `value` still in `out`.
fn leaked(out: &[u8], value: &[u8]) -> Option<String> {
    value
        .windows(4)
        .find(|w| out.windows(4).any(|o| o == *w))
        .map(|w| String::from_utf8_lossy(w).into_owned())
}

const PREFIX: &[u8] = b"2015-10-18 18:01:47,978 INFO login ";

/// A log of loghub lines with each of `plants` placed so that its value straddles the byte
/// offset given for it (padding lines in between), and the planted values.
fn log_with(plants: &[(&[u8], &[u8], &[u8])], offsets: &[usize]) -> (Vec<u8>, Vec<Vec<u8>>) {
    // Loghub lines carry `@` only as `at`-words here (no e-mail noise).
    let lines: Vec<String> = corpus_lines("HDFS_2k.log", 2000)
        .into_iter()
        .map(|l| l.replace('@', " at "))
        .collect();
    let mut out: Vec<u8> = Vec::new();
    let mut values = Vec::new();
    let mut li = 0;
    for (&(before, value, after), &at) in plants.iter().zip(offsets) {
        let line_start = at - value.len() / 2 - before.len() - PREFIX.len();
        while out.len() + lines[li % lines.len()].len() < line_start {
            out.extend_from_slice(lines[li % lines.len()].as_bytes());
            out.push(b'\n');
            li += 1;
        }
        let gap = line_start - out.len();
        if gap > 0 {
            out.extend(std::iter::repeat_n(b'#', gap - 1));
            out.push(b'\n');
        }
        out.extend_from_slice(PREFIX);
        out.extend_from_slice(before);
        out.extend_from_slice(value);
        out.extend_from_slice(after);
        out.extend_from_slice(b" user=bob\r\n");
        values.push(value.to_vec());
    }
    for l in lines.iter().take(200) {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    (out, values)
}

#[test]
fn no_fragment_of_a_value_survives_whatever_its_bytes() {
    let plants: &[(&[u8], &[u8], &[u8])] = &[
        (b"password=", b"Zq9!\xffque-planted-77", b""),
        (b"password=", b"Zq9!\x00que-planted-78", b""),
        (b"\"password\": \"", b"Zq9!\xc3que-planted-79", b"\""),
        (b"api_key=", b"k9f8e7d6\xfe\xfec5b4a3-planted-80", b""),
        (b"password=\"", b"Zq9!que\r\nplanted-81", b"\""),
        (b"pwd='", b"Zq9!que\nplanted-82", b"'"),
    ];
    // Across the reader's read boundaries (64 KiB, then each read as large as all before it),
    // and one far from any.
    let offsets = [1000, 64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20];
    let (log, values) = log_with(plants, &offsets);
    for (v, &at) in values.iter().zip(&offsets) {
        let p = log
            .windows(v.len())
            .position(|w| w == v.as_slice())
            .unwrap();
        assert!(p < at && at < p + v.len(), "the value straddles its offset");
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("app.log"), &log).unwrap();
    let out = tftsr(d)
        .args(["redact", "app.log", "-o", "clean.log"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clean = std::fs::read(d.join("clean.log")).unwrap();
    for v in &values {
        assert!(
            leaked(&clean, v).is_none(),
            "{:?} left {:?} in the redacted log",
            String::from_utf8_lossy(v),
            leaked(&clean, v)
        );
    }
    // The same through stdin, in one stream.
    let piped = tftsr(d)
        .args(["redact", "-"])
        .write_stdin(log.clone())
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(piped.stdout, clean, "stdin and file give the same output");
    // `scan` reports each planted value as one finding with its whole span.
    let scan = tftsr(d)
        .args(["scan", "-f", "jsonl", "app.log"])
        .output()
        .unwrap();
    let recs = parse_jsonl(&scan.stdout);
    for v in &values {
        let at = log
            .windows(v.len())
            .position(|w| w == v.as_slice())
            .unwrap();
        assert!(
            recs.iter()
                .any(|r| r["start"] == at && r["end"] == at + v.len()),
            "{:?}: no finding with its exact span",
            String::from_utf8_lossy(v)
        );
    }
}
