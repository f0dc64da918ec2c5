//! RCA and post-mortem documents (issue 12): generated in Markdown from what the store knows of
//! an incident — summary, severity, a timeline from the issue's timestamps and its audit trail,
//! the attached logs with sizes, hashes and finding counts by type (never a value), the 5-Whys
//! chain, the root cause and action items — stored in `documents`, shown, edited, listed,
//! deleted, and exported. Nothing leaves the store unscanned: an export that would contain a
//! finding is refused unless the caller redacts it or confirms.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::engines::Scanner;
use super::output::{AtomicOutput, OutputError};
use crate::engine::redact::{apply, Redactor, Style};
use crate::engine::Finding;
use crate::store::{
    AuditAction, AuditFilter, Document, DocumentUpdate, IssueDetail, LogStatus, Store, StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("`{0}` is not a document kind (expected rca or postmortem)")]
    Kind(String),
    #[error(
        "{what} holds {total} finding(s) ({summary}); nothing was written. Redact them on the \
         way out (`doc export --redact`, `issue export --redact-documents`), edit the document, \
         or confirm that they may leave the store (--force)"
    )]
    Findings {
        what: String,
        total: usize,
        summary: String,
        counts: BTreeMap<String, usize>,
    },
}

/// The two kinds of write-up the seed's `documents.doc_type` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Rca,
    Postmortem,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Rca => "rca",
            DocKind::Postmortem => "postmortem",
        }
    }
}

impl std::str::FromStr for DocKind {
    type Err = DocumentError;
    fn from_str(s: &str) -> Result<Self, DocumentError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rca" => Ok(DocKind::Rca),
            "postmortem" | "post-mortem" => Ok(DocKind::Postmortem),
            _ => Err(DocumentError::Kind(s.escape_debug().to_string())),
        }
    }
}

/// What to do when text about to leave the store holds findings.
#[derive(Clone, Copy, Debug)]
pub enum LeakPolicy {
    /// Refuse (the default): nothing is written.
    Refuse,
    /// Replace each finding in `style` before writing.
    Redact { style: Style, key: [u8; 32] },
    /// Write as it is: the user confirmed.
    Allow,
}

/// Findings in `text`, by type.
pub fn scan_counts(scanner: &Scanner, text: &str) -> (Vec<Finding>, BTreeMap<String, usize>) {
    let found: Vec<Finding> = scanner
        .engine
        .scan(text)
        .into_iter()
        .filter(|f| scanner.keeps(&f.kind))
        .collect();
    let mut counts = BTreeMap::new();
    for f in &found {
        *counts.entry(f.kind.id().to_owned()).or_insert(0) += 1;
    }
    (found, counts)
}

fn summary(counts: &BTreeMap<String, usize>) -> String {
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Applies `policy` to `text` that is about to leave the store as `what`: the text to write and
/// how many findings were redacted in it.
pub fn guard(
    scanner: &Scanner,
    what: &str,
    text: &str,
    policy: LeakPolicy,
) -> Result<(String, usize), DocumentError> {
    let (found, counts) = scan_counts(scanner, text);
    if found.is_empty() {
        return Ok((text.to_owned(), 0));
    }
    match policy {
        LeakPolicy::Allow => Ok((text.to_owned(), 0)),
        LeakPolicy::Redact { style, key } => {
            let r = Redactor::new(&scanner.engine, style, key);
            Ok((apply(text, &r.plan(text, &found)), found.len()))
        }
        LeakPolicy::Refuse => Err(DocumentError::Findings {
            what: what.to_owned(),
            total: found.len(),
            summary: summary(&counts),
            counts,
        }),
    }
}

/// Markdown text from the store's free text: one line, no heading or table syntax injected.
fn inline(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Finding counts by type of one log, from its stored findings (types and offsets only).
fn counts_of(store: &Store, log_file_id: &str) -> Result<BTreeMap<String, usize>, StoreError> {
    let mut counts = BTreeMap::new();
    for s in store.pii_spans(log_file_id)? {
        *counts.entry(s.pii_type).or_insert(0) += 1;
    }
    Ok(counts)
}

/// What happened, from the issue's timestamps and its audit trail, oldest first.
fn timeline(store: &Store, d: &IssueDetail) -> Result<Vec<(String, String)>, StoreError> {
    let names: BTreeMap<&str, &str> = d
        .log_files
        .iter()
        .map(|l| (l.id.as_str(), l.file_name.as_str()))
        .collect();
    let name = |id: &str| {
        names
            .get(id)
            .map(|n| format!("`{}`", inline(n).replace('`', "'")))
            .unwrap_or_else(|| "a log".into())
    };
    let mut t = vec![(d.issue.created_at.clone(), "Incident opened".to_string())];
    let mut entries = store.audit_entries(&AuditFilter {
        issue_id: Some(d.issue.id.clone()),
        action: None,
        since: None,
        limit: 0,
    })?;
    entries.reverse();
    for e in entries {
        let det = e.details.clone().unwrap_or_default();
        let what = match e.action.as_str() {
            "issue_update" => match (det["from_status"].as_str(), det["to_status"].as_str()) {
                (Some(a), Some(b)) => format!("Status changed from {a} to {b}"),
                _ => continue,
            },
            "log_attach" => format!(
                "Log {} attached ({} finding(s))",
                name(&e.entity_id),
                det["span_count"].as_u64().unwrap_or(0)
            ),
            "log_review" => format!(
                "Findings of {} reviewed: {} accepted, {} rejected",
                name(&e.entity_id),
                det["accepted"].as_u64().unwrap_or(0),
                det["rejected"].as_u64().unwrap_or(0)
            ),
            "log_redact" => format!("Cleaned copy of {} stored", name(&e.entity_id)),
            "redaction_finalize" => {
                format!("Original values of {} cleared", name(&e.entity_id))
            }
            _ => continue,
        };
        t.push((e.timestamp, what));
    }
    if let Some(r) = &d.issue.resolved_at {
        if !t
            .iter()
            .any(|(ts, w)| ts == r && w.ends_with("to resolved"))
        {
            t.push((r.clone(), "Incident resolved".into()));
        }
    }
    // Stable: entries of the same second keep the order they were recorded in.
    t.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(t)
}

/// The Markdown of a new document of `kind` for an issue (and its title).
pub fn render(
    store: &Store,
    issue_id: &str,
    kind: DocKind,
) -> Result<(String, String), StoreError> {
    let d = store.get_issue(issue_id)?;
    let states = store.log_statuses(&d.issue.id)?;
    let i = &d.issue;
    let title = match kind {
        DocKind::Rca => format!("RCA: {}", inline(&i.title)),
        DocKind::Postmortem => format!("Post-mortem: {}", inline(&i.title)),
    };
    let mut md = String::new();
    let _ = writeln!(md, "# {title}\n");
    if kind == DocKind::Postmortem {
        md.push_str(
            "_Blameless: this write-up describes what happened and what the systems and \
             processes allowed, not who is at fault._\n\n",
        );
    }
    md.push_str("## Summary\n\n");
    let _ = writeln!(md, "| | |\n| --- | --- |");
    let _ = writeln!(md, "| Incident | `{}` |", i.id);
    let _ = writeln!(md, "| Severity | {} |", i.severity);
    let _ = writeln!(md, "| Status | {} |", i.status);
    let _ = writeln!(md, "| Opened | {} UTC |", i.created_at);
    if let Some(r) = &i.resolved_at {
        let _ = writeln!(md, "| Resolved | {r} UTC |");
    }
    for (k, v) in [
        ("Category", &i.category),
        ("Source", &i.source),
        ("Owner", &i.assigned_to),
    ] {
        if let Some(v) = v {
            let _ = writeln!(md, "| {k} | {} |", inline(v));
        }
    }
    if !i.tags.is_empty() {
        let _ = writeln!(md, "| Tags | {} |", inline(&i.tags.join(", ")));
    }
    md.push('\n');
    if let Some(desc) = i.description.as_deref().filter(|s| !s.trim().is_empty()) {
        let _ = writeln!(md, "{}\n", desc.trim());
    }
    if kind == DocKind::Postmortem {
        md.push_str("## Impact\n\n_Who and what was affected, for how long._\n\n");
    }

    md.push_str("## Timeline (UTC)\n\n");
    for (ts, what) in timeline(store, &d)? {
        let _ = writeln!(md, "- {ts} — {what}");
    }
    md.push('\n');

    md.push_str("## Evidence: attached logs\n\n");
    if d.log_files.is_empty() {
        md.push_str("No log attached.\n\n");
    } else {
        md.push_str(
            "| Log | Size (bytes) | SHA-256 (original) | SHA-256 (cleaned) | Findings | State |\n\
             | --- | ---: | --- | --- | --- | --- |\n",
        );
        for l in &d.log_files {
            let st: Option<&LogStatus> = states.iter().find(|s| s.log_file_id == l.id);
            let counts = counts_of(store, &l.id)?;
            let found = if counts.is_empty() {
                "none".to_string()
            } else {
                summary(&counts)
            };
            let state = st.map_or_else(String::new, |s| {
                [
                    (s.reviewed, "reviewed"),
                    (s.redacted, "redacted"),
                    (s.finalized, "finalized"),
                ]
                .into_iter()
                .filter_map(|(on, n)| on.then_some(n))
                .collect::<Vec<_>>()
                .join(", ")
            });
            let _ = writeln!(
                md,
                "| `{}` | {} | `{}` | `{}` | {} | {} |",
                inline(&l.file_name).replace('`', "'"),
                l.file_size.unwrap_or(0),
                l.content_hash.as_deref().unwrap_or("-"),
                st.and_then(|s| s.cleaned_sha256.as_deref()).unwrap_or("-"),
                found,
                if state.is_empty() { "attached" } else { &state }
            );
        }
        md.push_str(
            "\nFindings are listed by type only; their values stay in the encrypted store \
             (or are gone once finalized).\n\n",
        );
    }

    md.push_str("## 5 Whys\n\n");
    if d.resolution_steps.is_empty() {
        md.push_str("_No whys recorded yet (`tftsr why add`)._\n\n");
    } else {
        for s in &d.resolution_steps {
            let _ = writeln!(md, "{}. **{}**", s.step_order, inline(&s.why_question));
            let _ = writeln!(
                md,
                "   {}",
                s.answer
                    .as_deref()
                    .map(inline)
                    .unwrap_or_else(|| "_unanswered_".into())
            );
            if let Some(e) = &s.evidence {
                let _ = writeln!(md, "   Evidence: `{e}`");
            }
        }
        md.push('\n');
    }

    md.push_str("## Root cause\n\n");
    match d
        .resolution_steps
        .iter()
        .rev()
        .find_map(|s| s.answer.as_deref().filter(|a| !a.trim().is_empty()))
    {
        Some(a) => {
            let _ = writeln!(md, "{}\n", inline(a));
        }
        None => md.push_str("_To be determined: answer the 5 Whys._\n\n"),
    }
    if kind == DocKind::Postmortem {
        md.push_str(
            "## What went well\n\n- \n\n## What went wrong\n\n- \n\n## Where we got lucky\n\n- \n\n",
        );
    }
    md.push_str("## Action items\n\n");
    md.push_str("| Action | Owner | Due | Status |\n| --- | --- | --- | --- |\n");
    md.push_str(&format!(
        "| Address the root cause | {} |  | open |\n",
        i.assigned_to.as_deref().map(inline).unwrap_or_default()
    ));
    md.push_str("| Add monitoring that would have caught this earlier |  |  | open |\n\n");
    if kind == DocKind::Postmortem {
        md.push_str("## Lessons learned\n\n- \n");
    }
    Ok((title, md))
}

/// Generates a document of `kind` for an issue and stores it (`document_create`).
pub fn generate(store: &Store, issue_id: &str, kind: DocKind) -> Result<Document, StoreError> {
    let (title, md) = render(store, issue_id, kind)?;
    store.create_document(issue_id, kind.as_str(), &title, &md)
}

pub fn show(store: &Store, doc_id: &str) -> Result<Document, StoreError> {
    store.get_document(doc_id)
}

pub fn list(store: &Store, issue_id: &str) -> Result<Vec<Document>, StoreError> {
    store.list_documents(issue_id)
}

/// Replaces a document's title and/or Markdown.
pub fn edit(
    store: &Store,
    doc_id: &str,
    title: Option<String>,
    content_md: Option<String>,
) -> Result<Document, StoreError> {
    store.update_document(doc_id, DocumentUpdate { title, content_md })
}

pub fn delete(store: &Store, doc_id: &str) -> Result<Document, StoreError> {
    store.delete_document(doc_id)
}

/// Markdown rendered as a standalone HTML page (pulldown-cmark, tables on). Raw HTML in the
/// Markdown is shown as text, so a document cannot smuggle script into the page.
pub fn to_html(title: &str, md: &str) -> String {
    use pulldown_cmark::{html, Event, Options, Parser};
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(md, opts).map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        other => other,
    });
    let mut body = String::new();
    html::push_html(&mut body, events);
    let esc = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{esc}</title>\n\
         <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em}}\
         code{{word-break:break-all}}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
}

/// What `export` wrote.
#[derive(Debug, Serialize)]
pub struct DocExport {
    pub document_id: String,
    pub path: PathBuf,
    pub format: &'static str,
    pub bytes: u64,
    pub sha256: String,
    /// Findings replaced on the way out (`LeakPolicy::Redact`).
    pub redacted: usize,
}

/// Writes a document to `target` (a new file: an existing one is refused) as Markdown, or as HTML
/// when the name ends in `.html`/`.htm`. Scanned first (`policy`); written atomically (temp file
/// + rename, never over a file); audited as `document_export` with the bytes' SHA-256.
pub fn export(
    store: &Store,
    scanner: &Scanner,
    doc_id: &str,
    target: &Path,
    policy: LeakPolicy,
) -> Result<DocExport, DocumentError> {
    let d = store.get_document(doc_id)?;
    if target.exists() {
        return Err(OutputError::Exists(target.to_owned()).into());
    }
    let what = format!("document {}", d.id);
    let (md, redacted) = guard(scanner, &what, &d.content_md, policy)?;
    let html = target
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    let (bytes, format) = if html {
        (to_html(&d.title, &md).into_bytes(), "html")
    } else {
        (md.into_bytes(), "markdown")
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let out = AtomicOutput::create(target, 0o600, None)?;
    out.file().write_all(&bytes).map_err(|e| out.write_err(e))?;
    // Audited before it becomes visible: an export the audit cannot record does not happen.
    store.audit(
        AuditAction::DocumentExport,
        "document",
        &d.id,
        json!({
            "issue_id": d.issue_id,
            "format": format,
            "sha256": sha256,
            "redacted": redacted,
            "confirmed_findings": matches!(policy, LeakPolicy::Allow),
        }),
    )?;
    out.commit_new()?;
    Ok(DocExport {
        document_id: d.id,
        path: target.to_owned(),
        format,
        bytes: bytes.len() as u64,
        sha256,
        redacted,
    })
}
