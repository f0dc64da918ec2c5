//! The progress bar of `tftsr scan` and `tftsr redact` (indicatif), on stderr.
//!
//! Shown only when stderr is a terminal (and `TERM` is not `dumb`), and not with `--quiet` or
//! `--no-progress`; otherwise there is no bar at all, so a run into a pipe or a file does no
//! work for it (not a hidden bar counting bytes: nothing). It shows bytes read of the total where
//! the size is known (a spinner and the bytes read for stdin or a gzip stream), the rate, and for
//! several inputs how many are done: never a file's contents, a value or a file name.
//!
//! Everything else written to the terminal while the bar is up goes through it
//! ([`Progress::suspend`], [`Suspend`]), so lines are never drawn over the bar or torn by it.

use std::io::{self, IsTerminal, Read, Write};

use indicatif::{ProgressBar, ProgressBarIter, ProgressDrawTarget, ProgressFinish, ProgressStyle};

use crate::app::input::{self, Opened, Source};

/// A progress bar on the terminal; cheap to clone (all clones draw one bar).
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

/// Whether a bar may be drawn: stderr a terminal that can redraw a line, and not asked to be
/// silent.
pub fn wanted(quiet: bool, no_progress: bool) -> bool {
    !quiet
        && !no_progress
        && io::stderr().is_terminal()
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

impl Progress {
    /// A bar for `total` bytes (None: unknown, a spinner), or None when not [`wanted`].
    /// `verb` says what is done ("scanning", "redacting"), `status` what [`Progress::set_message`]
    /// later updates ("0/12 files ", or nothing).
    pub fn start(wanted: bool, verb: &str, total: Option<u64>, status: String) -> Option<Progress> {
        if !wanted {
            return None;
        }
        let template = match total {
            // `{msg}`: "3/12 files " with several inputs. The bar takes what the line leaves.
            Some(_) => format!(
                "{{spinner}} {verb} {{msg}}{{bytes}}/{{total_bytes}} [{{wide_bar}}] {{percent}}% \
                 {{binary_bytes_per_sec}} eta {{eta}}"
            ),
            None => format!("{{spinner}} {verb} {{msg}}{{bytes}} {{binary_bytes_per_sec}}"),
        };
        let style = ProgressStyle::with_template(&template)
            .expect("the progress templates are valid")
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr_with_hz(10))
            .with_style(style)
            .with_message(status)
            // Also when a run ends on an error: the bar goes before the error is printed.
            .with_finish(ProgressFinish::AndClear);
        // Drawn at once (then at most ten times a second), not at the first byte read: a run
        // waiting for its input (stdin) shows that it is.
        bar.force_draw();
        Some(Progress { bar })
    }

    /// The reader, counting the bytes it reads on the bar.
    pub fn wrap<R: Read>(&self, reader: R) -> ProgressBarIter<R> {
        self.bar.wrap_read(reader)
    }

    /// `done` bytes read in all.
    pub fn set_position(&self, done: u64) {
        self.bar.set_position(done);
    }

    /// `more` bytes to read besides the total (an input read a second time).
    pub fn add_to_total(&self, more: u64) {
        self.bar.inc_length(more);
    }

    /// After the bytes, a short status ("3/12 files"): counts only, never a name or a value.
    pub fn set_message(&self, msg: String) {
        self.bar.set_message(msg);
    }

    /// Runs `f` (which writes to the terminal) with the bar out of the way, then redraws it.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the bar from the terminal: what follows (the summary) is printed as without it.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Opens the input as [`Source::open`] does, its bytes (before decompression: what the files'
/// sizes count) counted on the bar if there is one.
pub fn open(source: &Source, progress: Option<&Progress>) -> io::Result<Opened> {
    match (progress, source) {
        (None, _) => source.open(),
        (Some(p), Source::Stdin) => input::decode(p.wrap(io::stdin())),
        (Some(p), Source::File(path)) => input::decode(p.wrap(std::fs::File::open(path)?)),
    }
}

/// The size of a regular file (None for stdin, a FIFO, or what cannot be read), and whether it
/// is gzip-compressed (by its magic bytes, as [`input::decode`] decides; a FIFO is never read
/// here: its bytes would be lost).
pub fn regular_size(source: &Source) -> Option<(u64, bool)> {
    let Source::File(path) = source else {
        return None;
    };
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    let mut magic = [0u8; 2];
    let gzip = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == [0x1f, 0x8b]);
    Some((meta.len(), gzip))
}

/// Runs `f` with the bar (if any) out of the way: for a note or an error on stderr mid-run.
pub fn suspended<R>(progress: Option<&Progress>, f: impl FnOnce() -> R) -> R {
    match progress {
        Some(p) => p.suspend(f),
        None => f(),
    }
}

/// A writer to stdout that takes the bar out of the way while it writes, when stdout is the
/// terminal too (into a file or a pipe it writes straight through).
pub struct Suspend<W> {
    inner: W,
    bar: Option<Progress>,
}

impl<W: Write> Suspend<W> {
    pub fn new(inner: W, progress: Option<&Progress>) -> Self {
        let bar = progress.filter(|_| io::stdout().is_terminal()).cloned();
        Suspend { inner, bar }
    }
}

impl<W: Write> Write for Suspend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &self.bar {
            None => self.inner.write(buf),
            Some(p) => {
                let inner = &mut self.inner;
                // All of it at once (with its flush): the bar is redrawn once per write.
                p.suspend(|| inner.write_all(buf).and_then(|()| inner.flush()))?;
                Ok(buf.len())
            }
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &self.bar {
            None => self.inner.write_all(buf),
            Some(_) => self.write(buf).map(|_| ()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
