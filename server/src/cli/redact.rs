//! `tftsr redact`: write a redacted copy of a log, streaming in bounded memory (`app::redact`).
//!
//! File outputs go to a temporary file in the destination directory that is renamed over the
//! destination only once complete and synced, so an interrupted run (Ctrl-C, full disk, crash)
//! never leaves a half-written log, and `--in-place` never loses the original.

use std::io::{self, BufWriter, IsTerminal};
use std::path::PathBuf;

use anyhow::bail;

use super::bug::{catch_bug, install_panic_hook};
use super::select::Selection;
use crate::app::input::{Source, MAX_PENDING};
use crate::app::keys;
use crate::app::redact::{gzip_by_name, redact as redact_to, Dest, RedactJob};
use crate::engine::redact::Style;

const EXAMPLES: &str = "\
Examples:
  tftsr redact app.log -o app.clean.log            e-mails become [Email], and so on
  tftsr redact app.log --in-place --style mask     same file, values masked with *
  tftsr redact app.log.gz -o app.clean.log         .gz in, plain out
  tftsr redact app.log.gz -o app.clean.log.gz      .gz in, .gz out (decided by the -o name)
  kubectl logs pod | tftsr redact > clean.log      stdin to stdout
  tftsr redact --style pseudonym app.log -o out.log   [Email-3f9a1c]: same value, same token
  vector … | tftsr redact --jsonl --field message     JSON lines: redact the message field

Styles:
  tag        [Email], [IPv4], [Password] …  (default)
  mask       one * per character, so columns stay aligned
  partial    keeps what support needs: ****-****-****-1111, j***@example.com
  pseudonym  [Email-3f9a1c], keyed HMAC-SHA-256 with a secret kept in the local store, so a
             redacted log still shows that two lines concern the same user or host

A summary of what was redacted (counts by type, never values) goes to stderr.
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

    /// Replacement style
    #[arg(long, short = 's', default_value = "tag", value_name = "STYLE",
          value_parser = ["tag", "mask", "partial", "pseudonym"])]
    pub style: String,

    #[command(flatten)]
    pub select: Selection,

    /// No summary on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Input is JSON lines (a log shipper's events): redact the string values of --field (every
    /// string value without --field), keep the rest byte for byte, one line out per line in
    #[arg(long, conflicts_with = "in_place")]
    pub jsonl: bool,

    /// With --jsonl: a field to redact (repeatable; `a.b` for a nested field; every string
    /// inside it, nested objects and arrays included)
    #[arg(long = "field", value_name = "NAME", requires = "jsonl")]
    pub fields: Vec<String>,

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
    let (scanner, _config) = args.select.scanner_for(&source)?;
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
    };
    let name = source.display();
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(256 << 10, stdout.lock());
    let dest = match (&args.output, args.in_place) {
        (_, true) => Dest::InPlace,
        (Some(out), _) if out.as_os_str() != "-" => Dest::File {
            target: out.clone(),
            gzip: gzip_by_name(out),
        },
        _ => Dest::Writer(&mut w),
    };
    let report = redact_to(&source, dest, &job).map_err(|e| match e {
        crate::app::redact::RedactError::SameFile(p) => anyhow::anyhow!(
            "{} is the input file: use --in-place to replace it",
            p.display()
        ),
        crate::app::redact::RedactError::InPlaceStdin => {
            anyhow::anyhow!("--in-place needs a file, not stdin")
        }
        crate::app::redact::RedactError::NotRegular(n) => {
            anyhow::anyhow!("--in-place needs a regular file: {n} is not one")
        }
        other => other.into(),
    })?;
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
    let written_to = report
        .written_to
        .as_ref()
        .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());

    if !args.quiet {
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
            "tftsr: redacted {total} value{}{detail} from {name} into {written_to} (style {})",
            if total == 1 { "" } else { "s" },
            args.style
        );
        let stats = &report.stats;
        if stats.invalid_sequences > 0 {
            eprintln!(
                "tftsr: note: {name}: {} invalid UTF-8 sequences skipped (copied unchanged)",
                stats.invalid_sequences
            );
        }
        if stats.forced_cuts > 0 {
            eprintln!(
                "tftsr: note: {name}: {} stretches over {} MiB without a line break were scanned \
                 in pieces; a value across a cut may have been missed",
                stats.forced_cuts,
                MAX_PENDING >> 20
            );
        }
        if stats.looks_binary {
            eprintln!("tftsr: note: {name}: looks binary (NUL bytes); redacted as text");
        }
    }
    Ok(0)
}
