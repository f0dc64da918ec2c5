//! Reading inputs for `scan`, `redact` and `attach` (CLI and server alike): files, stdin and gzip
//! streams, fed to the engine in bounded chunks so a multi-GB log never has to fit in memory.
//!
//! The engine wants `&str`; logs are bytes and sometimes not valid UTF-8. Each chunk is handed to
//! the engine as text when it is valid (zero copy) and run by valid run when it is not, so
//! offsets stay byte offsets into the original stream either way.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use flate2::bufread::MultiGzDecoder;
use sha2::{Digest, Sha256};

use crate::engine::{Engine, Finding, Kind};

/// Bytes read from the source per step. Large enough that per-chunk overhead (engine setup,
/// validation) is noise, small enough that memory stays a few MiB.
pub const READ_CHUNK: usize = 1 << 20;

/// The first read; each next one is as large as everything read so far, up to `READ_CHUNK`.
const FIRST_READ: usize = 64 << 10;

/// A chunk the engine will not cut (a very long line, an unterminated PEM block) is allowed to
/// grow to this size; beyond it the chunk is cut at whitespace so memory stays bounded. A finding
/// straddling such a forced cut may be missed, which is why it is reported.
pub const MAX_PENDING: usize = 16 << 20;

/// How many leading bytes are checked for NUL to call a file binary (as git and ripgrep do).
const BINARY_SNIFF: usize = 8 << 10;

/// ASCII SUB ("substitute"), standing in for each invalid byte in the text view, so the view has
/// the same length (and so the same offsets) as the raw bytes.
const SUBSTITUTE: u8 = 0x1a;

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    /// The name used in output and messages.
    pub fn display(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_owned(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// An opened input: the decoded byte stream and whether it was gzip-compressed.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub gzip: bool,
}

/// Wraps a reader, transparently decompressing gzip (detected by its magic bytes, not the file
/// name, so rotated `app.log.1.gz` and piped `zcat`-less input both work).
pub fn decode<R: Read + Send + 'static>(inner: R) -> io::Result<Opened> {
    let mut buffered = BufReader::with_capacity(64 << 10, inner);
    let head = loop {
        match buffered.fill_buf() {
            Ok(b) => break b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    let gzip = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
    let reader: Box<dyn Read + Send> = if gzip {
        // Multi-member: `cat a.gz b.gz` and some log shippers produce concatenated members.
        Box::new(MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    Ok(Opened { reader, gzip })
}

pub fn open_path(path: &Path) -> io::Result<Opened> {
    decode(File::open(path)?)
}

pub fn open_stdin() -> io::Result<Opened> {
    decode(io::stdin())
}

impl Source {
    /// Opens the input, decompressing gzip.
    pub fn open(&self) -> io::Result<Opened> {
        match self {
            Source::Stdin => open_stdin(),
            Source::File(p) => open_path(p),
        }
    }

    /// Opens the input like [`Source::open`], and also hashes and counts the bytes as they are
    /// read *before* decompression (what `attach` records as the file's hash and size).
    pub fn open_tapped(&self) -> io::Result<(Opened, RawTap)> {
        let tap = RawTap::default();
        let opened = match self {
            Source::Stdin => decode(Tapped {
                inner: io::stdin(),
                tap: tap.clone(),
            })?,
            Source::File(p) => decode(Tapped {
                inner: File::open(p)?,
                tap: tap.clone(),
            })?,
        };
        Ok((opened, tap))
    }
}

/// SHA-256 and length of the raw bytes read through a [`Source::open_tapped`] reader.
#[derive(Clone, Default)]
pub struct RawTap(Arc<Mutex<(Sha256, u64)>>);

impl RawTap {
    /// (SHA-256 hex, byte count) of everything read so far.
    pub fn finish(&self) -> (String, u64) {
        let g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        (hex::encode(g.0.clone().finalize()), g.1)
    }
}

struct Tapped<R> {
    inner: R,
    tap: RawTap,
}

impl<R: Read> Read for Tapped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut g = self.tap.0.lock().unwrap_or_else(|p| p.into_inner());
        g.0.update(&buf[..n]);
        g.1 += n as u64;
        Ok(n)
    }
}

/// How an input's bytes encode its text (from its first bytes; see [`sniff`]).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (or ASCII, or bytes scanned as such).
    #[default]
    Utf8,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    /// `s` in this encoding (what a replacement is written as).
    pub fn encode(self, s: &str, out: &mut Vec<u8>) {
        match self {
            Encoding::Utf8 => out.extend_from_slice(s.as_bytes()),
            Encoding::Utf16Le => s.encode_utf16().for_each(|u| out.extend(u.to_le_bytes())),
            Encoding::Utf16Be => s.encode_utf16().for_each(|u| out.extend(u.to_be_bytes())),
        }
    }
}

/// One piece of the stream, final: its findings will not change whatever follows.
pub struct Chunk<'a> {
    /// Byte offset of `raw[0]` from the start of the (decoded) stream.
    pub base: u64,
    /// The original bytes.
    pub raw: &'a [u8],
    /// Offset of `text[0]` in the text of the whole stream (equal to `base` for UTF-8 input).
    pub text_base: u64,
    /// The text that was scanned, valid UTF-8. For UTF-8 input it has the length (and offsets) of
    /// `raw`: equal to it, except that each invalid byte is SUB and each NUL a space (NUL runs
    /// separate values, as padding does). For UTF-16 input it is the decoded text. Used for
    /// positions (line, column) and as the source of values.
    pub text: &'a str,
    /// Findings with offsets relative to `text`, sorted, non-overlapping, kind enabled.
    pub findings: &'a [Finding],
    pub encoding: Encoding,
    /// UTF-16 input: the offset in `raw` of each byte of `text`.
    map: Option<&'a [u32]>,
}

impl Chunk<'_> {
    /// The offset in `raw` where text offset `t` (a char boundary, at most `text.len()`) starts.
    pub fn raw_at(&self, t: usize) -> usize {
        match self.map {
            Some(m) if t < m.len() => m[t] as usize,
            Some(_) => self.raw.len(),
            None => t,
        }
    }

    /// The stream offset (of the input's bytes) where text offset `t` starts.
    pub fn stream_offset(&self, t: usize) -> u64 {
        self.base + self.raw_at(t) as u64
    }
}

#[derive(Debug, Default, Clone)]
pub struct StreamStats {
    /// Decoded bytes read.
    pub bytes: u64,
    /// Invalid UTF-8 sequences (maximal invalid subparts) skipped by the scan; for UTF-16 input,
    /// unpaired surrogates.
    pub invalid_sequences: usize,
    /// Times a chunk had to be cut at whitespace because the engine found no safe cut within
    /// `MAX_PENDING` bytes.
    pub forced_cuts: usize,
    /// The input is binary (see [`sniff`]) and `skip_binary` was set: nothing was scanned.
    pub binary: bool,
    /// The input was judged binary, whether skipped or scanned.
    pub detected_binary: bool,
    /// NUL bytes (or UTF-16 NUL units) in padding runs (see [`PADDING`]): scanned as spaces.
    pub nul_bytes: u64,
    pub encoding: Encoding,
}

pub struct StreamOptions<'f> {
    /// Do not scan an input [`sniff`] calls binary (`stats.binary` says it happened).
    pub skip_binary: bool,
    /// Keep a finding only if this says so (`--types`, `--exclude-types`, the configuration).
    pub keep: &'f (dyn Fn(&Kind) -> bool + Sync),
}

/// What to do with an input [`sniff`] calls binary (`--binary`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum BinaryPolicy {
    /// Skip it, with a note; the exit status is not affected.
    Skip,
    /// Scan (and redact) its text runs as if it were text.
    Scan,
    /// Report it as an error (exit 2): a binary input is never passed over silently.
    #[default]
    Error,
}

impl std::str::FromStr for BinaryPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<BinaryPolicy, String> {
        match s {
            "skip" => Ok(BinaryPolicy::Skip),
            "scan" => Ok(BinaryPolicy::Scan),
            "error" => Ok(BinaryPolicy::Error),
            _ => Err("expected skip, scan or error".into()),
        }
    }
}

/// What the first bytes of an input say it is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Detected {
    Text(Encoding),
    Binary,
}

/// Judges an input by its first bytes (up to [`BINARY_SNIFF`]):
/// - a UTF-16 byte order mark, or (without one) a zero byte in nearly every unit, always on the
///   same side, and almost never on the other: UTF-16 text (mostly-ASCII text without a BOM is
///   recognised; text mostly outside ASCII needs the BOM);
/// - no NUL at all: text (invalid UTF-8 is scanned around);
/// - NUL bytes around text (a log padded with zeros after a crash, a preallocated file): text, if
///   what is not NUL is text-like (at most 10 % control characters or invalid UTF-8: a few
///   Latin-1 bytes are text, the third or more of a binary's bytes are not);
/// - anything else with NUL bytes: binary.
pub fn sniff(head: &[u8]) -> Detected {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Detected::Text(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Detected::Text(Encoding::Utf16Be);
    }
    if memchr::memchr(0, head).is_none() {
        return Detected::Text(Encoding::Utf8);
    }
    // Units that are not NUL (a NUL unit is padding, whatever the byte order).
    let units: Vec<(u8, u8)> = head
        .chunks_exact(2)
        .map(|u| (u[0], u[1]))
        .filter(|&u| u != (0, 0))
        .collect();
    if units.len() >= 2 {
        let n = units.len();
        let even = units.iter().filter(|u| u.0 == 0).count();
        let odd = units.iter().filter(|u| u.1 == 0).count();
        if odd * 10 >= n * 7 && even * 20 <= n {
            return Detected::Text(Encoding::Utf16Le);
        }
        if even * 10 >= n * 7 && odd * 20 <= n {
            return Detected::Text(Encoding::Utf16Be);
        }
    }
    let rest: Vec<u8> = head.iter().copied().filter(|&b| b != 0).collect();
    if rest.is_empty() {
        return Detected::Text(Encoding::Utf8); // all padding so far
    }
    let controls = rest
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f)
        .count();
    let invalid: usize = rest.utf8_chunks().map(|c| c.invalid().len()).sum();
    // Text in a legacy 8-bit encoding has a few invalid bytes; a binary has a third or more.
    if (controls + invalid) * 10 <= rest.len() {
        Detected::Text(Encoding::Utf8)
    } else {
        Detected::Binary
    }
}

/// Reads `reader` to the end in bounded chunks, scanning each final chunk with `engine` and
/// handing it to `on_chunk`. Memory use is `O(READ_CHUNK + MAX_PENDING)` whatever the input size.
pub fn stream<R: Read + ?Sized>(
    reader: &mut R,
    engine: &Engine,
    opts: &StreamOptions<'_>,
    mut on_chunk: impl FnMut(&Chunk<'_>) -> io::Result<()>,
) -> io::Result<StreamStats> {
    let mut stats = StreamStats::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut sanitized: Vec<u8> = Vec::new();
    let mut base: u64 = 0;
    let mut eof = false;
    let mut sniffed = false;

    loop {
        if !eof {
            // Start small and grow: most logs in a tree are small, and zeroing a 1 MiB read
            // buffer per file would dominate scanning 10k of them.
            let want = (stats.bytes as usize).clamp(FIRST_READ, READ_CHUNK);
            let n = fill(reader, &mut buf, want)?;
            stats.bytes += n as u64;
            eof = n == 0;
        }
        if !sniffed {
            if buf.len() < BINARY_SNIFF && !eof {
                continue;
            }
            sniffed = true;
            match sniff(&buf[..buf.len().min(BINARY_SNIFF)]) {
                Detected::Binary => {
                    stats.detected_binary = true;
                    if opts.skip_binary {
                        stats.binary = true;
                        return Ok(stats);
                    }
                }
                Detected::Text(Encoding::Utf8) => {}
                Detected::Text(enc) => {
                    stats.encoding = enc;
                    return stream_utf16(reader, engine, opts, buf, eof, stats, on_chunk);
                }
            }
        }
        if buf.is_empty() {
            if eof {
                return Ok(stats);
            }
            continue;
        }

        // The text view. A multi-byte character split by the read boundary is not invalid:
        // leave it in the buffer for the next round instead of copying the chunk.
        let (view_len, valid) = match std::str::from_utf8(&buf) {
            Ok(_) => (buf.len(), true),
            Err(e) if e.error_len().is_none() && !eof => {
                let up_to = e.valid_up_to();
                // A chunk made only of an incomplete char (or a sub-chunk): read more first.
                if up_to == 0 {
                    continue;
                }
                (up_to, true)
            }
            Err(_) => (buf.len(), false),
        };
        // NUL padding separates values: the view has a space for each of its bytes.
        let padded = has_padding(&buf[..view_len]);
        let view_bytes: &[u8] = if valid && !padded {
            &buf[..view_len]
        } else {
            sanitize(&buf[..view_len], &mut sanitized);
            &sanitized[..view_len]
        };
        // Valid UTF-8 by construction (checked above, or built by `sanitize`).
        let text = match std::str::from_utf8(view_bytes) {
            Ok(t) => t,
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };

        // At the end everything is final (and insisting on it means no engine answer can make
        // this loop spin).
        let mut safe = if eof {
            text.len()
        } else {
            engine.stream_safe_len(text, eof).min(text.len())
        };
        if !text.is_char_boundary(safe) {
            // Defensive: a cut inside a character would panic below; fall back to a line end.
            safe = text[..safe].rfind('\n').map_or(0, |i| i + 1);
        }
        if safe == 0 && !eof {
            if buf.len() < MAX_PENDING {
                continue;
            }
            safe = forced_cut(text);
            stats.forced_cuts += 1;
        }
        // `stream_safe_len` cuts at line ends, and '\n' is never inside a multi-byte sequence,
        // so `raw[..safe]` does not split a character either.
        let raw = &buf[..safe];
        let chunk_text = &text[..safe];
        if padded {
            stats.nul_bytes += sanitize(raw, &mut Vec::new());
        }
        let mut findings = if valid {
            engine.scan(chunk_text)
        } else {
            let (findings, invalid) = scan_with_invalid_bytes(engine, raw);
            stats.invalid_sequences += invalid;
            findings
        };
        retain_sane(&mut findings, chunk_text, opts.keep);
        on_chunk(&Chunk {
            base,
            raw,
            text_base: base,
            text: chunk_text,
            findings: &findings,
            encoding: Encoding::Utf8,
            map: None,
        })?;
        buf.drain(..safe);
        base += safe as u64;
        if eof && buf.is_empty() {
            return Ok(stats);
        }
    }
}

/// The UTF-16 stream: decoded into UTF-8 text chunk by chunk, scanned, and handed out with the
/// map from text offsets back to the input's bytes. `buf` holds what was read so far.
fn stream_utf16<R: Read + ?Sized>(
    reader: &mut R,
    engine: &Engine,
    opts: &StreamOptions<'_>,
    mut buf: Vec<u8>,
    mut eof: bool,
    mut stats: StreamStats,
    mut on_chunk: impl FnMut(&Chunk<'_>) -> io::Result<()>,
) -> io::Result<StreamStats> {
    let big_endian = stats.encoding == Encoding::Utf16Be;
    let mut text = String::new();
    let mut map: Vec<u32> = Vec::new();
    // Bytes of `buf` decoded into `text` so far.
    let mut decoded = 0usize;
    // The byte order mark is not text: skipped (and copied through with the bytes around it).
    if buf.len() >= 2 && matches!((buf[0], buf[1]), (0xFF, 0xFE) | (0xFE, 0xFF)) {
        decoded = 2;
    }
    let (mut base, mut text_base) = (0u64, 0u64);
    loop {
        decode_utf16(
            &buf,
            &mut decoded,
            eof,
            big_endian,
            &mut text,
            &mut map,
            &mut stats,
        );
        let mut safe = if eof {
            text.len()
        } else {
            engine.stream_safe_len(&text, false).min(text.len())
        };
        if !text.is_char_boundary(safe) {
            safe = text[..safe].rfind('\n').map_or(0, |i| i + 1);
        }
        if safe == 0 && !eof && text.len() >= MAX_PENDING / 2 {
            safe = forced_cut(&text);
            stats.forced_cuts += 1;
        }
        if safe > 0 || eof {
            let raw_end = if safe < map.len() {
                map[safe] as usize
            } else {
                decoded
            };
            let chunk_text = &text[..safe];
            let mut findings = engine.scan(chunk_text);
            retain_sane(&mut findings, chunk_text, opts.keep);
            on_chunk(&Chunk {
                base,
                raw: &buf[..raw_end],
                text_base,
                text: chunk_text,
                findings: &findings,
                encoding: stats.encoding,
                map: Some(&map[..safe]),
            })?;
            buf.drain(..raw_end);
            decoded -= raw_end;
            base += raw_end as u64;
            text_base += safe as u64;
            text.drain(..safe);
            map.drain(..safe);
            for m in &mut map {
                *m -= raw_end as u32;
            }
            if eof {
                return Ok(stats);
            }
        }
        let want = (stats.bytes as usize).clamp(FIRST_READ, READ_CHUNK);
        let n = fill(reader, &mut buf, want)?;
        stats.bytes += n as u64;
        eof = n == 0;
    }
}

/// Decodes the complete UTF-16 units of `buf[*from..]` into `text` (with the offset in `buf` of
/// each text byte in `map`), leaving a unit or a surrogate pair cut by the read boundary for the
/// next round unless `eof`. An unpaired surrogate (or a lone byte at the end) becomes SUB and is
/// counted; a NUL unit becomes a space (padding separates values).
fn decode_utf16(
    buf: &[u8],
    from: &mut usize,
    eof: bool,
    big_endian: bool,
    text: &mut String,
    map: &mut Vec<u32>,
    stats: &mut StreamStats,
) {
    let unit = |i: usize| {
        let b = [buf[i], buf[i + 1]];
        if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    };
    let mut i = *from;
    let push = |c: char, at: usize, text: &mut String, map: &mut Vec<u32>| {
        let n = c.len_utf8();
        text.push(c);
        map.extend(std::iter::repeat_n(at as u32, n));
    };
    while i + 1 < buf.len() {
        let u = unit(i);
        match u {
            0 => {
                // A run of NUL units: padding (spaces) if long enough, else text.
                let mut end = i;
                while end + 1 < buf.len() && unit(end) == 0 {
                    end += 2;
                }
                let run = (end - i) / 2;
                if run < PADDING && end + 1 >= buf.len() && !eof {
                    break; // the run may go on in the next read
                }
                let c = if run >= PADDING {
                    stats.nul_bytes += run as u64;
                    ' '
                } else {
                    '\0'
                };
                for k in 0..run {
                    push(c, i + 2 * k, text, map);
                }
                i = end;
            }
            0xD800..=0xDBFF => {
                if i + 3 >= buf.len() && !eof {
                    break; // the pair's second half is still to come
                }
                let low = (i + 3 < buf.len()).then(|| unit(i + 2));
                match low {
                    Some(l @ 0xDC00..=0xDFFF) => {
                        let c = 0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(l) - 0xDC00);
                        push(char::from_u32(c).unwrap_or('\u{1a}'), i, text, map);
                        i += 4;
                    }
                    _ => {
                        stats.invalid_sequences += 1;
                        push('\u{1a}', i, text, map);
                        i += 2;
                    }
                }
            }
            0xDC00..=0xDFFF => {
                stats.invalid_sequences += 1;
                push('\u{1a}', i, text, map);
                i += 2;
            }
            _ => {
                push(
                    char::from_u32(u32::from(u)).unwrap_or('\u{1a}'),
                    i,
                    text,
                    map,
                );
                i += 2;
            }
        }
    }
    if eof && i < buf.len() {
        // A lone byte at the very end: not a unit.
        stats.invalid_sequences += 1;
        push('\u{1a}', i, text, map);
        i = buf.len();
    }
    *from = i;
}

/// Appends what one `read` gives (at most `want` bytes) to `buf`; 0 means end of input. One read,
/// not "fill up": on a pipe (`tail -f app.log | tftsr scan`) findings appear as lines arrive.
fn fill<R: Read + ?Sized>(reader: &mut R, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    let old = buf.len();
    buf.resize(old + want, 0);
    let result = loop {
        match reader.read(&mut buf[old..]) {
            Ok(n) => break Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(old + *result.as_ref().unwrap_or(&0));
    result
}

/// A run of at least this many NUL bytes is padding (a crash, a preallocated file): it separates
/// values, as a space would. A shorter run is part of the text around it (a NUL inside a value
/// is redacted with the value).
const PADDING: usize = 8;

fn has_padding(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, &[0; PADDING]).is_some()
}

/// Appends `bytes` with each padding run (see [`PADDING`]) as spaces; returns the padding bytes.
fn push_unpadded(bytes: &[u8], out: &mut Vec<u8>) -> u64 {
    let mut padding = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr(0, &bytes[i..]) {
        let start = i + k;
        let end = bytes[start..]
            .iter()
            .position(|&b| b != 0)
            .map_or(bytes.len(), |n| start + n);
        out.extend_from_slice(&bytes[i..start]);
        if end - start >= PADDING {
            out.extend(std::iter::repeat_n(b' ', end - start));
            padding += (end - start) as u64;
        } else {
            out.extend_from_slice(&bytes[start..end]);
        }
        i = end;
    }
    out.extend_from_slice(&bytes[i..]);
    padding
}

/// Text view of bytes with invalid UTF-8 or NUL padding: valid runs copied with padding as
/// spaces, each invalid byte replaced by SUB (same length, so the same offsets). Returns the
/// padding bytes.
fn sanitize(bytes: &[u8], out: &mut Vec<u8>) -> u64 {
    out.clear();
    out.reserve(bytes.len());
    let mut padding = 0;
    for chunk in bytes.utf8_chunks() {
        padding += push_unpadded(chunk.valid().as_bytes(), out);
        out.extend(std::iter::repeat_n(SUBSTITUTE, chunk.invalid().len()));
    }
    padding
}

/// Scans bytes that are not all valid UTF-8 with `Engine::scan_bytes`: invalid bytes stand as
/// SUB in the view the engine scans (the same view as `sanitize`'s), so a value with an invalid
/// byte inside is one finding whose span covers it, and nothing of it survives redaction.
/// Returns the findings and the number of invalid sequences.
/// NUL padding separates values here too (see `sanitize`): it is scanned as spaces.
fn scan_with_invalid_bytes(engine: &Engine, bytes: &[u8]) -> (Vec<Finding>, usize) {
    let r = if has_padding(bytes) {
        let mut spaced = Vec::with_capacity(bytes.len());
        push_unpadded(bytes, &mut spaced);
        engine.scan_bytes(&spaced)
    } else {
        engine.scan_bytes(bytes)
    };
    (r.findings, r.invalid_sequences)
}

/// Where to cut a chunk the engine would not cut: after the last whitespace in its second half,
/// else at the last char boundary (a single token of 16 MiB is not a log line).
fn forced_cut(text: &str) -> usize {
    let bytes = text.as_bytes();
    let half = bytes.len() / 2;
    if let Some(i) = bytes[half..].iter().rposition(|b| b.is_ascii_whitespace()) {
        return half + i + 1;
    }
    let mut cut = bytes.len();
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

/// Drops findings the user did not ask for, and defensively any that would break the sorted,
/// non-overlapping, in-bounds contract (an engine bug must not become a panic or garbled output).
fn retain_sane(findings: &mut Vec<Finding>, text: &str, keep: &(dyn Fn(&Kind) -> bool + Sync)) {
    let mut last_end = 0;
    findings.retain(|f| {
        let ok = f.start < f.end
            && f.end <= text.len()
            && f.start >= last_end
            && text.is_char_boundary(f.start)
            && text.is_char_boundary(f.end)
            && keep(&f.kind);
        if ok {
            last_end = f.end;
        }
        ok
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PiiType;

    fn collect(data: &[u8], chunked_reader: bool) -> (Vec<(u64, u64)>, StreamStats, Vec<u8>) {
        let engine = Engine::with_defaults();
        let keep = |_: &Kind| true;
        let opts = StreamOptions {
            skip_binary: false,
            keep: &keep,
        };
        // Offsets of the input's bytes.
        let mut spans = Vec::new();
        let mut seen = Vec::new();
        // A reader returning 3 bytes at a time exercises split characters and refills.
        struct Dribble<'a>(&'a [u8]);
        impl Read for Dribble<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(out.len()).min(3);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut on = |c: &Chunk<'_>| {
            seen.extend_from_slice(c.raw);
            if c.encoding == Encoding::Utf8 {
                assert_eq!(c.raw.len(), c.text.len());
            }
            for f in c.findings {
                spans.push((c.stream_offset(f.start), c.stream_offset(f.end)));
            }
            Ok(())
        };
        let stats = if chunked_reader {
            stream(&mut Dribble(data), &engine, &opts, &mut on).unwrap()
        } else {
            stream(&mut &data[..], &engine, &opts, &mut on).unwrap()
        };
        (spans, stats, seen)
    }

    #[test]
    fn chunks_cover_the_input_exactly_with_global_offsets() {
        let data = "é line one\nmail bob@example.com here\n日本 alice@example.org\n".as_bytes();
        for dribble in [false, true] {
            let (spans, stats, seen) = collect(data, dribble);
            assert_eq!(seen, data);
            assert_eq!(stats.bytes, data.len() as u64);
            let values: Vec<&str> = spans
                .iter()
                .map(|&(s, e)| std::str::from_utf8(&data[s as usize..e as usize]).unwrap())
                .collect();
            assert_eq!(values, ["bob@example.com", "alice@example.org"]);
        }
    }

    #[test]
    fn streaming_finds_exactly_what_a_whole_text_scan_finds() {
        // The example log has every type, including a multi-line PEM block that 3-byte reads
        // cut everywhere: chunking must not split, lose or shift any finding.
        let text = include_str!("../../../examples/app.log").repeat(3);
        let engine = Engine::with_defaults();
        let whole: Vec<(u64, u64, String)> = engine
            .scan(&text)
            .iter()
            .map(|f| (f.start as u64, f.end as u64, f.kind.id().to_owned()))
            .collect();
        assert!(whole.iter().any(|f| f.2 == "private_key"));
        for dribble in [false, true] {
            let (spans, _, seen) = collect(text.as_bytes(), dribble);
            assert_eq!(seen, text.as_bytes());
            let streamed: Vec<(u64, u64)> = spans;
            let expected: Vec<(u64, u64)> = whole.iter().map(|f| (f.0, f.1)).collect();
            assert_eq!(streamed, expected, "dribble={dribble}");
        }
    }

    #[test]
    fn invalid_utf8_is_counted_and_kept_in_raw() {
        let data = b"a\xff\xfeb bob@example.com\n\xc3(x@y.org\n";
        let (spans, stats, seen) = collect(data, false);
        assert_eq!(seen, data);
        assert_eq!(stats.invalid_sequences, 3);
        assert_eq!(spans, vec![(5, 20), (23, 30)]);
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
        let enc = if big_endian {
            Encoding::Utf16Be
        } else {
            Encoding::Utf16Le
        };
        enc.encode(text, &mut out);
        out
    }

    #[test]
    fn utf16_is_decoded_with_offsets_of_the_input_bytes() {
        // An emoji (a surrogate pair) and a NUL unit; 3-byte reads cut units and pairs apart.
        let text = "é 😀 mail bob@example.com\r\nnext\0\0\0\0\0\0\0\0\0\0alice@example.org\n";
        for be in [false, true] {
            for bom in [false, true] {
                let data = utf16(text, be, bom);
                let (spans, stats, seen) = collect(&data, true);
                assert_eq!(seen, data, "raw chunks cover the input");
                assert_eq!(
                    stats.encoding,
                    if be {
                        Encoding::Utf16Be
                    } else {
                        Encoding::Utf16Le
                    }
                );
                assert_eq!(stats.nul_bytes, 10);
                let values: Vec<String> = spans
                    .iter()
                    .map(|&(s, e)| {
                        let units: Vec<u16> = data[s as usize..e as usize]
                            .chunks(2)
                            .map(|c| {
                                if be {
                                    u16::from_be_bytes([c[0], c[1]])
                                } else {
                                    u16::from_le_bytes([c[0], c[1]])
                                }
                            })
                            .collect();
                        String::from_utf16(&units).unwrap()
                    })
                    .collect();
                assert_eq!(
                    values,
                    ["bob@example.com", "alice@example.org"],
                    "be={be} bom={bom}"
                );
            }
        }
    }

    #[test]
    fn an_unpaired_surrogate_is_counted_and_scanned_around() {
        let mut data = utf16("mail bob@example.com ", false, true);
        data.extend_from_slice(&0xD800u16.to_le_bytes()); // a high surrogate and no low one
        data.extend_from_slice(&utf16(" x@y.org\n", false, false));
        let (spans, stats, _) = collect(&data, true);
        assert_eq!(stats.invalid_sequences, 1);
        assert_eq!(spans.len(), 2);
    }

    #[test]
    fn sniff_tells_padded_text_utf16_and_binary_apart() {
        let mut padded = vec![0u8; 4096];
        padded.extend_from_slice(b"2026-11-29 ERROR user bob@example.com\n");
        padded.extend(vec![0u8; 3000]);
        assert_eq!(sniff(&padded), Detected::Text(Encoding::Utf8));
        assert_eq!(sniff(&[0; 100]), Detected::Text(Encoding::Utf8));
        assert_eq!(sniff(b"plain text\n"), Detected::Text(Encoding::Utf8));
        let le = utf16("2026-11-29 ERROR user bob@example.com\n", false, false);
        assert_eq!(sniff(&le), Detected::Text(Encoding::Utf16Le));
        let be = utf16("2026-11-29 ERROR user bob@example.com\n", true, false);
        assert_eq!(sniff(&be), Detected::Text(Encoding::Utf16Be));
        assert_eq!(
            sniff(&[0xFF, 0xFE, 0x3D, 0x04]),
            Detected::Text(Encoding::Utf16Le)
        );
        let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0".to_vec();
        elf.extend((0..2000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
        assert_eq!(sniff(&elf), Detected::Binary);
    }

    #[test]
    fn nul_padding_separates_values_and_keeps_offsets() {
        let data = b"user=bob@example.com\0\0\0\0\0\0\0\0alice@example.org\0\0\0\0\0\0\0\0\0\n";
        let (spans, stats, seen) = collect(data, false);
        assert_eq!(seen, data);
        assert_eq!(stats.nul_bytes, 17);
        assert_eq!(spans, vec![(5, 20), (28, 45)]);
        // A lone NUL is not padding: inside a value, it is redacted with it.
        let data = b"login password=Zq9!\0que-planted-78 user=bob\n";
        let (spans, stats, _) = collect(data, false);
        assert_eq!(stats.nul_bytes, 0);
        assert_eq!(spans, vec![(15, 34)]);
    }

    #[test]
    fn sanitize_keeps_length() {
        let mut out = Vec::new();
        sanitize(b"ok\xe2\x82 \xffz", &mut out);
        assert_eq!(out, b"ok\x1a\x1a \x1az");
    }

    #[test]
    fn forced_cut_prefers_whitespace_and_char_boundaries() {
        assert_eq!(forced_cut("aaaa bbbb"), 5);
        let s = "ééééé";
        let cut = forced_cut(s);
        assert!(s.is_char_boundary(cut) && cut > 0);
    }

    #[test]
    fn retain_sane_drops_overlaps_and_out_of_bounds() {
        let text = "0123456789";
        let mut f = vec![
            Finding::new(PiiType::Email, 0, 4),
            Finding::new(PiiType::Email, 2, 6),
            Finding::new(PiiType::Ipv4, 6, 8),
            Finding::new(PiiType::Email, 8, 20),
        ];
        retain_sane(&mut f, text, &|k: &Kind| k.id() != "ipv4");
        assert_eq!(f, vec![Finding::new(PiiType::Email, 0, 4)]);
    }
}
