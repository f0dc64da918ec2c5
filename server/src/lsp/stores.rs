//! Lazy access to the encrypted store for the issue commands, the pseudonym secret and the audit
//! log. The store is opened on first use (settings `databasePath`, else the data dir; key from
//! `TFTSR_DB_KEY` or the key file). A store that cannot open (wrong key, corrupt file) leaves
//! diagnostics and redaction working: only what needs it fails, with the store's own message.
//! Every store call runs on the blocking pool.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::Uri;

use super::actions::{Plan, Scope};
use super::commands::{err, failed};
use super::workspace::Refusal;
use super::{file_name, lock, uri_hash, Backend};
use crate::app::attach::{self, AttachError, AttachInput, AttachJob};
use crate::app::keys;
use crate::app::redact::RedactReport;
use crate::engine::redact::Style;
use crate::store::{
    AuditAction, IssueDetail, IssueFilter, NewIssue, Store, StoreError, SEVERITIES, STATUSES,
};

#[derive(Default)]
pub struct StoreSlot {
    store: Mutex<Option<Arc<Store>>>,
    /// Serializes opening (one KDF at a time, not one per concurrent command).
    opening: Mutex<()>,
}

impl StoreSlot {
    /// Forgets the opened store (the database path changed).
    pub fn reset(&self) {
        *lock(&self.store) = None;
    }

    /// The open store, opening it on first use. Blocking: call it on the blocking pool.
    /// Failures are not cached: the next command tries again (the user may have fixed the key
    /// file meanwhile).
    fn get_blocking(&self, db_path: Option<PathBuf>) -> std::result::Result<Arc<Store>, String> {
        if let Some(s) = lock(&self.store).clone() {
            return Ok(s);
        }
        let _guard = lock(&self.opening);
        if let Some(s) = lock(&self.store).clone() {
            return Ok(s);
        }
        match keys::open_store(db_path) {
            Ok(s) => {
                let s = Arc::new(s);
                tracing::info!(path = %s.path().display(), "store opened");
                *lock(&self.store) = Some(s.clone());
                Ok(s)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot open the store");
                Err(format!("cannot open the store: {e}"))
            }
        }
    }
}

impl Backend {
    /// The open store, opening it on first use (see `StoreSlot::get_blocking`).
    pub async fn store(&self) -> std::result::Result<Arc<Store>, String> {
        if let Some(s) = lock(&self.st.store.store).clone() {
            return Ok(s);
        }
        let st = self.st.clone();
        let db_path = self.settings().database_path.clone();
        tokio::task::spawn_blocking(move || st.store.get_blocking(db_path))
            .await
            .map_err(|e| format!("cannot open the store: {e}"))?
    }

    /// Runs a blocking store operation; maps failures to clear JSON-RPC errors.
    async fn with_store<T: Send + 'static, E: Reply + Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&Store) -> std::result::Result<T, E> + Send + 'static,
    ) -> Result<T> {
        let store = self.store().await.map_err(failed)?;
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|_| failed(format!("{what}: the store task failed")))?
            .map_err(|e| e.reply(what))
    }

    /// The key a redaction in `style` needs (`app::keys::redaction_key`): the store is opened
    /// only for the pseudonym style.
    pub async fn key_for(&self, style: Style) -> std::result::Result<[u8; 32], String> {
        let st = self.st.clone();
        let db_path = self.settings().database_path.clone();
        tokio::task::spawn_blocking(move || {
            keys::redaction_key(style, || st.store.get_blocking(db_path))
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot use the pseudonym style: {e}"))
    }

    /// Records a redaction done through the server (`log_redact`). The entity is the attached
    /// log file if the document was attached, else the SHA-256 of its URI. A whole-document
    /// redaction of an attached log also marks that log redacted (the store then writes the
    /// entry, with the hashes and counts). A store that cannot open must not fail the redaction:
    /// the entry is skipped with a warning. Returns the task writing the entry: commands await
    /// it (so the entry exists when they answer), a code action resolve does not (it stays fast).
    pub fn audit_redaction(
        &self,
        uri: &Uri,
        plan: &Plan,
        style: Style,
        via: &str,
        scope: &Scope,
    ) -> tokio::task::JoinHandle<()> {
        let attached = lock(&self.st.docs)
            .get(uri)
            .and_then(|d| d.attached_log_file.clone());
        let details = json!({
            "source": "lsp",
            "via": via,
            "style": style,
            "redactions": plan.count(),
            "counts": plan.by_type,
            "before_sha256": plan.sha_before,
            "after_sha256": plan.sha_after,
        });
        let mark = (*scope == Scope::All).then(|| {
            (
                plan.sha_before.clone(),
                plan.sha_after.clone(),
                plan.by_type.clone(),
            )
        });
        self.spawn_audit(uri, attached, details, mark)
    }

    pub fn audit_file_redaction(
        &self,
        uri: &Uri,
        res: &RedactReport,
        style: Style,
    ) -> tokio::task::JoinHandle<()> {
        let details = json!({
            "source": "lsp",
            "via": "scan_file",
            "style": style,
            "redactions": res.findings,
            "counts": res.counts,
            "before_sha256": res.sha_before,
            "after_sha256": res.sha_after,
            "invalid_utf8_sequences": res.stats.invalid_sequences,
        });
        self.spawn_audit(uri, None, details, None)
    }

    fn spawn_audit(
        &self,
        uri: &Uri,
        attached: Option<String>,
        details: Value,
        mark: Option<(String, String, BTreeMap<String, usize>)>,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        let entity = uri_hash(uri);
        tokio::spawn(async move {
            let store = match this.store().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "redaction not recorded in the audit log");
                    return;
                }
            };
            let r = tokio::task::spawn_blocking(move || match (attached, mark) {
                (Some(id), Some((before, after, counts))) => {
                    store.record_redaction(&id, &before, &after, &counts)
                }
                (attached, _) => store
                    .audit(
                        AuditAction::LogRedact,
                        "log_file",
                        attached.as_deref().unwrap_or(&entity),
                        details,
                    )
                    .map(|_| ()),
            })
            .await;
            match r {
                Ok(Ok(())) => tracing::debug!("redaction recorded in the audit log"),
                Ok(Err(e)) => tracing::warn!(error = %e, "redaction not recorded in the audit log"),
                Err(e) => tracing::warn!(error = %e, "audit task failed"),
            }
        })
    }

    pub async fn create_issue(&self, a: CreateArgs) -> Result<Value> {
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
        let issue = self
            .with_store("tftsr.createIssue", move |s| s.create_issue(new))
            .await?;
        Ok(serde_json::to_value(issue).unwrap_or_default())
    }

    pub async fn list_issues(&self, a: ListArgs) -> Result<Value> {
        if let Some(st) = &a.status {
            one_of("tftsr.listIssues", "status", st, &STATUSES)?;
        }
        let filter = IssueFilter {
            status: a.status,
            limit: a.limit.unwrap_or(0),
            ..Default::default()
        };
        let issues = self
            .with_store("tftsr.listIssues", move |s| s.list_issues(&filter))
            .await?;
        Ok(serde_json::to_value(issues).unwrap_or_default())
    }

    pub async fn search_issues(&self, a: SearchArgs) -> Result<Value> {
        let limit = a.limit.unwrap_or(20);
        let hits = self
            .with_store("tftsr.searchIssues", move |s| {
                s.search_issues(&a.query, limit)
            })
            .await?;
        Ok(Value::Array(
            hits.into_iter()
                .map(|h| json!({"issue": h.issue, "snippet": h.snippet}))
                .collect(),
        ))
    }

    pub async fn get_issue(&self, a: IdArgs) -> Result<Value> {
        let d = self
            .with_store("tftsr.getIssue", move |s| s.get_issue(&a.id))
            .await?;
        let markdown = issue_markdown(&d);
        let mut v = serde_json::to_value(d).unwrap_or_default();
        v["markdown"] = Value::String(markdown);
        Ok(v)
    }

    /// Stores the document (its findings with their original values, in the encrypted store;
    /// the content hash) as a log file of an issue, with `app::attach`'s policy: the document's
    /// text as the editor has it if it is open, else the file on disk; the replacement of the
    /// `style` argument, else of the `redactionStyle` setting.
    pub async fn attach_to_issue(&self, a: AttachArgs) -> Result<Value> {
        let style = match a.style.as_deref() {
            None => self.settings().redaction_style,
            Some(s) => s.parse().map_err(|_| {
                err("tftsr.attachToIssue: `style` must be tag, mask, partial or pseudonym")
            })?,
        };
        let key = self.key_for(style).await.map_err(failed)?;
        let scanner = self.scanner();
        let file = a
            .uri
            .to_file_path()
            .filter(|_| a.uri.scheme().as_str() == "file")
            .map(|p| p.into_owned());
        let path = file
            .as_ref()
            .map_or_else(|| a.uri.as_str().to_owned(), |p| p.display().to_string());
        let text = lock(&self.st.docs).get(&a.uri).map(|d| d.rope.to_string());
        let source = match (text, file) {
            (Some(text), _) => Ok(text),
            // Not open: the file on disk, inside the workspace unless the user confirmed.
            (None, Some(file)) => Err(self
                .folders()
                .check(&file, a.allow_outside_workspace)
                .map_err(|r| match r {
                    Refusal::Outside => tower_lsp_server::jsonrpc::Error {
                        code: tower_lsp_server::jsonrpc::ErrorCode::InvalidParams,
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
        let done = self
            .with_store("tftsr.attachToIssue", move |s| {
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
                attach::attach(s, &issue_id, input, &job)
            })
            .await?;
        let lf = done.log_file;
        if let Some(doc) = lock(&self.st.docs).get_mut(&a.uri) {
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
        }))
    }
}

/// An error of a store operation as a command's reply, never echoing what the caller sent.
pub(super) trait Reply {
    fn reply(&self, what: &str) -> tower_lsp_server::jsonrpc::Error;
}

impl Reply for StoreError {
    fn reply(&self, what: &str) -> tower_lsp_server::jsonrpc::Error {
        store_error(what, self)
    }
}

impl Reply for AttachError {
    fn reply(&self, what: &str) -> tower_lsp_server::jsonrpc::Error {
        match self {
            AttachError::Store(e) => store_error(what, e),
            AttachError::Open { source, .. } => {
                failed(format!("{what}: cannot read `uri`: {source}"))
            }
            AttachError::Decompress { source, .. } => {
                failed(format!("{what}: cannot decompress `uri`: {source}"))
            }
            AttachError::Read { source, .. } => {
                failed(format!("{what}: read error in `uri`: {source}"))
            }
        }
    }
}

/// A store error as a command's reply: the store's message names paths, ids and SQLite's own
/// diagnostics, but a few echo what the caller sent (`invalid severity: \`…\``, `no issue with
/// id \`…\``); those are told by the field they concern instead.
fn store_error(what: &str, e: &StoreError) -> tower_lsp_server::jsonrpc::Error {
    match e {
        StoreError::Invalid { field, message } => {
            // "`<value>` (expected one of …)": keep only what was expected.
            let expected = message
                .find("(expected")
                .map(|i| format!(" {}", &message[i..]))
                .unwrap_or_default();
            let why = if message.contains('`') {
                expected
            } else {
                format!(": {message}")
            };
            err(format!("{what}: invalid `{field}`{why}"))
        }
        StoreError::NotFound { entity, .. } => {
            err(format!("{what}: no {entity} with the given id"))
        }
        StoreError::Db { context, source } => failed(format!(
            "{what}: database error while {context} ({:?})",
            source.sqlite_error_code()
        )),
        e => failed(format!("{what}: {e}")),
    }
}

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
}

/// A readable summary of an issue for the editor (values never appear: logs are listed by
/// name, size and hash).
pub fn issue_markdown(d: &IssueDetail) -> String {
    let i = &d.issue;
    let mut md = format!("# {}\n\n", i.title);
    md.push_str(&format!(
        "- **Severity:** {}\n- **Status:** {}\n- **Created:** {}\n- **Updated:** {}\n",
        i.severity, i.status, i.created_at, i.updated_at
    ));
    if let Some(c) = &i.category {
        md.push_str(&format!("- **Category:** {c}\n"));
    }
    if !i.tags.is_empty() {
        md.push_str(&format!("- **Tags:** {}\n", i.tags.join(", ")));
    }
    if let Some(desc) = &i.description {
        md.push_str(&format!("\n{desc}\n"));
    }
    if !d.log_files.is_empty() {
        md.push_str("\n## Logs\n\n");
        for l in &d.log_files {
            md.push_str(&format!(
                "- `{}` ({} bytes{}), attached {}\n",
                l.file_name,
                l.file_size.unwrap_or(0),
                if l.redacted { ", redacted" } else { "" },
                l.uploaded_at
            ));
        }
    }
    if !d.resolution_steps.is_empty() {
        md.push_str("\n## Resolution (5 whys)\n\n");
        for s in &d.resolution_steps {
            md.push_str(&format!(
                "{}. {} — {}\n",
                s.step_order,
                s.why_question,
                s.answer.as_deref().unwrap_or("_unanswered_")
            ));
        }
    }
    md
}
