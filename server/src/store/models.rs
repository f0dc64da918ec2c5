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

/// Which issues `list_issues` returns (newest first). Every filter given must hold.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IssueFilter {
    pub status: Option<String>,
    pub severity: Option<String>,
    /// Issues carrying this tag (exact match).
    pub tag: Option<String>,
    /// 0 = no limit.
    pub limit: usize,
}

/// One full-text search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub issue: Issue,
    /// Best-matching fragment of the title or description (at most 12 words, `…` where cut), as
    /// plain text.
    pub snippet: String,
    /// Where the query's words are in `snippet`: `[start, end)` in characters (Unicode scalar
    /// values), in order.
    pub highlights: Vec<[usize; 2]>,
    /// BM25 relevance, higher is better (0 and up; titles weigh 4 times a description).
    pub score: f64,
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

impl NewLogFile {
    /// (header, content hash, size, findings).
    pub fn split(self) -> (NewLogHeader, String, i64, Vec<NewPiiSpan>) {
        (
            NewLogHeader {
                file_name: self.file_name,
                file_path: self.file_path,
                mime_type: self.mime_type,
            },
            self.content_hash,
            self.file_size,
            self.spans,
        )
    }
}

/// What is known of a log before its content has been read, for `Store::begin_attach` (the hash
/// and size follow at the end of the stream, with `LogAttach::finish`).
#[derive(Clone, Debug)]
pub struct NewLogHeader {
    pub file_name: String,
    pub file_path: String,
    pub mime_type: Option<String>,
}

/// The audit vocabulary: DESIGN.md's ("Store") and the actions the incident workflow added; the
/// entity each refers to is `entity_type()`.
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
    /// A person reviewed a log's findings (accepted / rejected counts).
    LogReview,
    DocumentUpdate,
    DocumentDelete,
    /// 5-Whys steps (`resolution_steps`).
    WhyAdd,
    WhyUpdate,
    WhyDelete,
    ConversationCreate,
    ConversationDelete,
    /// `tftsr db export` (with or without the original values).
    DbExport,
    /// `tftsr db encrypt`.
    DbEncrypt,
    /// `tftsr db rekey`.
    DbRekey,
    /// A file redacted outside an issue with a store-held secret (the pseudonym style).
    RedactFile,
    /// An incident exported as a bundle (`tftsr issue export`).
    IssueExport,
    /// A document written out of the store (`tftsr doc export`, or inside a bundle).
    DocumentExport,
}

impl AuditAction {
    pub const ALL: [AuditAction; 24] = [
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
        AuditAction::LogReview,
        AuditAction::DocumentUpdate,
        AuditAction::DocumentDelete,
        AuditAction::WhyAdd,
        AuditAction::WhyUpdate,
        AuditAction::WhyDelete,
        AuditAction::ConversationCreate,
        AuditAction::ConversationDelete,
        AuditAction::DbExport,
        AuditAction::DbEncrypt,
        AuditAction::DbRekey,
        AuditAction::RedactFile,
        AuditAction::DocumentExport,
        AuditAction::IssueExport,
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
            AuditAction::LogReview => "log_review",
            AuditAction::DocumentUpdate => "document_update",
            AuditAction::DocumentDelete => "document_delete",
            AuditAction::WhyAdd => "why_add",
            AuditAction::WhyUpdate => "why_update",
            AuditAction::WhyDelete => "why_delete",
            AuditAction::ConversationCreate => "conversation_create",
            AuditAction::ConversationDelete => "conversation_delete",
            AuditAction::DbExport => "db_export",
            AuditAction::DbEncrypt => "db_encrypt",
            AuditAction::DbRekey => "db_rekey",
            AuditAction::RedactFile => "redact_file",
            AuditAction::DocumentExport => "document_export",
            AuditAction::IssueExport => "issue_export",
        }
    }

    /// The entity type this action is about (DESIGN.md's, and the workflow's additions).
    pub fn entity_type(self) -> &'static str {
        match self {
            AuditAction::IssueCreate
            | AuditAction::IssueUpdate
            | AuditAction::IssueDelete
            | AuditAction::AiSend
            | AuditAction::IssueExport => "issue",
            AuditAction::LogAttach
            | AuditAction::LogRedact
            | AuditAction::RedactionFinalize
            | AuditAction::ExportRedacted
            | AuditAction::LogReview => "log_file",
            AuditAction::DocumentCreate
            | AuditAction::DocumentUpdate
            | AuditAction::DocumentDelete
            | AuditAction::DocumentExport => "document",
            AuditAction::SettingsChange => "setting",
            AuditAction::WhyAdd | AuditAction::WhyUpdate | AuditAction::WhyDelete => {
                "resolution_step"
            }
            AuditAction::ConversationCreate | AuditAction::ConversationDelete => "conversation",
            AuditAction::DbExport | AuditAction::DbEncrypt | AuditAction::DbRekey => "database",
            AuditAction::RedactFile => "file",
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

/// Which audit entries `audit_entries` returns (newest first). Every filter given must hold.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Entries about this issue (an id or unique prefix; a deleted issue's id still matches):
    /// the issue itself and its logs, documents, steps and conversations.
    pub issue_id: Option<String>,
    pub action: Option<AuditAction>,
    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` (UTC), or a span back from now: `30m`, `12h`, `7d`.
    pub since: Option<String>,
    /// 0 = no limit.
    pub limit: usize,
}

/// The first link of the audit chain that does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// Position in the chain (1 = the oldest entry); `None` for an entry that is in no link.
    pub seq: Option<i64>,
    pub audit_id: Option<String>,
    pub problem: String,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.seq, &self.audit_id) {
            (Some(n), Some(id)) => write!(f, "link {n} (audit entry {id}): {}", self.problem),
            (Some(n), None) => write!(f, "link {n}: {}", self.problem),
            (None, Some(id)) => write!(f, "audit entry {id}: {}", self.problem),
            (None, None) => f.write_str(&self.problem),
        }
    }
}

/// What `verify_audit` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    pub ok: bool,
    /// Links checked (= audit entries when the chain holds).
    pub links: i64,
    pub entries: i64,
    /// The newest link's hash: note it somewhere else to detect a later rewrite of the tail.
    pub head: Option<String>,
    pub first_broken: Option<BrokenLink>,
}

/// Where a 5-Whys answer's evidence is: lines of an attached log, or a finding by fingerprint.
/// Stored in `resolution_steps.evidence` as `log:<log_file_id>:<first>-<last>` or
/// `finding:<sha256 hex>` — a reference, never a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    Log {
        log_file_id: String,
        first_line: u64,
        last_line: u64,
    },
    Finding {
        fingerprint: String,
    },
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::Log {
                log_file_id,
                first_line,
                last_line,
            } => write!(f, "log:{log_file_id}:{first_line}-{last_line}"),
            Evidence::Finding { fingerprint } => write!(f, "finding:{fingerprint}"),
        }
    }
}

impl FromStr for Evidence {
    type Err = StoreError;
    /// `log:<id or prefix>:<line>` or `…:<first>-<last>`, or `finding:<sha256 hex>`.
    fn from_str(s: &str) -> Result<Self, StoreError> {
        let bad = |m: &str| StoreError::Invalid {
            field: "evidence",
            message: format!(
                "{m} (expected log:<log file id>:<first line>-<last line> or finding:<fingerprint>)"
            ),
        };
        if let Some(fp) = s.strip_prefix("finding:") {
            let ok = fp.len() == 64
                && fp
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
            return if ok {
                Ok(Evidence::Finding {
                    fingerprint: fp.into(),
                })
            } else {
                Err(bad("a fingerprint is 64 lowercase hex digits"))
            };
        }
        let Some(rest) = s.strip_prefix("log:") else {
            return Err(bad("not a reference"));
        };
        let (id, lines) = rest.rsplit_once(':').ok_or_else(|| bad("no line range"))?;
        let (a, b) = lines.split_once('-').unwrap_or((lines, lines));
        let (Ok(first_line), Ok(last_line)) = (a.parse::<u64>(), b.parse::<u64>()) else {
            return Err(bad("the line range is not numbers"));
        };
        if first_line == 0 || last_line < first_line {
            return Err(bad(
                "lines are 1-based and the range must not run backwards",
            ));
        }
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(bad("the log file id is not an id"));
        }
        Ok(Evidence::Log {
            log_file_id: id.to_ascii_lowercase(),
            first_line,
            last_line,
        })
    }
}

/// A new 5-Whys step; it goes after the last one.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NewWhy {
    pub question: String,
    pub answer: Option<String>,
    pub evidence: Option<Evidence>,
}

/// A partial edit of a step: `None` leaves a field; `Some(None)` clears answer or evidence.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WhyUpdate {
    pub question: Option<String>,
    pub answer: Option<Option<String>>,
    pub evidence: Option<Option<Evidence>>,
}

/// A partial edit of a document.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DocumentUpdate {
    pub title: Option<String>,
    pub content_md: Option<String>,
}

/// A conversation with its messages in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationDetail {
    pub conversation: AiConversation,
    pub messages: Vec<AiMessage>,
}

/// How `attach_log_with` stores a log.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttachOptions {
    /// Keep the findings' original values until the redaction is finalized (`true`, the
    /// default), or never store them (`original_value` is `''` from the start and the log is
    /// recorded as finalized).
    pub keep_values: bool,
}

impl Default for AttachOptions {
    fn default() -> Self {
        AttachOptions { keep_values: true }
    }
}

/// Where a log stands in the workflow: reviewed → redacted (its cleaned copy stored) → finalized
/// (no original value left). From `log_files`, `pii_spans` and the `log_state` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogStatus {
    pub log_file_id: String,
    pub issue_id: String,
    pub file_name: String,
    pub reviewed: bool,
    pub accepted: Option<i64>,
    pub rejected: Option<i64>,
    /// `log_files.redacted`.
    pub redacted: bool,
    pub finalized: bool,
    /// Whether original values were kept at attach time.
    pub values_kept: bool,
    /// Findings stored for the log, and how many of them still hold their original value.
    pub span_count: i64,
    pub values_present: i64,
    pub cleaned_sha256: Option<String>,
    pub cleaned_size: Option<i64>,
}

/// What `finalize_issue` cleared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalizeReport {
    pub issue_id: String,
    /// (log file id, original values cleared)
    pub logs: Vec<(String, i64)>,
}
