//! `tftsr issue …`: incidents in the store, and logs attached to them.

use std::convert::Infallible;
use std::io::Write;
use std::path::PathBuf;

use super::db::open_store;
use super::select::Selection;
use crate::app::attach::{self, AttachInput, AttachJob};
use crate::app::input::Source;
use crate::app::keys;
use crate::engine::redact::Style;
use crate::store::{Issue, IssueFilter, IssueUpdate, NewIssue};

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
    /// Scan a log and attach it, with its findings, to an incident
    Attach(AttachArgs),
    /// Delete an incident with its logs and findings (the audit trail keeps a record)
    Delete(IdArgs),
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
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
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
                eprintln!("created issue {} [{}] {}", i.id, i.severity, i.title);
            }
        }
        Command::List(a) => {
            let s = open_store()?;
            let v = s.list_issues(&IssueFilter {
                status: a.status,
                limit: a.limit,
                ..Default::default()
            })?;
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
            let d = s.get_issue(&a.id)?;
            if a.json {
                print_json(&d)?;
            } else {
                let i = &d.issue;
                println!("{}  {}", i.id, i.title);
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
                        println!("  {k}: {v}");
                    }
                }
                if !i.tags.is_empty() {
                    println!("  tags: {}", i.tags.join(", "));
                }
                if let Some(desc) = &i.description {
                    println!("\n{desc}\n");
                }
                println!("log files ({}):", d.log_files.len());
                for l in &d.log_files {
                    let spans = s.pii_spans(&l.id)?.len();
                    println!(
                        "  {}  {}  {} bytes  {} findings{}  sha256 {}",
                        l.id,
                        l.file_name,
                        l.file_size.unwrap_or(0),
                        spans,
                        if l.redacted { "  redacted" } else { "" },
                        l.content_hash.as_deref().unwrap_or("-")
                    );
                }
                if !d.resolution_steps.is_empty() {
                    println!("5 whys:");
                    for st in &d.resolution_steps {
                        println!(
                            "  {}. {} — {}",
                            st.step_order,
                            st.why_question,
                            st.answer.as_deref().unwrap_or("?")
                        );
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
            if a.json {
                print_json(&hits)?;
            } else if hits.is_empty() {
                eprintln!("no matches");
            } else {
                for h in &hits {
                    println!(
                        "{}  {:>7.2}  [{}/{}] {}",
                        h.issue.id, h.rank, h.issue.severity, h.issue.status, h.issue.title
                    );
                    println!("    {}", h.snippet.replace('\n', " "));
                }
            }
        }
        Command::Attach(a) => return attach(a),
        Command::Delete(a) => {
            let s = open_store()?;
            let d = s.get_issue(&a.id)?;
            s.delete_issue(&a.id)?;
            if a.json {
                print_json(&serde_json::json!({
                    "deleted": a.id,
                    "log_files": d.log_files.len(),
                }))?;
            } else {
                println!(
                    "deleted issue {} ({} log file(s) and their findings)",
                    a.id,
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
        i.id, i.severity, i.status, i.created_at, i.title
    );
}

fn attach(a: AttachArgs) -> anyhow::Result<i32> {
    let (scanner, _config) = a.select.scanner_for(&Source::File(a.file.clone()))?;
    let s = open_store()?;
    let key = keys::redaction_key(a.style, || Ok::<_, Infallible>(&s))?;
    let job = AttachJob {
        scanner: &scanner,
        style: a.style,
        key,
    };
    let done = attach::attach(&s, &a.id, AttachInput::File(&a.file), &job)?;
    let lf = &done.log_file;
    let invalid = done.stats.invalid_sequences;
    if a.json {
        print_json(&serde_json::json!({
            "log_file": lf,
            "findings": done.findings,
            "counts": done.counts,
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
            lf.file_name,
            a.id,
            done.findings,
            if c.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.join(", "))
            },
            if done.gzip { " [gzip]" } else { "" }
        );
        println!("log file id: {}", lf.id);
        if invalid > 0 {
            eprintln!("note: {invalid} invalid UTF-8 sequence(s) were skipped while scanning");
        }
    }
    Ok(0)
}
