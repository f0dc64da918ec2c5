//! Rows of `tftsr.db` as Rust types. Field names are the seed's column names (`seed/DATABASE.md`),
//! so the JSON the CLI and the language server emit matches the schema one to one.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::StoreError;

/// Severity of an incident (`issues.severity`), the seed's list.
pub const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];
/// Status of an incident (`issues.status`), the seed's list.
pub const STATUSES: [&str; 4] = ["open", "investigating", "resolved", "closed"];

/// Checks a severity against the seed's list (the column is free TEXT, so the API is the guard).
pub fn validate_severity(s: &str) -> Result<(), StoreError> {
    if SEVERITIES.contains(&s) {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field: "severity",
            // The value is not echoed: say which field was wrong, never what was in it.
            message: format!("expected one of {}", SEVERITIES.join(", ")),
        })
    }
}

/// Checks a status against the seed's list.
pub fn validate_status(s: &str) -> Result<(), StoreError> {
    if STATUSES.contains(&s) {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field: "status",
            // The value is not echoed: say which field was wrong, never what was in it.
            message: format!("expected one of {}", STATUSES.join(", ")),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub severity: String,
    pub status: String,
    pub category: Option<String>,
    pub source: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub assigned_to: Option<String>,
    /// A JSON array in the `tags` TEXT column.
    pub tags: Vec<String>,
}

/// An issue with its children, as `get_issue` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssueDetail {
    pub issue: Issue,
    pub log_files: Vec<LogFile>,
    pub resolution_steps: Vec<ResolutionStep>,
    pub conversations: Vec<AiConversation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFile {
    pub id: String,
    pub issue_id: String,
    pub file_name: String,
    pub file_path: String,
    pub file_size: Option<i64>,
    pub mime_type: Option<String>,
    /// SHA-256 hex of the original content.
    pub content_hash: Option<String>,
    pub uploaded_at: String,
    /// `redacted INTEGER` 0/1 in the database.
    pub redacted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiiSpan {
    pub id: String,
    pub log_file_id: String,
    pub pii_type: String,
    pub start_offset: i64,
    pub end_offset: i64,
    /// The matched value until the redaction is finalized, then `''` (the column is NOT NULL).
    pub original_value: String,
    pub replacement: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolutionStep {
    pub id: String,
    pub issue_id: String,
    pub step_order: i64,
    pub why_question: String,
    pub answer: Option<String>,
    pub evidence: Option<String>,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: String,
    pub issue_id: String,
    pub doc_type: String,
    pub title: String,
    pub content_md: String,
    /// Milliseconds since the epoch (unlike the TEXT timestamps elsewhere: the seed's choice).
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiConversation {
    pub id: String,
    pub issue_id: String,
    pub provider: String,
    pub model: String,
    pub created_at: String,
    pub title: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiMessage {
    pub id: String,
    pub conversation_id: String,
    pub role: String,
    pub content: String,
    pub token_count: i64,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub timestamp: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub user_id: String,
    /// The `details` TEXT column, parsed: counts, types, ids and SHA-256 hashes only.
    pub details: Option<serde_json::Value>,
}

/// A new incident. `status` starts as `open`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NewIssue {
    pub title: String,
    pub severity: String,
    pub description: Option<String>,
    pub category: Option<String>,
    pub source: Option<String>,
    pub assigned_to: Option<String>,
    pub tags: Vec<String>,
}

/// A partial update: `None` leaves a field as it is; `Some(None)` clears a nullable one.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IssueUpdate {
    pub title: Option<String>,
    pub severity: Option<String>,
    pub status: Option<String>,
    pub description: Option<Option<String>>,
    pub category: Option<Option<String>>,
    pub source: Option<Option<String>>,
    pub assigned_to: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

impl IssueUpdate {
    /// Names of the fields this update touches (for the audit entry: names, never values).
    pub fn fields(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.title.is_some() {
            f.push("title");
        }
        if self.severity.is_some() {
            f.push("severity");
        }
        if self.status.is_some() {
            f.push("status");
        }
        if self.description.is_some() {
            f.push("description");
        }
        if self.category.is_some() {
            f.push("category");
        }
        if self.source.is_some() {
            f.push("source");
        }
        if self.assigned_to.is_some() {
            f.push("assigned_to");
        }
        if self.tags.is_some() {
            f.push("tags");
        }
        f
    }
}

/// Which issues `list_issues` returns (newest first).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IssueFilter {
    pub status: Option<String>,
    /// 0 = no limit.
    pub limit: usize,
}

/// One full-text search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub issue: Issue,
    /// Best-matching fragment of the title or description, matches in `[` `]`.
    pub snippet: String,
    /// FTS5 bm25 score: lower (more negative) is a better match.
    pub rank: f64,
}

/// A finding to store with an attached log.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewPiiSpan {
    pub pii_type: String,
    pub start_offset: i64,
    pub end_offset: i64,
    pub original_value: String,
    pub replacement: String,
}

/// A log to attach to an issue, with its findings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewLogFile {
    pub file_name: String,
    pub file_path: String,
    /// SHA-256 hex (64 lowercase hex digits) of the original content.
    pub content_hash: String,
    pub file_size: i64,
    pub mime_type: Option<String>,
    pub spans: Vec<NewPiiSpan>,
}

/// The audit vocabulary of DESIGN.md ("Store"); the entity each refers to is in brackets there.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    IssueCreate,
    IssueUpdate,
    IssueDelete,
    LogAttach,
    LogRedact,
    RedactionFinalize,
    ExportRedacted,
    DocumentCreate,
    SettingsChange,
    AiSend,
}

impl AuditAction {
    pub const ALL: [AuditAction; 10] = [
        AuditAction::IssueCreate,
        AuditAction::IssueUpdate,
        AuditAction::IssueDelete,
        AuditAction::LogAttach,
        AuditAction::LogRedact,
        AuditAction::RedactionFinalize,
        AuditAction::ExportRedacted,
        AuditAction::DocumentCreate,
        AuditAction::SettingsChange,
        AuditAction::AiSend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::IssueCreate => "issue_create",
            AuditAction::IssueUpdate => "issue_update",
            AuditAction::IssueDelete => "issue_delete",
            AuditAction::LogAttach => "log_attach",
            AuditAction::LogRedact => "log_redact",
            AuditAction::RedactionFinalize => "redaction_finalize",
            AuditAction::ExportRedacted => "export_redacted",
            AuditAction::DocumentCreate => "document_create",
            AuditAction::SettingsChange => "settings_change",
            AuditAction::AiSend => "ai_send",
        }
    }

    /// The entity type this action is about (DESIGN.md).
    pub fn entity_type(self) -> &'static str {
        match self {
            AuditAction::IssueCreate
            | AuditAction::IssueUpdate
            | AuditAction::IssueDelete
            | AuditAction::AiSend => "issue",
            AuditAction::LogAttach
            | AuditAction::LogRedact
            | AuditAction::RedactionFinalize
            | AuditAction::ExportRedacted => "log_file",
            AuditAction::DocumentCreate => "document",
            AuditAction::SettingsChange => "setting",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuditAction {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        AuditAction::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| StoreError::Invalid {
                field: "audit action",
                message: format!("`{s}` is not in the audit vocabulary"),
            })
    }
}

/// Per-type finding counts, e.g. `{"email": 3}` (used in audit details).
pub type Counts = BTreeMap<String, usize>;
