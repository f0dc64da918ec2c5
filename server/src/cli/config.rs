//! `tftsr config show [PATH]` and `tftsr config check [FILE]`: the configuration a scan of PATH
//! would use, where each part of it came from and how far the file was trusted; and checking a
//! `.tftsr.toml` without scanning anything.
//!
//! Neither prints what a configuration may hold of the protected kind: allowlisted values, rule
//! regexes and examples are counted, never shown (an allowlist entry is a real address or token).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::select::Selection;
use crate::app::fingerprint::KeySource;
use crate::app::input::Source;
use crate::engine::{Config, Engine, Kind, PiiType};

const SHOW_EXAMPLES: &str = "\
Examples:
  tftsr config show                        what a scan from here (or of stdin) would use
  tftsr config show /var/log/myapp         what `tftsr scan /var/log/myapp` would use
  tftsr config show -c team.tftsr.toml --json
  tftsr config show --trust-config logs/   with the tree's own configuration applied in full

Each type's state and severity says where it came from: built-in, FILE:LINE, or --types /
--exclude-types. Allowlisted values, rule regexes and examples are counted, never printed.";

const CHECK_EXAMPLES: &str = "\
Examples:
  tftsr config check                       the nearest .tftsr.toml above the current directory
  tftsr config check examples/.tftsr.toml
  tftsr config check team.tftsr.toml --json

Exit status: 0 valid, 1 invalid (the error names file, line and key, never a value), 2 no file
to check or it cannot be read.";

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// The effective configuration for PATH: which file applied and how far, each type's state
    /// and severity and where it came from, custom rules, allowlist sizes, the fingerprint key
    Show(ShowArgs),
    /// Validate a .tftsr.toml (syntax, keys, type ids, regexes, rule examples) without scanning
    Check(CheckArgs),
}

#[derive(clap::Args, Debug)]
#[command(after_long_help = SHOW_EXAMPLES)]
pub struct ShowArgs {
    /// The file or directory a scan would read (default: the current directory, as for stdin)
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub select: Selection,
    /// A JSON object (see docs/cli.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
#[command(after_long_help = CHECK_EXAMPLES)]
pub struct CheckArgs {
    /// The file (default: the nearest .tftsr.toml in the current directory or above)
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A JSON object: file, valid, and the error's line, key and message
    #[arg(long)]
    pub json: bool,
}

pub fn run(c: Command) -> anyhow::Result<i32> {
    match c {
        Command::Show(a) => show(a),
        Command::Check(a) => check(a),
    }
}

#[derive(Serialize)]
struct Shown {
    /// The input the configuration is for (None: the current directory / stdin).
    input: Option<PathBuf>,
    /// The file in use (None: built-in defaults).
    file: Option<PathBuf>,
    /// "full" or "rules_and_severities".
    applies: &'static str,
    /// Why it applies that far.
    reason: &'static str,
    fingerprint_key: KeyShown,
    data_dir: Option<PathBuf>,
    types: Vec<TypeShown>,
    rules: Vec<RuleShown>,
    allowlist: AllowShown,
}

#[derive(Serialize)]
struct KeyShown {
    /// env, workspace, user or one_off
    source: &'static str,
    path: Option<PathBuf>,
}

#[derive(Serialize)]
struct TypeShown {
    id: String,
    enabled: bool,
    /// Where `enabled` came from: built-in, FILE:LINE, --types, --exclude-types.
    enabled_from: String,
    severity: String,
    severity_from: String,
    tag: String,
}

#[derive(Serialize)]
struct RuleShown {
    id: String,
    severity: String,
    tag: String,
    keywords: usize,
    examples: usize,
    negative_examples: usize,
    /// FILE:LINE of the rule.
    from: String,
}

#[derive(Serialize)]
struct AllowShown {
    values: usize,
    regexes: usize,
    fingerprints: usize,
    /// Whether it applies (only from a configuration trusted in full).
    applied: bool,
    from: Option<String>,
}

fn at(path: &Path, cfg: &Config, key: &str) -> String {
    match cfg.key_lines.get(key) {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    }
}

fn show(a: ShowArgs) -> anyhow::Result<i32> {
    let source = match &a.path {
        None => Source::Stdin,
        // Discovery starts in a directory itself, and beside a file.
        Some(p) if p.is_dir() => Source::File(p.join(Config::FILE_NAME)),
        Some(p) => Source::File(p.clone()),
    };
    let (scanner, engines) = a.select.scanner_for(&source)?;
    let engine: &Engine = &scanner.engine;
    let used = engines.configs_used();
    let (file, trust) = match used.first() {
        Some((p, t)) => (Some(p.clone()), Some(t.clone())),
        None => (None, None),
    };
    let full = trust.as_ref().is_none_or(|t| t.is_full());
    // The file as written (what did not apply is still worth naming, with its line).
    let raw = match &file {
        Some(p) => Some(crate::app::config::load(p)?),
        None => None,
    };
    let given_only = !a.select.types.is_empty();
    let mut types = Vec::new();
    let custom: Vec<Kind> = engine
        .config()
        .rules
        .iter()
        .map(|r| Kind::Custom(r.id.as_str().into()))
        .collect();
    let kinds: Vec<Kind> = PiiType::ALL
        .iter()
        .map(|t| Kind::from(*t))
        .chain(custom)
        .collect();
    for kind in &kinds {
        let id = kind.id().to_owned();
        let enabled = scanner.keeps(kind);
        let enabled_from = if a.select.exclude_types.iter().any(|x| x.trim() == id) {
            "--exclude-types".to_owned()
        } else if given_only {
            "--types".to_owned()
        } else {
            match (&file, &raw) {
                (Some(p), Some(cfg)) if full => {
                    if let Some(i) = cfg.types.disable.iter().position(|x| *x == id) {
                        at(p, cfg, &format!("types.disable[{i}]"))
                    } else if let Some(list) = &cfg.types.enable {
                        match list.iter().position(|x| *x == id) {
                            Some(i) => at(p, cfg, &format!("types.enable[{i}]")),
                            None => at(p, cfg, "types.enable"),
                        }
                    } else if matches!(kind, Kind::Custom(_)) {
                        rule_at(p, cfg, &id)
                    } else {
                        "built-in".to_owned()
                    }
                }
                (Some(p), Some(cfg)) if matches!(kind, Kind::Custom(_)) => rule_at(p, cfg, &id),
                _ => "built-in".to_owned(),
            }
        };
        let severity_from = match (&file, &raw) {
            (Some(p), Some(cfg)) if cfg.severity.contains_key(&id) => {
                at(p, cfg, &format!("severity.{id}"))
            }
            (Some(p), Some(cfg)) if matches!(kind, Kind::Custom(_)) => rule_at(p, cfg, &id),
            _ => "built-in".to_owned(),
        };
        types.push(TypeShown {
            id,
            enabled,
            enabled_from,
            severity: engine.severity(kind).as_str().to_owned(),
            severity_from,
            tag: engine.tag(kind).to_owned(),
        });
    }
    let rules = match (&file, &raw) {
        (Some(p), Some(cfg)) => cfg
            .rules
            .iter()
            .map(|r| {
                let kind = Kind::Custom(r.id.as_str().into());
                RuleShown {
                    id: r.id.clone(),
                    severity: engine.severity(&kind).as_str().to_owned(),
                    tag: engine.tag(&kind).to_owned(),
                    keywords: r.keywords.len(),
                    examples: r.examples.len(),
                    negative_examples: r.negative_examples.len(),
                    from: rule_at(p, cfg, &r.id),
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let allowlist = match (&file, &raw) {
        (Some(p), Some(cfg)) => AllowShown {
            values: cfg.allowlist.values.len(),
            regexes: cfg.allowlist.regexes.len(),
            fingerprints: cfg.allowlist.fingerprints.len(),
            applied: full,
            from: cfg
                .key_lines
                .get("allowlist")
                .map(|l| format!("{}:{l}", p.display())),
        },
        _ => AllowShown {
            values: 0,
            regexes: 0,
            fingerprints: 0,
            applied: true,
            from: None,
        },
    };
    let key = match engines.key_sources.first() {
        Some(KeySource::Env) => KeyShown {
            source: "env",
            path: None,
        },
        Some(KeySource::Workspace(p)) => KeyShown {
            source: "workspace",
            path: Some(p.clone()),
        },
        Some(KeySource::User(p)) => KeyShown {
            source: "user",
            path: Some(p.clone()),
        },
        Some(KeySource::Ephemeral { .. }) | None => KeyShown {
            source: "one_off",
            path: None,
        },
    };
    let shown = Shown {
        input: a.path.clone(),
        applies: if full { "full" } else { "rules_and_severities" },
        reason: match &trust {
            Some(t) => t.describe(),
            None => "no .tftsr.toml in the input's directory or above: built-in defaults",
        },
        file,
        fingerprint_key: key,
        data_dir: crate::store::data_dir().ok(),
        types,
        rules,
        allowlist,
    };
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &shown)?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &shown)?;
    }
    out.flush()?;
    Ok(0)
}

fn rule_at(p: &Path, cfg: &Config, id: &str) -> String {
    match cfg.rules.iter().position(|r| r.id == id) {
        Some(i) => at(p, cfg, &format!("rules[{i}]")),
        None => p.display().to_string(),
    }
}

fn write_text(out: &mut dyn Write, s: &Shown) -> std::io::Result<()> {
    let name = |p: &Path| super::escape::name(&p.display().to_string()).into_owned();
    match &s.file {
        Some(p) => writeln!(out, "configuration:   {}", name(p))?,
        None => writeln!(out, "configuration:   built-in defaults")?,
    }
    writeln!(
        out,
        "applies:         {} ({})",
        if s.applies == "full" {
            "in full"
        } else {
            "rules and severities only"
        },
        s.reason
    )?;
    let key = match (&s.fingerprint_key.source, &s.fingerprint_key.path) {
        (&"env", _) => "TFTSR_FINGERPRINT_KEY (environment)".to_owned(),
        (&"workspace", Some(p)) => format!("{} (beside the configuration)", name(p)),
        (&"user", Some(p)) => format!("{} (your own key)", name(p)),
        _ => "a one-off key for this run (fingerprints match no allowlist entry)".to_owned(),
    };
    writeln!(out, "fingerprint key: {key}")?;
    if let Some(d) = &s.data_dir {
        writeln!(out, "data directory:  {}", name(d))?;
    }
    let a = &s.allowlist;
    writeln!(
        out,
        "allowlist:       {} value{}, {} regex{}, {} fingerprint{}{}",
        a.values,
        if a.values == 1 { "" } else { "s" },
        a.regexes,
        if a.regexes == 1 { "" } else { "es" },
        a.fingerprints,
        if a.fingerprints == 1 { "" } else { "s" },
        match (&a.from, a.applied) {
            (Some(f), true) => format!(" (from {})", super::escape::name(f)),
            (Some(f), false) => format!(
                " (in {}: NOT applied, the file is not trusted in full)",
                super::escape::name(f)
            ),
            (None, _) => String::new(),
        }
    )?;
    let on = s.types.iter().filter(|t| t.enabled).count();
    writeln!(out, "types:           {on} of {} enabled", s.types.len())?;
    let w = s.types.iter().map(|t| t.id.len()).max().unwrap_or(0);
    let tw = s.types.iter().map(|t| t.tag.len()).max().unwrap_or(0);
    for t in &s.types {
        let state = if t.enabled { "on " } else { "off" };
        let from = if t.enabled_from == t.severity_from {
            super::escape::name(&t.enabled_from).into_owned()
        } else {
            format!(
                "{}; severity: {}",
                super::escape::name(&t.enabled_from),
                super::escape::name(&t.severity_from)
            )
        };
        writeln!(
            out,
            "  {:<w$}  {state}  {:<11}  {:<tw$}  {from}",
            t.id, t.severity, t.tag
        )?;
    }
    if !s.rules.is_empty() {
        writeln!(out, "custom rules:")?;
        for r in &s.rules {
            writeln!(
                out,
                "  {}  {}  {}  ({} keyword{}, {} example{}, {} negative; {})",
                r.id,
                r.severity,
                r.tag,
                r.keywords,
                if r.keywords == 1 { "" } else { "s" },
                r.examples,
                if r.examples == 1 { "" } else { "s" },
                r.negative_examples,
                super::escape::name(&r.from)
            )?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct Checked {
    file: PathBuf,
    valid: bool,
    line: Option<usize>,
    key: Option<String>,
    message: Option<String>,
    rules: usize,
}

fn check(a: CheckArgs) -> anyhow::Result<i32> {
    let file = match a.file {
        Some(f) => f,
        None => {
            let cwd = std::env::current_dir()?;
            crate::app::config::discover(&cwd).ok_or_else(|| {
                anyhow::anyhow!(
                    "no {} in the current directory or above: give the file to check \
                     (`tftsr config check FILE`)",
                    Config::FILE_NAME
                )
            })?
        }
    };
    let shown = super::escape::name(&file.display().to_string()).into_owned();
    let result = crate::app::config::load(&file);
    let checked = match &result {
        Ok(cfg) => {
            // What an engine build checks on top of the file's own validation.
            if let Err(e) = Engine::new(cfg.clone()) {
                eprintln!(
                    "tftsr: error: {shown}: {}",
                    super::escape::name(&e.to_string())
                );
                return Ok(1);
            }
            Checked {
                file: file.clone(),
                valid: true,
                line: None,
                key: None,
                message: None,
                rules: cfg.rules.len(),
            }
        }
        Err(crate::engine::ConfigError::Invalid {
            line, key, message, ..
        }) => Checked {
            file: file.clone(),
            valid: false,
            line: Some(*line),
            key: Some(key.clone()),
            message: Some(message.clone()),
            rules: 0,
        },
        // Cannot be read: not a verdict on the file.
        Err(e) => anyhow::bail!("{e}"),
    };
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &checked)?;
        writeln!(out)?;
    } else if checked.valid {
        writeln!(
            out,
            "{shown}: ok ({} custom rule{})",
            checked.rules,
            if checked.rules == 1 { "" } else { "s" }
        )?;
    }
    out.flush()?;
    if let Err(e) = result {
        if !a.json {
            eprintln!("tftsr: error: {}", super::escape::name(&e.to_string()));
        }
        return Ok(1);
    }
    Ok(0)
}
