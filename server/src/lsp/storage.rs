//! The encrypted store as the server uses it: opened on first use (settings `databasePath`, else
//! the data dir; key from `TFTSR_DB_KEY` or the key file), the pseudonym key, and the audit
//! entries of redactions done through the server. A store that cannot open (wrong key, corrupt
//! file) leaves diagnostics and redaction working: only what needs it fails, with the store's
//! own message. Every store call runs on the blocking pool.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::Uri;

use super::protocol::{failed, Reply};
use super::redaction::{Plan, Scope};
use super::session::{lock, uri_hash, Session};
use crate::app::keys;
use crate::app::redact::RedactReport;
use crate::engine::redact::Style;
use crate::store::{AuditAction, Store};

/// The open store, opening it on first use (see `StoreSlot::get_blocking`).
pub async fn store(s: &Arc<Session>) -> std::result::Result<Arc<Store>, String> {
    if let Some(store) = s.store.get() {
        return Ok(store);
    }
    let st = s.clone();
    let db_path = s.settings().database_path.clone();
    tokio::task::spawn_blocking(move || st.store.get_blocking(db_path))
        .await
        .map_err(|e| format!("cannot open the store: {e}"))?
}

/// Runs a blocking store operation; maps failures to clear JSON-RPC errors (never values).
pub async fn with_store<T: Send + 'static, E: Reply + Send + 'static>(
    s: &Arc<Session>,
    what: &'static str,
    f: impl FnOnce(&Store) -> std::result::Result<T, E> + Send + 'static,
) -> Result<T> {
    let store = store(s).await.map_err(failed)?;
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|_| failed(format!("{what}: the store task failed")))?
        .map_err(|e| e.reply(what))
}

/// The key a redaction in `style` needs (`app::keys::redaction_key`): the store is opened
/// only for the pseudonym style.
pub async fn key_for(s: &Arc<Session>, style: Style) -> std::result::Result<[u8; 32], String> {
    let st = s.clone();
    let db_path = s.settings().database_path.clone();
    tokio::task::spawn_blocking(move || {
        keys::redaction_key(style, || st.store.get_blocking(db_path))
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot use the pseudonym style: {e}"))
}

/// Records a redaction done through the server (`log_redact`). The entity is the attached log
/// file if the document was attached, else the SHA-256 of its URI. A whole-document redaction of
/// an attached log also marks that log redacted (the store then writes the entry, with the
/// hashes and counts). A store that cannot open must not fail the redaction: the entry is
/// skipped with a warning. Returns the task writing the entry: commands await it (so the entry
/// exists when they answer), a code action resolve does not (it stays fast).
pub fn audit_redaction(
    s: &Arc<Session>,
    uri: &Uri,
    plan: &Plan,
    style: Style,
    via: &str,
    scope: &Scope,
) -> tokio::task::JoinHandle<()> {
    let attached = lock(&s.docs)
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
    spawn_audit(s, uri, attached, details, mark)
}

/// Records a file redaction (`tftsr.scanFile`).
pub fn audit_file_redaction(
    s: &Arc<Session>,
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
    spawn_audit(s, uri, None, details, None)
}

fn spawn_audit(
    s: &Arc<Session>,
    uri: &Uri,
    attached: Option<String>,
    details: Value,
    mark: Option<(String, String, BTreeMap<String, usize>)>,
) -> tokio::task::JoinHandle<()> {
    let s = s.clone();
    let entity = uri_hash(uri);
    tokio::spawn(async move {
        let store = match store(&s).await {
            Ok(st) => st,
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
