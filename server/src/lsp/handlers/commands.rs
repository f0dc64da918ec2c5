//! `workspace/executeCommand` (docs/lsp-protocol.md "Commands"): the dispatch over
//! [`Command`], the argument parsing every command shares, and the document and file commands
//! (the issue commands are in `issues.rs`). Every command takes one object argument; errors are
//! JSON-RPC errors whose message says what went wrong, naming fields, never values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{ExecuteCommandParams, ProgressToken, Uri};

use super::args::{arg, arg_or_default, parse_style, style_and_key};
use super::{ai, configuration, incident, issues};
use crate::app::input::{BinaryPolicy, Source};
use crate::app::limits::Stopped;
use crate::app::redact::{gzip_by_name, redact_limited, Dest, RedactError, RedactJob};
use crate::lsp::command::Command;
use crate::lsp::file_job::{self, FileJob};
use crate::lsp::protocol::{err, exists, failed, refused, workspace_edit, Reply};
use crate::lsp::redaction::{plan_fresh, PlanError, Planner, Scope};
use crate::lsp::session::{lock, write, Session};
use crate::lsp::storage;

pub async fn execute(s: &Arc<Session>, p: ExecuteCommandParams) -> Result<Value> {
    let Some(cmd) = Command::from_name(&p.command) else {
        // Neither logged nor echoed: the name is whatever the client sent.
        tracing::info!(command = "(unknown)", "executeCommand");
        return Err(err(
            "unknown command (the server's executeCommandProvider lists its commands)",
        ));
    };
    tracing::info!(command = cmd.name(), "executeCommand");
    let a = &p.arguments;
    // The file commands report their progress to it (see `file_job.rs`).
    let token = p.work_done_progress_params.work_done_token.clone();
    match cmd {
        Command::RedactDocument => redact_document(s, arg(cmd, a)?).await,
        Command::ScanFile => scan_file(s, arg(cmd, a)?, token).await,
        Command::IgnoreValue => ignore_value(s, arg(cmd, a)?).await,
        Command::DocumentStats => document_stats(s, arg(cmd, a)?),
        Command::CreateIssue => issues::create(s, arg(cmd, a)?).await,
        Command::ListIssues => issues::list(s, arg_or_default(cmd, a)?).await,
        Command::SearchIssues => issues::search(s, arg(cmd, a)?).await,
        Command::GetIssue => issues::get(s, arg(cmd, a)?).await,
        Command::AttachToIssue => issues::attach(s, arg(cmd, a)?, token).await,
        Command::AiAsk => ai::ask(s, arg(cmd, a)?).await,
        Command::AiListConversations => ai::list(s, arg_or_default(cmd, a)?).await,
        Command::AiGetConversation => ai::get(s, arg(cmd, a)?).await,
        Command::AiDeleteConversation => ai::delete(s, arg(cmd, a)?).await,
        Command::AiAcceptWhy => ai::accept_why(s, arg(cmd, a)?).await,
        Command::FinalizeIssue => incident::finalize(s, arg(cmd, a)?).await,
        Command::SetIssueStatus => incident::set_status(s, arg(cmd, a)?).await,
        Command::DeleteIssue => incident::delete_issue(s, arg(cmd, a)?).await,
        Command::AddWhy => incident::why_add(s, arg(cmd, a)?).await,
        Command::ListWhys => incident::why_list(s, arg(cmd, a)?).await,
        Command::EditWhy => incident::why_edit(s, arg(cmd, a)?).await,
        Command::MoveWhy => incident::why_move(s, arg(cmd, a)?).await,
        Command::DeleteWhy => incident::why_delete(s, arg(cmd, a)?).await,
        Command::GenerateDocument => incident::doc_generate(s, arg(cmd, a)?).await,
        Command::ListDocuments => incident::doc_list(s, arg(cmd, a)?).await,
        Command::GetDocument => incident::doc_get(s, arg(cmd, a)?).await,
        Command::UpdateDocument => incident::doc_update(s, arg(cmd, a)?).await,
        Command::DeleteDocument => incident::doc_delete(s, arg(cmd, a)?).await,
        Command::ExportDocument => incident::doc_export(s, arg(cmd, a)?).await,
        Command::ExportIssue => incident::issue_export(s, arg(cmd, a)?).await,
        Command::ListAudit => incident::audit_list(s, arg_or_default(cmd, a)?).await,
        Command::VerifyAudit => incident::audit_verify(s, arg_or_default(cmd, a)?).await,
    }
}

#[derive(Deserialize)]
struct RedactArgs {
    uri: Uri,
    style: Option<String>,
    types: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScanFileArgs {
    path: PathBuf,
    output: Option<PathBuf>,
    style: Option<String>,
    /// Replace an existing `output` (refused otherwise).
    #[serde(default)]
    overwrite: bool,
    /// `path`/`output` may be outside the workspace folders (the user confirmed).
    #[serde(default)]
    allow_outside_workspace: bool,
}

#[derive(Deserialize)]
struct IgnoreArgs {
    uri: Uri,
    fingerprint: String,
}

#[derive(Deserialize)]
struct UriArgs {
    uri: Uri,
}

fn document_stats(s: &Session, a: UriArgs) -> Result<Value> {
    let docs = lock(&s.docs);
    let doc = docs
        .get(&a.uri)
        .ok_or_else(|| err("tftsr.documentStats: document is not open"))?;
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for f in doc.findings() {
        *by_type.entry(f.kind.id()).or_insert(0) += 1;
    }
    Ok(json!({"findings": doc.findings().len(), "byType": by_type}))
}

async fn redact_document(s: &Arc<Session>, a: RedactArgs) -> Result<Value> {
    let (style, key) = style_and_key(s, Command::RedactDocument, a.style.as_deref()).await?;
    let scope = match a.types {
        Some(t) => Scope::Types(t),
        None => Scope::All,
    };
    // Always a fresh full scan of the text the edit applies to: the command the user runs to
    // clean a log must not depend on how far the rescans of recent edits have got.
    let planner = Planner::new(s, style, key);
    let (plan, _version) =
        plan_fresh(s, &a.uri, planner, &scope, true)
            .await
            .map_err(|e| match e {
                PlanError::NotOpen => err("tftsr.redactDocument: document is not open"),
                e => failed(format!("tftsr.redactDocument: {e}")),
            })?;
    let count = plan.count();
    if count == 0 {
        return Ok(json!({"applied": true, "redactions": 0}));
    }
    let edits = plan.edits.clone();
    let resp = s
        .client
        .apply_edit(workspace_edit(&a.uri, edits))
        .await
        .map_err(|e| failed(format!("workspace/applyEdit failed: {}", e.message)))?;
    if resp.applied {
        let _ = storage::audit_redaction(s, &a.uri, &plan, style, "redact_document", &scope).await;
    } else {
        tracing::warn!(
            uri = a.uri.as_str(),
            reason = resp.failure_reason.as_deref().unwrap_or(""),
            "client did not apply the redaction"
        );
    }
    Ok(json!({"applied": resp.applied, "redactions": count}))
}

/// A file's name for a progress title, escaped (a name from outside; see `app::escape`).
pub fn shown_path(p: &Path) -> String {
    let name = p.file_name().unwrap_or(p.as_os_str()).to_string_lossy();
    crate::app::escape::name(&name).into_owned()
}

/// A file's size for a progress percentage: none for compressed input (its expanded size is
/// what is read, and not known in advance).
pub fn file_total(p: &Path) -> Option<u64> {
    if gzip_by_name(p) {
        return None;
    }
    std::fs::metadata(p)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// `<dir>/<stem>.redacted.<ext>` (or `<path>.redacted` without an extension).
pub fn default_output(path: &Path) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.redacted.{}", ext.to_string_lossy()),
        None => format!("{stem}.redacted"),
    };
    path.with_file_name(name)
}

async fn scan_file(
    s: &Arc<Session>,
    a: ScanFileArgs,
    token: Option<ProgressToken>,
) -> Result<Value> {
    let cmd = Command::ScanFile;
    let name = cmd.name();
    // The style is checked first, the key (which may open the store) only once the paths are.
    let style = parse_style(cmd, a.style.as_deref(), s.settings().redaction_style)?;
    let folders = s.folders();
    let allow = a.allow_outside_workspace;
    let input = folders
        .check(&a.path, allow)
        .map_err(|r| refused(name, "path", r))?;
    let output_arg = a.output.unwrap_or_else(|| default_output(&a.path));
    let output = folders
        .check(&output_arg, allow)
        .map_err(|r| refused(name, "output", r))?;
    if output == input {
        return Err(err(format!("{name}: `output` is the input file (`path`)")));
    }
    if !a.overwrite && output.symlink_metadata().is_ok() {
        return Err(exists(name));
    }
    let key = storage::key_for(s, style).await.map_err(failed)?;
    let scanner = s.scanner();
    let (inp, out, overwrite) = (input.clone(), output.clone(), a.overwrite);
    let job = FileJob {
        title: format!("tftsr: redacting {}", shown_path(&input)),
        total: file_total(&input),
        token,
    };
    let outcome: file_job::Outcome<_> = |r| match r {
        Ok(_) => "done",
        Err(RedactError::Stopped(Stopped::Cancelled)) => "cancelled",
        Err(_) => "failed",
    };
    let res = file_job::run(s, job, outcome, move |limits| {
        let job = RedactJob {
            scanner: &scanner,
            style,
            key,
            hashes: true,
            binary: BinaryPolicy::Error,
        };
        let dest = Dest::File {
            gzip: gzip_by_name(&out),
            target: out,
            overwrite,
        };
        redact_limited(&Source::File(inp), dest, &job, Some(limits))
    })
    .await
    .ok_or_else(|| failed(format!("{name}: the redaction task failed")))?
    .map_err(|e| e.reply(name))?;
    if let Some(uri) = Uri::from_file_path(&input) {
        let _ = storage::audit_file_redaction(s, &uri, &res, style).await;
    }
    Ok(json!({
        "input": a.path,
        "output": output_arg,
        "findings": res.findings,
        "byType": res.counts,
    }))
}

async fn ignore_value(s: &Arc<Session>, a: IgnoreArgs) -> Result<Value> {
    let fp = a.fingerprint.to_ascii_lowercase();
    if fp.len() != 64 || !fp.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(err(
            "tftsr.ignoreValue: `fingerprint` must be a SHA-256 hex digest (64 hex digits)",
        ));
    }
    let path = s
        .workspace_config_path(Some(&a.uri))
        .ok_or_else(|| err("tftsr.ignoreValue: no workspace folder and the document is not a file: nowhere to write .tftsr.toml"))?;
    let p = path.clone();
    tokio::task::spawn_blocking(move || crate::app::config::add_allowlisted_fingerprint(&p, &fp))
        .await
        .map_err(|e| failed(format!("tftsr.ignoreValue: {e}")))?
        .map_err(|e| failed(format!("tftsr.ignoreValue: {e}")))?;
    write(&s.config_path, Some(path.clone()));
    configuration::reload_config(s).await;
    Ok(json!({"configPath": path}))
}
