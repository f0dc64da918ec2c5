//! `tftsr redact --diff`: a unified diff of what a redaction would change, written nowhere else.
//!
//! A plain diff of the original against the redacted copy would print every original value: the
//! very thing the tool protects, into a terminal, a CI log or a ticket. So the `-` side shows the
//! original line with each value masked (one `*` per character: where it is and how long, not
//! what), and the `+` side is the line as the redaction writes it. `--show-values` (as for
//! `scan`) shows the originals on the `-` side for a user who asks.
//!
//! Streamed: lines are read chunk by chunk (`input::stream`), hunks are built as findings come
//! (three lines of context, hunks closer than that merged), and a hunk is cut after
//! [`MAX_HUNK_LINES`] so memory stays bounded on a log with a finding on every line.

use std::collections::VecDeque;
use std::io::{self, Write};

use super::escape;
use super::output::{paint, Palette};
use crate::app::engines::Scanner;
use crate::app::input::{self, BinaryPolicy, Source, StreamOptions, StreamStats};
use crate::engine::redact::{Redactor, Style};

const CONTEXT: usize = 3;
/// A hunk holds at most about this many lines before it is written out (the next one starts
/// where it ended).
const MAX_HUNK_LINES: usize = 10_000;

pub struct DiffOptions {
    pub style: Style,
    /// How the style is named in the header.
    pub style_name: String,
    pub key: [u8; 32],
    pub show_values: bool,
    pub binary: BinaryPolicy,
    pub palette: Palette,
}

/// What the diff saw (counts by type, lines changed).
#[derive(Debug, Default)]
pub struct DiffReport {
    pub counts: std::collections::BTreeMap<String, u64>,
    pub lines_changed: u64,
    pub stats: StreamStats,
}

pub enum DiffError {
    /// The input could not be read (name and cause in the message).
    Input(String),
    /// Our own output failed (a closed pipe …).
    Output(io::Error),
}

/// One line shown in a hunk.
struct Line {
    mark: char,
    text: String,
}

struct Hunk {
    old_start: u64,
    new_start: u64,
    old_len: u64,
    new_len: u64,
    lines: Vec<Line>,
    /// Context lines after the last change, not yet known to be inside the hunk.
    trailing: Vec<String>,
}

struct Writer<'w> {
    out: &'w mut dyn Write,
    palette: Palette,
    /// The last context lines before any open hunk, with their old line number.
    before: VecDeque<String>,
    hunk: Option<Hunk>,
    /// 1-based line numbers of the next line, in the original and in the redacted text.
    old_line: u64,
    new_line: u64,
}

impl Writer<'_> {
    fn context(&mut self, text: String) -> io::Result<()> {
        self.old_line += 1;
        self.new_line += 1;
        match &mut self.hunk {
            Some(h) => {
                h.trailing.push(text);
                if h.trailing.len() > 2 * CONTEXT {
                    self.close()?;
                }
            }
            None => {
                self.before.push_back(text);
                if self.before.len() > CONTEXT {
                    self.before.pop_front();
                }
            }
        }
        Ok(())
    }

    fn change(&mut self, minus: Vec<String>, plus: Vec<String>) -> io::Result<()> {
        let (old_n, new_n) = (minus.len() as u64, plus.len() as u64);
        let hunk = match &mut self.hunk {
            Some(h) => {
                for t in h.trailing.drain(..) {
                    h.old_len += 1;
                    h.new_len += 1;
                    h.lines.push(Line { mark: ' ', text: t });
                }
                h
            }
            None => {
                let n = self.before.len() as u64;
                let lines: Vec<Line> = self
                    .before
                    .drain(..)
                    .map(|t| Line { mark: ' ', text: t })
                    .collect();
                self.hunk.insert(Hunk {
                    old_start: self.old_line - n,
                    new_start: self.new_line - n,
                    old_len: n,
                    new_len: n,
                    lines,
                    trailing: Vec::new(),
                })
            }
        };
        hunk.old_len += old_n;
        hunk.new_len += new_n;
        hunk.lines
            .extend(minus.into_iter().map(|t| Line { mark: '-', text: t }));
        hunk.lines
            .extend(plus.into_iter().map(|t| Line { mark: '+', text: t }));
        self.old_line += old_n;
        self.new_line += new_n;
        if hunk.lines.len() >= MAX_HUNK_LINES {
            self.close()?;
        }
        Ok(())
    }

    /// Writes the open hunk with up to [`CONTEXT`] of its trailing lines; the rest become the
    /// leading context of the next.
    fn close(&mut self) -> io::Result<()> {
        let Some(mut h) = self.hunk.take() else {
            return Ok(());
        };
        let keep = h.trailing.len().min(CONTEXT);
        let rest: Vec<String> = h.trailing.split_off(keep);
        for t in h.trailing.drain(..) {
            h.old_len += 1;
            h.new_len += 1;
            h.lines.push(Line { mark: ' ', text: t });
        }
        let p = self.palette;
        writeln!(
            self.out,
            "{}",
            paint(
                p.note,
                format!(
                    "@@ -{} +{} @@",
                    range(h.old_start, h.old_len),
                    range(h.new_start, h.new_len)
                )
            )
        )?;
        for l in &h.lines {
            let line = format!("{}{}", l.mark, l.text);
            let style = match l.mark {
                '-' => p.error,
                '+' => p.number,
                _ => anstyle::Style::new(),
            };
            writeln!(self.out, "{}", paint(style, line))?;
        }
        self.before = rest.into_iter().rev().take(CONTEXT).rev().collect();
        Ok(())
    }
}

/// `start,len` as unified diffs write it (an empty range starts at the line before).
fn range(start: u64, len: u64) -> String {
    match len {
        1 => start.to_string(),
        0 => format!("{},0", start.saturating_sub(1)),
        n => format!("{start},{n}"),
    }
}

/// The lines of `text` (each without its line end), escaped for the terminal.
fn shown_lines(text: &str) -> Vec<String> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n')
        .map(|l| escape::name(l.strip_suffix('\r').unwrap_or(l)).into_owned())
        .collect()
}

/// Writes the diff of `source` redacted in `opts.style` to `out`, headers first.
pub fn diff(
    source: &Source,
    scanner: &Scanner,
    opts: &DiffOptions,
    out: &mut dyn Write,
) -> Result<DiffReport, DiffError> {
    let name = source.display();
    let mut opened = source
        .open()
        .map_err(|e| DiffError::Input(format!("cannot read {name}: {e}")))?;
    let engine = &scanner.engine;
    let redactor = Redactor::new(engine, opts.style, opts.key);
    let masker = Redactor::new(engine, Style::Mask, opts.key);
    let keep = |k: &crate::engine::Kind| scanner.keeps(k);
    let stream_opts = StreamOptions {
        skip_binary: opts.binary != BinaryPolicy::Scan,
        keep: &keep,
    };
    let shown = escape::name(&name).into_owned();
    let p = opts.palette;
    let mut header_written = false;
    let mut report = DiffReport::default();
    let mut w = Writer {
        out,
        palette: p,
        before: VecDeque::new(),
        hunk: None,
        old_line: 1,
        new_line: 1,
    };
    let mut write_error: Option<io::Error> = None;
    let result = input::stream(&mut opened.reader, engine, &stream_opts, |chunk| {
        let mut run = || -> io::Result<()> {
            let text = chunk.text;
            let findings = chunk.findings;
            if !findings.is_empty() && !header_written {
                header_written = true;
                writeln!(w.out, "{}", paint(p.kind, format!("--- {shown}")))?;
                writeln!(
                    w.out,
                    "{}",
                    paint(
                        p.kind,
                        format!("+++ {shown} (redacted, style {})", opts.style_name)
                    )
                )?;
            }
            let mut i = 0; // next finding
            let mut pos = 0; // start of the next line
            while pos < text.len() {
                let line_end = text[pos..].find('\n').map_or(text.len(), |e| pos + e + 1);
                if i >= findings.len() || findings[i].start >= line_end {
                    w.context(shown_lines(&text[pos..line_end]).remove(0))?;
                    pos = line_end;
                    continue;
                }
                // A block of lines: up to the end of the line where the last finding touching
                // it ends (a value may span lines: a PEM key, a quoted password).
                let mut end = line_end;
                let first = i;
                while i < findings.len() && findings[i].start < end {
                    if findings[i].end > end {
                        end = text[findings[i].end..]
                            .find('\n')
                            .map_or(text.len(), |e| findings[i].end + e + 1);
                    }
                    i += 1;
                }
                let block = &text[pos..end];
                let rebased: Vec<crate::engine::Finding> = findings[first..i]
                    .iter()
                    .map(|f| {
                        let mut f = f.clone();
                        f.start -= pos;
                        f.end -= pos;
                        f
                    })
                    .collect();
                for f in &rebased {
                    *report.counts.entry(f.kind.id().to_owned()).or_default() += 1;
                }
                let minus_text = if opts.show_values {
                    block.to_owned()
                } else {
                    crate::engine::redact::apply(block, &masker.plan(block, &rebased))
                };
                let plus_text =
                    crate::engine::redact::apply(block, &redactor.plan(block, &rebased));
                let mut minus = shown_lines(&minus_text);
                let mut plus = shown_lines(&plus_text);
                // Lines of the block that the redaction leaves as they are (a private key's
                // BEGIN and END lines, which every style keeps) are context, not changes.
                let orig = shown_lines(block);
                let n = orig.len().min(plus.len());
                let head = (0..n).take_while(|&k| orig[k] == plus[k]).count();
                let tail = (0..n - head)
                    .take_while(|&k| orig[orig.len() - 1 - k] == plus[plus.len() - 1 - k])
                    .count();
                let after_minus = minus.split_off(minus.len() - tail);
                plus.truncate(plus.len() - tail);
                let changed_minus = minus.split_off(head);
                let changed_plus = plus.split_off(head);
                for line in minus {
                    w.context(line)?;
                }
                report.lines_changed += changed_minus.len() as u64;
                if !(changed_minus.is_empty() && changed_plus.is_empty()) {
                    w.change(changed_minus, changed_plus)?;
                }
                for line in after_minus {
                    w.context(line)?;
                }
                pos = end;
            }
            Ok(())
        };
        run().map_err(|e| {
            write_error = Some(e);
            io::Error::other("output failed")
        })
    });
    if let Some(e) = write_error {
        return Err(DiffError::Output(e));
    }
    report.stats = result.map_err(|e| {
        DiffError::Input(if opened.gzip {
            format!("cannot decompress {name}: {e}")
        } else {
            format!("read error in {name}: {e}")
        })
    })?;
    w.close().map_err(DiffError::Output)?;
    w.out.flush().map_err(DiffError::Output)?;
    Ok(report)
}
