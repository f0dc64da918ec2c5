//! `tftsr redact`: write a redacted copy of a log, streaming in bounded memory.
//!
//! File outputs go to a temporary file in the destination directory that is renamed over the
//! destination only once complete and synced, so an interrupted run (Ctrl-C, full disk, crash)
//! never leaves a half-written log, and `--in-place` never loses the original.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use flate2::write::GzEncoder;

use super::engines::{clean_ids, Engines};
use super::input::{self, Source, StreamOptions, MAX_PENDING};
use crate::engine::redact::{Redactor, Style};
use crate::engine::Kind;

const EXAMPLES: &str = "\
Examples:
  tftsr redact app.log -o app.clean.log            e-mails become [Email], and so on
  tftsr redact app.log --in-place --style mask     same file, values masked with *
  tftsr redact app.log.gz -o app.clean.log         .gz in, plain out
  tftsr redact app.log.gz -o app.clean.log.gz      .gz in, .gz out (decided by the -o name)
  kubectl logs pod | tftsr redact > clean.log      stdin to stdout
  tftsr redact --style pseudonym app.log -o out.log   [Email-3f9a1c]: same value, same token

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

    /// Redact only these types (comma-separated ids)
    #[arg(long, short = 't', value_delimiter = ',', value_name = "TYPE,…")]
    pub types: Vec<String>,

    /// Leave these types as they are (comma-separated ids)
    #[arg(long, short = 'x', value_delimiter = ',', value_name = "TYPE,…")]
    pub exclude_types: Vec<String>,

    /// Configuration file (default: the nearest .tftsr.toml above PATH, else built-ins)
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// No summary on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Where the redacted stream goes.
enum Dest {
    Stdout,
    /// Temp file in the target's directory, renamed onto the target when complete.
    File {
        target: PathBuf,
        gzip: bool,
        /// Replacing the input: keep its permissions and owner.
        in_place: bool,
    },
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    // A bug panics with a message naming only the code location; the temp file is dropped
    // (removed) while unwinding, so the destination is untouched, and the exit status is 2.
    input::install_panic_hook();
    let name = args
        .path
        .as_ref()
        .map_or_else(|| "<stdin>".to_owned(), |p| p.display().to_string());
    input::catch_bug(&name, || redact(args)).unwrap_or_else(|bug| Err(anyhow::anyhow!(bug)))
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

    let mut engines = Engines::new(args.config.clone());
    let cfg = engines.config_path_for(&source)?;
    engines.load(&cfg)?;
    engines.set_filter(&clean_ids(&args.types), &clean_ids(&args.exclude_types))?;
    let engine = engines.engine(&cfg)?;

    let name = source.display();
    let mut opened = match &source {
        Source::Stdin => input::open_stdin(),
        Source::File(p) => input::open_path(p),
    }
    .with_context(|| format!("cannot read {name}"))?;

    let dest = match (&source, &args.output, args.in_place) {
        (Source::Stdin, _, true) => bail!("--in-place needs a file, not stdin"),
        (Source::File(p), None, true) => {
            if !fs::metadata(p)?.is_file() {
                bail!("--in-place needs a regular file: {name} is not one");
            }
            Dest::File {
                // Through symlinks (`current.log -> app-2026-11-29.log`): replace the file, and
                // keep the link a link.
                target: fs::canonicalize(p).with_context(|| format!("cannot resolve {name}"))?,
                gzip: opened.gzip,
                in_place: true,
            }
        }
        (_, Some(out), _) if out.as_os_str() == "-" => Dest::Stdout,
        (_, Some(out), _) => {
            if let Source::File(p) = &source {
                if same_file(p, out) {
                    bail!(
                        "{} is the input file: use --in-place to replace it",
                        out.display()
                    );
                }
            }
            Dest::File {
                target: out.clone(),
                gzip: out
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("gz")),
                in_place: false,
            }
        }
        (_, None, false) => Dest::Stdout,
    };

    let key = if style == Style::Pseudonym {
        pseudonym_secret()?
    } else {
        [0u8; 32]
    };
    let redactor = Redactor::new(&engine, style, key);
    let filter = engines.filter.clone();
    let keep = |k: &Kind| filter.allows(k) && engine.is_enabled(k);
    let opts = StreamOptions {
        // An explicitly named file is redacted even if it has NUL bytes: better than refusing.
        skip_binary: false,
        keep: &keep,
    };

    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut write_error: Option<io::Error> = None;
    let mut redact_into = |w: &mut dyn Write| -> anyhow::Result<input::StreamStats> {
        let result = input::stream(&mut opened.reader, &engine, &opts, |chunk| {
            let mut pos = 0;
            let mut write = || -> io::Result<()> {
                for f in chunk.findings {
                    w.write_all(&chunk.raw[pos..f.start])?;
                    let replacement = redactor.replacement(f, &chunk.text[f.start..f.end]);
                    w.write_all(replacement.as_bytes())?;
                    *counts.entry(f.kind.id().to_owned()).or_default() += 1;
                    pos = f.end;
                }
                w.write_all(&chunk.raw[pos..])
            };
            write().map_err(|e| {
                write_error = Some(e);
                io::Error::other("write failed")
            })
        });
        if let Some(e) = write_error.take() {
            return Err(anyhow::Error::new(e).context("cannot write the redacted output"));
        }
        let what = if opened.gzip {
            "cannot decompress"
        } else {
            "read error in"
        };
        result.with_context(|| format!("{what} {name}"))
    };

    let (stats, written_to) = match &dest {
        Dest::Stdout => {
            let stdout = io::stdout();
            let mut w = BufWriter::with_capacity(256 << 10, stdout.lock());
            let stats = redact_into(&mut w)?;
            w.flush().context("cannot write the redacted output")?;
            (stats, "stdout".to_owned())
        }
        Dest::File {
            target,
            gzip,
            in_place,
        } => {
            let stats = write_atomically(target, *gzip, *in_place, &mut redact_into)?;
            (stats, target.display().to_string())
        }
    };

    if !args.quiet {
        let total: u64 = counts.values().sum();
        let by_type: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
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

/// Writes through `produce` into a temp file beside `target`, then renames it onto `target`.
fn write_atomically(
    target: &Path,
    gzip: bool,
    in_place: bool,
    produce: &mut dyn FnMut(&mut dyn Write) -> anyhow::Result<input::StreamStats>,
) -> anyhow::Result<input::StreamStats> {
    use std::os::unix::fs::PermissionsExt;

    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = target
        .file_name()
        .with_context(|| format!("{} is not a file name", target.display()))?;
    let original = if in_place {
        Some(fs::metadata(target).with_context(|| format!("cannot read {}", target.display()))?)
    } else {
        None
    };
    // Hidden and recognisable, in the same directory so the final rename is atomic (same fs).
    // Mode 0666 before umask, like any file a shell redirection creates.
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", file_name.to_string_lossy()))
        .suffix(".tftsr-tmp")
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;

    let stats = {
        let file = tmp.as_file();
        let mut buffered = BufWriter::with_capacity(256 << 10, file);
        let stats = if gzip {
            let mut gz = GzEncoder::new(&mut buffered, flate2::Compression::default());
            let stats = produce(&mut gz)?;
            gz.finish().context("cannot write the redacted output")?;
            stats
        } else {
            produce(&mut buffered)?
        };
        buffered
            .flush()
            .context("cannot write the redacted output")?;
        stats
    };
    let file = tmp.as_file();
    if let Some(meta) = &original {
        use std::os::unix::fs::MetadataExt;
        file.set_permissions(meta.permissions())
            .context("cannot copy permissions")?;
        // Keep the owner when we may (root redacting a service's log); otherwise the file is
        // ours already, and failing to chown is not a reason to lose the work.
        let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
    }
    file.sync_all()
        .context("cannot write the redacted output")?;
    tmp.persist(target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", target.display()))?;
    Ok(stats)
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// The 32-byte secret keying the `pseudonym` style: kept in the encrypted store (generated there
/// on first use), so tokens are stable across runs and cannot be recomputed without the store.
pub fn pseudonym_secret() -> anyhow::Result<[u8; 32]> {
    let store = crate::store::Store::open_default()
        .context("the pseudonym style needs the local store for its secret")?;
    store
        .pseudonym_secret()
        .context("cannot read the pseudonym secret from the store")
}
