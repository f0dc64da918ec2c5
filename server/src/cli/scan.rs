//! `tftsr scan`: report PII and secrets in files, directories and stdin.
//!
//! Inputs are expanded in a deterministic order, scanned on all cores in batches, and printed in
//! that order; a large input (or stdin) is streamed straight to stdout so neither its contents
//! nor its findings pile up in memory.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use super::baseline::{self, Baseline, Collector};
use super::bug::{catch_bug, install_panic_hook};
use super::output::{
    paint, path_to_uri, ColorChoice, Cursor, Emitter, Format, Palette, Record, SarifLog,
};
use super::progress::{self, suspended, Progress, Suspend};
use super::redact::encoding_name;
use super::select::{report_configs, Selection};
use super::walk::{self, Item};
use crate::app::engines::{key_note, legacy_fingerprint_warnings, Engines, TypeFilter};
use crate::app::input::{self, BinaryPolicy, Encoding, Source, StreamOptions, MAX_PENDING};
use crate::engine::{Engine, Kind};

const EXAMPLES: &str = "\
Examples:
  tftsr scan app.log                      findings as path:line:column: type: message
  tftsr scan /var/log/myapp               a whole tree (.gitignore and .tftsrignore honoured)
  zcat old.log.gz | tftsr scan            stdin (or `-`); .gz files are read transparently too
  tftsr scan --format jsonl logs/ > findings.jsonl
  tftsr scan --format sarif . > tftsr.sarif   for code-scanning dashboards
  tftsr scan --types email,ipv4 app.log   only these types
  tftsr scan --exclude-types hostname app.log
  tftsr scan --config team.tftsr.toml app.log
  tftsr scan --count logs/                findings per file (path:N), like `rg --count`
  tftsr scan -l logs/                     only the names of files with findings
  tftsr scan --color always --no-progress logs/ | less -R
                                          (on a terminal a progress bar is drawn on stderr)

Exit status: 0 no findings, 1 findings, 2 an error (e.g. an unreadable file; the other inputs
are still scanned). Values are never printed unless --show-values is given; JSONL and SARIF carry
the keyed fingerprint (HMAC-SHA-256) of each value instead.";

/// The long help's epilogue: the examples, then the type ids from the catalog.
fn after_help() -> String {
    format!(
        "{EXAMPLES}\n\nTypes (`tftsr types` lists them with labels), plus custom rule ids from the \
         configuration:\n{}",
        super::types::ids_help(96)
    )
}

/// Inputs above this size are streamed to stdout on their own instead of being batched (a batch
/// holds each input's formatted findings in memory until its turn to print).
const DIRECT_BYTES: u64 = 32 << 20;
/// Compressed inputs expand by an unknown factor: a lower bar.
const DIRECT_GZ_BYTES: u64 = 4 << 20;
/// A batch is flushed when it has this many inputs or this many bytes.
const BATCH_ITEMS: usize = 512;
const BATCH_BYTES: u64 = 256 << 20;
/// What a batch may hold of formatted findings in all, waiting for their turn: memory follows the
/// input's window, never the number of findings (a 100 KB `.gz` can expand to tens of millions).
/// An input whose findings overflow it is scanned again on its own, streamed, when its turn comes.
const BATCH_OUTPUT_BYTES: u64 = 16 << 20;

#[derive(clap::Args, Debug)]
#[command(
    long_about = "Report PII and secrets (e-mail addresses, IPs, card numbers, tokens, passwords, \
                  private keys …) in log files, directories or stdin, one finding per line with its \
                  file, line and column. Directories are walked recursively; .gz files are \
                  decompressed on the fly; binary files are skipped with a note. Configuration \
                  comes from --config, else from the nearest .tftsr.toml above each input.",
    after_long_help = after_help()
)]
pub struct Args {
    /// Files or directories to scan; `-` is stdin (the default when stdin is not a terminal)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,

    #[command(flatten)]
    pub select: Selection,

    /// Print the matched values (off by default: the output may then itself be sensitive)
    #[arg(long)]
    pub show_values: bool,

    /// A binary input (see docs/cli.md): error (exit 2, the default: never passed over
    /// silently), skip (a note), or scan (its text runs)
    #[arg(long, value_name = "WHAT", default_value = "error",
          value_parser = ["skip", "scan", "error"])]
    pub binary: String,

    /// No summary, no notes and no progress bar on stderr (errors are still reported)
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// No progress bar (shown on stderr while scanning when stderr is a terminal: bytes read of
    /// the total, a spinner for stdin; never any text of the inputs)
    #[arg(long)]
    pub no_progress: bool,

    /// Colours in text output: auto (when stdout is a terminal and NO_COLOR is unset), always,
    /// never
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print `path:N` (the number of findings) for each file with findings, not the findings
    #[arg(long, conflicts_with = "files_with_matches")]
    pub count: bool,

    /// Print only the names of files with findings, one per line
    #[arg(long, short = 'l')]
    pub files_with_matches: bool,

    /// Do not report findings recorded in this baseline (`tftsr baseline create`): same file,
    /// type and value fingerprint, wherever the line moved; in SARIF they are results with a
    /// `suppressions` entry (kind external), and they never fail the exit status
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// `tftsr baseline create`: collect the findings into a baseline written here (None:
    /// stdout) instead of reporting them.
    #[arg(skip)]
    pub create_baseline: Option<Option<PathBuf>>,
}

impl Args {
    /// The scan behind `tftsr baseline create`.
    pub fn for_baseline(a: super::baseline::CreateArgs) -> Args {
        Args {
            paths: a.paths,
            format: Format::Text,
            select: a.select,
            show_values: false,
            binary: a.binary,
            quiet: a.quiet,
            no_progress: false,
            color: ColorChoice::Never,
            count: false,
            files_with_matches: false,
            baseline: None,
            create_baseline: Some(a.output),
        }
    }
}

/// What text output lists: each finding, a count per file, or just the files.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Listing {
    Findings,
    Count,
    Files,
    /// Nothing printed per finding (`baseline create` collects them).
    Nothing,
}

/// What scanning one input produced.
#[derive(Default)]
struct Outcome {
    /// How the input is named in output.
    name: String,
    /// Formatted findings (batched inputs only; streamed inputs wrote theirs already).
    out: Vec<u8>,
    notes: Vec<String>,
    error: Option<String>,
    counts: BTreeMap<String, u64>,
    custom_seen: BTreeSet<String>,
    binary: bool,
    /// Findings in the baseline, not reported.
    baselined: u64,
    /// `baseline create`: (baseline path, type, fingerprint) of each finding.
    entries: Vec<(String, String, String)>,
}

struct Ctx<'a> {
    format: Format,
    show_values: bool,
    binary: BinaryPolicy,
    filter: &'a TypeFilter,
    listing: Listing,
    palette: Palette,
    baseline: Option<&'a Baseline>,
    /// `baseline create`: collect entries; paths relative to this directory.
    collect: Option<&'a Path>,
    /// The progress bar, if one is shown: counts the bytes read.
    progress: Option<&'a Progress>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    match scan(args) {
        // The reader went away (`tftsr scan … | head`): findings were being printed, so the
        // status is "findings", and there is nobody left to tell about the pipe.
        Err(e) if super::is_broken_pipe(&e) => Ok(1),
        other => other,
    }
}

fn scan(args: Args) -> anyhow::Result<i32> {
    install_panic_hook();
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        if io::stdin().is_terminal() {
            anyhow::bail!(
                "nothing to scan: give a file or directory (`tftsr scan app.log`), or pipe a log \
                 into stdin (`cat app.log | tftsr scan`); see `tftsr scan --help`"
            );
        }
        paths.push(PathBuf::from("-"));
    }
    let walk::Expanded {
        mut items,
        ignore_files_not_applied,
    } = walk::expand(&paths, args.select.trust_config);
    // The baseline itself is ours, not a log (it sits at the root of the tree it describes).
    let ours: Vec<std::fs::Metadata> = [
        args.baseline.clone(),
        args.create_baseline.clone().flatten(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|p| std::fs::metadata(p).ok())
    .collect();
    if !ours.is_empty() {
        use std::os::unix::fs::MetadataExt;
        items.retain(|item| match item {
            Item::Input {
                source: Source::File(p),
                ..
            } => std::fs::metadata(p).map_or(true, |m| {
                !ours
                    .iter()
                    .any(|o| o.dev() == m.dev() && o.ino() == m.ino())
            }),
            _ => true,
        });
    }

    let mut engines = Engines::new(args.select.config.clone(), args.select.trust(&paths));
    // A --config that cannot be read is an error even when there is nothing to scan (an empty
    // directory): not a green run that never looked at it.
    if args.select.config.is_some() {
        engines.load(&args.select.config)?;
    }
    let mut config_of: Vec<Option<PathBuf>> = Vec::with_capacity(items.len());
    for item in &items {
        let cfg = match item {
            Item::Input { source, .. } => engines.config_path_for(source)?,
            Item::Error(_) => None,
        };
        engines.load(&cfg)?;
        config_of.push(cfg);
    }
    engines.set_filter(args.select.filter(), Selection::FIELDS)?;
    let mut engine_of: Vec<Arc<Engine>> = Vec::with_capacity(items.len());
    for cfg in &config_of {
        engine_of.push(engines.engine(cfg)?);
    }
    let baseline = match &args.baseline {
        Some(p) => Some(Baseline::load(p)?),
        None => None,
    };
    let mut baseline_warnings = Vec::new();
    if let Some(b) = &baseline {
        baseline_warnings = b.check_keys(&engines.all_built())?;
    }
    let collect_base = match &args.create_baseline {
        Some(out) => Some(baseline::base_dir(out.as_deref())?),
        None => None,
    };
    let listing = if collect_base.is_some() {
        Listing::Nothing
    } else if args.count {
        Listing::Count
    } else if args.files_with_matches {
        Listing::Files
    } else {
        Listing::Findings
    };
    if listing != Listing::Findings && args.format != Format::Text {
        anyhow::bail!(
            "--{} lists files in text output: it cannot be combined with --format {}",
            if args.count {
                "count"
            } else {
                "files-with-matches"
            },
            if args.format == Format::Jsonl {
                "jsonl"
            } else {
                "sarif"
            }
        );
    }
    // A table of files closes the run when there are several: a directory, or many paths.
    let table = listing == Listing::Findings
        && args.format == Format::Text
        && (items.len() > 1 || paths.iter().any(|p| p.is_dir()));
    let palette = Palette::new(args.format == Format::Text && args.color.for_stdout());
    // Bytes to read: the files' sizes (compressed ones as stored: the bar counts the bytes read
    // before decompression); unknown with stdin in the inputs (a spinner then).
    let mut total = Some(0u64);
    let mut inputs = 0u64;
    for item in &items {
        if let Item::Input { source, size } = item {
            inputs += 1;
            total = match (total, source, size) {
                (Some(t), Source::File(_), Some(s)) => Some(t + s),
                _ => None,
            };
        }
    }
    let bar = Progress::start(
        progress::wanted(args.quiet, args.no_progress),
        "scanning",
        total,
        if inputs > 1 {
            format!("0/{inputs} files ")
        } else {
            String::new()
        },
    );
    let ctx = Ctx {
        format: args.format,
        show_values: args.show_values,
        binary: args.binary.parse().map_err(anyhow::Error::msg)?,
        filter: &engines.filter,
        listing,
        palette,
        baseline: baseline.as_ref(),
        collect: collect_base.as_deref(),
        progress: bar.as_ref(),
    };

    let stdout = io::stdout();
    let mut out =
        io::BufWriter::with_capacity(256 << 10, Suspend::new(stdout.lock(), bar.as_ref()));
    let mut sarif = match args.format {
        Format::Sarif => Some(SarifLog::begin(&mut out)?),
        _ => None,
    };
    let mut totals = Totals {
        quiet: args.quiet,
        table,
        collect: collect_base.is_some(),
        progress: bar.clone(),
        inputs,
        ..Totals::default()
    };

    let mut batch: Vec<usize> = Vec::new();
    let mut batch_bytes = 0u64;
    for (i, item) in items.iter().enumerate() {
        let (source, size) = match item {
            Item::Input { source, size } => (source, *size),
            Item::Error(msg) => {
                flush_batch(
                    &mut batch,
                    &items,
                    &engine_of,
                    &ctx,
                    &mut out,
                    &mut sarif,
                    &mut totals,
                )?;
                batch_bytes = 0;
                totals.report_error(msg.clone());
                continue;
            }
        };
        if is_direct(source, size) {
            flush_batch(
                &mut batch,
                &items,
                &engine_of,
                &ctx,
                &mut out,
                &mut sarif,
                &mut totals,
            )?;
            batch_bytes = 0;
            let outcome = scan_direct(source, &engine_of[i], &ctx, &mut out, &mut sarif)?;
            totals.add(outcome);
        } else {
            batch.push(i);
            batch_bytes += size.unwrap_or(0);
            if batch.len() >= BATCH_ITEMS || batch_bytes >= BATCH_BYTES {
                flush_batch(
                    &mut batch,
                    &items,
                    &engine_of,
                    &ctx,
                    &mut out,
                    &mut sarif,
                    &mut totals,
                )?;
                batch_bytes = 0;
            }
        }
    }
    flush_batch(
        &mut batch,
        &items,
        &engine_of,
        &ctx,
        &mut out,
        &mut sarif,
        &mut totals,
    )?;
    if let Some(s) = sarif {
        let all = engines.all_built();
        let refs: Vec<&Engine> = all.iter().map(|e| e.as_ref()).collect();
        s.end(&mut out, &refs, &totals.custom_seen, &totals.errors)?;
    }
    out.flush()?;
    drop(out);
    if let Some(b) = &bar {
        b.finish();
    }

    if let Some(dest) = &args.create_baseline {
        let shown = dest.as_ref().map_or_else(
            || "stdout".to_owned(),
            |p| super::escape::name(&p.display().to_string()).into_owned(),
        );
        if !totals.errors.is_empty() {
            // A baseline without the findings of an input it could not read would hide them
            // later as "new": nothing is written.
            anyhow::bail!(
                "baseline not written ({shown}): {} input{} could not be scanned",
                totals.errors.len(),
                plural(totals.errors.len() as u64)
            );
        }
        totals
            .collector
            .write(dest.as_deref(), &engines.all_built())?;
        if !args.quiet {
            report_configs(&engines);
            let distinct = totals.collector.entries.len() as u64;
            eprintln!(
                "tftsr: baseline of {} finding{} ({distinct} distinct value{} by file and type) \
                 in {} of {} file{} written to {shown}",
                totals.findings,
                plural(totals.findings),
                plural(distinct),
                totals.files_with_findings,
                totals.scanned,
                plural(totals.scanned)
            );
        }
        return Ok(0);
    }

    if !args.quiet {
        for w in &baseline_warnings {
            eprintln!("tftsr: warning: {w}");
        }
        for w in engines
            .all_built()
            .iter()
            .flat_map(|e| legacy_fingerprint_warnings(e))
        {
            eprintln!("tftsr: warning: {w}");
        }
        for note in engines.key_sources.iter().filter_map(key_note) {
            eprintln!("tftsr: note: {note}");
        }
        report_configs(&engines);
        if ignore_files_not_applied > 0 {
            eprintln!(
                "tftsr: note: {ignore_files_not_applied} ignore file{} in the scanned \
                 directories not applied (they came with the files; --trust-config applies them)",
                plural(ignore_files_not_applied as u64)
            );
        }
        totals.summary();
    }
    Ok(if !totals.errors.is_empty() {
        2
    } else if totals.findings > 0 {
        1
    } else {
        0
    })
}

/// Scans one input straight to the output, findings printed as they come.
fn scan_direct(
    source: &Source,
    engine: &Engine,
    ctx: &Ctx<'_>,
    out: &mut dyn Write,
    sarif: &mut Option<SarifLog>,
) -> io::Result<Outcome> {
    let mut sink = |bytes: &[u8]| -> io::Result<()> {
        match sarif.as_mut() {
            Some(s) => s.results(&mut *out, bytes)?,
            None => out.write_all(bytes)?,
        }
        // Streamed input (stdin may be `tail -f`): show findings as they come.
        out.flush()
    };
    match catch_bug(&source.display(), || {
        scan_source(source, engine, ctx, &mut sink)
    }) {
        Ok(r) => r,
        Err(bug) => Ok(Outcome {
            error: Some(bug),
            ..Outcome::default()
        }),
    }
}

fn is_direct(source: &Source, size: Option<u64>) -> bool {
    match source {
        Source::Stdin => true,
        Source::File(p) => {
            let gz = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
            // Unknown size: a pipe or a path that does not open; either way no batching gain.
            size.is_none_or(|s| s > if gz { DIRECT_GZ_BYTES } else { DIRECT_BYTES })
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn flush_batch(
    batch: &mut Vec<usize>,
    items: &[Item],
    engine_of: &[Arc<Engine>],
    ctx: &Ctx<'_>,
    out: &mut dyn Write,
    sarif: &mut Option<SarifLog>,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    // A batch of one has nothing to wait for: streamed straight to the output. (Batched, a
    // finding-dense log whose output overflows the budget was scanned twice: one file of
    // 30 MB took twice the CPU time of its scan.)
    if let [i] = batch[..] {
        let Item::Input { source, .. } = &items[i] else {
            unreachable!("only inputs are batched")
        };
        let outcome = scan_direct(source, &engine_of[i], ctx, out, sarif)?;
        totals.add(outcome);
        batch.clear();
        return Ok(());
    }
    let held = AtomicU64::new(0);
    let outcomes: Vec<io::Result<Option<Outcome>>> = batch
        .par_iter()
        .map(|&i| {
            let Item::Input { source, .. } = &items[i] else {
                unreachable!("only inputs are batched")
            };
            let mut buf = Vec::new();
            let mut overflowed = false;
            let mut sink = |bytes: &[u8]| -> io::Result<()> {
                let n = bytes.len() as u64;
                if held.fetch_add(n, Ordering::Relaxed) + n > BATCH_OUTPUT_BYTES {
                    held.fetch_sub(n, Ordering::Relaxed);
                    overflowed = true;
                    return Err(io::Error::other("batch output budget exceeded"));
                }
                buf.extend_from_slice(bytes);
                Ok(())
            };
            let scanned = catch_bug(&source.display(), || {
                scan_source(source, &engine_of[i], ctx, &mut sink)
            });
            if overflowed {
                // Rescanned on its own, streamed: what it held goes back to the batch.
                held.fetch_sub(buf.len() as u64, Ordering::Relaxed);
                return Ok(None);
            }
            match scanned {
                Ok(r) => {
                    let mut outcome = r?;
                    outcome.out = buf;
                    Ok(Some(outcome))
                }
                // Half a file's findings would look like all of them: drop them, report the error.
                Err(bug) => Ok(Some(Outcome {
                    error: Some(bug),
                    ..Outcome::default()
                })),
            }
        })
        .collect();
    for (outcome, &i) in outcomes.into_iter().zip(batch.iter()) {
        let mut outcome = match outcome? {
            Some(o) => o,
            None => {
                let Item::Input { source, size } = &items[i] else {
                    unreachable!("only inputs are batched")
                };
                // Read a second time: its bytes count twice.
                if let (Some(p), Some(size)) = (ctx.progress, size) {
                    p.add_to_total(*size);
                }
                scan_direct(source, &engine_of[i], ctx, out, sarif)?
            }
        };
        let bytes = std::mem::take(&mut outcome.out);
        match sarif.as_mut() {
            Some(s) => s.results(out, &bytes)?,
            None => out.write_all(&bytes)?,
        }
        totals.add(outcome);
    }
    batch.clear();
    Ok(())
}

/// Scans one input. Problems with the input (cannot open, read error, corrupt gzip) end up in
/// `Outcome::error`; only a failure to write our own output is returned as `Err`.
fn scan_source(
    source: &Source,
    engine: &Engine,
    ctx: &Ctx<'_>,
    sink: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<Outcome> {
    let name = source.display();
    let mut outcome = Outcome {
        name: name.clone(),
        ..Outcome::default()
    };
    let mut opened = match progress::open(source, ctx.progress) {
        Ok(o) => o,
        Err(e) => {
            // One wording for one cause, as `redact`, `config` and `issue attach` say it.
            outcome.error = Some(format!("cannot read {name}: {e}"));
            return Ok(outcome);
        }
    };
    let emitter = Emitter {
        format: ctx.format,
        show_values: ctx.show_values,
        engine,
        uri: match source {
            Source::Stdin => "stdin".to_owned(),
            Source::File(p) => path_to_uri(p),
        },
        path: name.clone(),
        palette: ctx.palette,
        path_json: RefCell::default(),
        scratch: RefCell::default(),
    };
    let listing = ctx.listing;
    // The input as a baseline names it.
    let entry = match (ctx.baseline, ctx.collect, source) {
        (Some(b), _, Source::File(p)) => baseline::entry_path(b.base(), p),
        (None, Some(base), Source::File(p)) => baseline::entry_path(base, p),
        _ => "<stdin>".to_owned(),
    };
    let justification = ctx.baseline.map(|b| format!("in the baseline {}", b.name));
    let keep = |k: &Kind| ctx.filter.allows(k) && engine.is_enabled(k);
    let opts = StreamOptions {
        skip_binary: ctx.binary != BinaryPolicy::Scan,
        keep: &keep,
    };
    let mut cursor = Cursor::default();
    let mut formatted = Vec::new();
    let mut sink_error: Option<io::Error> = None;
    let result = input::stream(&mut opened.reader, engine, &opts, |chunk| {
        formatted.clear();
        let text = chunk.text.as_bytes();
        let tb = chunk.text_base;
        for f in chunk.findings {
            // Formatted findings go out every MiB, not once per chunk: a 16 MiB chunk of one
            // endless line holds a hundred thousand of them.
            if formatted.len() >= 1 << 20 {
                sink(&formatted).map_err(|e| {
                    sink_error = Some(e);
                    io::Error::other("output failed")
                })?;
                formatted.clear();
            }
            // Offsets of the input's bytes; lines and columns of its text.
            let start = chunk.stream_offset(f.start);
            let end = chunk.stream_offset(f.end);
            let from = cursor.advance(text, tb, tb + f.start as u64);
            let to = cursor.advance(text, tb, tb + f.end as u64);
            let value = &chunk.text[f.start..f.end];
            let mut suppressed = None;
            if ctx.collect.is_some() {
                outcome.entries.push((
                    entry.clone(),
                    f.kind.id().to_owned(),
                    engine.fingerprint(value),
                ));
            } else if let Some(b) = ctx.baseline {
                if b.contains(&entry, f.kind.id(), &engine.fingerprint(value)) {
                    suppressed = justification.as_deref();
                }
            }
            let record = Record {
                kind: &f.kind,
                start,
                end,
                from,
                to,
                value,
                suppressed,
            };
            if suppressed.is_some() {
                // Not reported, not counted; SARIF keeps it, marked as suppressed.
                outcome.baselined += 1;
                if listing == Listing::Findings && ctx.format == Format::Sarif {
                    emitter.emit(&mut formatted, &record)?;
                    // Its rule is described like any other's.
                    if let Kind::Custom(id) = &f.kind {
                        outcome.custom_seen.insert(id.to_string());
                    }
                }
                continue;
            }
            if listing == Listing::Findings {
                emitter.emit(&mut formatted, &record)?;
            }
            // (No `String` per finding: the key is made once per type.)
            match outcome.counts.get_mut(f.kind.id()) {
                Some(n) => *n += 1,
                None => {
                    outcome.counts.insert(f.kind.id().to_owned(), 1);
                }
            }
            if let Kind::Custom(id) = &f.kind {
                outcome.custom_seen.insert(id.to_string());
            }
        }
        cursor.advance(text, tb, tb + text.len() as u64);
        if formatted.is_empty() {
            return Ok(());
        }
        sink(&formatted).map_err(|e| {
            sink_error = Some(e);
            io::Error::other("output failed")
        })
    });
    if let Some(e) = sink_error {
        return Err(e);
    }
    let n: u64 = outcome.counts.values().sum();
    if n > 0 && matches!(listing, Listing::Count | Listing::Files) {
        let line = match listing {
            Listing::Count => format!(
                "{}:{}\n",
                paint(ctx.palette.path, &name),
                paint(ctx.palette.number, n)
            ),
            _ => format!("{}\n", paint(ctx.palette.path, &name)),
        };
        sink(line.as_bytes())?;
    }
    match result {
        Ok(stats) => {
            if stats.binary && ctx.binary == BinaryPolicy::Error {
                // Not passed over silently: a CI gate must not go green on what it did not read.
                outcome.error = Some(format!(
                    "{name}: binary file, not scanned (--binary scan scans its text, --binary \
                     skip skips it)"
                ));
            } else if stats.binary {
                outcome.binary = true;
                outcome.notes.push(format!("{name}: binary file skipped"));
            } else if stats.detected_binary {
                outcome.notes.push(format!(
                    "{name}: binary file, its text scanned (--binary scan)"
                ));
            } else if stats.nul_bytes > 0 {
                outcome.notes.push(format!(
                    "{name}: {} NUL bytes (padding): the text between them was scanned",
                    stats.nul_bytes
                ));
            }
            if stats.encoding != Encoding::Utf8 {
                outcome.notes.push(format!(
                    "{name}: {} text, decoded (offsets are of the file's bytes)",
                    encoding_name(stats.encoding)
                ));
            }
            if stats.invalid_sequences > 0 {
                outcome.notes.push(format!(
                    "{name}: {} invalid UTF-8 sequences skipped",
                    stats.invalid_sequences
                ));
            }
            if stats.forced_cuts > 0 {
                outcome.notes.push(format!(
                    "{name}: {} stretches over {} MiB without a line break were scanned in pieces; \
                     a value across a cut may be missed",
                    stats.forced_cuts,
                    MAX_PENDING >> 20
                ));
            }
        }
        Err(e) => {
            outcome.error = Some(if opened.gzip {
                format!("cannot decompress {name}: {e}")
            } else {
                format!("read error in {name}: {e}")
            });
        }
    }
    Ok(outcome)
}

#[derive(Default)]
struct Totals {
    quiet: bool,
    /// Close with a table of the files with findings (several inputs).
    table: bool,
    /// (name, findings) of each input with findings, in input order.
    per_file: Vec<(String, u64)>,
    findings: u64,
    files_with_findings: u64,
    scanned: u64,
    binary: u64,
    counts: BTreeMap<String, u64>,
    custom_seen: BTreeSet<String>,
    errors: Vec<String>,
    baselined: u64,
    /// `baseline create`: collect the entries instead of printing a table.
    collect: bool,
    collector: Collector,
    /// The progress bar, if one is shown; `inputs`: how many inputs it counts.
    progress: Option<Progress>,
    inputs: u64,
    done: u64,
}

impl Totals {
    fn report_error(&mut self, msg: String) {
        suspended(self.progress.as_ref(), || {
            eprintln!("tftsr: error: {}", super::escape::name(&msg))
        });
        self.errors.push(msg);
    }

    fn add(&mut self, o: Outcome) {
        self.done += 1;
        if let (Some(p), true) = (&self.progress, self.inputs > 1) {
            p.set_message(format!("{}/{} files ", self.done, self.inputs));
        }
        let n: u64 = o.counts.values().sum();
        self.findings += n;
        if n > 0 {
            self.files_with_findings += 1;
            if self.table {
                self.per_file.push((o.name.clone(), n));
            }
        }
        if o.binary {
            self.binary += 1;
        } else if o.error.is_none() {
            self.scanned += 1;
        }
        for (k, v) in o.counts {
            *self.counts.entry(k).or_default() += v;
        }
        self.custom_seen.extend(o.custom_seen);
        self.baselined += o.baselined;
        if self.collect {
            for e in o.entries {
                *self.collector.entries.entry(e).or_default() += 1;
            }
        }
        if !self.quiet && !o.notes.is_empty() {
            suspended(self.progress.as_ref(), || {
                for note in &o.notes {
                    eprintln!("tftsr: note: {}", super::escape::name(note));
                }
            });
        }
        if let Some(e) = o.error {
            self.report_error(e);
        }
    }

    fn summary(&self) {
        if self.table && !self.per_file.is_empty() {
            // Widest name and count, so the counts line up under their header.
            // Names escaped as everywhere in human output: a control character in a file name
            // must not reach the terminal, nor a newline start a line of its own.
            let names: Vec<(String, u64)> = self
                .per_file
                .iter()
                .map(|(p, n)| (super::escape::name(p).into_owned(), *n))
                .collect();
            let w = names
                .iter()
                .map(|(p, _)| p.chars().count())
                .max()
                .unwrap_or(0)
                .max("file".len());
            let mut table = format!("{:<w$}  findings\n", "file");
            for (path, n) in &names {
                table.push_str(&format!("{path:<w$}  {n:>8}\n"));
            }
            eprint!("{table}");
        }
        let by_type: Vec<String> = self
            .counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let mut line = format!(
            "tftsr: {} finding{} in {} of {} file{} scanned",
            self.findings,
            plural(self.findings),
            self.files_with_findings,
            self.scanned,
            plural(self.scanned)
        );
        if !by_type.is_empty() {
            line.push_str(&format!(" ({})", by_type.join(", ")));
        }
        if self.binary > 0 {
            line.push_str(&format!(
                "; {} binary file{} skipped",
                self.binary,
                plural(self.binary)
            ));
        }
        if self.baselined > 0 {
            line.push_str(&format!(
                "; {} in the baseline (not reported)",
                self.baselined
            ));
        }
        if !self.errors.is_empty() {
            let n = self.errors.len() as u64;
            line.push_str(&format!("; {n} error{}", plural(n)));
        }
        eprintln!("{line}");
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
