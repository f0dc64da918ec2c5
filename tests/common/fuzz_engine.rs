//! The engine's fuzzing invariants: one `check_*` function per fuzz target, each taking the
//! fuzzer's raw bytes and panicking when an invariant breaks. The same functions run in the fuzz
//! targets (`fuzz/fuzz_targets/`) and in the normal test suite over the committed seeds and every
//! crash the fuzzer ever found (`fuzz/regressions/`), so a crash stays fixed.
//!
//! Nothing here may print a scanned value on success; on failure the panic message names spans
//! and kinds (the inputs are the fuzzer's own, never user data).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use tftsr_engine::redact::{apply, Redactor, Style};
use tftsr_engine::{Config, ConfigError, Engine, Finding};

pub const STYLES: [Style; 4] = [Style::Tag, Style::Mask, Style::Partial, Style::Pseudonym];

/// A fixed pseudonym key: the fuzzer needs the same output for the same input.
pub const FUZZ_KEY: [u8; 32] = [7; 32];

pub fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(Engine::with_defaults)
}

/// Findings are sorted by start, non-overlapping, non-empty, inside `len` bytes.
pub fn assert_well_formed(len: usize, findings: &[Finding], what: &str) {
    let mut last_end = 0;
    for (i, f) in findings.iter().enumerate() {
        assert!(
            f.start < f.end,
            "{what}: finding #{i} {f:?} is empty or reversed"
        );
        assert!(
            f.end <= len,
            "{what}: finding #{i} {f:?} ends past the text ({len} bytes)"
        );
        assert!(
            f.start >= last_end,
            "{what}: finding #{i} {f:?} overlaps or precedes the one before (which ends at {last_end})"
        );
        last_end = f.end;
    }
}

/// ... and on char boundaries of `text`.
pub fn assert_findings(text: &str, findings: &[Finding], what: &str) {
    assert_well_formed(text.len(), findings, what);
    for f in findings {
        assert!(
            text.is_char_boundary(f.start) && text.is_char_boundary(f.end),
            "{what}: {f:?} is not on char boundaries"
        );
    }
}

fn shifted(mut fs: Vec<Finding>, by: usize) -> Vec<Finding> {
    for f in &mut fs {
        f.start += by;
        f.end += by;
    }
    fs
}

/// A number in `0..=n` taken from two bytes of the input (so the fuzzer controls it).
fn pick(data: &[u8], at: usize, n: usize) -> usize {
    let a = *data.get(at).unwrap_or(&0) as usize;
    let b = *data.get(at + 1).unwrap_or(&0) as usize;
    if n == 0 {
        0
    } else {
        ((a << 8) | b) % (n + 1)
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Target `scan`: `scan_bytes` on arbitrary bytes (equal to a scan of the SUB view: every invalid
/// byte as 0x1A); on valid UTF-8 also `scan` (equal, and
/// the same when the text is moved by a few line breaks: block alignment must not matter),
/// the streaming cut (`stream_safe_len`: scanning both sides of it equals the whole scan) and
/// `scan_range` (its findings are exactly the whole scan's inside the widened range, and no
/// whole-scan finding crosses that range's edges: what the editor's incremental rescans rely on).
pub fn check_scan(data: &[u8]) {
    let e = engine();
    let bs = e.scan_bytes(data);
    assert_well_formed(data.len(), &bs.findings, "scan_bytes");
    let Ok(text) = std::str::from_utf8(data) else {
        // The contract: each byte of an invalid sequence stands as SUB (0x1A) in a view of the
        // same length, scanned whole (a value with an invalid byte inside is one value).
        let mut view = String::with_capacity(data.len());
        let mut sequences = 0;
        for chunk in data.utf8_chunks() {
            view.push_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                sequences += 1;
                view.extend(std::iter::repeat_n('\u{1a}', chunk.invalid().len()));
            }
        }
        assert_eq!(
            bs.invalid_sequences, sequences,
            "invalid sequences miscounted"
        );
        assert_eq!(
            bs.findings,
            e.scan(&view),
            "scan_bytes differs from a scan of the SUB view"
        );
        return;
    };
    assert_eq!(bs.invalid_sequences, 0);
    let whole = e.scan(text);
    assert_findings(text, &whole, "scan");
    assert_eq!(
        whole, bs.findings,
        "scan_bytes differs from scan on valid UTF-8"
    );

    // Where the text's 64-byte blocks fall must not matter (a partial rescan, a streamed chunk
    // or a redacted text moves them): the same text after line breaks gives the same findings.
    let shift = 1 + pick(data, 4, 62);
    let moved = format!("{}{text}", "\n".repeat(shift));
    assert_eq!(
        shifted(whole.clone(), shift),
        e.scan(&moved),
        "findings change when the text moves by {shift} bytes"
    );

    // Streaming: what is safe to emit now must not change when the rest arrives.
    let cut = e.stream_safe_len(text, false);
    assert!(
        cut <= text.len() && text.is_char_boundary(cut),
        "stream_safe_len {cut} is no cut"
    );
    assert_eq!(e.stream_safe_len(text, true), text.len());
    if cut > 0 && cut < text.len() {
        let mut split = e.scan(&text[..cut]);
        split.extend(shifted(e.scan(&text[cut..]), cut));
        assert_eq!(
            split, whole,
            "scan of the two sides of stream_safe_len {cut} differs"
        );
    }

    // Incremental: a range picked by the fuzzer.
    let a = pick(data, 0, text.len());
    let b = pick(data, 2, text.len());
    let (lo, hi) = (a.min(b), a.max(b));
    let (lo, hi) = (floor_boundary(text, lo), floor_boundary(text, hi));
    let (w, part) = e.scan_range(text, lo..hi);
    assert!(
        w.start <= lo && w.end >= hi.min(text.len()),
        "scan_range {w:?} does not cover {lo}..{hi}"
    );
    assert!(text.is_char_boundary(w.start) && text.is_char_boundary(w.end));
    assert_findings(text, &part, "scan_range");
    let inside: Vec<Finding> = whole
        .iter()
        .filter(|f| f.start >= w.start && f.end <= w.end)
        .cloned()
        .collect();
    assert_eq!(
        part, inside,
        "scan_range {w:?} differs from the whole scan inside it"
    );
    for f in &whole {
        let crosses = (f.start < w.start && f.end > w.start) || (f.start < w.end && f.end > w.end);
        assert!(
            !crosses,
            "whole-scan finding {f:?} crosses the edge of scan_range {w:?}"
        );
    }
}

/// Redacts `text` in `style`; returns the output and the replacement ranges in it.
pub fn redact(text: &str, style: Style) -> (String, Vec<std::ops::Range<usize>>, Vec<Finding>) {
    let e = engine();
    let findings = e.scan(text);
    let r = Redactor::new(e, style, FUZZ_KEY);
    let edits = r.plan(text, &findings);
    assert_eq!(edits.len(), findings.len());
    let out = apply(text, &edits);
    let mut ranges = Vec::with_capacity(edits.len());
    let mut delta: isize = 0;
    for ed in &edits {
        let s = (ed.start as isize + delta) as usize;
        ranges.push(s..s + ed.replacement.len());
        delta += ed.replacement.len() as isize - (ed.end - ed.start) as isize;
    }
    (out, ranges, findings)
}

/// Target `redact`, for every style: the output rescans with no finding of any redacted value,
/// no finding overlapping or touching a replacement (nothing new made next to one), and
/// redacting the output again changes nothing (idempotent).
pub fn check_redact(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let e = engine();
    for style in STYLES {
        let (out, ranges, findings) = redact(&text, style);
        if std::env::var_os("TFTSR_FUZZ_TRACE").is_some() {
            // To understand a crash file (never set in tests).
            let fs: Vec<_> = findings
                .iter()
                .map(|f| (f.kind.id(), f.value(&text)))
                .collect();
            eprintln!("{style:?}: {fs:?}\n  -> {out:?}");
        }
        // A BTreeSet, not a HashSet: a randomly keyed hash makes the coverage of the same input
        // differ from run to run, and a fuzz run with a fixed seed should repeat itself.
        let values: BTreeSet<&str> = findings.iter().map(|f| f.value(&text)).collect();
        let again = e.scan(&out);
        assert_findings(&out, &again, "rescan");
        for f in &again {
            let v = f.value(&out);
            assert!(
                !values.contains(v),
                "{style:?}: a redacted value is still found after redaction ({f:?})"
            );
            let i = ranges.partition_point(|r| r.end < f.start);
            if let Some(r) = ranges.get(i) {
                assert!(
                    f.end < r.start,
                    "{style:?}: rescan finds {f:?} at or next to the replacement {r:?}"
                );
            }
        }
        let (twice, _, again) = redact(&out, style);
        if twice != out {
            let at = twice
                .bytes()
                .zip(out.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(twice.len().min(out.len()));
            if std::env::var_os("TFTSR_FUZZ_TRACE").is_some() {
                let fs: Vec<_> = again
                    .iter()
                    .map(|f| (f.kind.id(), f.start, f.value(&out)))
                    .collect();
                let lo = floor_boundary(&out, at.saturating_sub(80));
                let hi = floor_boundary(&out, at + 80);
                eprintln!("second pass: {fs:?}\n  near {at}: {:?}", &out[lo..hi]);
            }
            panic!("{style:?}: redaction is not idempotent (outputs differ from byte {at})");
        }
    }
}

/// Strings of a TOML text that a user may have put a secret in: every string value except the
/// names (rule ids, type ids in `types`, severity levels are names, not values) and the keys.
/// When the text is not TOML, every quoted string.
pub fn toml_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    match text.parse::<toml_edit::DocumentMut>() {
        Ok(doc) => collect_item(doc.as_item(), "", &mut out),
        Err(_) => {
            for q in ['"', '\''] {
                out.extend(text.split(q).skip(1).step_by(2).map(str::to_owned));
            }
        }
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn is_name_path(path: &str) -> bool {
    path.ends_with(".id") || path.starts_with("types.")
}

fn collect_item(item: &toml_edit::Item, path: &str, out: &mut Vec<String>) {
    match item {
        toml_edit::Item::Value(v) => collect_value(v, path, out),
        toml_edit::Item::Table(t) => {
            for (k, v) in t.iter() {
                collect_item(v, &join(path, k), out);
            }
        }
        toml_edit::Item::ArrayOfTables(a) => {
            for t in a.iter() {
                for (k, v) in t.iter() {
                    collect_item(v, &join(path, k), out);
                }
            }
        }
        toml_edit::Item::None => {}
    }
}

fn collect_value(v: &toml_edit::Value, path: &str, out: &mut Vec<String>) {
    match v {
        toml_edit::Value::String(s) if !is_name_path(path) => out.push(s.value().clone()),
        toml_edit::Value::Array(a) => {
            for x in a.iter() {
                collect_value(x, path, out);
            }
        }
        toml_edit::Value::InlineTable(t) => {
            for (k, x) in t.iter() {
                collect_value(x, &join(path, k), out);
            }
        }
        _ => {}
    }
}

/// A value is only counted as leaked when it is long enough to be one by itself (short strings
/// like `a` occur in any message) and is not part of the message's own vocabulary.
/// Messages quote what they echo (`` `…` `` or `"…"`): a value also found in the message with
/// its quoted parts removed is part of the message's own wording (the fuzzer learns the
/// messages and plants them as values).
pub fn leaked<'v>(message: &str, values: &'v [String], vocabulary: &str) -> Option<&'v String> {
    let skeleton = unquoted(message);
    values.iter().find(|v| {
        v.trim().len() >= 6
            && message.contains(v.as_str())
            && !skeleton.contains(v.as_str())
            && !vocabulary.contains(v.as_str())
            && !only_words_of(v, &skeleton, vocabulary)
    })
}

/// Is every word of `v` (its runs of letters, digits and `_`) part of the message's own wording
/// or of the vocabulary? Then `v` is punctuation around the parser's words, or pieces of them
/// (`` expected `.`, ` `` and `` ted `.`, ` `` planted as values, found by the `config` fuzz
/// target), and can carry nothing of a secret.
fn only_words_of(v: &str, skeleton: &str, vocabulary: &str) -> bool {
    v.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .all(|w| skeleton.contains(w) || vocabulary.contains(w))
}

fn unquoted(message: &str) -> String {
    let mut out = String::new();
    let mut quote = None;
    for c in message.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '`' || c == '"' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

/// Target `config`: `.tftsr.toml` text. A file that loads compiles into an engine that scans
/// well; a file that does not gives an error that names the file and never contains any value
/// written in it (a secret in an allowlist or an example must not reach a terminal or a log).
pub fn check_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("fuzz/.tftsr.toml");
    match Config::from_toml_str(&text, path) {
        Ok(cfg) => {
            let examples: Vec<String> = cfg.rules.iter().flat_map(|r| r.examples.clone()).collect();
            let engine = Engine::new(cfg).expect("a configuration that loaded must compile");
            let sample = format!(
                "{}\nuser bob@example.com from 10.1.2.3 password=hunter2-Correct-Horse\n",
                examples.join("\n")
            );
            let f = engine.scan(&sample);
            assert_findings(&sample, &f, "scan with a fuzzed configuration");
        }
        Err(err) => {
            let msg = err.to_string();
            if let ConfigError::Invalid { path: p, .. } = &err {
                assert_eq!(p, path, "the error names another file");
            }
            assert!(
                msg.starts_with("fuzz/.tftsr.toml:"),
                "error does not name the file"
            );
            let values = toml_values(&text);
            let vocabulary = config_vocabulary(&err);
            if let Some(v) = leaked(&msg, &values, &vocabulary) {
                panic!(
                    "configuration error quotes a value of the file ({} bytes of it): {msg}",
                    v.len()
                );
            }
        }
    }
}

/// What a configuration message may contain by itself: the file, the key path, the field and
/// type names serde and the checks spell out.
fn config_vocabulary(err: &ConfigError) -> String {
    let mut v = String::from(
        "fuzz/.tftsr.toml types enable disable severity rules allowlist values regexes \
         fingerprints id regex keywords tag examples negative_examples error warning \
         information info hint invalid type expected string sequence integer boolean \
         unknown field variant missing",
    );
    for id in Config::builtin_ids() {
        v.push(' ');
        v.push_str(id);
    }
    if let ConfigError::Invalid { key, .. } = err {
        v.push(' ');
        v.push_str(key);
    }
    v
}
