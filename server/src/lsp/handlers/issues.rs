//! The issue commands (`tftsr.createIssue`, `listIssues`, `searchIssues`, `getIssue`,
//! `attachToIssue`) over the encrypted store; attaching follows the CLI's one policy
//! (`app::review::attach_input`), whichever side asks.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{ProgressToken, Uri};

use super::args::style_and_key;
use crate::app::attach::{AttachError, AttachInput, AttachJob};
use crate::app::limits::Stopped;
use crate::app::review::{self, ReviewError};
use crate::lsp::command::Command;
use crate::lsp::file_job::{self, FileJob};
use crate::lsp::protocol::{err, failed, Reply};
use crate::lsp::session::{file_name, lock, shown_name, Session};
use crate::lsp::storage::{self, with_store};
use crate::lsp::workspace::Refusal;
use crate::store::{IssueDetail, IssueFilter, LogStatus, NewIssue, SEVERITIES, STATUSES};

/// A value of a closed list (severity, status), checked before the store sees it so the reply
/// names the field and the list, never the value.
fn one_of(what: &str, field: &str, v: &str, list: &[&str]) -> Result<()> {
    if list.contains(&v) {
        Ok(())
    } else {
        Err(err(format!(
            "{what}: `{field}` must be one of {}",
            list.join(", ")
        )))
    }
}

#[derive(Deserialize)]
pub struct CreateArgs {
    title: String,
    severity: String,
    description: Option<String>,
    category: Option<String>,
    tags: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
pub struct ListArgs {
    status: Option<String>,
    limit: Option<usize>,
}

#[derive(Deserialize)]
pub struct SearchArgs {
    query: String,
    limit: Option<usize>,
}

#[derive(Deserialize)]
pub struct IdArgs {
    id: String,
}

#[derive(Deserialize)]
pub struct AttachArgs {
    uri: Uri,
    #[serde(rename = "issueId")]
    issue_id: String,
    style: Option<String>,
    /// A file that is not open may be read from outside the workspace folders.
    #[serde(rename = "allowOutsideWorkspace", default)]
    allow_outside_workspace: bool,
    /// `false`: no original value is ever stored (the log is finalized as it is attached), as
    /// `tftsr issue attach --no-values`.
    #[serde(rename = "keepValues", default = "yes")]
    keep_values: bool,
}

fn yes() -> bool {
    true
}

pub async fn create(s: &Arc<Session>, a: CreateArgs) -> Result<Value> {
    one_of("tftsr.createIssue", "severity", &a.severity, &SEVERITIES)?;
    let new = NewIssue {
        title: a.title,
        severity: a.severity,
        description: a.description,
        category: a.category,
        source: Some("lsp".into()),
        assigned_to: None,
        tags: a.tags.unwrap_or_default(),
    };
    let issue = with_store(s, "tftsr.createIssue", move |st| st.create_issue(new)).await?;
    Ok(serde_json::to_value(issue).unwrap_or_default())
}

pub async fn list(s: &Arc<Session>, a: ListArgs) -> Result<Value> {
    if let Some(st) = &a.status {
        one_of("tftsr.listIssues", "status", st, &STATUSES)?;
    }
    let filter = IssueFilter {
        status: a.status,
        limit: a.limit.unwrap_or(0),
        ..Default::default()
    };
    let issues = with_store(s, "tftsr.listIssues", move |st| st.list_issues(&filter)).await?;
    Ok(serde_json::to_value(issues).unwrap_or_default())
}

pub async fn search(s: &Arc<Session>, a: SearchArgs) -> Result<Value> {
    let limit = a.limit.unwrap_or(20);
    let hits = with_store(s, "tftsr.searchIssues", move |st| {
        st.search_issues(&a.query, limit)
    })
    .await?;
    Ok(Value::Array(
        hits.into_iter()
            .map(|h| {
                json!({
                    "issue": h.issue,
                    "snippet": h.snippet,
                    "highlights": h.highlights,
                    "score": h.score,
                })
            })
            .collect(),
    ))
}

pub async fn get(s: &Arc<Session>, a: IdArgs) -> Result<Value> {
    let (d, states) = with_store(s, "tftsr.getIssue", move |st| {
        crate::app::incident::show(st, &a.id)
    })
    .await?;
    let markdown = issue_markdown(&d, &states);
    let mut v = serde_json::to_value(d).unwrap_or_default();
    v["markdown"] = Value::String(markdown);
    // Each log's place in the workflow (reviewed, redacted, finalized), as `issue show --json`.
    v["logStates"] = serde_json::to_value(states).unwrap_or_default();
    Ok(v)
}

/// Stores the document as a log file of an issue with the CLI's one policy (`app::review`,
/// every finding accepted): its findings (with their original values unless `keepValues` is
/// false, in the encrypted store), the content hash, and its cleaned copy, so the log is
/// `redacted` and can go into a bundle. The document's text as the editor has it if it is open,
/// else the file on disk (inside the workspace unless the user confirmed); the replacement of
/// the `style` argument, else of the `redactionStyle` setting.
pub async fn attach(
    s: &Arc<Session>,
    a: AttachArgs,
    token: Option<ProgressToken>,
) -> Result<Value> {
    let (style, key) = style_and_key(s, Command::AttachToIssue, a.style.as_deref()).await?;
    let scanner = s.scanner();
    let file = a
        .uri
        .to_file_path()
        .filter(|_| a.uri.scheme().as_str() == "file")
        .map(|p| p.into_owned());
    let path = file
        .as_ref()
        .map_or_else(|| a.uri.as_str().to_owned(), |p| p.display().to_string());
    let text = lock(&s.docs).get(&a.uri).map(|d| d.rope.to_string());
    let source = match (text, file) {
        (Some(text), _) => Ok(text),
        (None, Some(file)) => Err(s
            .folders()
            .check(&file, a.allow_outside_workspace)
            .map_err(|r| match r {
                Refusal::Outside => Error {
                    code: ErrorCode::InvalidParams,
                    message: "tftsr.attachToIssue: `uri` is neither open nor inside the \
                              workspace folders; send `allowOutsideWorkspace: true` once the \
                              user has confirmed"
                        .into(),
                    data: Some(json!({"reason": "outsideWorkspace", "field": "uri"})),
                },
                Refusal::Missing => {
                    err("tftsr.attachToIssue: `uri` is neither open nor an existing file")
                }
            })?),
        (None, None) => return Err(err("tftsr.attachToIssue: the document is not open")),
    };
    let name = file_name(&a.uri);
    let issue_id = a.issue_id.clone();
    let what = "tftsr.attachToIssue";
    let store = storage::store(s).await.map_err(failed)?;
    let job = FileJob {
        title: format!("tftsr: attaching {}", shown_name(&a.uri)),
        total: match &source {
            Ok(text) => Some(text.len() as u64),
            Err(file) => super::commands::file_total(file),
        },
        token,
    };
    let outcome: file_job::Outcome<_> = |r| match r {
        Ok(_) => "done",
        Err(ReviewError::Attach(AttachError::Stopped(Stopped::Cancelled))) => "cancelled",
        Err(_) => "failed",
    };
    let keep_values = a.keep_values;
    let done = file_job::run(s, job, outcome, move |limits| {
        let job = AttachJob {
            scanner: &scanner,
            style,
            key,
        };
        let input = match &source {
            Ok(text) => AttachInput::Text {
                name,
                path,
                bytes: text.as_bytes(),
            },
            Err(file) => AttachInput::File(file),
        };
        review::attach_input(
            &store,
            &issue_id,
            input,
            &job,
            keep_values,
            None,
            Some(limits),
        )
    })
    .await
    .ok_or_else(|| failed(format!("{what}: the store task failed")))?
    .map_err(|e| e.reply(what))?;
    let state = done.status;
    let done = done.attached;
    let lf = done.log_file;
    if let Some(doc) = lock(&s.docs).get_mut(&a.uri) {
        doc.attached_log_file = Some(lf.id.clone());
    }
    tracing::info!(
        uri = a.uri.as_str(),
        findings = done.findings,
        "log attached to issue"
    );
    Ok(json!({
        "logFileId": lf.id,
        "issueId": lf.issue_id,
        "findings": done.findings,
        "contentHash": lf.content_hash,
        "redacted": state.redacted,
        "cleanedSha256": state.cleaned_sha256,
        "state": state,
    }))
}

/// A readable summary of an issue for the editor (values never appear: logs are listed by
/// name, size and hash).
pub fn issue_markdown(d: &IssueDetail, states: &[LogStatus]) -> String {
    // What users typed (title, tags, whys) and file names are escaped as in the CLI's human
    // output: a newline in a title cannot forge a heading or a list item, nor an escape
    // sequence reach a terminal editor; the description keeps its lines.
    use crate::app::escape::{name, text};
    let i = &d.issue;
    let mut md = format!("# {}\n\n", name(&i.title));
    md.push_str(&format!(
        "- **Severity:** {}\n- **Status:** {}\n- **Created:** {}\n- **Updated:** {}\n",
        name(&i.severity),
        name(&i.status),
        name(&i.created_at),
        name(&i.updated_at)
    ));
    if let Some(c) = &i.category {
        md.push_str(&format!("- **Category:** {}\n", name(c)));
    }
    if !i.tags.is_empty() {
        md.push_str(&format!("- **Tags:** {}\n", name(&i.tags.join(", "))));
    }
    if let Some(desc) = &i.description {
        md.push_str(&format!("\n{}\n", text(desc)));
    }
    if !d.log_files.is_empty() {
        md.push_str("\n## Logs\n\n");
        for l in &d.log_files {
            let st = states.iter().find(|s| s.log_file_id == l.id);
            let state = match st {
                Some(s) if s.finalized => ", redacted, finalized",
                Some(s) if s.redacted => ", redacted",
                _ if l.redacted => ", redacted",
                _ => ", not redacted",
            };
            md.push_str(&format!(
                "- `{}` ({} bytes{}{}), attached {}\n",
                name(&l.file_name),
                l.file_size.unwrap_or(0),
                state,
                if st.is_some_and(|s| s.reviewed) {
                    ", reviewed"
                } else {
                    ""
                },
                name(&l.uploaded_at)
            ));
        }
    }
    if !d.resolution_steps.is_empty() {
        md.push_str("\n## Resolution (5 whys)\n\n");
        for s in &d.resolution_steps {
            md.push_str(&format!(
                "{}. {} — {}\n",
                s.step_order,
                name(&s.why_question),
                name(s.answer.as_deref().unwrap_or("_unanswered_"))
            ));
        }
    }
    md
}
