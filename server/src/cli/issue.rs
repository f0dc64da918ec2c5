//! `tftsr issue …`: incidents in the store, and logs attached to them.

use super::escape::{name, text};
use std::convert::Infallible;
use std::io::Write;
use std::path::PathBuf;

use super::confirm::confirm;
use super::db::open_store;
use super::output::{paint, ColorChoice};
use super::select::Selection;
use crate::app::attach::AttachJob;
use crate::app::bundle;
use crate::app::documents::LeakPolicy;
use crate::app::incident;
use crate::app::input::Source;
use crate::app::keys;
use crate::app::review::{self, Decision, ReviewItem};
use crate::engine::redact::Style;
use crate::store::{Issue, IssueUpdate, NewIssue};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create an incident (status `open`)
    New(NewArgs),
    /// List incidents, newest first
    List(ListArgs),
    /// Show an incident with its logs, 5-Whys steps and conversations
    Show(IdArgs),
    /// Change fields of an incident (an empty value clears an optional field)
    Update(UpdateArgs),
    /// Full-text search over titles and descriptions, best match first (bm25)
    Search(SearchArgs),
    /// Scan a log and attach it to an incident: its findings and its cleaned (redacted) copy
    Attach(AttachArgs),
    /// Clear the original values of every attached log of an incident (all logs or none)
    Finalize(IdArgs),
    /// Move an incident along open → investigating → resolved → closed (reopening allowed)
    Status(StatusArgs),
    /// Delete an incident with its logs and findings (the audit trail keeps a record)
    Delete(DeleteArgs),
    /// Export an incident as a shareable bundle (.zip or .tar.gz): cleaned logs, documents as
    /// Markdown and HTML, a manifest with SHA-256s; scanned before it is written
    Export(ExportArgs),
    /// Check a bundle: every entry listed in its manifest with the right SHA-256, no finding
    VerifyBundle(VerifyBundleArgs),
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The incident's id (or a unique prefix)
    pub id: String,
    /// The bundle to write (must not exist): `.zip`, `.tar.gz` or `.tgz`
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Replace findings in the documents with this style on the way out
    #[arg(long, value_name = "STYLE", num_args = 0..=1, default_missing_value = "tag")]
    pub redact_documents: Option<Style>,
    /// Let findings through (you confirm they may leave the store)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub select: Selection,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct VerifyBundleArgs {
    /// The bundle (`.zip`, `.tar.gz` or `.tgz`)
    pub file: PathBuf,
    #[command(flatten)]
    pub select: Selection,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// The incident's id (or a unique prefix)
    pub id: String,
    /// open, investigating, resolved or closed
    pub status: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// The incident's id (or a unique prefix)
    pub id: String,
    /// Do not ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct NewArgs {
    #[arg(long)]
    pub title: String,
    /// critical, high, medium or low
    #[arg(long)]
    pub severity: String,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long)]
    pub assigned_to: Option<String>,
    /// Tags, comma-separated or repeated
    #[arg(long = "tag", value_delimiter = ',')]
    pub tags: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// open, investigating, resolved or closed
    #[arg(long)]
    pub status: Option<String>,
    /// critical, high, medium or low
    #[arg(long)]
    pub severity: Option<String>,
    /// Only incidents carrying this tag
    #[arg(long)]
    pub tag: Option<String>,
    /// At most this many (0 = all)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct IdArgs {
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct UpdateArgs {
    pub id: String,
    #[arg(long)]
    pub title: Option<String>,
    /// critical, high, medium or low
    #[arg(long)]
    pub severity: Option<String>,
    /// open, investigating, resolved or closed
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long)]
    pub assigned_to: Option<String>,
    /// Replace the tags (comma-separated or repeated; `--tag ''` clears them)
    #[arg(long = "tag", value_delimiter = ',')]
    pub tags: Option<Vec<String>>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct SearchArgs {
    /// Words to look for (all must match; the last one may be a prefix)
    #[arg(required = true)]
    pub query: Vec<String>,
    /// At most this many results, best first
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// JSON: each hit's issue, snippet (plain text), highlights ([start, end) character ranges of
    /// the matched words in the snippet) and score
    #[arg(long)]
    pub json: bool,
    /// Matched words in bold and underlined: auto (when stdout is a terminal, NO_COLOR is unset
    /// and TERM is not dumb), always, never; without colours they are marked »like this«
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// A snippet for the terminal: escaped as every name is, each matched word in bold and underlined
/// (`color`) or between `»` and `«` (neutral marks: `[…]` reads like a redaction tag).
pub fn render_snippet(snippet: &str, highlights: &[[usize; 2]], color: bool) -> String {
    let hit = anstyle::Style::new().bold().underline();
    let chars: Vec<char> = snippet
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    let mut out = String::new();
    let mut at = 0;
    for &[start, end] in highlights {
        let (start, end) = (start.clamp(at, chars.len()), end.min(chars.len()));
        if end <= start {
            continue;
        }
        out.push_str(&name(&chars[at..start].iter().collect::<String>()));
        let word = name(&chars[start..end].iter().collect::<String>()).into_owned();
        if color {
            out.push_str(&paint(hit, word));
        } else {
            out.push('»');
            out.push_str(&word);
            out.push('«');
        }
        at = end;
    }
    out.push_str(&name(&chars[at..].iter().collect::<String>()));
    out
}

#[derive(clap::Args, Debug)]
pub struct AttachArgs {
    /// The incident's id
    pub id: String,
    /// The log file (`.gz` is decompressed for scanning; the hash is of the file as given)
    pub file: PathBuf,
    /// Replacement style recorded with each finding: tag, mask, partial or pseudonym
    #[arg(long, default_value = "tag")]
    pub style: Style,
    /// Do not keep the findings' original values at all (the log is stored finalized)
    #[arg(long)]
    pub no_values: bool,
    /// Review each finding before it is redacted: the original line and the redacted one are
    /// shown on stderr and an answer is read from stdin per finding (y accept, n reject,
    /// Y/N accept/reject every finding of that type, a/d accept/reject all the rest, q quit)
    #[arg(long)]
    pub review: bool,
    /// Reject (leave unredacted) every finding of these types (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "TYPE,…")]
    pub reject_type: Vec<String>,
    /// Reject the findings whose value has this fingerprint (comma-separated; as `tftsr
    /// fingerprint`, a JSONL line or a diagnostic names it: HMAC-SHA-256 under the fingerprint key)
    #[arg(long, value_delimiter = ',', value_name = "FINGERPRINT,…")]
    pub reject: Vec<String>,
    /// Add the fingerprints of rejected values to the allowlist of the configuration in use
    /// (else ./.tftsr.toml), so they are no longer findings
    #[arg(long)]
    pub allowlist_rejected: bool,
    #[command(flatten)]
    pub select: Selection,
    #[arg(long)]
    pub json: bool,
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn opt(s: Option<String>) -> Option<Option<String>> {
    s.map(|v| if v.is_empty() { None } else { Some(v) })
}

pub fn run(cmd: Command) -> anyhow::Result<i32> {
    match cmd {
        Command::New(a) => {
            let s = open_store()?;
            let i = s.create_issue(NewIssue {
                title: a.title,
                severity: a.severity,
                description: a.description,
                category: a.category,
                source: a.source,
                assigned_to: a.assigned_to,
                tags: a.tags.into_iter().filter(|t| !t.is_empty()).collect(),
            })?;
            if a.json {
                print_json(&i)?;
            } else {
                println!("{}", i.id);
                eprintln!("created issue {} [{}] {}", i.id, i.severity, name(&i.title));
            }
        }
        Command::List(a) => {
            let s = open_store()?;
            let v = incident::list(
                &s,
                a.status.as_deref(),
                a.severity.as_deref(),
                a.tag.as_deref(),
                a.limit,
            )?;
            if a.json {
                print_json(&v)?;
            } else if v.is_empty() {
                eprintln!("no issues");
            } else {
                for i in &v {
                    print_line(i);
                }
            }
        }
        Command::Show(a) => {
            let s = open_store()?;
            let (d, states) = incident::show(&s, &a.id)?;
            if a.json {
                let mut v = serde_json::to_value(&d)?;
                v["log_states"] = serde_json::to_value(&states)?;
                print_json(&v)?;
            } else {
                let i = &d.issue;
                println!("{}  {}", i.id, name(&i.title));
                println!("  severity: {}   status: {}", i.severity, i.status);
                println!("  created:  {}   updated: {}", i.created_at, i.updated_at);
                if let Some(r) = &i.resolved_at {
                    println!("  resolved: {r}");
                }
                for (k, v) in [
                    ("category", &i.category),
                    ("source", &i.source),
                    ("assigned", &i.assigned_to),
                ] {
                    if let Some(v) = v {
                        println!("  {k}: {}", name(v));
                    }
                }
                if !i.tags.is_empty() {
                    println!("  tags: {}", name(&i.tags.join(", ")));
                }
                if let Some(desc) = &i.description {
                    println!("\n{}\n", text(desc));
                }
                println!("log files ({}):", d.log_files.len());
                for (l, st) in d.log_files.iter().zip(&states) {
                    let state: Vec<&str> = [
                        (st.reviewed, "reviewed"),
                        (st.redacted, "redacted"),
                        (st.finalized, "finalized"),
                    ]
                    .into_iter()
                    .filter_map(|(on, name)| on.then_some(name))
                    .collect();
                    println!(
                        "  {}  {}  {} bytes  {} findings  [{}]  sha256 {}",
                        l.id,
                        name(&l.file_name),
                        l.file_size.unwrap_or(0),
                        st.span_count,
                        if state.is_empty() {
                            "not redacted".to_string()
                        } else {
                            state.join(", ")
                        },
                        l.content_hash.as_deref().unwrap_or("-")
                    );
                }
                if !d.resolution_steps.is_empty() {
                    println!("5 whys:");
                    for st in &d.resolution_steps {
                        println!(
                            "  {}. {} — {}",
                            st.step_order,
                            name(&st.why_question),
                            name(st.answer.as_deref().unwrap_or("?"))
                        );
                        if let Some(e) = &st.evidence {
                            println!("     evidence: {}", name(e));
                        }
                    }
                }
                if !d.conversations.is_empty() {
                    println!("conversations: {}", d.conversations.len());
                }
            }
        }
        Command::Update(a) => {
            let s = open_store()?;
            let i = s.update_issue(
                &a.id,
                IssueUpdate {
                    title: a.title,
                    severity: a.severity,
                    status: a.status,
                    description: opt(a.description),
                    category: opt(a.category),
                    source: opt(a.source),
                    assigned_to: opt(a.assigned_to),
                    tags: a
                        .tags
                        .map(|t| t.into_iter().filter(|t| !t.is_empty()).collect()),
                },
            )?;
            if a.json {
                print_json(&i)?;
            } else {
                print_line(&i);
            }
        }
        Command::Search(a) => {
            let s = open_store()?;
            let hits = s.search_issues(&a.query.join(" "), a.limit)?;
            // As grep and ripgrep: 1 says "nothing matched" to a script (2 is an error).
            let status = if hits.is_empty() { 1 } else { 0 };
            if a.json {
                print_json(&hits)?;
            } else if hits.is_empty() {
                eprintln!("no matches");
            } else {
                let color = a.color.for_stdout();
                for h in &hits {
                    println!(
                        "{}  {:>6.2}  [{}/{}] {}",
                        h.issue.id,
                        h.score,
                        h.issue.severity,
                        h.issue.status,
                        name(&h.issue.title)
                    );
                    println!("    {}", render_snippet(&h.snippet, &h.highlights, color));
                }
            }
            return Ok(status);
        }
        Command::Attach(a) => return attach(a),
        Command::Export(a) => {
            let (scanner, _) = a.select.scanner_for(&Source::File(a.output.clone()))?;
            let s = open_store()?;
            let policy = match (a.redact_documents, a.force) {
                (Some(style), _) => LeakPolicy::Redact {
                    style,
                    key: keys::redaction_key(style, || Ok::<_, Infallible>(&s))?,
                },
                (None, true) => LeakPolicy::Allow,
                (None, false) => LeakPolicy::Refuse,
            };
            let r = bundle::export(&s, &scanner, &a.id, &a.output, policy, a.force)?;
            if a.json {
                print_json(&r)?;
            } else {
                println!(
                    "exported issue {} to {}: {} log(s), {} document(s), {} bytes, sha256 {}",
                    r.issue_id,
                    r.path.display(),
                    r.logs,
                    r.documents,
                    r.bytes,
                    r.sha256
                );
            }
        }
        Command::VerifyBundle(a) => {
            let (scanner, _) = a.select.scanner_for(&Source::File(a.file.clone()))?;
            let v = bundle::verify(&scanner, &a.file)?;
            if a.json {
                print_json(&v)?;
            } else {
                for e in &v.entries {
                    println!("{}  {:>10}  {}", e.sha256, e.size, e.path);
                }
                if v.ok {
                    println!(
                        "bundle ok: {} entries, sha256 {}",
                        v.entries.len(),
                        v.sha256
                    );
                } else {
                    for p in &v.problems {
                        eprintln!("problem: {p}");
                    }
                }
            }
            return Ok(if v.ok { 0 } else { 1 });
        }
        Command::Finalize(a) => {
            let s = open_store()?;
            let r = incident::finalize(&s, &a.id)?;
            if a.json {
                print_json(&r)?;
            } else {
                let cleared: i64 = r.logs.iter().map(|(_, n)| n).sum();
                println!(
                    "finalized issue {}: {} log file(s), {} original value(s) cleared",
                    r.issue_id,
                    r.logs.len(),
                    cleared
                );
            }
        }
        Command::Status(a) => {
            let s = open_store()?;
            let i = incident::set_status(&s, &a.id, &a.status)?;
            if a.json {
                print_json(&i)?;
            } else {
                print_line(&i);
            }
        }
        Command::Delete(a) => {
            let s = open_store()?;
            let d = s.get_issue(&a.id)?;
            let id = d.issue.id.clone();
            if !confirm(
                &format!(
                    "delete issue {id} ({}) with {} log file(s), their findings, whys and documents",
                    d.issue.title.escape_debug(),
                    d.log_files.len()
                ),
                a.yes,
            )? {
                eprintln!("nothing deleted");
                return Ok(1);
            }
            let d = incident::delete(&s, &id)?;
            if a.json {
                print_json(&serde_json::json!({
                    "deleted": id,
                    "log_files": d.log_files.len(),
                }))?;
            } else {
                println!(
                    "deleted issue {} ({} log file(s) and their findings)",
                    id,
                    d.log_files.len()
                );
            }
        }
    }
    Ok(0)
}

fn print_line(i: &Issue) {
    println!(
        "{}  {:<8} {:<13} {}  {}",
        i.id,
        i.severity,
        i.status,
        i.created_at,
        name(&i.title)
    );
}

/// The answers `--review` remembers for the rest of the file.
#[derive(Default)]
struct Standing {
    by_type: std::collections::BTreeMap<String, Decision>,
    rest: Option<Decision>,
}

/// Asks about one finding on stderr, reads the answer from stdin.
fn ask(
    item: &ReviewItem<'_>,
    standing: &mut Standing,
    input: &mut dyn std::io::BufRead,
) -> Result<Decision, ()> {
    if let Some(d) = standing
        .rest
        .or_else(|| standing.by_type.get(item.kind).copied())
    {
        return Ok(d);
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "[{}] line {}  {}  (fingerprint {})\n  - {}\n  + {}",
        item.index + 1,
        item.line,
        item.kind,
        &item.fingerprint[..12],
        // Escaped as all human output: a log line's control characters must not reach the terminal.
        super::escape::name(item.line_text),
        super::escape::name(&item.redacted_line)
    );
    loop {
        let _ = write!(
            err,
            "redact it? [y]es [n]o [Y]es/[N]o to every {} [a]ll/[d]one of the rest [q]uit: ",
            item.kind
        );
        let _ = err.flush();
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => return Err(()),
            Ok(_) => {}
        }
        let d = match line.trim() {
            "y" | "yes" => Decision::Accept,
            "n" | "no" => Decision::Reject,
            "Y" => *standing
                .by_type
                .entry(item.kind.to_owned())
                .or_insert(Decision::Accept),
            "N" => *standing
                .by_type
                .entry(item.kind.to_owned())
                .or_insert(Decision::Reject),
            "a" => *standing.rest.insert(Decision::Accept),
            "d" => *standing.rest.insert(Decision::Reject),
            "q" => return Err(()),
            _ => continue,
        };
        return Ok(d);
    }
}

fn attach(a: AttachArgs) -> anyhow::Result<i32> {
    let (scanner, engines) = a.select.scanner_for(&Source::File(a.file.clone()))?;
    super::select::report_configs(&engines);
    // The configuration in use, where rejected fingerprints go with --allowlist-rejected.
    let config = engines.configs_used().into_iter().next().map(|(p, _)| p);
    let s = open_store()?;
    let key = keys::redaction_key(a.style, || Ok::<_, Infallible>(&s))?;
    let job = AttachJob {
        scanner: &scanner,
        style: a.style,
        key,
    };
    let reject_types: Vec<String> = crate::app::engines::clean_ids(&a.reject_type);
    for t in &reject_types {
        if crate::engine::RULES.iter().all(|r| r.id != t.as_str()) {
            anyhow::bail!(
                "--reject-type: `{}` is not a finding type",
                t.escape_debug()
            );
        }
    }
    let reject_fps: Vec<String> = crate::app::engines::clean_ids(&a.reject)
        .into_iter()
        .map(|f| f.to_ascii_lowercase())
        .collect();
    for f in &reject_fps {
        if f.len() != 64 || !f.bytes().all(|b| b.is_ascii_hexdigit()) {
            anyhow::bail!("--reject: a fingerprint is 64 hex digits (see tftsr fingerprint)");
        }
    }
    let reviewing = a.review || !reject_types.is_empty() || !reject_fps.is_empty();
    let mut standing = Standing::default();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut decide = |item: &ReviewItem<'_>| -> Result<Decision, ()> {
        if reject_types.iter().any(|t| t == item.kind) || reject_fps.contains(&item.fingerprint) {
            return Ok(Decision::Reject);
        }
        if a.review {
            ask(item, &mut standing, &mut input)
        } else {
            Ok(Decision::Accept)
        }
    };
    let r = review::attach_reviewed(
        &s,
        &a.id,
        &a.file,
        &job,
        !a.no_values,
        reviewing.then_some(&mut decide as review::Decide<'_>),
    )?;
    let mut allowlisted = 0;
    let mut allowlist_file = None;
    if a.allowlist_rejected && !r.rejected_fingerprints.is_empty() {
        let path = config.unwrap_or_else(|| PathBuf::from(crate::engine::Config::FILE_NAME));
        for fp in &r.rejected_fingerprints {
            crate::app::config::add_allowlisted_fingerprint(&path, fp)?;
            allowlisted += 1;
        }
        allowlist_file = Some(path);
    }
    let done = &r.attached;
    let clean = &r.status;
    // As stored now: redacted once its cleaned copy is in.
    let lf = &s.get_log_file(&done.log_file.id)?;
    for w in crate::app::engines::legacy_fingerprint_warnings(&scanner.engine) {
        eprintln!("tftsr: warning: {w}");
    }
    let invalid = done.stats.invalid_sequences;
    if a.json {
        print_json(&serde_json::json!({
            "log_file": lf,
            "log_file_id": lf.id,
            "state": clean,
            "cleaned_sha256": clean.cleaned_sha256,
            "findings": done.findings,
            "counts": done.counts,
            "review": {
                "reviewed": reviewing,
                "accepted": r.accepted,
                "rejected": r.rejected,
                "rejected_counts": r.rejected_counts,
                "allowlisted": allowlisted,
            },
            "invalid_utf8_sequences": invalid,
        }))?;
    } else {
        let c: Vec<String> = done
            .counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!(
            "attached {} to {}: {} finding(s){}{}",
            name(&lf.file_name),
            lf.issue_id,
            done.findings,
            if c.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.join(", "))
            },
            if done.gzip { " [gzip]" } else { "" }
        );
        if reviewing {
            println!(
                "reviewed: {} accepted (redacted), {} rejected (left as they are)",
                r.accepted, r.rejected
            );
        }
        if let Some(p) = &allowlist_file {
            println!(
                "allowlisted {allowlisted} rejected value(s) in {}",
                p.display()
            );
        }
        println!("log file id: {}", lf.id);
        println!(
            "cleaned copy: {} bytes, sha256 {}{}",
            clean.cleaned_size.unwrap_or(0),
            clean.cleaned_sha256.as_deref().unwrap_or("-"),
            if a.no_values {
                " (original values not kept)"
            } else {
                ""
            }
        );
        if invalid > 0 {
            eprintln!("note: {invalid} invalid UTF-8 sequence(s) were skipped while scanning");
        }
    }
    Ok(0)
}
