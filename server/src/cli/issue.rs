//! `tftsr issue …`: incidents in the store, and logs attached to them.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::db::open_store;
use crate::engine::redact::{Redactor, Style};
use crate::engine::Engine;
use crate::store::{Issue, IssueFilter, IssueUpdate, NewIssue, NewLogFile, NewPiiSpan};

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

fn mime_for(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
    {
        Some(e) if e == "gz" => "application/gzip",
        Some(e) if e == "json" || e == "jsonl" || e == "ndjson" => "application/json",
        Some(e) if e == "xml" => "application/xml",
        _ => "text/plain",
    }
}

fn attach(a: AttachArgs) -> anyhow::Result<i32> {
    let raw =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let is_gz = raw.starts_with(&[0x1f, 0x8b]);
    let text_bytes = if is_gz {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .with_context(|| format!("cannot decompress {}", a.file.display()))?;
        out
    } else {
        raw.clone()
    };
    let abs = std::fs::canonicalize(&a.file).unwrap_or_else(|_| a.file.clone());
    let dir = abs.parent().unwrap_or_else(|| Path::new("."));
    let engine = match crate::app::config::discover(dir) {
        Some(p) => Engine::new(crate::app::config::load(&p)?)?,
        None => Engine::with_defaults(),
    };
    let s = open_store()?;
    // Fail on an unknown id before the (possibly long) scan.
    s.get_issue(&a.id)?;
    let secret = if a.style == Style::Pseudonym {
        s.pseudonym_secret()?
    } else {
        [0u8; 32]
    };
    let scan = engine.scan_bytes(&text_bytes);
    let redactor = Redactor::new(&engine, a.style, secret);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let spans: Vec<NewPiiSpan> = scan
        .findings
        .iter()
        .map(|f| {
            let value = String::from_utf8_lossy(&text_bytes[f.start..f.end]).into_owned();
            *counts.entry(f.kind.id().to_owned()).or_default() += 1;
            NewPiiSpan {
                pii_type: f.kind.id().to_owned(),
                start_offset: f.start as i64,
                end_offset: f.end as i64,
                replacement: redactor.replacement(f, &value),
                original_value: value,
            }
        })
        .collect();
    let n = spans.len();
    let file_name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| a.file.display().to_string());
    let lf = s.attach_log(
        &a.id,
        NewLogFile {
            file_name,
            file_path: abs.display().to_string(),
            content_hash: hex::encode(Sha256::digest(&raw)),
            file_size: raw.len() as i64,
            mime_type: Some(mime_for(&a.file).into()),
            spans,
        },
    )?;
    if a.json {
        print_json(&serde_json::json!({
            "log_file": lf,
            "findings": n,
            "counts": counts,
            "invalid_utf8_sequences": scan.invalid_sequences,
        }))?;
    } else {
        let c: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!(
            "attached {} to {}: {} finding(s){}{}",
            lf.file_name,
            a.id,
            n,
            if c.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.join(", "))
            },
            if is_gz { " [gzip]" } else { "" }
        );
        println!("log file id: {}", lf.id);
        if scan.invalid_sequences > 0 {
            eprintln!(
                "note: {} invalid UTF-8 sequence(s) were skipped while scanning",
                scan.invalid_sequences
            );
        }
    }
    Ok(0)
}
