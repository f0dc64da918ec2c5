//! Redacting JSON lines (`tftsr redact --jsonl`): the filter a log shipper (Vector, Fluent Bit,
//! Logstash) pipes its events through. One JSON value per line; the string values of the chosen
//! fields (all string values when none is chosen) are redacted and everything else is kept byte
//! for byte: key order, spacing, number spelling, escapes of untouched strings. Lines come out in
//! order, one per line in, and memory is bounded by the longest line accepted ([`MAX_LINE`]).
//!
//! A line that is not valid JSON (or is longer than [`MAX_LINE`]) is "malformed": copied through
//! unchanged, or dropped when asked, and counted either way.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};

use serde::de::IgnoredAny;

use super::engines::Scanner;
use crate::engine::redact::{Redactor, Style};

/// Lines longer than this are not parsed (a shipper's event is far smaller): they are malformed,
/// streamed through or skipped without being held in memory.
pub const MAX_LINE: usize = 16 << 20;

pub struct JsonlJob<'a> {
    pub scanner: &'a Scanner,
    pub style: Style,
    /// The pseudonym secret; ignored by the other styles.
    pub key: [u8; 32],
    /// Field paths to redact: a top-level key, or `a.b.c` for nested objects (a key that itself
    /// contains dots matches too). Every string inside a chosen field is redacted, nested objects
    /// and arrays included. Empty: every string value of the line.
    pub fields: Vec<String>,
    /// Drop malformed lines instead of copying them through.
    pub drop_malformed: bool,
}

/// What was done (counts by type, never values).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct JsonlReport {
    pub lines: u64,
    pub malformed: u64,
    pub findings: u64,
    pub counts: BTreeMap<String, u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum JsonlError {
    #[error("read error: {0}")]
    Read(io::Error),
    #[error("cannot write the redacted output: {0}")]
    Write(#[source] io::Error),
}

/// Reads JSON lines from `input` to its end and writes them, redacted, to `out`. The output is
/// flushed whenever the input has nothing more buffered, so a shipper waiting on a quiet pipe
/// gets every finished line at once.
pub fn redact_jsonl<R: io::Read>(
    input: &mut io::BufReader<R>,
    out: &mut dyn Write,
    job: &JsonlJob<'_>,
) -> Result<JsonlReport, JsonlError> {
    let redactor = Redactor::new(&job.scanner.engine, job.style, job.key);
    let fields: Vec<&str> = job.fields.iter().map(String::as_str).collect();
    let mut report = JsonlReport::default();
    let mut line = Vec::new();
    loop {
        if input.buffer().is_empty() {
            out.flush().map_err(JsonlError::Write)?;
        }
        line.clear();
        let (complete, too_long) = read_line(input, &mut line)?;
        if line.is_empty() && !complete {
            break; // end of input
        }
        report.lines += 1;
        if too_long {
            report.malformed += 1;
            if !job.drop_malformed {
                out.write_all(&line).map_err(JsonlError::Write)?;
            }
            // The rest of the line, streamed through (or skipped) without being held.
            copy_rest_of_line(input, (!job.drop_malformed).then_some(&mut *out))?;
            continue;
        }
        let (body, end) = split_terminator(&line);
        match redact_line(body, &fields, job.scanner, &redactor, &mut report) {
            Some(redacted) => {
                out.write_all(&redacted).map_err(JsonlError::Write)?;
                out.write_all(end).map_err(JsonlError::Write)?;
            }
            None if body.iter().all(u8::is_ascii_whitespace) => {
                // A blank line carries nothing: kept, not counted as malformed.
                report.lines -= 1;
                out.write_all(&line).map_err(JsonlError::Write)?;
            }
            None => {
                report.malformed += 1;
                if !job.drop_malformed {
                    out.write_all(&line).map_err(JsonlError::Write)?;
                }
            }
        }
    }
    out.flush().map_err(JsonlError::Write)?;
    Ok(report)
}

/// Appends one line (with its `\n`, if any) to `line`, up to `MAX_LINE` bytes. Returns whether a
/// `\n` ended it, and whether it was cut at `MAX_LINE`.
fn read_line<R: io::Read>(
    input: &mut io::BufReader<R>,
    line: &mut Vec<u8>,
) -> Result<(bool, bool), JsonlError> {
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(JsonlError::Read(e)),
        };
        if buf.is_empty() {
            return Ok((false, false));
        }
        let room = MAX_LINE - line.len();
        let (take, done) = match memchr::memchr(b'\n', &buf[..buf.len().min(room)]) {
            Some(i) => (i + 1, true),
            None => (buf.len().min(room), false),
        };
        line.extend_from_slice(&buf[..take]);
        input.consume(take);
        if done {
            return Ok((true, false));
        }
        if line.len() >= MAX_LINE {
            return Ok((false, true));
        }
    }
}

fn copy_rest_of_line<R: io::Read>(
    input: &mut io::BufReader<R>,
    mut out: Option<&mut dyn Write>,
) -> Result<(), JsonlError> {
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(JsonlError::Read(e)),
        };
        if buf.is_empty() {
            return Ok(());
        }
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if let Some(w) = out.as_mut() {
            w.write_all(&buf[..take]).map_err(JsonlError::Write)?;
        }
        input.consume(take);
        if done {
            return Ok(());
        }
    }
}

/// `(line without its terminator, the terminator: "\n", "\r\n" or "")`.
fn split_terminator(line: &[u8]) -> (&[u8], &[u8]) {
    let n = if line.ends_with(b"\r\n") {
        2
    } else if line.ends_with(b"\n") {
        1
    } else {
        0
    };
    line.split_at(line.len() - n)
}

/// The redacted line, or None if it is not valid JSON.
fn redact_line(
    body: &[u8],
    fields: &[&str],
    scanner: &Scanner,
    redactor: &Redactor<'_>,
    report: &mut JsonlReport,
) -> Option<Vec<u8>> {
    // Validation first (serde_json's grammar, depth limit and UTF-8 check), so the walker below
    // only ever sees well-formed JSON.
    serde_json::from_slice::<IgnoredAny>(body).ok()?;
    let mut w = Walker {
        b: body,
        i: 0,
        fields,
        edits: Vec::new(),
    };
    let mut path = Vec::new();
    w.ws();
    w.value(&mut path, fields.is_empty())?;
    let mut out = Vec::with_capacity(body.len());
    let mut pos = 0;
    let mut counts: Vec<String> = Vec::new();
    for (s, e, text) in w.edits {
        let found: Vec<_> = scanner
            .engine
            .scan(&text)
            .into_iter()
            .filter(|f| scanner.keeps(&f.kind))
            .collect();
        if found.is_empty() {
            continue;
        }
        let mut red = String::with_capacity(text.len());
        let mut at = 0;
        for (f, e) in found.iter().zip(redactor.plan(&text, &found)) {
            red.push_str(&text[at..e.start]);
            red.push_str(&e.replacement);
            counts.push(f.kind.id().to_owned());
            at = e.end;
        }
        red.push_str(&text[at..]);
        out.extend_from_slice(&body[pos..s]);
        out.extend_from_slice(serde_json::to_string(&red).ok()?.as_bytes());
        pos = e;
    }
    out.extend_from_slice(&body[pos..]);
    for id in counts {
        report.findings += 1;
        *report.counts.entry(id).or_default() += 1;
    }
    Some(out)
}

/// Walks well-formed JSON, collecting the string values to redact: `(start, end, decoded)` of
/// each string token (quotes included in the span).
struct Walker<'a, 'f> {
    b: &'a [u8],
    i: usize,
    fields: &'f [&'f str],
    edits: Vec<(usize, usize, String)>,
}

impl Walker<'_, '_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    /// The end of the string token starting at `self.i` (a `"`); moves past it.
    fn string(&mut self) -> Option<(usize, usize)> {
        let s = self.i;
        let mut i = s + 1;
        loop {
            match *self.b.get(i)? {
                b'"' => break,
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        self.i = i + 1;
        Some((s, self.i))
    }

    fn selected(&self, path: &[String]) -> bool {
        let joined = path.join(".");
        self.fields.iter().any(|f| *f == joined)
    }

    /// One value at `self.i`; `selected`: inside a chosen field (its strings are redacted).
    fn value(&mut self, path: &mut Vec<String>, selected: bool) -> Option<()> {
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let (s, e) = self.string()?;
                    let key: String = serde_json::from_slice(&self.b[s..e]).ok()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    self.ws();
                    path.push(key);
                    let sel = selected || self.selected(path);
                    self.value(path, sel)?;
                    path.pop();
                }
            }
            b'[' => {
                self.i += 1;
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => self.value(path, selected)?,
                    }
                }
            }
            b'"' => {
                let (s, e) = self.string()?;
                if selected {
                    let text: String = serde_json::from_slice(&self.b[s..e]).ok()?;
                    self.edits.push((s, e, text));
                }
                Some(())
            }
            _ => {
                // A number or a literal: up to the next delimiter.
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::engines::TypeFilter;
    use crate::engine::Engine;
    use std::sync::Arc;

    fn run(input: &str, fields: &[&str], drop: bool) -> (String, JsonlReport) {
        let scanner = Scanner::new(Arc::new(Engine::with_defaults()), TypeFilter::default());
        let job = JsonlJob {
            scanner: &scanner,
            style: Style::Tag,
            key: [0; 32],
            fields: fields.iter().map(|s| s.to_string()).collect(),
            drop_malformed: drop,
        };
        let mut out = Vec::new();
        let mut r = io::BufReader::new(input.as_bytes());
        let report = redact_jsonl(&mut r, &mut out, &job).unwrap();
        (String::from_utf8(out).unwrap(), report)
    }

    #[test]
    fn only_chosen_fields_change_and_the_rest_is_kept_byte_for_byte() {
        let line = r#"{"ts": 1.50e3, "message":"login bob@example.com from 10.1.2.3", "user":"bob@example.com", "k":{"msg":["a@b.org", 7]}}"#;
        let (out, rep) = run(&format!("{line}\n"), &["message", "k.msg"], false);
        assert_eq!(
            out,
            "{\"ts\": 1.50e3, \"message\":\"login [Email] from [IPv4]\", \"user\":\"bob@example.com\", \"k\":{\"msg\":[\"[Email]\", 7]}}\n"
        );
        assert_eq!((rep.lines, rep.malformed, rep.findings), (1, 0, 3));
    }

    #[test]
    fn escapes_are_decoded_before_scanning_and_reencoded_after() {
        let line = "{\"message\":\"to \\\"\\u0062ob@example.com\\\"\\tok \\u00e9\"}\r\n";
        let (out, _) = run(line, &["message"], false);
        assert_eq!(out, "{\"message\":\"to \\\"[Email]\\\"\\tok é\"}\r\n");
    }

    #[test]
    fn malformed_lines_pass_or_drop_and_are_counted() {
        let input =
            "{\"message\":\"a@b.org\"}\nnot json bob@example.com\n\n{\"message\": \"x\"\n{}";
        let (out, rep) = run(input, &["message"], false);
        assert_eq!(
            out,
            "{\"message\":\"[Email]\"}\nnot json bob@example.com\n\n{\"message\": \"x\"\n{}"
        );
        assert_eq!((rep.lines, rep.malformed), (4, 2));
        let (out, rep) = run(input, &["message"], true);
        assert_eq!(out, "{\"message\":\"[Email]\"}\n\n{}");
        assert_eq!(rep.malformed, 2);
    }

    #[test]
    fn no_field_means_every_string_value() {
        let (out, _) = run(
            "{\"a\":\"bob@example.com\",\"b\":[{\"c\":\"10.1.2.3\"}],\"bob@example.com\":1}\n",
            &[],
            false,
        );
        // Keys are names, not values: left alone.
        assert_eq!(
            out,
            "{\"a\":\"[Email]\",\"b\":[{\"c\":\"[IPv4]\"}],\"bob@example.com\":1}\n"
        );
    }
}
