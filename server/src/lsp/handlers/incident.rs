//! The incident workflow's commands (issue 12, docs/lsp-protocol.md "Incident workflow"): each
//! one call of the use-case layer (`app::incident`, `app::documents`, `app::bundle`), the same
//! one the CLI makes, so an editor and `tftsr issue …`/`why …`/`doc …`/`audit …` do the same
//! thing. Ids are unique prefixes, as on the command line. Replies are the store's records as
//! JSON; errors name the command and the field, never a value.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};

use super::args::style_and_key;
use crate::app::bundle::{self, BundleError};
use crate::app::documents::{self, DocKind, DocumentError, LeakPolicy};
use crate::app::escape;
use crate::app::incident;
use crate::app::output::OutputError;
use crate::lsp::command::Command;
use crate::lsp::protocol::{err, failed, refused, Reply};
use crate::lsp::session::Session;
use crate::lsp::storage::with_store;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueArgs {
    issue_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusArgs {
    issue_id: String,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteIssueArgs {
    issue_id: String,
    /// The client asked the user (`tftsr issue delete` asks, or takes `--yes`).
    #[serde(default)]
    confirmed: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhyAddArgs {
    issue_id: String,
    question: String,
    answer: Option<String>,
    /// `log:<log-id>:<first>-<last>` or `finding:<sha256>`: a reference, never a value.
    evidence: Option<String>,
}

#[derive(Deserialize)]
pub struct WhyEditArgs {
    id: String,
    question: Option<String>,
    /// `""` clears it.
    answer: Option<String>,
    /// `""` clears it.
    evidence: Option<String>,
}

#[derive(Deserialize)]
pub struct WhyMoveArgs {
    id: String,
    /// The new position, 1–5.
    to: i64,
}

#[derive(Deserialize)]
pub struct IdArgs {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocGenerateArgs {
    issue_id: String,
    kind: String,
}

#[derive(Deserialize)]
pub struct DocUpdateArgs {
    id: String,
    title: Option<String>,
    /// The whole Markdown.
    content: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportArgs {
    /// The document's id (`tftsr.exportDocument`) or the issue's (`tftsr.exportIssue`).
    id: String,
    output: PathBuf,
    /// Replace findings in documents on the way out, in `style` (else the redactionStyle
    /// setting); without it an export holding a finding is refused.
    #[serde(default)]
    redact: bool,
    style: Option<String>,
    /// Let findings through: the user confirmed.
    #[serde(default)]
    force: bool,
    #[serde(default)]
    allow_outside_workspace: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AuditArgs {
    issue_id: Option<String>,
    action: Option<String>,
    since: Option<String>,
    limit: Option<usize>,
}

fn to_json<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub async fn finalize(s: &Arc<Session>, a: IssueArgs) -> Result<Value> {
    let r = with_store(s, "tftsr.finalizeIssue", move |st| {
        incident::finalize(st, &a.issue_id)
    })
    .await?;
    Ok(to_json(r))
}

pub async fn set_status(s: &Arc<Session>, a: StatusArgs) -> Result<Value> {
    let issue = with_store(s, "tftsr.setIssueStatus", move |st| {
        incident::set_status(st, &a.issue_id, &a.status)
    })
    .await?;
    Ok(to_json(issue))
}

pub async fn delete_issue(s: &Arc<Session>, a: DeleteIssueArgs) -> Result<Value> {
    if !a.confirmed {
        return Err(err(
            "tftsr.deleteIssue: send `confirmed: true` once the user has confirmed (an issue, its \
             logs, whys and documents are deleted for good)",
        ));
    }
    let d = with_store(s, "tftsr.deleteIssue", move |st| {
        incident::delete(st, &a.issue_id)
    })
    .await?;
    Ok(json!({"deleted": d.issue.id, "logs": d.log_files.len()}))
}

pub async fn why_add(s: &Arc<Session>, a: WhyAddArgs) -> Result<Value> {
    let w = with_store(s, "tftsr.addWhy", move |st| {
        incident::why_add(
            st,
            &a.issue_id,
            &a.question,
            a.answer.as_deref(),
            a.evidence.as_deref(),
        )
    })
    .await?;
    Ok(to_json(w))
}

pub async fn why_list(s: &Arc<Session>, a: IssueArgs) -> Result<Value> {
    let w = with_store(s, "tftsr.listWhys", move |st| {
        incident::why_list(st, &a.issue_id)
    })
    .await?;
    Ok(to_json(w))
}

pub async fn why_edit(s: &Arc<Session>, a: WhyEditArgs) -> Result<Value> {
    let w = with_store(s, "tftsr.editWhy", move |st| {
        incident::why_edit(
            st,
            &a.id,
            a.question.as_deref(),
            a.answer.as_deref(),
            a.evidence.as_deref(),
        )
    })
    .await?;
    Ok(to_json(w))
}

pub async fn why_move(s: &Arc<Session>, a: WhyMoveArgs) -> Result<Value> {
    let w = with_store(s, "tftsr.moveWhy", move |st| {
        incident::why_move(st, &a.id, a.to)
    })
    .await?;
    Ok(to_json(w))
}

pub async fn why_delete(s: &Arc<Session>, a: IdArgs) -> Result<Value> {
    let w = with_store(s, "tftsr.deleteWhy", move |st| {
        incident::why_delete(st, &a.id)
    })
    .await?;
    Ok(to_json(w))
}

pub async fn doc_generate(s: &Arc<Session>, a: DocGenerateArgs) -> Result<Value> {
    let kind: DocKind = a
        .kind
        .parse()
        .map_err(|_| err("tftsr.generateDocument: `kind` must be rca or postmortem"))?;
    let d = with_store(s, "tftsr.generateDocument", move |st| {
        documents::generate(st, &a.issue_id, kind)
    })
    .await?;
    Ok(to_json(d))
}

pub async fn doc_list(s: &Arc<Session>, a: IssueArgs) -> Result<Value> {
    let d = with_store(s, "tftsr.listDocuments", move |st| {
        documents::list(st, &a.issue_id)
    })
    .await?;
    Ok(to_json(d))
}

pub async fn doc_get(s: &Arc<Session>, a: IdArgs) -> Result<Value> {
    let d = with_store(s, "tftsr.getDocument", move |st| documents::show(st, &a.id)).await?;
    Ok(to_json(d))
}

pub async fn doc_update(s: &Arc<Session>, a: DocUpdateArgs) -> Result<Value> {
    if a.title.is_none() && a.content.is_none() {
        return Err(err("tftsr.updateDocument: send `title`, `content` or both"));
    }
    let d = with_store(s, "tftsr.updateDocument", move |st| {
        documents::edit(st, &a.id, a.title, a.content)
    })
    .await?;
    Ok(to_json(d))
}

pub async fn doc_delete(s: &Arc<Session>, a: IdArgs) -> Result<Value> {
    let d = with_store(s, "tftsr.deleteDocument", move |st| {
        documents::delete(st, &a.id)
    })
    .await?;
    Ok(json!({"deleted": d.id}))
}

/// The export's target, checked as `tftsr.scanFile` checks its output: inside the workspace
/// folders unless the user confirmed, never over an existing file.
fn target(s: &Session, cmd: Command, a: &ExportArgs) -> Result<PathBuf> {
    let out = s
        .folders()
        .check(&a.output, a.allow_outside_workspace)
        .map_err(|r| refused(cmd.name(), "output", r))?;
    if out.symlink_metadata().is_ok() {
        return Err(exists(cmd.name()));
    }
    Ok(out)
}

fn exists(what: &str) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: format!("{what}: `output` already exists (an export never replaces a file)")
            .into(),
        data: Some(json!({"reason": "outputExists", "field": "output"})),
    }
}

async fn policy(s: &Arc<Session>, cmd: Command, a: &ExportArgs) -> Result<LeakPolicy> {
    Ok(if a.force {
        LeakPolicy::Allow
    } else if a.redact {
        let (style, key) = style_and_key(s, cmd, a.style.as_deref()).await?;
        LeakPolicy::Redact { style, key }
    } else {
        LeakPolicy::Refuse
    })
}

pub async fn doc_export(s: &Arc<Session>, a: ExportArgs) -> Result<Value> {
    let cmd = Command::ExportDocument;
    let out = target(s, cmd, &a)?;
    let policy = policy(s, cmd, &a).await?;
    let scanner = s.scanner();
    let r = with_store(s, "tftsr.exportDocument", move |st| {
        documents::export(st, &scanner, &a.id, &out, policy)
    })
    .await?;
    Ok(to_json(r))
}

pub async fn issue_export(s: &Arc<Session>, a: ExportArgs) -> Result<Value> {
    let cmd = Command::ExportIssue;
    let out = target(s, cmd, &a)?;
    // The packing comes from the name: refused before anything is read.
    bundle::Packing::for_path(&out).map_err(|e| e.reply(cmd.name()))?;
    let policy = policy(s, cmd, &a).await?;
    let scanner = s.scanner();
    let force = a.force;
    let r = with_store(s, "tftsr.exportIssue", move |st| {
        bundle::export(st, &scanner, &a.id, &out, policy, force)
    })
    .await?;
    Ok(json!({
        "issueId": r.issue_id,
        "path": r.path,
        "packing": r.packing,
        "sha256": r.sha256,
        "bytes": r.bytes,
        "logs": r.logs,
        "documents": r.documents,
        "documentFindingsRedacted": r.document_findings_redacted,
    }))
}

pub async fn audit_list(s: &Arc<Session>, a: AuditArgs) -> Result<Value> {
    let e = with_store(s, "tftsr.listAudit", move |st| {
        incident::audit_query(
            st,
            a.issue_id.as_deref(),
            a.action.as_deref(),
            a.since.as_deref(),
            a.limit.unwrap_or(100),
        )
    })
    .await?;
    Ok(to_json(e))
}

/// No argument (or `{}`).
#[derive(Deserialize, Default)]
pub struct NoArgs {}

pub async fn audit_verify(s: &Arc<Session>, _: NoArgs) -> Result<Value> {
    let v = with_store(s, "tftsr.verifyAudit", incident::audit_verify).await?;
    Ok(to_json(v))
}

impl Reply for DocumentError {
    fn reply(&self, what: &str) -> Error {
        match self {
            DocumentError::Store(e) => e.reply(what),
            DocumentError::Output(e) => output_reply(what, e),
            DocumentError::Kind(_) => err(format!("{what}: `kind` must be rca or postmortem")),
            DocumentError::Findings { total, summary, .. } => Error {
                code: ErrorCode::InvalidParams,
                message: format!(
                    "{what}: the document holds {total} finding(s) ({summary}); nothing was \
                     written. Send `redact: true` to replace them on the way out, edit the \
                     document, or `force: true` once the user confirmed"
                )
                .into(),
                data: Some(json!({"reason": "findings"})),
            },
        }
    }
}

impl Reply for BundleError {
    fn reply(&self, what: &str) -> Error {
        match self {
            BundleError::Store(e) => e.reply(what),
            BundleError::Output(e) => output_reply(what, e),
            BundleError::Document(e) => e.reply(what),
            BundleError::Extension(_) => err(format!(
                "{what}: `output` must end in .zip, .tar.gz or .tgz"
            )),
            BundleError::Unredacted { log_file_id, .. } => Error {
                code: ErrorCode::InvalidParams,
                message: format!(
                    "{what}: log {log_file_id} is not redacted yet: attach it again (an attach \
                     stores its cleaned copy, which is what a bundle carries)"
                )
                .into(),
                data: Some(json!({"reason": "unredacted", "logFileId": log_file_id})),
            },
            BundleError::Findings {
                entry,
                total,
                summary,
            } => Error {
                code: ErrorCode::InvalidParams,
                message: format!(
                    "{what}: {} holds {total} finding(s) ({summary}); nothing was written. \
                     Allowlist them, or send `force: true` once the user confirmed",
                    escape::name(entry)
                )
                .into(),
                data: Some(json!({"reason": "findings"})),
            },
            BundleError::Archive { source, .. } => {
                failed(format!("{what}: cannot build the archive: {source}"))
            }
            BundleError::Read { message, .. } => {
                failed(format!("{what}: cannot read the bundle: {message}"))
            }
        }
    }
}

fn output_reply(what: &str, e: &OutputError) -> Error {
    match e {
        OutputError::Exists(_) => exists(what),
        OutputError::NotAFileName(_) => err(format!("{what}: `output` is not a file name")),
        OutputError::Create { source, .. } => failed(format!(
            "{what}: cannot create a temporary file beside `output`: {source}"
        )),
        OutputError::Write { source, .. } => {
            failed(format!("{what}: cannot write `output`: {source}"))
        }
        OutputError::Replace { source, .. } => failed(format!(
            "{what}: cannot move the export into place: {source}"
        )),
    }
}
