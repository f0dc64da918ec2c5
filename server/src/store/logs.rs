//! `log_files` and their findings `pii_spans`: attach (all or nothing), read, record the
//! redaction, finalize it (forget the original values).

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, Row};
use serde_json::json;

use super::audit::{check_hash, safe_counts};
use super::error::{Result, StoreError};
use super::models::{AuditAction, Counts, LogFile, NewLogFile, PiiSpan};
use super::rows::FromRow;
use super::{new_id, now_text, test_hooks, Store};

impl FromRow for LogFile {
    const COLS: &'static str = "id, issue_id, file_name, file_path, file_size, mime_type, \
                                content_hash, uploaded_at, redacted";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(LogFile {
            id: r.get(0)?,
            issue_id: r.get(1)?,
            file_name: r.get(2)?,
            file_path: r.get(3)?,
            file_size: r.get(4)?,
            mime_type: r.get(5)?,
            content_hash: r.get(6)?,
            uploaded_at: r.get(7)?,
            redacted: r.get::<_, Option<i64>>(8)?.unwrap_or(0) != 0,
        })
    }
}

impl FromRow for PiiSpan {
    const COLS: &'static str =
        "id, log_file_id, pii_type, start_offset, end_offset, original_value, replacement";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(PiiSpan {
            id: r.get(0)?,
            log_file_id: r.get(1)?,
            pii_type: r.get(2)?,
            start_offset: r.get(3)?,
            end_offset: r.get(4)?,
            original_value: r.get(5)?,
            replacement: r.get(6)?,
        })
    }
}

impl Store {
    /// Stores an attached log and its findings with a `log_attach` audit entry, in one transaction:
    /// either all of it is there afterwards or none of it.
    pub fn attach_log(&self, issue_id: &str, log: NewLogFile) -> Result<LogFile> {
        check_hash("content_hash", &log.content_hash)?;
        if log.file_name.is_empty() {
            return Err(StoreError::Invalid {
                field: "file_name",
                message: "must not be empty".into(),
            });
        }
        for s in &log.spans {
            if s.start_offset < 0 || s.end_offset < s.start_offset || s.pii_type.is_empty() {
                return Err(StoreError::Invalid {
                    field: "pii span",
                    message: "needs a type and 0 <= start_offset <= end_offset".into(),
                });
            }
        }
        let lf = LogFile {
            id: new_id(),
            issue_id: issue_id.into(),
            file_name: log.file_name,
            file_path: log.file_path,
            file_size: Some(log.file_size),
            mime_type: log.mime_type,
            content_hash: Some(log.content_hash),
            uploaded_at: now_text(),
            redacted: false,
        };
        let mut counts: Counts = BTreeMap::new();
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        self.issue_in(&tx, issue_id)?;
        tx.execute(
            &format!(
                "INSERT INTO log_files ({}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,0)",
                LogFile::COLS
            ),
            params![
                lf.id,
                lf.issue_id,
                lf.file_name,
                lf.file_path,
                lf.file_size,
                lf.mime_type,
                lf.content_hash,
                lf.uploaded_at
            ],
        )
        .map_err(self.err("storing a log file"))?;
        {
            let mut st = tx
                .prepare_cached(&format!(
                    "INSERT INTO pii_spans ({}) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                    PiiSpan::COLS
                ))
                .map_err(self.err("storing findings"))?;
            for (n, s) in log.spans.iter().enumerate() {
                test_hooks::at_span(n);
                st.execute(params![
                    new_id(),
                    lf.id,
                    s.pii_type,
                    s.start_offset,
                    s.end_offset,
                    s.original_value,
                    s.replacement
                ])
                .map_err(self.err("storing findings"))?;
                *counts.entry(s.pii_type.clone()).or_default() += 1;
            }
        }
        self.insert_audit(
            &tx,
            AuditAction::LogAttach,
            &lf.id,
            &json!({
                "issue_id": lf.issue_id,
                "content_hash": lf.content_hash,
                "file_size": lf.file_size,
                "span_count": log.spans.len(),
                "counts": safe_counts(&counts),
            }),
        )?;
        tx.commit()
            .map_err(self.err("committing an attached log"))?;
        Ok(lf)
    }

    pub fn get_log_file(&self, id: &str) -> Result<LogFile> {
        self.select_by_id(
            &self.conn(),
            "log_files",
            "log file",
            id,
            "reading a log file",
        )
    }

    /// The findings stored for a log file, in file order.
    pub fn pii_spans(&self, log_file_id: &str) -> Result<Vec<PiiSpan>> {
        self.select(
            &self.conn(),
            "pii_spans",
            "WHERE log_file_id = ?1 ORDER BY start_offset, id",
            [log_file_id],
            "reading findings",
        )
    }

    /// Marks a log redacted and records the before/after hashes and per-type counts (`log_redact`).
    pub fn record_redaction(
        &self,
        log_file_id: &str,
        before_sha256: &str,
        after_sha256: &str,
        counts: &Counts,
    ) -> Result<()> {
        check_hash("before_sha256", before_sha256)?;
        check_hash("after_sha256", after_sha256)?;
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let n = tx
            .execute(
                "UPDATE log_files SET redacted = 1 WHERE id = ?1",
                [log_file_id],
            )
            .map_err(self.err("marking a log redacted"))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: "log file",
                id: log_file_id.into(),
            });
        }
        self.insert_audit(
            &tx,
            AuditAction::LogRedact,
            log_file_id,
            &json!({
                "before_sha256": before_sha256,
                "after_sha256": after_sha256,
                "counts": safe_counts(counts),
            }),
        )?;
        tx.commit().map_err(self.err("committing a redaction"))
    }

    /// Forgets the original values of a redacted log's findings (sets them to `''`: the column is
    /// NOT NULL in the seed), so the original does not outlive its need. The log must be redacted.
    pub fn finalize_redaction(&self, log_file_id: &str) -> Result<()> {
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let redacted: Option<Option<i64>> = tx
            .query_row(
                "SELECT redacted FROM log_files WHERE id = ?1",
                [log_file_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err("reading a log file"))?;
        match redacted {
            None => {
                return Err(StoreError::NotFound {
                    entity: "log file",
                    id: log_file_id.into(),
                })
            }
            Some(Some(1)) => {}
            Some(_) => {
                return Err(StoreError::Invalid {
                    field: "log file",
                    message: "is not redacted yet; record the redaction before finalizing it"
                        .into(),
                })
            }
        }
        let n = tx
            .execute(
                "UPDATE pii_spans SET original_value = '' WHERE log_file_id = ?1",
                [log_file_id],
            )
            .map_err(self.err("clearing original values"))?;
        self.insert_audit(
            &tx,
            AuditAction::RedactionFinalize,
            log_file_id,
            &json!({"spans_cleared": n}),
        )?;
        tx.commit().map_err(self.err("committing a finalization"))
    }
}
