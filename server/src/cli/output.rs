//! Output of `tftsr scan`: positions (1-based line, column in Unicode chars) and the three
//! formats of DESIGN.md's CLI contract: `text`, `jsonl` and SARIF 2.1.0.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::{self, Write};

use serde::Serialize;

use crate::engine::{Engine, Kind, PiiType, Severity};

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `path:line:column: type: message`, one line per finding; summary on stderr
    Text,
    /// one JSON object per finding (DESIGN.md contract)
    Jsonl,
    /// one SARIF 2.1.0 log for the whole run
    Sarif,
}

/// `--color`: whether text output carries ANSI colours.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// colours when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`
    Auto,
    /// always (also into a pipe, and despite `NO_COLOR`)
    Always,
    /// never
    Never,
}

impl ColorChoice {
    /// Resolves `auto` against the stream (`is_terminal`) and the environment
    /// (https://no-color.org: a non-empty `NO_COLOR` turns colours off unless asked for).
    pub fn resolve(
        self,
        is_terminal: bool,
        no_color: Option<&std::ffi::OsStr>,
        term: Option<&std::ffi::OsStr>,
    ) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal
                    && no_color.is_none_or(|v| v.is_empty())
                    && term.is_none_or(|t| t != "dumb")
            }
        }
    }

    /// [`ColorChoice::resolve`] for this process's stdout and environment.
    pub fn for_stdout(self) -> bool {
        use std::io::IsTerminal;
        self.resolve(
            io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("TERM").as_deref(),
        )
    }
}

/// The colours of text output, in ripgrep's manner: path magenta, line and column green, the
/// type bold and the severity by its weight. All empty when colours are off.
#[derive(Copy, Clone, Debug, Default)]
pub struct Palette {
    pub path: anstyle::Style,
    pub number: anstyle::Style,
    pub kind: anstyle::Style,
    pub error: anstyle::Style,
    pub warning: anstyle::Style,
    pub note: anstyle::Style,
}

impl Palette {
    pub fn new(color: bool) -> Palette {
        use anstyle::{AnsiColor, Style};
        if !color {
            return Palette::default();
        }
        Palette {
            path: Style::new().fg_color(Some(AnsiColor::Magenta.into())),
            number: Style::new().fg_color(Some(AnsiColor::Green.into())),
            kind: Style::new().bold(),
            error: Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
            warning: Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            note: Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        }
    }

    pub fn severity(&self, s: Severity) -> anstyle::Style {
        match s {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Information | Severity::Hint => self.note,
        }
    }
}

/// `text` rendered in `style` (nothing added for the empty style).
pub fn paint(style: anstyle::Style, text: impl std::fmt::Display) -> String {
    if style == anstyle::Style::new() {
        text.to_string()
    } else {
        format!("{style}{text}{style:#}")
    }
}

/// 1-based line and column (in Unicode scalar values) of a byte offset.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

/// Tracks line and column while moving forward through a stream, so positions of a 5 MB line or
/// a 5 GB file cost one pass over the bytes, not a rescan from the line start per finding.
#[derive(Debug)]
pub struct Cursor {
    offset: u64,
    pos: Pos,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor {
            offset: 0,
            pos: Pos { line: 1, column: 1 },
        }
    }
}

impl Cursor {
    /// Moves to global offset `target` inside the chunk `text` starting at global offset `base`
    /// (the cursor is never behind `base` and never moves backwards) and returns its position.
    pub fn advance(&mut self, text: &[u8], base: u64, target: u64) -> Pos {
        debug_assert!(self.offset >= base && target >= self.offset);
        let from = (self.offset - base) as usize;
        let to = (target - base) as usize;
        let seg = &text[from..to];
        match memchr::memrchr(b'\n', seg) {
            Some(last) => {
                self.pos.line += memchr::memchr_iter(b'\n', seg).count() as u64;
                self.pos.column = 1 + count_chars(&seg[last + 1..]);
            }
            None => self.pos.column += count_chars(seg),
        }
        self.offset = target;
        self.pos
    }
}

/// Chars in valid UTF-8 (or in our SUB-substituted view): every byte that is not a continuation.
fn count_chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
}

/// One finding, resolved to everything any format needs.
pub struct Record<'a> {
    pub kind: &'a Kind,
    pub start: u64,
    pub end: u64,
    pub from: Pos,
    pub to: Pos,
    pub value: &'a str,
    /// In a baseline: SARIF marks the result with this justification (`suppressions`).
    pub suppressed: Option<&'a str>,
}

/// Formats findings of one input into a byte sink.
pub struct Emitter<'e> {
    pub format: Format,
    pub show_values: bool,
    pub engine: &'e Engine,
    /// Name of the input in output (`<stdin>` for stdin).
    pub path: String,
    /// SARIF `artifactLocation.uri` of the input.
    pub uri: String,
    /// Colours of `text` output (none when off).
    pub palette: Palette,
    /// `path` as a JSON string, made on first use; and a buffer for one JSONL line.
    pub path_json: RefCell<Vec<u8>>,
    pub scratch: RefCell<Vec<u8>>,
}

/// The schema of a JSONL line (written by hand in `Emitter::emit`; a test holds the two equal).
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Serialize)]
struct JsonLine<'a> {
    path: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    start: u64,
    end: u64,
    line: u64,
    column: u64,
    end_line: u64,
    end_column: u64,
    fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
}

impl Emitter<'_> {
    pub fn emit(&self, out: &mut dyn Write, r: &Record<'_>) -> io::Result<()> {
        match self.format {
            Format::Text => {
                let p = &self.palette;
                let severity = self.engine.severity(r.kind);
                write!(
                    out,
                    "{}:{}:{}: {}: {} ({})",
                    paint(p.path, super::escape::name(&self.path)),
                    paint(p.number, r.from.line),
                    paint(p.number, r.from.column),
                    paint(p.kind, r.kind.id()),
                    self.engine.label(r.kind),
                    paint(p.severity(severity), severity.as_str())
                )?;
                if self.show_values {
                    // Debug-escaped so a value cannot inject terminal escapes or fake lines.
                    write!(out, ": {:?}", r.value)?;
                }
                out.write_all(b"\n")
            }
            Format::Jsonl => {
                // Written by hand into one buffer, one `write_all` per line: through serde each
                // line cost several writes, an escaping pass over the path and a `String` for the
                // fingerprint (a third of a dense scan's CPU). `JsonLine` is the schema; a test
                // checks that both give the same bytes.
                let mut line = self.scratch.borrow_mut();
                line.clear();
                line.extend_from_slice(b"{\"path\":");
                {
                    let mut path = self.path_json.borrow_mut();
                    if path.is_empty() {
                        serde_json::to_writer(&mut *path, &self.path)?;
                    }
                    line.extend_from_slice(&path);
                }
                line.extend_from_slice(b",\"type\":");
                serde_json::to_writer(&mut *line, r.kind.id())?;
                let mut num = itoa::Buffer::new();
                for (name, v) in [
                    (&b",\"start\":"[..], r.start),
                    (b",\"end\":", r.end),
                    (b",\"line\":", r.from.line),
                    (b",\"column\":", r.from.column),
                    (b",\"end_line\":", r.to.line),
                    (b",\"end_column\":", r.to.column),
                ] {
                    line.extend_from_slice(name);
                    line.extend_from_slice(num.format(v).as_bytes());
                }
                let mut fp = [0u8; 64];
                self.engine.fingerprint_into(r.value, &mut fp);
                line.extend_from_slice(b",\"fingerprint\":\"");
                line.extend_from_slice(&fp);
                line.push(b'"');
                if self.show_values {
                    line.extend_from_slice(b",\"value\":");
                    serde_json::to_writer(&mut *line, r.value)?;
                }
                line.extend_from_slice(b"}\n");
                out.write_all(&line)
            }
            Format::Sarif => {
                // Each result is preceded by a comma; `SarifLog` drops the very first one.
                out.write_all(b",\n")?;
                let mut region = serde_json::json!({
                    "startLine": r.from.line,
                    "startColumn": r.from.column,
                    "endLine": r.to.line,
                    "endColumn": r.to.column,
                    "byteOffset": r.start,
                    "byteLength": r.end - r.start,
                });
                if self.show_values {
                    region["snippet"] = serde_json::json!({ "text": r.value });
                }
                let mut result = serde_json::json!({
                    "ruleId": r.kind.id(),
                    "level": sarif_level(self.engine.severity(r.kind)),
                    "message": { "text": format!("{} found", self.engine.label(r.kind)) },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": self.uri },
                            "region": region,
                        }
                    }],
                    // Keyed (HMAC-SHA-256): a new name, so no dashboard matches these
                    // against the plain SHA-256 of older runs.
                    "partialFingerprints": { "tftsrValueHmac/v1": self.engine.fingerprint(r.value) },
                });
                if let Some(why) = r.suppressed {
                    // SARIF 2.1.0 §3.27.23 / §3.35: suppressed outside the analysed files.
                    result["suppressions"] =
                        serde_json::json!([{ "kind": "external", "justification": why }]);
                }
                serde_json::to_writer(&mut *out, &result)?;
                Ok(())
            }
        }
    }
}

pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "note",
    }
}

/// A relative or absolute path as a SARIF URI (RFC 3986): forward slashes, absolute paths as
/// `file://` URIs, everything outside the unreserved set percent-encoded.
pub fn path_to_uri(path: &std::path::Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s);
    let mut out = String::with_capacity(s.len() + 8);
    if s.starts_with('/') {
        out.push_str("file://");
    }
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The frame of a SARIF log: opened before the first result, closed after the last with the tool
/// description (rules for every built-in type and each custom rule seen) and the invocation.
pub struct SarifLog {
    first: bool,
}

impl SarifLog {
    pub fn begin(out: &mut dyn Write) -> io::Result<SarifLog> {
        out.write_all(
            br#"{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"columnKind":"unicodeCodePoints","results":["#,
        )?;
        Ok(SarifLog { first: true })
    }

    /// Writes one input's results (as produced by `Emitter` in SARIF format).
    pub fn results(&mut self, out: &mut dyn Write, chunk: &[u8]) -> io::Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let chunk = if self.first {
            self.first = false;
            chunk.strip_prefix(b",").unwrap_or(chunk)
        } else {
            chunk
        };
        out.write_all(chunk)
    }

    pub fn end(
        self,
        out: &mut dyn Write,
        engines: &[&Engine],
        custom_seen: &BTreeSet<String>,
        errors: &[String],
    ) -> io::Result<()> {
        let engine = engines.first().copied();
        let mut rules: Vec<serde_json::Value> = PiiType::ALL
            .iter()
            .map(|t| {
                let kind = Kind::Builtin(*t);
                let level = engine.map_or(t.default_severity(), |e| e.severity(&kind));
                serde_json::json!({
                    "id": t.id(),
                    "shortDescription": { "text": t.label() },
                    "fullDescription": {
                        "text": format!("{} in a log: redact it before the log leaves the machine.", t.label())
                    },
                    "defaultConfiguration": { "level": sarif_level(level) },
                    "properties": { "tags": ["security", "privacy"] },
                })
            })
            .collect();
        for id in custom_seen {
            let kind = Kind::Custom(id.as_str().into());
            let level = engines
                .iter()
                .map(|e| e.severity(&kind))
                .min()
                .unwrap_or(Severity::Warning);
            rules.push(serde_json::json!({
                "id": id,
                "shortDescription": { "text": format!("Custom rule `{id}` from .tftsr.toml") },
                "defaultConfiguration": { "level": sarif_level(level) },
                "properties": { "tags": ["security", "privacy", "custom"] },
            }));
        }
        let notifications: Vec<serde_json::Value> = errors
            .iter()
            .map(|e| serde_json::json!({ "level": "error", "message": { "text": e } }))
            .collect();
        let tail = serde_json::json!({
            "tool": { "driver": {
                "name": "tftsr",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
        });
        out.write_all(b"],")?;
        // Splice the tail object's members into the run object.
        let tail = serde_json::to_string(&tail)?;
        out.write_all(&tail.as_bytes()[1..])?;
        out.write_all(b"]}\n")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn color_auto_follows_the_terminal_no_color_and_term() {
        use std::ffi::OsStr;
        let (a, y, n) = (ColorChoice::Auto, OsStr::new("1"), OsStr::new(""));
        // (choice, stdout is a terminal, NO_COLOR, TERM, colours?)
        type Case<'a> = (
            ColorChoice,
            bool,
            Option<&'a OsStr>,
            Option<&'a OsStr>,
            bool,
        );
        let cases: [Case<'_>; 9] = [
            (a, true, None, Some(OsStr::new("xterm-256color")), true),
            (a, true, None, None, true),
            (a, false, None, Some(OsStr::new("xterm")), false),
            (a, true, Some(y), Some(OsStr::new("xterm")), false),
            // An empty NO_COLOR does not count (no-color.org).
            (a, true, Some(n), Some(OsStr::new("xterm")), true),
            (a, true, None, Some(OsStr::new("dumb")), false),
            (
                ColorChoice::Always,
                false,
                Some(y),
                Some(OsStr::new("dumb")),
                true,
            ),
            (
                ColorChoice::Never,
                true,
                None,
                Some(OsStr::new("xterm")),
                false,
            ),
            (ColorChoice::Never, false, None, None, false),
        ];
        for (choice, tty, no_color, term, want) in cases {
            assert_eq!(
                choice.resolve(tty, no_color, term),
                want,
                "{choice:?} tty={tty} NO_COLOR={no_color:?} TERM={term:?}"
            );
        }
    }

    #[test]
    fn paint_adds_nothing_when_colours_are_off() {
        let off = Palette::new(false);
        assert_eq!(paint(off.path, "a.log"), "a.log");
        let on = Palette::new(true);
        assert_eq!(paint(on.path, "a.log"), "\x1b[35ma.log\x1b[0m");
        assert_eq!(
            paint(on.severity(Severity::Error), "error"),
            "\x1b[1m\x1b[31merror\x1b[0m"
        );
    }

    use super::*;

    /// The hand-written JSONL line is byte for byte what serde makes of `JsonLine`, whatever the
    /// path, type and value hold (quotes, backslashes, control characters, non-ASCII).
    #[test]
    fn jsonl_lines_are_the_serde_schema() {
        let eng = Engine::with_defaults();
        let kinds = [Kind::Builtin(PiiType::Email), Kind::Builtin(PiiType::Ipv4)];
        let paths = [
            "a.log",
            "dir/with \"quote\" and \\ and\ttab\u{1b}[31m.log",
            "é日.log",
            "",
        ];
        let values = ["jane@example.com", "v\"a\\l\nu\u{0}e", "ü"];
        for (k, path) in paths.iter().enumerate() {
            for show_values in [false, true] {
                let em = Emitter {
                    format: Format::Jsonl,
                    show_values,
                    engine: &eng,
                    path: (*path).to_owned(),
                    uri: String::new(),
                    palette: Palette::new(false),
                    path_json: RefCell::default(),
                    scratch: RefCell::default(),
                };
                for (j, value) in values.iter().enumerate() {
                    let r = Record {
                        kind: &kinds[(j + k) % 2],
                        start: 10 * j as u64,
                        end: u64::MAX - j as u64,
                        from: Pos {
                            line: 1 + j as u64,
                            column: 7,
                        },
                        to: Pos {
                            line: 123_456_789,
                            column: 1,
                        },
                        value,
                        suppressed: None,
                    };
                    let mut got = Vec::new();
                    em.emit(&mut got, &r).unwrap();
                    let want = JsonLine {
                        path,
                        kind: r.kind.id(),
                        start: r.start,
                        end: r.end,
                        line: r.from.line,
                        column: r.from.column,
                        end_line: r.to.line,
                        end_column: r.to.column,
                        fingerprint: eng.fingerprint(value),
                        value: show_values.then_some(value),
                    };
                    let mut want = serde_json::to_vec(&want).unwrap();
                    want.push(b'\n');
                    assert_eq!(
                        String::from_utf8(got).unwrap(),
                        String::from_utf8(want).unwrap()
                    );
                }
            }
        }
    }

    #[test]
    fn cursor_counts_lines_and_unicode_columns_across_chunks() {
        let text = "ab\né日x\n\nz".as_bytes();
        let mut c = Cursor::default();
        assert_eq!(c.advance(text, 0, 1), Pos { line: 1, column: 2 });
        // "é日" are 2 chars, 5 bytes: offset of 'x' is 3 + 5 = 8
        assert_eq!(c.advance(text, 0, 8), Pos { line: 2, column: 3 });
        assert_eq!(c.advance(text, 0, 11), Pos { line: 4, column: 1 });
        // a second chunk starting where the first ended
        let more = b"yy";
        assert_eq!(c.advance(more, 11, 13), Pos { line: 4, column: 3 });
    }

    #[test]
    fn uris_are_relative_with_forward_slashes_or_file_urls() {
        assert_eq!(
            path_to_uri(std::path::Path::new("./logs/a b.log")),
            "logs/a%20b.log"
        );
        assert_eq!(
            path_to_uri(std::path::Path::new("/var/log/x#1.log")),
            "file:///var/log/x%231.log"
        );
    }
}
