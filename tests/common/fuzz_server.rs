//! The server's fuzzing invariants (positions, the document model, gzip input, the LSP
//! transport): one `check_*` function per fuzz target, each taking the fuzzer's raw bytes and
//! panicking when an invariant breaks. The fuzz targets (`fuzz/fuzz_targets/`) call them; the
//! normal test suite replays the committed seeds and every crash ever found
//! (`fuzz/regressions/`) through them, so a crash stays fixed.
//!
//! Include with `#[path]` next to `fuzz_engine.rs` (as `super::fuzz_engine`).
#![allow(dead_code)]

use std::io::{Cursor, Read, Write};

use ropey::Rope;
use serde_json::{json, Value};
use tftsr::app::input::{decode, stream, Encoding as InputEncoding, StreamOptions};
use tftsr::engine::{Engine, Finding, Kind};
use tftsr::lsp::document::{merge, Doc, ScanJob};
use tftsr::lsp::position::{
    offset_to_position, position_to_offset, range_to_span, Encoding, PositionError, Walker,
};
use tower_lsp_server::ls_types::{Position, Range as LspRange, TextDocumentContentChangeEvent};

use super::fuzz_engine::{assert_findings, engine};

// ---------------------------------------------------------------------------------------------
// Positions

/// One line of a text by the LSP's definition (ends at `\n`, `\r\n` or `\r`).
pub struct RefLine {
    pub start: usize,
    /// Content end (before the terminator).
    pub end: usize,
}

/// The reference line table, written independently of ropey.
pub fn ref_lines(text: &str) -> Vec<RefLine> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                out.push(RefLine { start, end: i });
                start = i + 1;
            }
            b'\r' => {
                out.push(RefLine { start, end: i });
                if b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(RefLine {
        start,
        end: b.len(),
    });
    out
}

fn col(text: &str, line: &RefLine, byte: usize, enc: Encoding) -> u32 {
    let s = &text[line.start..byte];
    match enc {
        Encoding::Utf8 => s.len() as u32,
        Encoding::Utf16 => s.encode_utf16().count() as u32,
    }
}

/// The reference conversion position → byte offset (LSP rules: a column past the line's end is
/// its end; a line past the last is an error; a column inside a character is an error).
pub fn ref_position_to_offset(
    text: &str,
    lines: &[RefLine],
    p: Position,
    enc: Encoding,
) -> Option<usize> {
    let l = lines.get(p.line as usize)?;
    let mut units = 0u32;
    for (i, c) in text[l.start..l.end].char_indices() {
        if units == p.character {
            return Some(l.start + i);
        }
        let w = match enc {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
        };
        if p.character < units + w {
            return None; // inside this character
        }
        units += w;
    }
    Some(l.end)
}

/// Target `position`: every char boundary of the text converts to the reference (line, column)
/// in UTF-16 and UTF-8, back to itself, and the same through the `Walker`; positions the fuzzer
/// picks convert like the reference (clamped to the line end, errors inside characters and past
/// the last line).
pub fn check_position(data: &[u8]) {
    let text = String::from_utf8_lossy(&data[..data.len().min(1 << 12)]);
    let text = text.as_ref();
    let rope = Rope::from_str(text);
    let lines = ref_lines(text);
    assert_eq!(rope.len_lines(), lines.len(), "line count");
    for enc in [Encoding::Utf16, Encoding::Utf8] {
        let mut walker = Walker::new(&rope, enc);
        for (li, l) in lines.iter().enumerate() {
            // Columns counted on from the line start, one character at a time.
            let mut column = 0u32;
            let chars = text[l.start..l.end]
                .char_indices()
                .map(|(i, c)| (l.start + i, Some(c)));
            for (b, c) in chars.chain(std::iter::once((l.end, None))) {
                let want = Position::new(li as u32, column);
                assert_eq!(
                    offset_to_position(&rope, b, enc),
                    want,
                    "{enc:?} offset {b}"
                );
                assert_eq!(walker.position(b), want, "{enc:?} walker at {b}");
                assert_eq!(
                    position_to_offset(&rope, want, enc),
                    Ok(b),
                    "{enc:?} back from {want:?}"
                );
                if let Some(c) = c {
                    column += match enc {
                        Encoding::Utf8 => c.len_utf8() as u32,
                        Encoding::Utf16 => c.len_utf16() as u32,
                    };
                }
            }
        }
        // Positions from the fuzzer's bytes: (line, column) pairs.
        for w in data.chunks(3).take(64) {
            let line = *w.first().unwrap_or(&0) as u32 % (lines.len() as u32 + 2);
            let character =
                u16::from_le_bytes([*w.get(1).unwrap_or(&0), *w.get(2).unwrap_or(&0)]) as u32 % 300;
            let p = Position::new(line, character);
            let got = position_to_offset(&rope, p, enc);
            match (ref_position_to_offset(text, &lines, p, enc), &got) {
                (Some(b), Ok(g)) => assert_eq!(*g, b, "{enc:?} {p:?}"),
                (None, Err(PositionError::LineOutOfRange { .. }))
                    if line as usize >= lines.len() => {}
                (None, Err(PositionError::InsideCharacter { .. }))
                    if (line as usize) < lines.len() => {}
                (want, got) => panic!("{enc:?} {p:?}: reference {want:?}, got {got:?}"),
            }
            if let Ok(b) = got {
                let back = offset_to_position(&rope, b, enc);
                let l = &lines[line as usize];
                let clamped = character.min(col(text, l, l.end, enc));
                assert_eq!(
                    back,
                    Position::new(line, clamped),
                    "{enc:?} {p:?} round trip"
                );
                // A range from here to the line's end is a span, reversed it is an error.
                let end = Position::new(line, u32::MAX);
                assert!(range_to_span(&rope, LspRange::new(p, end), enc).is_ok());
                if b < l.end {
                    assert!(matches!(
                        range_to_span(&rope, LspRange::new(end, p), enc),
                        Err(PositionError::Reversed { .. })
                    ));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The document model

/// Reads the fuzzer's bytes as a sequence of choices (like `arbitrary::Unstructured`, without
/// the dependency, so the normal test suite replays the same decisions).
pub struct Choices<'a>(pub &'a [u8]);

impl Choices<'_> {
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let v = if n <= 256 {
            self.byte() as usize
        } else {
            u16::from_le_bytes([self.byte(), self.byte()]) as usize
        };
        v % n
    }
    pub fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Pieces an edit is made of: the bytes that make and break findings.
const SNIPPETS: &[&str] = &[
    "a",
    " ",
    "\n",
    "\r\n",
    "\r",
    "é",
    "日本",
    "😀",
    "@",
    ".",
    ":",
    "=",
    "\"",
    "-",
    "0",
    "4",
    "bob@example.com",
    "example.org",
    " password=",
    "hunter2-Correct-Horse",
    "10.1.2.3",
    "4111 1111 1111 1111",
    "123-45-6789",
    "ghp_U8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oool8D",
    "AKIA2JVQ5RZ7HXKM4TNW",
    "Bearer 4I0b3jRtaWr4Y9OJFLJOqOAf1lLQSAJaiXnkU8Is ",
    "-----BEGIN RSA PRIVATE KEY-----\n",
    "MIIEowIBAAKCAQEAq3ZQk1Jf8rYV0tq1rXqGd4nHnE7Qv0o2\n",
    "-----END RSA PRIVATE KEY-----\n",
    "https://u:p4ss@db.example.com/x",
];

fn edit_text(c: &mut Choices<'_>) -> String {
    let mut s = String::new();
    for _ in 0..=c.below(4) {
        match c.byte() {
            b @ 0..=200 => s.push_str(SNIPPETS[b as usize % SNIPPETS.len()]),
            n => {
                let n = (n - 200) as usize % 12;
                s.push_str(&String::from_utf8_lossy(c.bytes(n)));
            }
        }
    }
    s
}

fn position_in(c: &mut Choices<'_>, text: &str, lines: &[RefLine], enc: Encoding) -> Position {
    let line = c.below(lines.len() + 1);
    let width = lines
        .get(line)
        .map_or(0, |l| col(text, l, l.end, enc) as usize);
    Position::new(line as u32, c.below(width + 3) as u32)
}

/// A scan taken from the document and not merged yet.
struct Pending {
    job: ScanJob,
    full: bool,
}

fn run_pending(doc: &mut Doc, engine: &Engine, p: Pending) {
    let res = p.job.run(engine, &|_, _| true);
    merge(doc, res);
}

fn take(doc: &mut Doc) -> Option<Pending> {
    ScanJob::take(doc).map(|job| {
        let full = job.is_full();
        Pending { job, full }
    })
}

/// Finishes every scan in flight, then scans until the document has nothing left to scan,
/// and compares with the reference text and a fresh full scan.
fn settle(doc: &mut Doc, engine: &Engine, pending: &mut Vec<Pending>, reference: &str) {
    for p in pending.drain(..) {
        run_pending(doc, engine, p);
    }
    let mut rounds = 0;
    while let Some(p) = take(doc) {
        run_pending(doc, engine, p);
        rounds += 1;
        assert!(rounds < 100, "scans never settle");
    }
    assert!(
        doc.rope == reference,
        "the document's text differs from the edits applied to a string"
    );
    let full = engine.scan(reference);
    assert_findings(reference, doc.findings(), "document findings");
    if doc.findings() != full {
        let lost = full.iter().filter(|f| !doc.findings().contains(f)).count();
        let extra = doc.findings().iter().filter(|f| !full.contains(f)).count();
        panic!(
            "after edits and rescans the document has {} findings, a full scan {} ({lost} lost, {extra} stale)",
            doc.findings().len(),
            full.len()
        );
    }
}

/// Target `lsp_document`: a text and a sequence of edits (any range, valid or not, in either
/// encoding, several per change, full replacements), scans started and merged in any order and
/// configuration changes. The document's text always equals the same edits applied to a
/// string (a change with a bad range changes nothing), and once its scans settle its findings
/// equal a full scan of that text: no finding is ever lost or left stale.
pub fn check_document(data: &[u8]) {
    // TFTSR_FUZZ_TRACE=1 prints each step (to understand a crash file; never set in tests).
    let trace = std::env::var_os("TFTSR_FUZZ_TRACE").is_some();
    let engine = engine();
    let mut c = Choices(data);
    let enc = if c.byte() & 1 == 0 {
        Encoding::Utf16
    } else {
        Encoding::Utf8
    };
    let n = c.below(2048);
    let mut reference = String::from_utf8_lossy(c.bytes(n)).into_owned();
    let mut doc = Doc::new(reference.clone(), 0, "log".into(), true);
    let mut pending: Vec<Pending> = Vec::new();
    let mut version = 0;
    let mut steps = 0;
    while !c.is_empty() && steps < 200 {
        steps += 1;
        match c.byte() % 8 {
            0..=2 => {
                // One didChange of one to three content changes, applied in order.
                let mut changes = Vec::new();
                let mut staged = reference.clone();
                let mut ok = true;
                for _ in 0..=c.below(3) {
                    let full = c.byte() == 0xff;
                    let lines = ref_lines(&staged);
                    let a = position_in(&mut c, &staged, &lines, enc);
                    let b = if c.byte() & 3 == 0 {
                        a
                    } else {
                        position_in(&mut c, &staged, &lines, enc)
                    };
                    let text = edit_text(&mut c);
                    if full {
                        staged = text.clone();
                        changes.push(TextDocumentContentChangeEvent {
                            range: None,
                            range_length: None,
                            text,
                        });
                        continue;
                    }
                    match (
                        ref_position_to_offset(&staged, &lines, a, enc),
                        ref_position_to_offset(&staged, &lines, b, enc),
                    ) {
                        (Some(s), Some(e)) if s <= e => staged.replace_range(s..e, &text),
                        _ => ok = false,
                    }
                    changes.push(TextDocumentContentChangeEvent {
                        range: Some(LspRange::new(a, b)),
                        range_length: None,
                        text,
                    });
                }
                version += 1;
                let before = doc.rope.clone();
                let r = doc.apply_changes(version, &changes, enc);
                if trace {
                    eprintln!(
                        "edit {changes:?} -> {r:?}; text now {:?}",
                        doc.rope.to_string()
                    );
                }
                assert_eq!(
                    r.is_ok(),
                    ok,
                    "apply_changes accepted {} a change the reference {}",
                    if r.is_ok() { "" } else { "not" },
                    if ok { "accepts" } else { "refuses" }
                );
                if ok {
                    reference = staged;
                } else {
                    assert!(doc.rope == before, "a refused change modified the document");
                }
            }
            3 | 4 => {
                if let Some(p) = take(&mut doc) {
                    if trace {
                        eprintln!("scan taken (full: {}, job {})", p.full, p.job.id);
                    }
                    pending.push(p);
                }
            }
            5 | 6 => {
                if !pending.is_empty() {
                    let p = pending.remove(c.below(pending.len()));
                    if trace {
                        eprintln!("scan merged (full: {}, job {})", p.full, p.job.id);
                    }
                    run_pending(&mut doc, engine, p);
                }
            }
            _ => {
                if trace {
                    eprintln!(
                        "configuration change or settle; findings {:?}",
                        doc.findings()
                    );
                }
                if c.byte() & 7 == 0 {
                    // What `Backend::rescan_all` does on a configuration change.
                    doc.new_epoch();
                } else {
                    settle(&mut doc, engine, &mut pending, &reference);
                }
            }
        }
    }
    settle(&mut doc, engine, &mut pending, &reference);
}

// ---------------------------------------------------------------------------------------------
// gzip and streamed input

/// Decoded bytes are capped so a small bomb cannot exhaust the fuzzer's memory.
pub const DECODED_CAP: u64 = 4 << 20;

pub struct Streamed {
    pub raw: Vec<u8>,
    /// The scanned text of every chunk, in order (for UTF-8 input as long as `raw`).
    pub text: String,
    /// Finding spans in `text`.
    pub spans: Vec<(usize, usize, Kind)>,
    pub gzip: bool,
    /// The input was UTF-8 (not UTF-16 by its byte order mark or shape).
    pub utf8: bool,
    pub forced_cuts: usize,
}

/// The CLI's input path: open (gzip detected by magic), stream in chunks, scan each.
pub fn stream_input(bytes: Vec<u8>) -> std::io::Result<Streamed> {
    let opened = decode(Cursor::new(bytes))?;
    let gzip = opened.gzip;
    let mut reader = opened.reader.take(DECODED_CAP);
    let keep = |_: &Kind| true;
    let opts = StreamOptions {
        skip_binary: false,
        keep: &keep,
    };
    let mut raw = Vec::new();
    let mut text = String::new();
    let mut spans = Vec::new();
    let stats = stream(&mut reader, engine(), &opts, |ch| {
        assert_eq!(ch.base as usize, raw.len(), "chunks are not contiguous");
        assert_eq!(
            ch.text_base as usize,
            text.len(),
            "texts are not contiguous"
        );
        // UTF-8 input is scanned in place (same offsets); UTF-16 input as its decoded text.
        if ch.encoding == InputEncoding::Utf8 {
            assert_eq!(ch.raw.len(), ch.text.len());
        }
        assert_findings(ch.text, ch.findings, "chunk");
        for f in ch.findings {
            spans.push((
                ch.text_base as usize + f.start,
                ch.text_base as usize + f.end,
                f.kind.clone(),
            ));
            // Every finding maps to bytes of this chunk's input.
            assert!(ch.raw_at(f.start) <= ch.raw_at(f.end) && ch.raw_at(f.end) <= ch.raw.len());
        }
        raw.extend_from_slice(ch.raw);
        text.push_str(ch.text);
        Ok(())
    })?;
    assert_eq!(
        stats.bytes as usize,
        raw.len(),
        "bytes read differ from bytes emitted"
    );
    Ok(Streamed {
        raw,
        text,
        spans,
        gzip,
        utf8: stats.encoding == InputEncoding::Utf8,
        forced_cuts: stats.forced_cuts,
    })
}

fn gzip(members: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(m).unwrap();
        out.extend(e.finish().unwrap());
    }
    out
}

/// The input path's contract for NUL (`app::input`): a run of 8 or more is padding and stands
/// as spaces (it separates values); a shorter run is part of the text around it.
fn unpadded(raw: &[u8]) -> Vec<u8> {
    let mut out = raw.to_vec();
    let mut i = 0;
    while i < out.len() {
        if out[i] != 0 {
            i += 1;
            continue;
        }
        let end = out[i..]
            .iter()
            .position(|&c| c != 0)
            .map_or(out.len(), |n| i + n);
        if end - i >= 8 {
            out[i..end].fill(b' ');
        }
        i = end;
    }
    out
}

fn spans_of(findings: &[Finding]) -> Vec<(usize, usize, Kind)> {
    findings
        .iter()
        .map(|f| (f.start, f.end, f.kind.clone()))
        .collect()
}

/// Target `gzip_input`: arbitrary bytes through the CLI's input path. Whatever they are (plain,
/// gzip, corrupt gzip, a bomb), it never panics; what it emits is exactly the decoded stream,
/// in contiguous chunks, and its findings equal a whole-buffer `scan_bytes`. The same bytes
/// compressed (one member, or two split where the fuzzer says) give the same findings.
pub fn check_gzip(data: &[u8]) {
    let direct = stream_input(data.to_vec());
    let is_gz = data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    let reference: std::io::Result<Vec<u8>> = if is_gz {
        let mut v = Vec::new();
        flate2::read::MultiGzDecoder::new(data)
            .take(DECODED_CAP)
            .read_to_end(&mut v)
            .map(|_| v)
    } else {
        Ok(data[..data.len().min(DECODED_CAP as usize)].to_vec())
    };
    match (&direct, &reference) {
        (Ok(s), Ok(r)) => {
            assert_eq!(s.gzip, is_gz);
            assert!(s.raw == *r, "streamed bytes differ from the decoded input");
            if s.forced_cuts == 0 {
                // UTF-8: the raw bytes scanned whole; UTF-16: the decoded text scanned whole.
                let whole = if s.utf8 {
                    engine().scan_bytes(&unpadded(r)).findings
                } else {
                    engine().scan(&s.text)
                };
                assert_eq!(
                    s.spans,
                    spans_of(&whole),
                    "streamed findings differ from a whole scan"
                );
            }
        }
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => {
            panic!("a stream the reference cannot decode ({e}) was read without error")
        }
        (Err(e), Ok(_)) => panic!("a stream the reference decodes failed: {e}"),
    }
    if is_gz || data.len() > DECODED_CAP as usize {
        return;
    }
    let plain = direct.expect("plain input always reads");
    let split = if data.is_empty() {
        0
    } else {
        data[0] as usize % (data.len() + 1)
    };
    for gz in [gzip(&[data]), gzip(&[&data[..split], &data[split..]])] {
        let s = stream_input(gz).expect("our own gzip must decode");
        assert!(s.gzip);
        assert!(
            s.raw == plain.raw,
            "gzip-decoded bytes differ from the plain input"
        );
        if s.forced_cuts == 0 && plain.forced_cuts == 0 {
            assert_eq!(
                s.spans, plain.spans,
                "findings through gzip differ from plain input"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The LSP transport and message handling

/// The value planted in the opened document: it must never come back in any message.
pub const PLANTED: &str = "Fz9kQ2-planted-secret-77";

/// Separates the pieces of the `framed` mode (each piece is one honestly framed message).
pub const PIECE_SEP: &[u8] = b"\xfe\xfe";

/// One session: the bytes sent to the server, and what the answers must contain.
pub struct Session {
    pub input: Vec<u8>,
    /// Ids of requests that must each get a response.
    pub expect_ids: Vec<Value>,
    /// Bodies that are not JSON: each must get a parse error (-32700) with id null.
    pub expect_parse_errors: usize,
    pub check_leak: bool,
}

fn frame(body: &[u8], style: u8) -> Vec<u8> {
    let head = match style % 4 {
        1 => format!(
            "Content-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
            body.len()
        ),
        2 => format!("content-length:{}\n\n", body.len()),
        3 => format!(
            "Content-Type: x\r\nCONTENT-LENGTH:  {} \r\n\r\n",
            body.len()
        ),
        _ => format!("Content-Length: {}\r\n\r\n", body.len()),
    };
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

fn msg(v: Value) -> Vec<u8> {
    frame(&serde_json::to_vec(&v).unwrap(), 0)
}

/// Inputs that would make the server write files (commands, the store) are not this target's:
/// the fuzzer must not create databases or files wherever a path in its bytes points. (The
/// store and the file commands have their own tests.) Escapes are refused too, since `\u0065`
/// could spell a refused method.
pub fn refused(data: &[u8]) -> bool {
    let lower = data.to_ascii_lowercase();
    [&b"executecommand"[..], b"\\u", b"database"]
        .iter()
        .any(|w| memchr::memmem::find(&lower, w).is_some())
}

fn id_of(v: &Value) -> Option<Value> {
    match v.get("id") {
        Some(Value::Number(n)) if n.is_i64() => Some(Value::Number(n.clone())),
        Some(Value::String(s)) => Some(Value::String(s.clone())),
        _ => None,
    }
}

/// Builds the session for the fuzzer's bytes, or None for inputs this target refuses.
/// `data[0]`: bit 0 picks the mode (0: the bytes are sent raw; 1: they are pieces separated by
/// `PIECE_SEP`, each sent as one honestly framed message whose first byte picks the header
/// style), bit 1 skips the prologue (initialize, initialized, didOpen of a log with a planted
/// secret).
pub fn lsp_session(data: &[u8]) -> Option<Session> {
    if refused(data) {
        return None;
    }
    let (&mode, rest) = data.split_first()?;
    let mut s = Session {
        input: Vec::new(),
        expect_ids: Vec::new(),
        expect_parse_errors: 0,
        check_leak: memchr::memmem::find(data, &PLANTED.as_bytes()[..6]).is_none(),
    };
    if mode & 2 == 0 {
        s.input.extend(msg(
            json!({"jsonrpc": "2.0", "id": "fuzz-init", "method": "initialize",
            "params": {"processId": null, "rootUri": null, "capabilities": {}}}),
        ));
        s.input.extend(msg(
            json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        ));
        let text = format!(
            "2026-11-28T09:15:13.004Z WARN login failed for user=bob password={PLANTED} from 192.168.1.24\n\
             2026-11-28T09:15:13.010Z INFO mail to jane.doe@example.com ok\n"
        );
        s.input.extend(msg(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": "file:///fuzz/app.log", "languageId": "log", "version": 1, "text": text}}})));
        s.expect_ids.push(json!("fuzz-init"));
    }
    if mode & 1 == 0 {
        s.input.extend_from_slice(rest);
        return Some(s);
    }
    let mut exited = false;
    let mut pieces = Vec::new();
    let mut rest = rest;
    loop {
        match memchr::memmem::find(rest, PIECE_SEP) {
            Some(i) => {
                pieces.push(&rest[..i]);
                rest = &rest[i + PIECE_SEP.len()..];
            }
            None => {
                pieces.push(rest);
                break;
            }
        }
    }
    for p in pieces {
        let (style, body) = p.split_first().map_or((0, &[][..]), |(a, b)| (*a, b));
        s.input.extend(frame(body, style));
        if exited {
            continue;
        }
        match serde_json::from_slice::<Value>(body) {
            Err(_) => s.expect_parse_errors += 1,
            Ok(v) => {
                if v.get("method").and_then(Value::as_str) == Some("exit") {
                    exited = true;
                } else if v.get("method").is_some() {
                    if let Some(id) = id_of(&v) {
                        s.expect_ids.push(id);
                    }
                }
            }
        }
    }
    Some(s)
}

/// Splits the server's output into frames; every one must be well framed JSON-RPC 2.0.
pub fn output_messages(out: &[u8]) -> Vec<Value> {
    let mut msgs = Vec::new();
    let mut rest = out;
    while !rest.is_empty() {
        let end =
            memchr::memmem::find(rest, b"\r\n\r\n").expect("an output frame without a header end");
        let head = std::str::from_utf8(&rest[..end]).expect("an output header that is not UTF-8");
        let len: usize = head
            .strip_prefix("Content-Length: ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("an output header without Content-Length: {head:?}"));
        let body = &rest[end + 4..];
        assert!(
            body.len() >= len,
            "an output frame shorter than its Content-Length"
        );
        let v: Value =
            serde_json::from_slice(&body[..len]).expect("an output body that is not JSON");
        assert_eq!(
            v.get("jsonrpc"),
            Some(&json!("2.0")),
            "an output message without jsonrpc 2.0"
        );
        msgs.push(v);
        rest = &body[len..];
    }
    msgs
}

/// The invariants on what the server wrote for a session.
pub fn verify_session(s: &Session, out: &[u8]) {
    let msgs = output_messages(out);
    if s.check_leak {
        assert!(
            memchr::memmem::find(out, PLANTED.as_bytes()).is_none(),
            "the planted value came back in a server message"
        );
    }
    let responses: Vec<&Value> = msgs.iter().filter(|m| m.get("method").is_none()).collect();
    for id in &s.expect_ids {
        assert!(
            responses.iter().any(|r| r.get("id") == Some(id)),
            "request {id} got no response ({} responses in all)",
            responses.len()
        );
    }
    let parse_errors = responses
        .iter()
        .filter(|r| r["id"].is_null() && r["error"]["code"] == json!(-32700))
        .count();
    assert!(
        parse_errors >= s.expect_parse_errors,
        "{} bodies that are not JSON got {parse_errors} parse errors",
        s.expect_parse_errors
    );
}

/// Collects what the server writes.
#[derive(Clone, Default)]
pub struct Sink(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl tokio::io::AsyncWrite for Sink {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.0.lock().unwrap().extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Runs a session in this process on a runtime with a paused clock (so the server's debounce
/// and shutdown grace periods cost no real time) and returns what the server wrote. (Fuzz
/// builds only: the paused clock needs tokio's `test-util`; the test suite runs `tftsr lsp`.)
#[cfg(fuzzing)]
pub fn run_in_process(input: &[u8]) -> Vec<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let sink = Sink::default();
    let out = sink.clone();
    rt.block_on(tftsr::lsp::serve_io(input, sink, None));
    drop(rt);
    let v = out.0.lock().unwrap().clone();
    v
}

/// Target `lsp_transport`: arbitrary byte streams (raw, or honestly framed arbitrary bodies)
/// into the server's transport. The server never dies or hangs; everything it writes is well
/// framed JSON-RPC; every request gets its response and every body that is not JSON its parse
/// error; the value in the opened document never comes back.
///
/// The process must point `TFTSR_DATA_DIR` at a scratch directory first (a code action resolve
/// writes an audit entry to the store): the fuzz target does; tests run `tftsr lsp` instead.
#[cfg(fuzzing)]
pub fn check_lsp_transport(data: &[u8]) {
    if let Some(s) = lsp_session(data) {
        let out = run_in_process(&s.input);
        verify_session(&s, &out);
    }
}
