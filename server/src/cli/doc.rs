//! `tftsr doc …`: RCA and post-mortem documents of an incident (generate, list, show, edit,
//! export, delete). An export is scanned first and refused if it would carry a finding, unless
//! `--redact` or `--force`.

use std::convert::Infallible;
use std::io::{Read, Write};
use std::path::PathBuf;

use super::confirm::confirm;
use super::db::open_store;
use super::select::Selection;
use crate::app::documents::{self, DocKind, LeakPolicy};
use crate::app::input::Source;
use crate::app::keys;
use crate::engine::redact::Style;
use crate::store::Document;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Generate an RCA or a blameless post-mortem from the incident (prints the document id)
    Generate(GenerateArgs),
    /// List an incident's documents
    List(IssueArgs),
    /// Print a document's Markdown
    Show(ShowArgs),
    /// Replace a document's Markdown (from a file or stdin) and/or its title
    Edit(EditArgs),
    /// Write a document to a new file (.md, or .html rendered), after scanning it for findings
    Export(ExportArgs),
    /// Delete a document
    Delete(DeleteArgs),
}

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// The incident's id (or a unique prefix)
    pub id: String,
    /// rca or postmortem
    #[arg(long)]
    pub kind: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct IssueArgs {
    /// The incident's id (or a unique prefix)
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// The document's id (or a unique prefix)
    pub doc_id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct EditArgs {
    /// The document's id (or a unique prefix)
    pub doc_id: String,
    /// The new Markdown, from this file (`-` = stdin)
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The document's id (or a unique prefix)
    pub doc_id: String,
    /// The file to write (must not exist); `.html`/`.htm` renders the Markdown
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Replace findings in the document with this style on the way out
    #[arg(long, value_name = "STYLE", num_args = 0..=1, default_missing_value = "tag")]
    pub redact: Option<Style>,
    /// Write findings as they are (you confirm they may leave the store)
    #[arg(long, conflicts_with = "redact")]
    pub force: bool,
    #[command(flatten)]
    pub select: Selection,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// The document's id (or a unique prefix)
    pub doc_id: String,
    /// Do not ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn print_line(d: &Document) {
    println!(
        "{}  {:<10} {} bytes  {}",
        d.id,
        d.doc_type,
        d.content_md.len(),
        d.title
    );
}

pub fn run(cmd: Command) -> anyhow::Result<i32> {
    let s = open_store()?;
    match cmd {
        Command::Generate(a) => {
            let kind: DocKind = a.kind.parse()?;
            let d = documents::generate(&s, &a.id, kind)?;
            if a.json {
                print_json(&d)?;
            } else {
                println!("{}", d.id);
                eprintln!("generated {} {} for issue {}", d.doc_type, d.id, d.issue_id);
            }
        }
        Command::List(a) => {
            let v = documents::list(&s, &a.id)?;
            if a.json {
                print_json(&v)?;
            } else if v.is_empty() {
                eprintln!("no documents");
            } else {
                v.iter().for_each(print_line);
            }
        }
        Command::Show(a) => {
            let d = documents::show(&s, &a.doc_id)?;
            if a.json {
                print_json(&d)?;
            } else {
                let mut out = std::io::stdout().lock();
                out.write_all(d.content_md.as_bytes())?;
                if !d.content_md.ends_with('\n') {
                    writeln!(out)?;
                }
            }
        }
        Command::Edit(a) => {
            let content = match &a.file {
                None => None,
                Some(p) if p.as_os_str() == "-" => {
                    let mut t = String::new();
                    std::io::stdin()
                        .read_to_string(&mut t)
                        .map_err(|e| anyhow::anyhow!("cannot read the Markdown from stdin: {e}"))?;
                    Some(t)
                }
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
                ),
            };
            let d = documents::edit(&s, &a.doc_id, a.title, content)?;
            if a.json {
                print_json(&d)?;
            } else {
                print_line(&d);
            }
        }
        Command::Export(a) => {
            let (scanner, _) = a.select.scanner_for(&Source::File(a.output.clone()))?;
            let policy = match (a.redact, a.force) {
                (Some(style), _) => LeakPolicy::Redact {
                    style,
                    key: keys::redaction_key(style, || Ok::<_, Infallible>(&s))?,
                },
                (None, true) => LeakPolicy::Allow,
                (None, false) => LeakPolicy::Refuse,
            };
            let r = documents::export(&s, &scanner, &a.doc_id, &a.output, policy)?;
            if a.json {
                print_json(&r)?;
            } else {
                println!(
                    "exported document {} to {} ({}, {} bytes, sha256 {}){}",
                    r.document_id,
                    r.path.display(),
                    r.format,
                    r.bytes,
                    r.sha256,
                    if r.redacted > 0 {
                        format!(", {} finding(s) redacted", r.redacted)
                    } else {
                        String::new()
                    }
                );
            }
        }
        Command::Delete(a) => {
            let d = documents::show(&s, &a.doc_id)?;
            if !confirm(
                &format!(
                    "delete {} document {} ({})",
                    d.doc_type,
                    d.id,
                    d.title.escape_debug()
                ),
                a.yes,
            )? {
                eprintln!("nothing deleted");
                return Ok(1);
            }
            let d = documents::delete(&s, &d.id)?;
            if a.json {
                print_json(&serde_json::json!({"deleted": d.id}))?;
            } else {
                println!("deleted document {}", d.id);
            }
        }
    }
    Ok(0)
}
