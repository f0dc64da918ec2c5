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

/// One piece of the stream, final: its findings will not change whatever follows.
pub struct Chunk<'a> {
    /// Byte offset of `raw[0]` from the start of the (decoded) stream.
    pub base: u64,
    /// The original bytes.
    pub raw: &'a [u8],
    /// Same length as `raw`; equal to it when valid UTF-8, else each invalid byte is replaced by
    /// SUB. Used for positions (line, column) and as the source of values.
    pub text: &'a str,
    /// Findings with offsets relative to `raw`, sorted, non-overlapping, kind enabled.
    pub findings: &'a [Finding],
}

#[derive(Debug, Default, Clone)]
pub struct StreamStats {
    /// Decoded bytes read.
    pub bytes: u64,
    /// Invalid UTF-8 sequences (maximal invalid subparts) skipped by the scan.
    pub invalid_sequences: usize,
    /// Times a chunk had to be cut at whitespace because the engine found no safe cut within
    /// `MAX_PENDING` bytes.
    pub forced_cuts: usize,
    /// The input looked binary (NUL in its first bytes) and `skip_binary` was set: nothing was
    /// scanned.
    pub binary: bool,
    /// NUL bytes seen in the first bytes (reported even when the input is processed anyway).
    pub looks_binary: bool,
}

pub struct StreamOptions<'f> {
    pub skip_binary: bool,
    /// Keep a finding only if this says so (`--types`, `--exclude-types`, the configuration).
    pub keep: &'f (dyn Fn(&Kind) -> bool + Sync),
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
            let head = &buf[..buf.len().min(BINARY_SNIFF)];
            stats.looks_binary = memchr::memchr(0, head).is_some();
            if stats.looks_binary && opts.skip_binary {
                stats.binary = true;
                return Ok(stats);
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
            Err(_) => {
                sanitize(&buf, &mut sanitized);
                (buf.len(), false)
            }
        };
        let view_bytes: &[u8] = if valid {
            &buf[..view_len]
        } else {
            &sanitized[..view_len]
        };
        // Both branches are valid UTF-8 by construction (checked above, or built by `sanitize`).
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
            text: chunk_text,
            findings: &findings,
        })?;
        buf.drain(..safe);
        base += safe as u64;
        if eof && buf.is_empty() {
            return Ok(stats);
        }
    }
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

/// Text view of invalid UTF-8: valid runs copied, each invalid byte replaced by SUB.
fn sanitize(bytes: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.extend_from_slice(chunk.valid().as_bytes());
        out.extend(std::iter::repeat_n(SUBSTITUTE, chunk.invalid().len()));
    }
}

/// Scans bytes that are not all valid UTF-8 with `Engine::scan_bytes`: invalid bytes stand as
/// SUB in the view the engine scans (the same view as `sanitize`'s), so a value with an invalid
/// byte inside is one finding whose span covers it, and nothing of it survives redaction.
/// Returns the findings and the number of invalid sequences.
fn scan_with_invalid_bytes(engine: &Engine, bytes: &[u8]) -> (Vec<Finding>, usize) {
    let r = engine.scan_bytes(bytes);
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
            assert_eq!(c.raw.len(), c.text.len());
            for f in c.findings {
                spans.push((c.base + f.start as u64, c.base + f.end as u64));
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
