//! `tftsr redact`: write a redacted copy of a log, streaming in bounded memory (`app::redact`).
//!
//! File outputs go to a temporary file in the destination directory that is renamed over the
//! destination only once complete and synced, so an interrupted run (Ctrl-C, full disk, crash)
//! never leaves a half-written log, and `--in-place` never loses the original.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::bail;

use super::bug::{catch_bug, install_panic_hook};
use super::output::Palette;
use super::progress::{self, Progress, Suspend};
use super::redact_diff::{diff, DiffError, DiffOptions};
use super::select::{report_configs, Selection};
use crate::app::engines::legacy_fingerprint_warnings;
use crate::app::input::{BinaryPolicy, Encoding, Source, MAX_PENDING};
use crate::app::keys;
use crate::app::limits::Limits;
use crate::app::output::OutputError;
use crate::app::redact::{
    check_in_place, gzip_by_name, redact_limited, Dest, RedactError, RedactJob, RedactReport,
};
use crate::engine::redact::Style;

const EXAMPLES: &str = "\
Examples:
  tftsr redact app.log -o app.clean.log            e-mails become [Email], and so on
  tftsr redact app.log --in-place --style mask     same file, values masked with *
  tftsr redact app.log.gz -o app.clean.log         .gz in, plain out
  tftsr redact app.log.gz -o app.clean.log.gz      .gz in, .gz out (decided by the -o name)
  kubectl logs pod | tftsr redact > clean.log      stdin to stdout
  tftsr redact --style pseudonym app.log -o out.log   [Email-3f9a1c2b7d4e5f6071]: same value, same token
  vector … | tftsr redact --jsonl --field message     JSON lines: redact the message field
  tftsr redact app.log --dry-run                   counts per type of what would be redacted
  tftsr redact app.log --diff | less -R            the lines that would change, values masked

Styles:
  tag        [Email], [IPv4], [Password] …  (default)
  mask       one * per character, so columns stay aligned
  partial    keeps what support needs: ****-****-****-1111, j***@example.com
  pseudonym  [Email-3f9a1c2b7d4e5f6071], keyed HMAC-SHA-256 with a secret kept in the local store, so a
             redacted log still shows that two lines concern the same user or host

A summary of what was redacted (counts by type, never values) goes to stderr.
--dry-run and --diff write nothing (no -o file, no --in-place change): --dry-run prints the
counts, --diff a unified diff whose `-` lines show each value masked (one * per character;
--show-values shows the originals) and whose `+` lines are what the redaction writes.
Exit status: 0 done, 2 an error (the destination is then left untouched).";

#[derive(clap::Args, Debug)]
#[command(
    long_about = "Write a redacted copy of a log: every finding of `tftsr scan` is replaced in the \
                  chosen style, everything else is copied byte for byte (invalid UTF-8 included). \
                  The log is streamed, so memory stays bounded whatever its size.",
    after_long_help = EXAMPLES
)]
pub struct Args {
    /// Log to redact; `-` or nothing reads stdin (.gz is decompressed transparently)
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    /// Write here instead of stdout (gzip-compressed if the name ends in .gz)
    #[arg(long, short = 'o', value_name = "OUT", conflicts_with = "in_place")]
    pub output: Option<PathBuf>,

    /// Replace PATH with its redacted version (atomically; permissions kept)
    #[arg(long, short = 'i')]
    pub in_place: bool,

    /// Overwrite OUT if it exists (refused otherwise); with --in-place, replace a file that has
    /// other hard links (they keep the unredacted content)
    #[arg(long)]
    pub force: bool,

    /// A binary input (see docs/cli.md): error (exit 2, nothing written), skip (nothing written),
    /// or scan (redact its text runs)
    #[arg(long, value_name = "WHAT", default_value = "error",
          value_parser = ["skip", "scan", "error"])]
    pub binary: String,

    /// Replacement style
    #[arg(long, short = 's', default_value = "tag", value_name = "STYLE",
          value_parser = ["tag", "mask", "partial", "pseudonym"])]
    pub style: String,

    #[command(flatten)]
    pub select: Selection,

    /// No summary and no progress bar on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// No progress bar (shown on stderr while redacting when stderr is a terminal: bytes read of
    /// the file's size, a spinner for stdin and gzip; never any text of the log; not with --diff)
    #[arg(long)]
    pub no_progress: bool,

    /// Input is JSON lines (a log shipper's events): redact the string values of --field (every
    /// string value without --field), keep the rest byte for byte, one line out per line in
    #[arg(long, conflicts_with = "in_place")]
    pub jsonl: bool,

    /// With --jsonl: a field to redact (repeatable; `a.b` for a nested field; every string
    /// inside it, nested objects and arrays included)
    #[arg(long = "field", value_name = "NAME", requires = "jsonl")]
    pub fields: Vec<String>,

    /// Write nothing: print what would be redacted (counts per type, never values)
    #[arg(long, conflicts_with = "jsonl")]
    pub dry_run: bool,

    /// Write nothing: print a unified diff of the lines that would change, each value masked on
    /// the `-` side (see --show-values)
    #[arg(long, conflicts_with = "jsonl")]
    pub diff: bool,

    /// With --diff: show the original values on the `-` side (the diff is then as sensitive as
    /// the log)
    #[arg(long, requires = "diff")]
    pub show_values: bool,

    /// Colours in --diff output: auto (stdout a terminal and NO_COLOR unset), always, never
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = super::output::ColorChoice::Auto)]
    pub color: super::output::ColorChoice,

    /// With --jsonl: drop lines that are not valid JSON (default: copy them through unchanged,
    /// unredacted); counted either way
    #[arg(long, requires = "jsonl")]
    pub drop_malformed: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    // A bug panics with a message naming only the code location; the temp file is dropped
    // (removed) while unwinding, so the destination is untouched, and the exit status is 2.
    install_panic_hook();
    let name = args
        .path
        .as_ref()
        .map_or_else(|| "<stdin>".to_owned(), |p| p.display().to_string());
    catch_bug(&name, || redact(args)).unwrap_or_else(|bug| Err(anyhow::anyhow!(bug)))
}

fn redact(args: Args) -> anyhow::Result<i32> {
    let style: Style = args.style.parse().map_err(anyhow::Error::msg)?;
    let source = match &args.path {
        None => Source::Stdin,
        Some(p) if p.as_os_str() == "-" => Source::Stdin,
        Some(p) => Source::File(p.clone()),
    };
    if source == Source::Stdin && io::stdin().is_terminal() {
        bail!("nothing to redact: give a file (`tftsr redact app.log -o clean.log`) or pipe a log into stdin");
    }
    let (scanner, engines) = args.select.scanner_for(&source)?;
    if args.dry_run || args.diff {
        return preview(&args, &source, &scanner, &engines, style);
    }
    let key = keys::redaction_key(style, || keys::open_store(None))?;
    if args.jsonl {
        return super::redact_jsonl::run(&args, &source, &scanner, style, key);
    }
    // The pseudonym style uses the store's secret: that redaction is audited (hashes, counts).
    let audited = style == Style::Pseudonym;
    let job = RedactJob {
        scanner: &scanner,
        style,
        key,
        hashes: audited,
        binary: args.binary.parse().map_err(anyhow::Error::msg)?,
    };
    let name = source.display();
    // For the summary and notes (a name cannot drive the terminal).
    let shown = super::escape::name(&name).into_owned();
    let bar = start_progress(&args, &source);
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(256 << 10, Suspend::new(stdout.lock(), bar.as_ref()));
    let dest = match (&args.output, args.in_place) {
        (_, true) => {
            if let Source::File(p) = &source {
                check_in_place(p, args.force).map_err(|e| {
                    anyhow::anyhow!("{e}; nothing changed (--force replaces it anyway)")
                })?;
            }
            Dest::InPlace
        }
        (Some(out), _) if out.as_os_str() != "-" => Dest::File {
            target: out.clone(),
            gzip: gzip_by_name(out),
            overwrite: args.force,
        },
        _ => Dest::Writer(&mut w),
    };
    let report = redact_with(&source, dest, &job, bar.as_ref())
        .map_err(|e| describe(e, &source, args.in_place))?;
    if audited {
        if let (Some(before), Some(after)) = (&report.sha_before, &report.sha_after) {
            let counts = report
                .counts
                .iter()
                .map(|(k, v)| (k.clone(), *v as usize))
                .collect();
            keys::open_store(None)?.record_file_redaction(before, after, &counts)?;
        }
    }
    drop(w);
    if let Some(b) = &bar {
        b.finish();
    }
    let written_to = report.written_to.as_ref().map_or_else(
        || "stdout".to_owned(),
        |p| super::escape::name(&p.display().to_string()).into_owned(),
    );

    if !args.quiet {
        for w in legacy_fingerprint_warnings(&scanner.engine) {
            eprintln!("tftsr: warning: {w}");
        }
        report_configs(&engines);
        let total = report.findings;
        let by_type: Vec<String> = report
            .counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let detail = if by_type.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_type.join(", "))
        };
        eprintln!(
            "tftsr: redacted {total} value{}{detail} from {shown} into {written_to} (style {})",
            if total == 1 { "" } else { "s" },
            args.style
        );
        let stats = &report.stats;
        if stats.invalid_sequences > 0 {
            eprintln!(
                "tftsr: note: {shown}: {} invalid UTF-8 sequences skipped (copied unchanged)",
                stats.invalid_sequences
            );
        }
        if stats.forced_cuts > 0 {
            eprintln!(
                "tftsr: note: {shown}: {} stretches over {} MiB without a line break were scanned \
                 in pieces; a value across a cut may have been missed",
                stats.forced_cuts,
                MAX_PENDING >> 20
            );
        }
        if report.skipped_binary {
            eprintln!("tftsr: note: {shown}: binary file skipped (--binary skip): nothing written");
        } else if stats.detected_binary {
            eprintln!("tftsr: note: {shown}: binary file, its text redacted (--binary scan)");
        } else if stats.nul_bytes > 0 {
            eprintln!(
                "tftsr: note: {shown}: {} NUL bytes (padding) copied unchanged; the text between \
                 them was redacted",
                stats.nul_bytes
            );
        }
        if stats.encoding != Encoding::Utf8 {
            eprintln!(
                "tftsr: note: {shown}: {} text, redacted in the same encoding",
                encoding_name(stats.encoding)
            );
        }
    }
    Ok(0)
}

/// `--dry-run` / `--diff`: what the redaction would do, nothing written, no store touched
/// (but for the pseudonym secret a `--diff` in that style shows tokens with).
fn preview(
    args: &Args,
    source: &Source,
    scanner: &crate::app::engines::Scanner,
    engines: &crate::app::engines::Engines,
    style: Style,
) -> anyhow::Result<i32> {
    let binary: BinaryPolicy = args.binary.parse().map_err(anyhow::Error::msg)?;
    let name = source.display();
    let shown = super::escape::name(&name).into_owned();
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(256 << 10, stdout.lock());
    let (counts, lines, stats) = if args.diff {
        // Only the `+` side of the pseudonym style needs the secret; the other styles none.
        let key = keys::redaction_key(style, || keys::open_store(None))?;
        let opts = DiffOptions {
            style,
            style_name: args.style.clone(),
            key,
            show_values: args.show_values,
            binary,
            palette: Palette::new(args.color.for_stdout()),
        };
        match diff(source, scanner, &opts, &mut out) {
            Ok(r) => (r.counts, Some(r.lines_changed), r.stats),
            Err(DiffError::Input(m)) => bail!(m),
            Err(DiffError::Output(e)) => return Err(e.into()),
        }
    } else {
        // The real redaction into nowhere: exactly the counts a run would report. The tag style
        // needs no secret, and the counts are the same in every style.
        let job = RedactJob {
            scanner,
            style: Style::Tag,
            key: [0; 32],
            hashes: false,
            binary,
        };
        let mut sink = io::sink();
        let bar = start_progress(args, source);
        let r = redact_with(source, Dest::Writer(&mut sink), &job, bar.as_ref());
        if let Some(b) = &bar {
            b.finish();
        }
        let r = r.map_err(|e| match e {
            RedactError::Binary(n) => anyhow::anyhow!(
                "{n} is a binary file: it would not be redacted (--binary scan redacts its \
                 text, --binary skip skips it)"
            ),
            // Not an --in-place run, whatever it was asked with: never "replacing in place".
            other => describe(other, source, false),
        })?;
        (r.counts, None, r.stats)
    };
    if stats.binary && binary == BinaryPolicy::Error {
        bail!(
            "{shown} is a binary file: it would not be redacted (--binary scan redacts its text, \
             --binary skip skips it)"
        );
    }
    let total: u64 = counts.values().sum();
    if args.dry_run && !args.diff {
        let w = counts.keys().map(|k| k.len()).max().unwrap_or(0).max(4);
        for (k, v) in &counts {
            writeln!(out, "{k:<w$}  {v:>8}")?;
        }
        writeln!(out, "{:<w$}  {total:>8}", "total")?;
    }
    out.flush()?;
    drop(out);
    if !args.quiet {
        report_configs(engines);
        let by_type: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let detail = if by_type.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_type.join(", "))
        };
        let lines = lines.map_or_else(String::new, |n| {
            format!(" on {n} line{}", if n == 1 { "" } else { "s" })
        });
        let unwritten = match (&args.output, args.in_place) {
            (_, true) => format!("; {shown} not changed"),
            (Some(o), _) if o.as_os_str() != "-" => format!(
                "; {} not written",
                super::escape::name(&o.display().to_string())
            ),
            _ => String::new(),
        };
        eprintln!(
            "tftsr: would redact {total} value{}{detail}{lines} from {shown} (style {}); nothing \
             written{unwritten}",
            if total == 1 { "" } else { "s" },
            args.style
        );
        if stats.binary {
            eprintln!("tftsr: note: {shown}: binary file skipped (--binary skip)");
        }
    }
    Ok(0)
}

/// A redaction's error in the CLI's words (the flags it names are the CLI's).
fn describe(e: RedactError, source: &Source, in_place: bool) -> anyhow::Error {
    match e {
        RedactError::SameFile(p) => anyhow::anyhow!(
            "{} is the input file: use --in-place to replace it",
            p.display()
        ),
        RedactError::InPlaceStdin => anyhow::anyhow!("--in-place needs a file, not stdin"),
        // A directory, in the words `--diff`, `--jsonl` and `scan` use for it.
        RedactError::NotRegular(n) if matches!(source, Source::File(p) if p.is_dir()) => {
            anyhow::anyhow!(
                "cannot read {n}: it is a directory (`tftsr redact` takes one file; `tftsr scan` \
                 takes directories)"
            )
        }
        RedactError::NotRegular(n) if in_place => {
            anyhow::anyhow!("--in-place needs a regular file: {n} is not one")
        }
        RedactError::NotRegular(n) => anyhow::anyhow!(
            "{n} is a device, not a log file: not redacted (an endless input such as /dev/zero \
             would run forever; to redact a stream, pipe it into stdin: tftsr redact < {n})"
        ),
        RedactError::Binary(n) => anyhow::anyhow!(
            "{n} is a binary file: not redacted, nothing written (--binary scan redacts its \
             text, --binary skip skips it)"
        ),
        RedactError::Output(OutputError::Exists(p)) => anyhow::anyhow!(
            "{} already exists: not overwritten (use --force to replace it)",
            p.display()
        ),
        other => other.into(),
    }
}

/// The progress bar of a redaction, if one is wanted: the file's size where it is the bytes to
/// read (a plain regular file), else a spinner (stdin, a FIFO, gzip: its size is not what is
/// read).
fn start_progress(args: &Args, source: &Source) -> Option<Progress> {
    let wanted = progress::wanted(args.quiet, args.no_progress);
    if !wanted {
        return None;
    }
    let total = progress::regular_size(source).and_then(|(size, gzip)| (!gzip).then_some(size));
    Progress::start(wanted, "redacting", total, String::new())
}

/// [`redact_limited`] with no limit, reporting the bytes read to the bar (if any) after each
/// chunk.
fn redact_with(
    source: &Source,
    dest: Dest<'_>,
    job: &RedactJob<'_>,
    bar: Option<&Progress>,
) -> Result<RedactReport, RedactError> {
    let Some(bar) = bar else {
        return redact_limited(source, dest, job, None);
    };
    let never = std::sync::atomic::AtomicBool::new(false);
    let at = |read: u64| bar.set_position(read);
    let limits = Limits {
        max_bytes: None,
        cancel: &never,
        progress: &at,
    };
    redact_limited(source, dest, job, Some(&limits))
}

/// How an encoding is named in notes.
pub fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "UTF-8",
        Encoding::Utf16Le => "UTF-16LE",
        Encoding::Utf16Be => "UTF-16BE",
    }
}
