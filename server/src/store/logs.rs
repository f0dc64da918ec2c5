//! `log_files` and their findings `pii_spans`: attach (all or nothing), read, review, store the
//! cleaned copy (which marks the log redacted), finalize (forget the original values); and the
//! per-log workflow state in `log_state` (migration 012).

use std::collections::BTreeMap;
use std::io::{Read, Write};

use rusqlite::{params, Connection, OptionalExtension, Row, MAIN_DB};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{check_hash, safe_counts};
use super::error::{Result, StoreError};
use super::models::{
    AttachOptions, AuditAction, Counts, FinalizeReport, LogFile, LogStatus, NewLogFile,
    NewLogHeader, NewPiiSpan, PiiSpan,
};
use super::rows::FromRow;
use super::{ids::Entity, new_id, now_text, test_hooks, Store};

impl FromRow for LogStatus {
    const COLS: &'static str = "l.id, l.issue_id, l.file_name, s.reviewed_at IS NOT NULL, \
        s.accepted, s.rejected, coalesce(l.redacted, 0) != 0, s.finalized_at IS NOT NULL, \
        coalesce(s.values_kept, 1) != 0, \
        (SELECT count(*) FROM pii_spans p WHERE p.log_file_id = l.id), \
        (SELECT count(*) FROM pii_spans p WHERE p.log_file_id = l.id AND p.original_value != ''), \
        s.cleaned_sha256, s.cleaned_size";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(LogStatus {
            log_file_id: r.get(0)?,
            issue_id: r.get(1)?,
            file_name: r.get(2)?,
            reviewed: r.get(3)?,
            accepted: r.get(4)?,
            rejected: r.get(5)?,
            redacted: r.get(6)?,
            finalized: r.get(7)?,
            values_kept: r.get(8)?,
            span_count: r.get(9)?,
            values_present: r.get(10)?,
            cleaned_sha256: r.get(11)?,
            cleaned_size: r.get(12)?,
        })
    }
}

/// After a finalize: the WAL still holds the earlier page images (with the values) until it is
/// checkpointed and truncated, so do that now. Best effort: a reader in another process can hold
/// the WAL back, and then the next checkpoint (at the latest when the last connection closes)
/// finishes it; with `secure_delete` on, the database pages themselves hold no value already.
fn scrub_wal(c: &Connection) {
    let _ = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    });
}

/// `log_files l LEFT JOIN log_state s`: a log without a state row has the defaults.
const STATUS_FROM: &str = "log_files l LEFT JOIN log_state s ON s.log_file_id = l.id";

/// Makes sure the log has a `log_state` row (defaults) so a column of it can be updated.
fn ensure_state(c: &Connection, log_file_id: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO log_state (log_file_id, updated_at) VALUES (?1, ?2)
         ON CONFLICT(log_file_id) DO NOTHING",
        params![log_file_id, now_text()],
    )
    .map(|_| ())
}

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
        self.attach_log_with(issue_id, log, &AttachOptions::default())
    }

    /// `attach_log` with options: `keep_values: false` never stores an original value (every
    /// `original_value` is `''` from the start) and records the log as finalized.
    pub fn attach_log_with(
        &self,
        issue_id: &str,
        log: NewLogFile,
        opts: &AttachOptions,
    ) -> Result<LogFile> {
        check_hash("content_hash", &log.content_hash)?;
        let (header, hash, size, spans) = log.split();
        let mut a = self.begin_attach(issue_id, header, opts)?;
        for s in spans {
            a.add_span(s)?;
        }
        a.finish(&hash, size)
    }

    /// Attaches a log, records its review (accepted / rejected counts, if it was reviewed) and
    /// stores its cleaned copy (`size` bytes from `cleaned`), marking it redacted — all in one
    /// transaction: afterwards the log is there, redacted, with its findings and its audit
    /// entries (`log_attach`, `log_review`, `log_redact`), or nothing of it is.
    #[allow(clippy::too_many_arguments)]
    pub fn attach_log_cleaned(
        &self,
        issue_id: &str,
        log: NewLogFile,
        opts: &AttachOptions,
        review: Option<(u64, u64)>,
        cleaned: &mut dyn Read,
        size: u64,
        counts: &Counts,
    ) -> Result<LogFile> {
        check_hash("content_hash", &log.content_hash)?;
        let (header, hash, file_size, spans) = log.split();
        let mut a = self.begin_attach(issue_id, header, opts)?;
        for s in spans {
            a.add_span(s)?;
        }
        a.finish_cleaned(&hash, file_size, review, cleaned, size, counts)
    }

    /// Starts attaching a log to an issue: one write transaction is open until
    /// [`LogAttach::finish`] (or `finish_cleaned`) commits it, and is rolled back if the
    /// `LogAttach` is dropped before (an error, a cancelled scan, a panic). Findings are written
    /// as they are found ([`LogAttach::add_span`]), so memory follows the scan's window, never
    /// the number of findings. The store's connection is held meanwhile: other writers wait.
    pub fn begin_attach(
        &self,
        issue_id: &str,
        header: NewLogHeader,
        opts: &AttachOptions,
    ) -> Result<LogAttach<'_>> {
        if header.file_name.is_empty() {
            return Err(StoreError::Invalid {
                field: "file_name",
                message: "must not be empty".into(),
            });
        }
        let conn = self.conn();
        // IMMEDIATE: the write lock up front, so the busy timeout applies (as `write_tx`).
        conn.execute_batch("BEGIN IMMEDIATE")
            .map_err(self.err("starting a write"))?;
        let mut a = LogAttach {
            store: self,
            conn,
            lf: LogFile {
                id: new_id(),
                issue_id: String::new(),
                file_name: header.file_name,
                file_path: header.file_path,
                file_size: None,
                mime_type: header.mime_type,
                content_hash: None,
                uploaded_at: now_text(),
                redacted: false,
            },
            keep_values: opts.keep_values,
            counts: BTreeMap::new(),
            spans: 0,
            open: true,
        };
        a.lf.issue_id = self.resolve_in(&a.conn, Entity::Issue, issue_id)?;
        let lf = &a.lf;
        // Hash and size are known at the end of the stream: set by `finish`, in this transaction.
        a.conn
            .execute(
                &format!(
                    "INSERT INTO log_files ({}) VALUES (?1,?2,?3,?4,NULL,?5,NULL,?6,0)",
                    LogFile::COLS
                ),
                params![
                    lf.id,
                    lf.issue_id,
                    lf.file_name,
                    lf.file_path,
                    lf.mime_type,
                    lf.uploaded_at
                ],
            )
            .map_err(self.err("storing a log file"))?;
        Ok(a)
    }

    /// A log file by id (or unique prefix).
    pub fn get_log_file(&self, id: &str) -> Result<LogFile> {
        let c = self.conn();
        let id = self.resolve_in(&c, Entity::LogFile, id)?;
        self.select_by_id(&c, "log_files", "log file", &id, "reading a log file")
    }

    /// The findings stored for a log file, in file order. An unknown id has none.
    pub fn pii_spans(&self, log_file_id: &str) -> Result<Vec<PiiSpan>> {
        let c = self.conn();
        let id = match self.resolve_in(&c, Entity::LogFile, log_file_id) {
            Ok(id) => id,
            Err(StoreError::NotFound { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        self.select(
            &c,
            "pii_spans",
            "WHERE log_file_id = ?1 ORDER BY start_offset, id",
            [id],
            "reading findings",
        )
    }

    /// Where one log stands (reviewed, redacted, finalized …).
    pub fn log_status(&self, log_file_id: &str) -> Result<LogStatus> {
        let c = self.conn();
        let id = self.resolve_in(&c, Entity::LogFile, log_file_id)?;
        self.select::<LogStatus, _>(
            &c,
            STATUS_FROM,
            "WHERE l.id = ?1",
            [&id],
            "reading a log's state",
        )?
        .pop()
        .ok_or(StoreError::NotFound {
            entity: "log file",
            id,
        })
    }

    /// Where each log of an issue stands, in attach order.
    pub fn log_statuses(&self, issue_id: &str) -> Result<Vec<LogStatus>> {
        let c = self.conn();
        let id = self.resolve_in(&c, Entity::Issue, issue_id)?;
        self.select(
            &c,
            STATUS_FROM,
            "WHERE l.issue_id = ?1 ORDER BY l.uploaded_at, l.id",
            [&id],
            "reading log states",
        )
    }

    /// Records that a person reviewed a log's findings: how many were accepted (to be redacted)
    /// and rejected (left as they are). Counts only, audited as `log_review`.
    pub fn record_review(
        &self,
        log_file_id: &str,
        accepted: u64,
        rejected: u64,
    ) -> Result<LogStatus> {
        {
            let mut c = self.conn();
            let tx = self.write_tx(&mut c)?;
            let lf: LogFile = {
                let id = self.resolve_in(&tx, Entity::LogFile, log_file_id)?;
                self.select_by_id(&tx, "log_files", "log file", &id, "reading a log file")?
            };
            self.review_in(&tx, &lf, accepted, rejected)?;
            tx.commit().map_err(self.err("committing a review"))?;
        }
        self.log_status(log_file_id)
    }

    fn review_in(&self, tx: &Connection, lf: &LogFile, accepted: u64, rejected: u64) -> Result<()> {
        ensure_state(tx, &lf.id).map_err(self.err("storing a log's state"))?;
        tx.execute(
            "UPDATE log_state SET reviewed_at = ?2, accepted = ?3, rejected = ?4, updated_at = ?2
             WHERE log_file_id = ?1",
            params![lf.id, now_text(), accepted as i64, rejected as i64],
        )
        .map_err(self.err("storing a review"))?;
        self.insert_audit(
            tx,
            AuditAction::LogReview,
            &lf.id,
            &json!({"issue_id": lf.issue_id, "accepted": accepted, "rejected": rejected}),
        )?;
        Ok(())
    }

    /// Stores a log's cleaned copy — the bytes that will be shared — inside the encrypted store,
    /// streamed from `cleaned` (exactly `size` bytes, never all in memory), with its SHA-256, and
    /// marks the log redacted (`log_files.redacted = 1`), audited as `log_redact` with the
    /// before/after hashes and the per-type counts of what was replaced; one transaction. A
    /// later call replaces the copy.
    pub fn store_cleaned_log(
        &self,
        log_file_id: &str,
        cleaned: &mut dyn Read,
        size: u64,
        counts: &Counts,
    ) -> Result<LogStatus> {
        {
            let mut c = self.conn();
            let tx = self.write_tx(&mut c)?;
            let lf: LogFile = {
                let id = self.resolve_in(&tx, Entity::LogFile, log_file_id)?;
                self.select_by_id(&tx, "log_files", "log file", &id, "reading a log file")?
            };
            self.store_cleaned_in(&tx, &lf, cleaned, size, counts)?;
            tx.commit().map_err(self.err("committing a cleaned copy"))?;
        }
        self.log_status(log_file_id)
    }

    fn store_cleaned_in(
        &self,
        tx: &Connection,
        lf: &LogFile,
        cleaned: &mut dyn Read,
        size: u64,
        counts: &Counts,
    ) -> Result<()> {
        let size_i = i64::try_from(size).map_err(|_| StoreError::Invalid {
            field: "cleaned size",
            message: "too large".into(),
        })?;
        ensure_state(tx, &lf.id).map_err(self.err("storing a log's state"))?;
        tx.execute(
            "UPDATE log_state SET cleaned_size = ?2, updated_at = ?3 WHERE log_file_id = ?1",
            params![lf.id, size_i, now_text()],
        )
        .map_err(self.err("storing a cleaned copy"))?;
        // The blob is the row's last column: `zeroblob` is written without being built in
        // memory, and the copy streams in below (see migration 013).
        tx.execute(
            "INSERT INTO log_cleaned (log_file_id, cleaned) VALUES (?1, zeroblob(?2))
             ON CONFLICT(log_file_id) DO UPDATE SET cleaned = excluded.cleaned",
            params![lf.id, size_i],
        )
        .map_err(self.err("storing a cleaned copy"))?;
        let rowid: i64 = tx
            .query_row(
                "SELECT rowid FROM log_cleaned WHERE log_file_id = ?1",
                [&lf.id],
                |r| r.get(0),
            )
            .map_err(self.err("storing a cleaned copy"))?;
        let mut hasher = Sha256::new();
        {
            let mut blob = tx
                .blob_open(MAIN_DB, c"log_cleaned", c"cleaned", rowid, false)
                .map_err(self.err("storing a cleaned copy"))?;
            let mut buf = vec![0u8; 64 * 1024];
            let mut written: u64 = 0;
            loop {
                let n = match cleaned.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(source) => {
                        return Err(StoreError::Io {
                            what: "cannot read the cleaned copy for",
                            path: self.path.clone(),
                            source,
                        })
                    }
                };
                if written + n as u64 > size {
                    return Err(StoreError::Invalid {
                        field: "cleaned copy",
                        message: format!("is longer than the {size} bytes announced"),
                    });
                }
                blob.write_all(&buf[..n])
                    .map_err(|_| StoreError::DiskFull {
                        path: self.path.clone(),
                    })?;
                hasher.update(&buf[..n]);
                written += n as u64;
            }
            if written != size {
                return Err(StoreError::Invalid {
                    field: "cleaned copy",
                    message: format!("ended after {written} of the {size} bytes announced"),
                });
            }
        }
        let after = hex::encode(hasher.finalize());
        tx.execute(
            "UPDATE log_state SET cleaned_sha256 = ?2 WHERE log_file_id = ?1",
            params![lf.id, after],
        )
        .map_err(self.err("storing a cleaned copy"))?;
        tx.execute("UPDATE log_files SET redacted = 1 WHERE id = ?1", [&lf.id])
            .map_err(self.err("marking a log redacted"))?;
        self.insert_audit(
            tx,
            AuditAction::LogRedact,
            &lf.id,
            &json!({
                "issue_id": lf.issue_id,
                "before_sha256": lf.content_hash,
                "after_sha256": after,
                "cleaned_size": size,
                "counts": safe_counts(counts),
            }),
        )?;
        Ok(())
    }

    /// Streams a log's cleaned copy into `out`; returns its size. A log without one is an error
    /// naming it.
    pub fn read_cleaned_log(&self, log_file_id: &str, out: &mut dyn Write) -> Result<u64> {
        let c = self.conn();
        let id = self.resolve_in(&c, Entity::LogFile, log_file_id)?;
        let rowid: Option<i64> = c
            .query_row(
                "SELECT rowid FROM log_cleaned WHERE log_file_id = ?1",
                [&id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err("reading a cleaned copy"))?;
        let Some(rowid) = rowid else {
            return Err(StoreError::Invalid {
                field: "log file",
                message: format!("{id} has no cleaned copy yet (it was not redacted)"),
            });
        };
        let mut blob = c
            .blob_open(MAIN_DB, c"log_cleaned", c"cleaned", rowid, true)
            .map_err(self.err("reading a cleaned copy"))?;
        std::io::copy(&mut blob, out).map_err(|source| StoreError::Io {
            what: "cannot copy the cleaned log out of",
            path: self.path.clone(),
            source,
        })
    }

    /// A log's cleaned copy as bytes (for small logs; `read_cleaned_log` streams).
    pub fn cleaned_log(&self, log_file_id: &str) -> Result<Vec<u8>> {
        let mut v = Vec::new();
        self.read_cleaned_log(log_file_id, &mut v)?;
        Ok(v)
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
        let log_file_id = &self.resolve_in(&tx, Entity::LogFile, log_file_id)?;
        tx.execute(
            "UPDATE log_files SET redacted = 1 WHERE id = ?1",
            [log_file_id],
        )
        .map_err(self.err("marking a log redacted"))?;
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
        let id = self.resolve_in(&tx, Entity::LogFile, log_file_id)?;
        self.finalize_in(&tx, &id)?;
        tx.commit().map_err(self.err("committing a finalization"))?;
        scrub_wal(&c);
        Ok(())
    }

    /// Finalizes every log of an issue in one transaction: all of them or, if one is not redacted
    /// yet, none (the error names it).
    pub fn finalize_issue(&self, issue_id: &str) -> Result<FinalizeReport> {
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let issue_id = self.resolve_in(&tx, Entity::Issue, issue_id)?;
        let logs: Vec<LogFile> = self.select(
            &tx,
            "log_files",
            "WHERE issue_id = ?1 ORDER BY uploaded_at, id",
            [&issue_id],
            "reading log files",
        )?;
        let mut out = Vec::new();
        for l in logs {
            let n = self.finalize_in(&tx, &l.id)?;
            out.push((l.id, n));
        }
        tx.commit().map_err(self.err("committing a finalization"))?;
        scrub_wal(&c);
        Ok(FinalizeReport {
            issue_id,
            logs: out,
        })
    }

    fn finalize_in(&self, tx: &Connection, log_file_id: &str) -> Result<i64> {
        let row: Option<(Option<i64>, String)> = tx
            .query_row(
                "SELECT redacted, issue_id FROM log_files WHERE id = ?1",
                [log_file_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.err("reading a log file"))?;
        let issue_id = match row {
            None => {
                return Err(StoreError::NotFound {
                    entity: "log file",
                    id: log_file_id.into(),
                })
            }
            Some((Some(1), issue_id)) => issue_id,
            Some(_) => {
                return Err(StoreError::Invalid {
                    field: "log file",
                    message: format!(
                        "{log_file_id} is not redacted yet; store its cleaned copy (or record the \
                         redaction) before finalizing it"
                    ),
                })
            }
        };
        let n = tx
            .execute(
                "UPDATE pii_spans SET original_value = '' WHERE log_file_id = ?1",
                [log_file_id],
            )
            .map_err(self.err("clearing original values"))?;
        ensure_state(tx, log_file_id).map_err(self.err("storing a log's state"))?;
        tx.execute(
            "UPDATE log_state SET finalized_at = coalesce(finalized_at, ?2), updated_at = ?2
             WHERE log_file_id = ?1",
            params![log_file_id, now_text()],
        )
        .map_err(self.err("storing a log's state"))?;
        self.insert_audit(
            tx,
            AuditAction::RedactionFinalize,
            log_file_id,
            &json!({"issue_id": issue_id, "spans_cleared": n}),
        )?;
        Ok(n as i64)
    }
}

/// A log being attached, inside its one open write transaction (see [`Store::begin_attach`]).
pub struct LogAttach<'s> {
    store: &'s Store,
    conn: std::sync::MutexGuard<'s, Connection>,
    lf: LogFile,
    keep_values: bool,
    counts: Counts,
    spans: usize,
    /// The transaction is still open: rolled back on drop.
    open: bool,
}

impl LogAttach<'_> {
    /// Stores one finding (its original value only when the options keep values).
    pub fn add_span(&mut self, mut s: NewPiiSpan) -> Result<()> {
        if s.start_offset < 0 || s.end_offset < s.start_offset || s.pii_type.is_empty() {
            return Err(StoreError::Invalid {
                field: "pii span",
                message: "needs a type and 0 <= start_offset <= end_offset".into(),
            });
        }
        if !self.keep_values {
            s.original_value = String::new();
        }
        test_hooks::at_span(self.spans);
        let store = self.store;
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO pii_spans ({}) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                PiiSpan::COLS
            ))
            .map_err(store.err("storing findings"))?;
        st.execute(params![
            new_id(),
            self.lf.id,
            s.pii_type,
            s.start_offset,
            s.end_offset,
            s.original_value,
            s.replacement
        ])
        .map_err(store.err("storing findings"))?;
        drop(st);
        match self.counts.get_mut(&s.pii_type) {
            Some(n) => *n += 1,
            None => {
                self.counts.insert(s.pii_type, 1);
            }
        }
        self.spans += 1;
        Ok(())
    }

    /// Findings stored so far.
    pub fn span_count(&self) -> usize {
        self.spans
    }

    /// Records the log's hash and size, the `log_attach` audit entry and (without kept values)
    /// its finalized state; the transaction stays open.
    fn complete(&mut self, content_hash: &str, file_size: i64) -> Result<()> {
        check_hash("content_hash", content_hash)?;
        let store = self.store;
        self.conn
            .execute(
                "UPDATE log_files SET content_hash = ?2, file_size = ?3 WHERE id = ?1",
                params![self.lf.id, content_hash, file_size],
            )
            .map_err(store.err("storing a log file"))?;
        self.lf.content_hash = Some(content_hash.to_owned());
        self.lf.file_size = Some(file_size);
        let lf = &self.lf;
        store.insert_audit(
            &self.conn,
            AuditAction::LogAttach,
            &lf.id,
            &json!({
                "issue_id": lf.issue_id,
                "content_hash": lf.content_hash,
                "file_size": lf.file_size,
                "span_count": self.spans,
                "counts": safe_counts(&self.counts),
                "originals_kept": self.keep_values,
            }),
        )?;
        if !self.keep_values {
            self.conn
                .execute(
                    "INSERT INTO log_state (log_file_id, values_kept, finalized_at, updated_at)
                     VALUES (?1, 0, ?2, ?2)",
                    params![lf.id, now_text()],
                )
                .map_err(store.err("storing a log's state"))?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.conn
            .execute_batch("COMMIT")
            .map_err(self.store.err("committing an attached log"))?;
        self.open = false;
        Ok(())
    }

    /// Completes the attach (`content_hash`: SHA-256 hex of the original content, `file_size`
    /// its size) and commits it.
    pub fn finish(mut self, content_hash: &str, file_size: i64) -> Result<LogFile> {
        self.complete(content_hash, file_size)?;
        self.commit()?;
        Ok(self.lf.clone())
    }

    /// [`finish`](Self::finish) with the review's counts (if it was reviewed) and the cleaned
    /// copy (`size` bytes from `cleaned`), which marks the log redacted; one commit for all.
    pub fn finish_cleaned(
        mut self,
        content_hash: &str,
        file_size: i64,
        review: Option<(u64, u64)>,
        cleaned: &mut dyn Read,
        size: u64,
        counts: &Counts,
    ) -> Result<LogFile> {
        self.complete(content_hash, file_size)?;
        let store = self.store;
        if let Some((accepted, rejected)) = review {
            store.review_in(&self.conn, &self.lf, accepted, rejected)?;
        }
        test_hooks::stall_point("attach_before_cleaned");
        store.store_cleaned_in(&self.conn, &self.lf, cleaned, size, counts)?;
        self.commit()?;
        let mut lf = self.lf.clone();
        lf.redacted = true;
        Ok(lf)
    }
}

impl Drop for LogAttach<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing of the log stays: its row, its findings, its audit entry.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}
