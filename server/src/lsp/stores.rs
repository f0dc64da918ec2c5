//! Lazy access to the encrypted store for the issue commands and the audit log. The store is
//! opened on first use (settings `databasePath`, else the data dir); a store that cannot open
//! (wrong key, corrupt file) leaves diagnostics and redaction working: only the commands that
//! need it fail, with the store's message.

use std::sync::Mutex;

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::Uri;

use super::actions::{audit_details, Plan};
use super::commands::failed;
use super::scanfile::FileRedaction;
use super::{lock, Backend};
use crate::engine::redact::Style;

/// Placeholder until the store API lands: remembers nothing, always fails clearly.
#[derive(Default)]
pub struct StoreSlot {
    last_error: Mutex<Option<String>>,
}

impl StoreSlot {
    /// Forgets the opened store (the database path changed).
    pub fn reset(&self) {
        *lock(&self.last_error) = None;
    }
}

const NO_STORE: &str = "the issue store is not available in this build yet";

impl Backend {
    pub async fn pseudonym_key(&self) -> std::result::Result<[u8; 32], String> {
        Err(format!("cannot open the store: {NO_STORE}"))
    }

    pub fn audit_redaction(&self, uri: &Uri, plan: &Plan, style: Style, via: &str) {
        let details = audit_details(uri, plan, style, via);
        tracing::debug!(uri = uri.as_str(), %details, "redaction (audit pending store)");
    }

    pub fn audit_file_redaction(&self, uri: &Uri, res: &FileRedaction, _style: Style) {
        tracing::debug!(
            uri = uri.as_str(),
            findings = res.findings,
            "file redaction (audit pending store)"
        );
    }

    pub async fn create_issue(&self, _a: Value) -> Result<Value> {
        Err(failed(NO_STORE))
    }
    pub async fn list_issues(&self, _a: Value) -> Result<Value> {
        Err(failed(NO_STORE))
    }
    pub async fn search_issues(&self, _a: Value) -> Result<Value> {
        Err(failed(NO_STORE))
    }
    pub async fn get_issue(&self, _a: Value) -> Result<Value> {
        Err(failed(NO_STORE))
    }
    pub async fn attach_to_issue(&self, _a: Value) -> Result<Value> {
        Err(failed(NO_STORE))
    }
}
