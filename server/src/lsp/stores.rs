//! Lazy access to the encrypted store for the issue commands, the pseudonym secret and the audit
//! log. The store is opened on first use (settings `databasePath`, else the data dir; key from
//! `TFTSR_DB_KEY` or the key file). A store that cannot open (wrong key, corrupt file) leaves
//! diagnostics and redaction working: only what needs it fails, with the store's own message.
//! Every store call runs on the blocking pool.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::Uri;

use super::actions::{Plan, Scope};
use super::commands::{err, failed};
use super::scanfile::FileRedaction;
use super::{file_name, lock, uri_hash, Backend};
use crate::engine::redact::{Redactor, Style};
use crate::store::{
    AuditAction, IssueDetail, IssueFilter, NewIssue, NewLogFile, NewPiiSpan, OpenOptions, Store,
    StoreError, SEVERITIES, STATUSES,
};

#[derive(Default)]
pub struct StoreSlot {
    store: Mutex<Option<Arc<Store>>>,
    pseudonym: Mutex<Option<[u8; 32]>>,
    /// Serializes opening (one KDF at a time, not one per concurrent command).
    opening: tokio::sync::Mutex<()>,
}

impl StoreSlot {
    /// Forgets the opened store (the database path changed).
    pub fn reset(&self) {
        *lock(&self.store) = None;
        *lock(&self.pseudonym) = None;
    }
}

impl Backend {
    /// The open store, opening it on first use. Failures are not cached: the next command
    /// tries again (the user may have fixed the key file meanwhile).
    pub async fn store(&self) -> std::result::Result<Arc<Store>, String> {
        if let Some(s) = lock(&self.st.store.store).clone() {
            return Ok(s);
        }
        let _guard = self.st.store.opening.lock().await;
        if let Some(s) = lock(&self.st.store.store).clone() {
            return Ok(s);
        }
        let opts = OpenOptions {
            db_path: self.settings().database_path.clone(),
            ..Default::default()
        };
        let opened = tokio::task::spawn_blocking(move || Store::open(&opts))
            .await
            .map_err(|e| format!("cannot open the store: {e}"))?;
        match opened {
            Ok(s) => {
                let s = Arc::new(s);
                tracing::info!(path = %s.path().display(), "store opened");
                *lock(&self.st.store.store) = Some(s.clone());
                Ok(s)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot open the store");
                Err(format!("cannot open the store: {e}"))
            }
        }
    }

    /// Runs a blocking store operation; maps failures to clear JSON-RPC errors.
    async fn with_store<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&Store) -> crate::store::Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store().await.map_err(failed)?;
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|_| failed(format!("{what}: the store task failed")))?
            .map_err(|e| store_error(what, &e))
    }

    /// The secret of the pseudonym style (kept in the store), cached once read.
    pub async fn pseudonym_key(&self) -> std::result::Result<[u8; 32], String> {
        if let Some(k) = *lock(&self.st.store.pseudonym) {
            return Ok(k);
        }
        let store = self.store().await?;
        let key = tokio::task::spawn_blocking(move || store.pseudonym_secret())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot read the pseudonym secret: {e}"))?;
        *lock(&self.st.store.pseudonym) = Some(key);
        Ok(key)
    }

    /// The key a redaction in `style` needs: the store's pseudonym secret for `pseudonym`, zeros
    /// (unused) for the other styles, so the store is opened only when it must be.
    pub async fn key_for(&self, style: Style) -> std::result::Result<[u8; 32], String> {
        if style != Style::Pseudonym {
            return Ok([0; 32]);
        }
        self.pseudonym_key()
            .await
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
        res: &FileRedaction,
        style: Style,
    ) -> tokio::task::JoinHandle<()> {
        let details = json!({
            "source": "lsp",
            "via": "scan_file",
            "style": style,
            "redactions": res.findings,
            "counts": res.by_type,
            "before_sha256": res.sha_before,
            "after_sha256": res.sha_after,
            "invalid_utf8_sequences": res.invalid_sequences,
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
    /// the content hash) as a log file of an issue.
    pub async fn attach_to_issue(&self, a: AttachArgs) -> Result<Value> {
        let engine = self.engine();
        // The pii_spans' `replacement` is what the tag style would write.
        let redactor = Redactor::new(&engine, Style::Tag, [0; 32]);
        // An open document is attached as the server holds it, with a fresh full scan of that
        // very text (the index may lag behind edits being rescanned).
        let eng = engine.clone();
        let from_doc = match super::actions::fresh(self, &a.uri, move |rope, findings| {
            let redactor = Redactor::new(&eng, Style::Tag, [0; 32]);
            let text = rope.to_string();
            let spans: Vec<NewPiiSpan> = findings
                .iter()
                .map(|f| NewPiiSpan {
                    pii_type: f.kind.id().to_owned(),
                    start_offset: f.start as i64,
                    end_offset: f.end as i64,
                    original_value: f.value(&text).to_owned(),
                    replacement: redactor.replacement(f, f.value(&text)),
                })
                .collect();
            (text, spans)
        })
        .await
        {
            Ok((x, _version)) => Some(x),
            Err(super::actions::PlanError::NotOpen) => None,
            Err(e) => return Err(failed(format!("tftsr.attachToIssue: {e}"))),
        };
        let (text, spans) = match from_doc {
            Some(x) => x,
            None => {
                // Not open: a file on disk, inside the workspace unless the user confirmed.
                let path = a
                    .uri
                    .to_file_path()
                    .filter(|_| a.uri.scheme().as_str() == "file")
                    .ok_or_else(|| err("tftsr.attachToIssue: the document is not open"))?
                    .into_owned();
                let path = self
                    .folders()
                    .check(&path, a.allow_outside_workspace)
                    .map_err(|r| match r {
                        super::workspace::Refusal::Outside => tower_lsp_server::jsonrpc::Error {
                            code: tower_lsp_server::jsonrpc::ErrorCode::InvalidParams,
                            message: "tftsr.attachToIssue: `uri` is neither open nor inside the \
                                      workspace folders; send `allowOutsideWorkspace: true` once \
                                      the user has confirmed"
                                .into(),
                            data: Some(json!({"reason": "outsideWorkspace", "field": "uri"})),
                        },
                        super::workspace::Refusal::Missing => {
                            err("tftsr.attachToIssue: `uri` is neither open nor an existing file")
                        }
                    })?;
                let text = tokio::task::spawn_blocking(move || std::fs::read_to_string(&path))
                    .await
                    .map_err(|_| failed("tftsr.attachToIssue: the read task failed"))?
                    .map_err(|e| failed(format!("tftsr.attachToIssue: cannot read `uri`: {e}")))?;
                let keep = self.keep_filter();
                let spans = engine
                    .scan(&text)
                    .into_iter()
                    .filter(|f| keep(f, f.value(&text)))
                    .map(|f| NewPiiSpan {
                        pii_type: f.kind.id().to_owned(),
                        start_offset: f.start as i64,
                        end_offset: f.end as i64,
                        original_value: f.value(&text).to_owned(),
                        replacement: redactor.replacement(&f, f.value(&text)),
                    })
                    .collect();
                (text, spans)
            }
        };
        let hash = hex::encode(Sha256::digest(text.as_bytes()));
        let findings = spans.len();
        let file_path = match a.uri.to_file_path() {
            Some(p) if a.uri.scheme().as_str() == "file" => p.display().to_string(),
            _ => a.uri.as_str().to_owned(),
        };
        let log = NewLogFile {
            file_name: file_name(&a.uri),
            file_path,
            content_hash: hash.clone(),
            file_size: text.len() as i64,
            mime_type: Some("text/plain".into()),
            spans,
        };
        let issue_id = a.issue_id.clone();
        let lf = self
            .with_store("tftsr.attachToIssue", move |s| s.attach_log(&issue_id, log))
            .await?;
        if let Some(doc) = lock(&self.st.docs).get_mut(&a.uri) {
            doc.attached_log_file = Some(lf.id.clone());
        }
        tracing::info!(uri = a.uri.as_str(), findings, "log attached to issue");
        Ok(json!({
            "logFileId": lf.id,
            "issueId": lf.issue_id,
            "findings": findings,
            "contentHash": hash,
        }))
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
