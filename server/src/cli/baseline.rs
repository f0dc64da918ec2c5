//! Baselines: `tftsr baseline create` records the findings of a scan as (path, type, keyed
//! fingerprint), and `tftsr scan --baseline FILE` stops reporting them, so a CI gate can be
//! turned on for a tree that already has findings and fail only on new ones.
//!
//! A finding is identified by its file, its type and the keyed fingerprint of its value (see
//! `app::fingerprint`), never by line or offset: the baseline survives edits above a finding and
//! moved lines, and it holds no value (a fingerprint cannot be inverted without the key). Paths
//! are stored relative to the baseline file's directory, so a scan from another directory (or
//! of a subdirectory) still matches. Fingerprints are only comparable under one key: the file
//! records a check value of each key in use (HMAC of a fixed public string, which says nothing
//! about the key) so a scan under another key is told so instead of silently matching nothing.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::select::Selection;
use crate::engine::Engine;

const EXAMPLES: &str = "\
Examples:
  tftsr baseline create . -o .tftsr-baseline.json     accept what is there today
  tftsr scan --baseline .tftsr-baseline.json .        exit 1 only for new findings
  tftsr scan --baseline .tftsr-baseline.json -f sarif . > tftsr.sarif
                                                      baselined results as SARIF suppressions
  tftsr baseline create logs/ > baseline.json         to stdout (paths relative to here)

A baseline holds each finding's path (relative to the baseline's directory), type and keyed
fingerprint, never a value, line or offset: it survives edits and moved lines. Scans must use
the same fingerprint key (TFTSR_FINGERPRINT_KEY or the .tftsr.key beside the configuration in
CI; see docs/ci.md).";

/// The current format.
const VERSION: u32 = 1;
/// The public string whose keyed fingerprint identifies a key without revealing it.
const KEY_CHECK: &str = "tftsr baseline key check v1";

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Record the findings of a scan (path, type, keyed fingerprint; never values) as a baseline
    /// for `tftsr scan --baseline FILE`
    Create(CreateArgs),
}

#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct CreateArgs {
    /// Files or directories to scan, as for `tftsr scan` (`-` is stdin)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write the baseline here (replaced atomically if it exists) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub select: Selection,
    /// A binary input: error (the default), skip, or scan (as for `tftsr scan`)
    #[arg(long, value_name = "WHAT", default_value = "error",
          value_parser = ["skip", "scan", "error"])]
    pub binary: String,
    /// No summary on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

pub fn run(c: Command) -> anyhow::Result<i32> {
    match c {
        Command::Create(a) => {
            let args = super::scan::Args::for_baseline(a);
            super::scan::run(args)
        }
    }
}

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    /// Keyed fingerprints of [`KEY_CHECK`] under each key the creating scan used.
    key_checks: Vec<String>,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    path: String,
    #[serde(rename = "type")]
    kind: String,
    fingerprint: String,
    /// How many findings had this value in this file (informative: matching ignores it).
    #[serde(default)]
    count: u64,
}

/// A loaded baseline, ready to match findings.
pub struct Baseline {
    /// Where it was read from, for messages.
    pub name: String,
    /// Paths of the entries are relative to this directory.
    base: PathBuf,
    entries: HashSet<(String, String, String)>,
    key_checks: BTreeSet<String>,
}

/// The key check of an engine's fingerprint key.
pub fn key_check(engine: &Engine) -> String {
    engine.fingerprint(KEY_CHECK)
}

/// `name` (an input as the scan names it) as a baseline path: relative to `base` when under it,
/// `/`-separated, without `.` components; stdin is `<stdin>`.
pub fn entry_path(base: &Path, name: &Path) -> String {
    if name.as_os_str() == "<stdin>" {
        return "<stdin>".to_owned();
    }
    // The directory resolved (`..`, links), the file's own name kept (a linked log is named by
    // its link, as the scan names it).
    let abs = match (name.parent(), name.file_name()) {
        (Some(dir), Some(file)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir)
                .map(|d| d.join(file))
                .unwrap_or_else(|_| std::path::absolute(name).unwrap_or_else(|_| name.to_owned()))
        }
        _ => std::path::absolute(name).unwrap_or_else(|_| name.to_owned()),
    };
    let rel = abs.strip_prefix(base).unwrap_or(&abs);
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let joined = parts.join("/");
    if rel.is_absolute() && !joined.starts_with('/') {
        format!("/{}", joined.trim_start_matches('/'))
    } else {
        joined
    }
}

/// The directory paths are relative to: the baseline file's, else the current directory.
pub fn base_dir(file: Option<&Path>) -> anyhow::Result<PathBuf> {
    let dir = match file {
        Some(f) => crate::app::output::dir_of(f).to_owned(),
        None => PathBuf::from("."),
    };
    std::fs::canonicalize(&dir).with_context(|| format!("cannot resolve {}", dir.display()))
}

impl Baseline {
    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let name = super::escape::name(&path.display().to_string()).into_owned();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the baseline {name}"))?;
        // serde's message may quote what it read: say where, not what.
        let file: File = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{name}:{}:{}: not a tftsr baseline (expected the JSON of `tftsr baseline \
                 create`: version, key_checks, findings with path, type and fingerprint)",
                e.line(),
                e.column()
            )
        })?;
        if file.version != VERSION {
            anyhow::bail!(
                "{name}: baseline version {} is not supported (this tftsr reads version \
                 {VERSION}; recreate it with `tftsr baseline create`)",
                file.version
            );
        }
        for (i, e) in file.findings.iter().enumerate() {
            if e.fingerprint.len() != 64 || !e.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
                anyhow::bail!(
                    "{name}: findings[{i}].fingerprint is not a fingerprint (64 hex digits): a \
                     baseline holds fingerprints, never values"
                );
            }
        }
        Ok(Baseline {
            name,
            base: base_dir(Some(path))?,
            entries: file
                .findings
                .into_iter()
                .map(|e| (e.path, e.kind, e.fingerprint.to_ascii_lowercase()))
                .collect(),
            key_checks: file.key_checks.into_iter().collect(),
        })
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the finding of type `kind` with fingerprint `fp` in `path` (an [`entry_path`]) is
    /// in the baseline.
    pub fn contains(&self, path: &str, kind: &str, fp: &str) -> bool {
        // Tuples of owned strings: one allocation per lookup is nothing next to the HMAC.
        self.entries
            .contains(&(path.to_owned(), kind.to_owned(), fp.to_owned()))
    }

    /// Checks that the scan's keys are the baseline's: an error when none is (nothing could ever
    /// match), a warning when some configuration uses another key.
    pub fn check_keys(&self, engines: &[std::sync::Arc<Engine>]) -> anyhow::Result<Vec<String>> {
        if self.key_checks.is_empty() || self.entries.is_empty() {
            return Ok(Vec::new());
        }
        let ours: BTreeSet<String> = engines.iter().map(|e| key_check(e)).collect();
        let matching = ours.intersection(&self.key_checks).count();
        if matching == 0 {
            anyhow::bail!(
                "the baseline {} was created under another fingerprint key, so none of its \
                 entries can match: scan with the key it was made with (TFTSR_FINGERPRINT_KEY, \
                 or the .tftsr.key beside the configuration) or recreate it with `tftsr \
                 baseline create`",
                self.name
            );
        }
        Ok(if matching < ours.len() {
            vec![format!(
                "the baseline {}: some configurations of this scan use a fingerprint key the \
                 baseline was not made with; their findings are all reported",
                self.name
            )]
        } else {
            Vec::new()
        })
    }
}

/// Collects the entries of a new baseline: (path, type, fingerprint) → count.
#[derive(Default)]
pub struct Collector {
    pub entries: BTreeMap<(String, String, String), u64>,
}

impl Collector {
    /// Writes the baseline to `out` (atomically) or stdout.
    pub fn write(
        &self,
        out: Option<&Path>,
        engines: &[std::sync::Arc<Engine>],
    ) -> anyhow::Result<()> {
        let file = File {
            version: VERSION,
            key_checks: engines
                .iter()
                .map(|e| key_check(e))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            findings: self
                .entries
                .iter()
                .map(|((path, kind, fingerprint), count)| Entry {
                    path: path.clone(),
                    kind: kind.clone(),
                    fingerprint: fingerprint.clone(),
                    count: *count,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file)?;
        text.push('\n');
        match out {
            None => {
                let mut o = std::io::stdout().lock();
                o.write_all(text.as_bytes())?;
                o.flush()?;
            }
            Some(p) => {
                let existing = std::fs::metadata(p).ok();
                let w =
                    crate::app::output::AtomicOutput::create(p, 0o644, existing.as_ref(), true)?;
                let mut f = w.file();
                f.write_all(text.as_bytes())
                    .with_context(|| format!("cannot write {}", p.display()))?;
                w.commit()?;
            }
        }
        Ok(())
    }
}
