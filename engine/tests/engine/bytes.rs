//! No value survives redaction whatever its bytes: invalid UTF-8 and NUL inside a value, CR/LF
//! inside a quoted value, values that reach across a streaming chunk boundary. Planted values
//! are redacted from the raw bytes exactly as `tftsr redact` does (the bytes between findings
//! copied, each finding replaced), and the output must hold no fragment of 4 or more bytes of
//! any planted value.

use crate::engine_plant::{insert_at_space, loghub_lines, Rng};
use tftsr_engine::redact::{Redactor, Style};
use tftsr_engine::{Engine, Finding};

/// Redacts raw bytes as the CLI does: raw bytes between findings, the tag over each finding.
fn redact_bytes(eng: &Engine, raw: &[u8]) -> Vec<u8> {
    let scan = eng.scan_bytes(raw);
    let (view, _) = tftsr_engine::substitute_invalid(raw);
    let red = Redactor::new(eng, Style::Tag, [3; 32]);
    let mut out = Vec::new();
    let mut pos = 0;
    for f in &scan.findings {
        out.extend_from_slice(&raw[pos..f.start]);
        out.extend_from_slice(red.replacement(f, &view[f.start..f.end]).as_bytes());
        pos = f.end;
    }
    out.extend_from_slice(&raw[pos..]);
    out
}

/// The first fragment of `value` (4 bytes or more) still in `out`, if any.
fn leaked(out: &[u8], value: &[u8]) -> Option<String> {
    for len in [4usize] {
        for w in value.windows(len) {
            if memchr::memmem::find(out, w).is_some() {
                return Some(String::from_utf8_lossy(w).into_owned());
            }
        }
    }
    None
}

/// Values with a byte inside that is not valid UTF-8, or NUL, or another control byte, after
/// every key-value syntax: the finding covers the whole value.
#[test]
fn invalid_and_control_bytes_inside_values() {
    let eng = Engine::with_defaults();
    let weird: &[&[u8]] = &[
        b"\xff",
        b"\xfe\xfe",
        b"\xc3",
        b"\xe2\x82",
        b"\0",
        b"\x01",
        b"\x7f",
    ];
    let keys: &[(&str, &str)] = &[
        ("password=", ""),
        ("passwd: ", ""),
        ("\"password\": \"", "\""),
        ("api_key=", ""),
        ("pwd='", "'"),
        ("DB_PASSWORD = ", ""),
    ];
    let mut failures = Vec::new();
    for w in weird {
        for (before, after) in keys {
            let mut value = b"Zq9!".to_vec();
            value.extend_from_slice(w);
            value.extend_from_slice(b"que-planted-77");
            let mut line = b"2015-10-18 18:01:47 INFO login ".to_vec();
            line.extend_from_slice(before.as_bytes());
            line.extend_from_slice(&value);
            line.extend_from_slice(after.as_bytes());
            line.extend_from_slice(b" user=bob\n");
            let out = redact_bytes(&eng, &line);
            if let Some(frag) = leaked(&out, &value) {
                failures.push(format!(
                    "{before:?} + value with {w:?}: {frag:?} left in {:?}",
                    String::from_utf8_lossy(&out)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The exact span: the value's first to last byte, invalid ones included, and offsets are the
/// raw bytes' offsets.
#[test]
fn span_covers_the_invalid_byte() {
    let eng = Engine::with_defaults();
    let raw = b"x password=Zq9!\xffque-planted-77 y alice@example.com";
    let r = eng.scan_bytes(raw);
    assert_eq!(r.invalid_sequences, 1);
    let vals: Vec<&[u8]> = r.findings.iter().map(|f| &raw[f.start..f.end]).collect();
    assert_eq!(
        vals,
        vec![&b"Zq9!\xffque-planted-77"[..], b"alice@example.com"]
    );
    assert_eq!(
        redact_bytes(&eng, raw),
        b"x password=[Password] y [Email]".to_vec()
    );
}

/// A quoted value with a line break inside (CRLF or LF) is one value; a quote left open stays
/// a one-line value (the rest of its line), and never swallows more than one line break.
#[test]
fn line_breaks_inside_quoted_values() {
    let eng = Engine::with_defaults();
    for (text, want) in [
        (
            "login password=\"Zq9!que\r\nplanted-77\" user=bob\r\n",
            vec!["Zq9!que\r\nplanted-77"],
        ),
        (
            "{\"password\": \"Zq9!que\nplanted-77\", \"user\": \"bob\"}\n",
            vec!["Zq9!que\nplanted-77"],
        ),
        // Unterminated on its line, no closing quote on the next: the rest of the line.
        (
            "password=\"Zq9!que planted-77\nnext line here\n",
            vec!["Zq9!que planted-77"],
        ),
        // Two line breaks before the quote: not one value.
        ("password='Zq9!que\nmiddle\nend' x\n", vec!["Zq9!que"]),
    ] {
        let fs = eng.scan(text);
        let got: Vec<&str> = fs.iter().map(|f| f.value(text)).collect();
        assert_eq!(got, want, "{text:?}");
    }
}

/// Streaming as the CLI does (`stream_safe_len` on a growing buffer, scanning each final
/// chunk) finds what one whole scan finds, wherever the reads fall: PEM blocks and quoted values
/// across line breaks are never cut.
#[test]
fn streamed_scan_equals_whole_scan_at_every_read_size() {
    let eng = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x0057_5245_414d);
    let mut text = String::new();
    let plants = [
        "password=\"Zq9!que\r\nplanted-77\"",
        "\"secret_key\": \"9f8e7d6c\n5b4a39281706\"",
        "pwd='a1b2c3\nd4e5'",
        "password=\"open to the end of the line",
        "api_key=\"k-12345678abcdef\"",
    ];
    for i in 0..400 {
        let line = &lines[r.below(lines.len() as u64) as usize];
        if i % 3 == 0 {
            let (l, _) = insert_at_space(&mut r, line, plants[i % plants.len()]);
            text.push_str(&l);
        } else {
            text.push_str(line);
        }
        text.push(if i % 2 == 0 { '\n' } else { '\r' });
        if i % 2 == 1 {
            text.push('\n');
        }
    }
    let whole = eng.scan(&text);
    assert!(whole.len() >= 120, "planted values found: {}", whole.len());
    for read in [1usize, 7, 64, 333, 4096] {
        let mut found: Vec<Finding> = Vec::new();
        let mut buf = String::new();
        let mut base = 0;
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let mut end = (at + read).min(bytes.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            buf.push_str(&text[at..end]);
            at = end;
            let n = eng.stream_safe_len(&buf, false);
            found.extend(
                eng.scan(&buf[..n])
                    .into_iter()
                    .map(|f| Finding::new(f.kind, f.start + base, f.end + base)),
            );
            buf.drain(..n);
            base += n;
        }
        found.extend(
            eng.scan(&buf)
                .into_iter()
                .map(|f| Finding::new(f.kind, f.start + base, f.end + base)),
        );
        assert_eq!(found, whole, "reads of {read} bytes");
    }
}
