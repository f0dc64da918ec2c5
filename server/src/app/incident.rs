//! The incident workflow (issue 12), one function per operation, for the CLI and the server:
//! attach a log with its cleaned copy, finalize, move an issue along its lifecycle, list with
//! filters, the 5-Whys, the audit (filters, verification). Arguments come in as the user typed
//! them (ids as unique prefixes, statuses, evidence references, audit actions); parsing them is
//! part of the operation so every surface accepts the same words.

use std::path::Path;

use super::attach::{AttachError, AttachJob, Attached};
use super::redact::RedactError;
use super::review::{self, ReviewError};
use crate::store::{
    AuditAction, AuditEntry, AuditFilter, AuditVerification, Evidence, FinalizeReport, Issue,
    IssueDetail, IssueFilter, LogStatus, NewWhy, ResolutionStep, Store, StoreError, WhyUpdate,
};

#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    #[error(transparent)]
    Attach(#[from] AttachError),
    #[error(transparent)]
    Redact(#[from] RedactError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error("cannot hold the cleaned copy in {dir}: {source}")]
    Temp { dir: String, source: std::io::Error },
}

/// An attached log with its cleaned copy stored.
#[derive(Debug)]
pub struct AttachedClean {
    pub attached: Attached,
    pub status: LogStatus,
}

/// Attaches `file` to an issue with every finding accepted and stores its cleaned copy, in one
/// transaction (see `app::review`): the findings (with their original values unless
/// `keep_values` is false), the cleaned copy redacted with the same scanner, style and key, and
/// `log_files.redacted = 1` — all of it or, on any failure, nothing.
pub fn attach_cleaned(
    store: &Store,
    issue_id: &str,
    file: &Path,
    job: &AttachJob<'_>,
    keep_values: bool,
) -> Result<AttachedClean, IncidentError> {
    let r = review::attach_all(store, issue_id, file, job, keep_values)?;
    Ok(AttachedClean {
        attached: r.attached,
        status: r.status,
    })
}

/// Clears the original values of every attached log of an issue (all or none).
pub fn finalize(store: &Store, issue_id: &str) -> Result<FinalizeReport, StoreError> {
    store.finalize_issue(issue_id)
}

/// Moves an issue to `status` (open, investigating, resolved, closed).
pub fn set_status(store: &Store, issue_id: &str, status: &str) -> Result<Issue, StoreError> {
    store.set_issue_status(issue_id, status.trim())
}

/// Issues filtered by status, severity and tag (each optional), newest first.
pub fn list(
    store: &Store,
    status: Option<&str>,
    severity: Option<&str>,
    tag: Option<&str>,
    limit: usize,
) -> Result<Vec<Issue>, StoreError> {
    store.list_issues(&IssueFilter {
        status: status.map(str::to_owned),
        severity: severity.map(str::to_owned),
        tag: tag.map(str::to_owned),
        limit,
    })
}

/// An issue with each log's state (reviewed, redacted, finalized).
pub fn show(store: &Store, issue_id: &str) -> Result<(IssueDetail, Vec<LogStatus>), StoreError> {
    let d = store.get_issue(issue_id)?;
    let states = store.log_statuses(&d.issue.id)?;
    Ok((d, states))
}

/// Deletes an issue (the caller has asked for confirmation); returns what it was.
pub fn delete(store: &Store, issue_id: &str) -> Result<IssueDetail, StoreError> {
    let d = store.get_issue(issue_id)?;
    store.delete_issue(&d.issue.id)?;
    Ok(d)
}

fn evidence(text: Option<&str>) -> Result<Option<Evidence>, StoreError> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::parse)
        .transpose()
}

/// Adds a why after the last one; `evidence` is `log:<id>:<first>-<last>` or `finding:<sha256>`.
pub fn why_add(
    store: &Store,
    issue_id: &str,
    question: &str,
    answer: Option<&str>,
    evidence_ref: Option<&str>,
) -> Result<ResolutionStep, StoreError> {
    store.add_why(
        issue_id,
        NewWhy {
            question: question.into(),
            answer: answer.map(Into::into),
            evidence: evidence(evidence_ref)?,
        },
    )
}

pub fn why_list(store: &Store, issue_id: &str) -> Result<Vec<ResolutionStep>, StoreError> {
    store.whys(issue_id)
}

/// Edits a why: `Some("")` clears the answer or the evidence.
pub fn why_edit(
    store: &Store,
    step_id: &str,
    question: Option<&str>,
    answer: Option<&str>,
    evidence_ref: Option<&str>,
) -> Result<ResolutionStep, StoreError> {
    store.update_why(
        step_id,
        WhyUpdate {
            question: question.map(Into::into),
            answer: answer.map(|a| (!a.is_empty()).then(|| a.to_owned())),
            evidence: evidence_ref.map(|e| evidence(Some(e))).transpose()?,
        },
    )
}

pub fn why_move(store: &Store, step_id: &str, to: i64) -> Result<Vec<ResolutionStep>, StoreError> {
    store.move_why(step_id, to)
}

pub fn why_delete(store: &Store, step_id: &str) -> Result<ResolutionStep, StoreError> {
    store.delete_why(step_id)
}

/// Audit entries by issue (id or prefix), action name and `since`, newest first.
pub fn audit_query(
    store: &Store,
    issue_id: Option<&str>,
    action: Option<&str>,
    since: Option<&str>,
    limit: usize,
) -> Result<Vec<AuditEntry>, StoreError> {
    let action = action.map(str::parse::<AuditAction>).transpose()?;
    store.audit_entries(&AuditFilter {
        issue_id: issue_id.map(str::to_owned),
        action,
        since: since.map(str::to_owned),
        limit,
    })
}

/// Walks the audit chain; `ok` false names the first broken link.
pub fn audit_verify(store: &Store) -> Result<AuditVerification, StoreError> {
    store.verify_audit()
}
