//! "Analyze this log": a redacted excerpt of a log for a prompt. The lines with findings (the
//! places where users, hosts and credentials show up) and error lines, each with a few lines of
//! context, up to a size budget; or the lines of a selection. The whole input is scanned as one
//! stream (bounded memory, a PEM block across lines is one finding) and redacted before any line
//! is kept, so no excerpt line ever holds a value, whatever the cut.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::ops::RangeInclusive;

use crate::app::engines::Scanner;
use crate::app::input::{self, StreamOptions};
use crate::engine::redact::Redactor;
use crate::store::Counts;

/// Words that make a line worth showing even without a finding (case-insensitive).
const ERROR_WORDS: [&str; 11] = [
    "error",
    "exception",
    "fail",
    "fatal",
    "panic",
    "critical",
    "traceback",
    "denied",
    "refused",
    "timeout",
    "timed out",
];

#[derive(Clone, Debug)]
pub struct ExcerptOptions {
    /// Lines of context before and after each interesting line.
    pub context: usize,
    /// Most bytes of excerpt text (the model's context is not free).
    pub max_bytes: usize,
    /// Only these lines (1-based, inclusive): a selection. None: findings and errors.
    pub lines: Option<RangeInclusive<u64>>,
}

impl Default for ExcerptOptions {
    fn default() -> Self {
        ExcerptOptions {
            context: 2,
            max_bytes: 16 << 10,
            lines: None,
        }
    }
}

/// The excerpt: numbered, redacted lines (`  12 | text`), `…` between runs.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Excerpt {
    pub text: String,
    pub lines_kept: usize,
    pub total_lines: u64,
    /// Interesting lines left out for the budget.
    pub omitted: usize,
    /// No line was interesting: the excerpt is the log's last lines.
    pub tail: bool,
    /// Redacted by type, in the kept lines and the rest alike.
    pub counts: Counts,
}

struct Line {
    no: u64,
    text: String,
    interesting: bool,
}

struct Picker<'o> {
    opts: &'o ExcerptOptions,
    out: Excerpt,
    before: VecDeque<Line>,
    tail: VecDeque<Line>,
    tail_bytes: usize,
    after: usize,
    last_emitted: u64,
    full: bool,
    any: bool,
}

impl Picker<'_> {
    fn emit(&mut self, l: &Line) {
        let row = format!("{:>6} | {}\n", l.no, l.text);
        if self.out.text.len() + row.len() > self.opts.max_bytes {
            self.full = true;
            return;
        }
        if self.last_emitted != 0 && l.no > self.last_emitted + 1 {
            self.out.text.push_str("     … |\n");
        }
        self.out.text.push_str(&row);
        self.out.lines_kept += 1;
        self.last_emitted = l.no;
    }

    fn push(&mut self, l: Line) {
        self.out.total_lines = l.no;
        let interesting = match &self.opts.lines {
            Some(r) => r.contains(&l.no),
            None => l.interesting,
        };
        if self.opts.lines.is_none() && !self.any && !interesting {
            // Kept in case nothing is interesting: then the excerpt is the log's end.
            self.tail_bytes += l.text.len() + 10;
            self.tail.push_back(Line {
                no: l.no,
                text: l.text.clone(),
                interesting: false,
            });
            while self.tail_bytes > self.opts.max_bytes {
                match self.tail.pop_front() {
                    Some(t) => self.tail_bytes -= t.text.len() + 10,
                    None => break,
                }
            }
        }
        if interesting {
            if !self.any {
                self.tail.clear();
            }
            self.any = true;
            if self.full {
                self.out.omitted += 1;
                return;
            }
            while let Some(b) = self.before.pop_front() {
                self.emit(&b);
            }
            self.emit(&l);
            if self.full {
                self.out.omitted += 1;
            }
            self.after = if self.opts.lines.is_some() {
                0
            } else {
                self.opts.context
            };
            return;
        }
        if self.after > 0 && !self.full {
            self.after -= 1;
            self.emit(&l);
            return;
        }
        if self.opts.lines.is_some() || self.opts.context == 0 {
            return;
        }
        if self.before.len() == self.opts.context {
            self.before.pop_front();
        }
        self.before.push_back(l);
    }

    fn finish(mut self) -> Excerpt {
        if !self.any && self.opts.lines.is_none() {
            self.out.tail = true;
            let tail = std::mem::take(&mut self.tail);
            for l in tail {
                self.emit(&l);
            }
        }
        self.out
    }
}

/// Builds the excerpt of a stream: scanned with `scanner`, redacted with `redactor`.
pub fn excerpt(
    reader: &mut dyn Read,
    scanner: &Scanner,
    redactor: &Redactor<'_>,
    opts: &ExcerptOptions,
) -> io::Result<Excerpt> {
    let mut p = Picker {
        opts,
        out: Excerpt::default(),
        before: VecDeque::new(),
        tail: VecDeque::new(),
        tail_bytes: 0,
        after: 0,
        last_emitted: 0,
        full: false,
        any: false,
    };
    let keep = |k: &crate::engine::Kind| scanner.keeps(k);
    let sopts = StreamOptions {
        skip_binary: false,
        keep: &keep,
    };
    // The line being built (redacted so far), carried across chunks.
    let mut cur = String::new();
    let mut cur_finding = false;
    let mut no: u64 = 0;
    let mut counts = Counts::new();
    let mut push_line = |p: &mut Picker<'_>, text: &mut String, finding: bool| {
        no += 1;
        let line = std::mem::take(text);
        let line = line.strip_suffix('\r').map(str::to_owned).unwrap_or(line);
        let lower = line.to_ascii_lowercase();
        let interesting = finding || ERROR_WORDS.iter().any(|w| lower.contains(w));
        p.push(Line {
            no,
            text: line,
            interesting,
        });
    };
    let mut push_text = |p: &mut Picker<'_>, cur: &mut String, cur_finding: &mut bool, t: &str| {
        let mut rest = t;
        while let Some(i) = rest.find('\n') {
            cur.push_str(&rest[..i]);
            push_line(p, cur, *cur_finding);
            *cur_finding = false;
            rest = &rest[i + 1..];
        }
        cur.push_str(rest);
    };
    input::stream(reader, &scanner.engine, &sopts, |chunk| {
        let mut pos = 0;
        for (f, e) in chunk
            .findings
            .iter()
            .zip(redactor.plan(chunk.text, chunk.findings))
        {
            push_text(
                &mut p,
                &mut cur,
                &mut cur_finding,
                &chunk.text[pos..e.start],
            );
            // A multi-line finding (a PEM block) becomes one token on the line it starts on.
            cur.push_str(&e.replacement);
            cur_finding = true;
            *counts.entry(f.kind.id().to_owned()).or_default() += 1;
            pos = e.end;
        }
        push_text(&mut p, &mut cur, &mut cur_finding, &chunk.text[pos..]);
        Ok(())
    })?;
    if !cur.is_empty() {
        push_line(&mut p, &mut cur, cur_finding);
    }
    let mut out = p.finish();
    // Invalid bytes are SUB (0x1a) in the text view; say so rather than send control bytes.
    out.text = out.text.replace('\u{1a}', "\u{fffd}");
    out.counts = counts;
    Ok(out)
}
