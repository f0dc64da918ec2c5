//! `tftsr.db`: the SQLCipher-encrypted incident store (migrations, models, queries, key handling).
//!
//! One [`Store`] wraps one connection behind a mutex: it is `Send + Sync`, and every method is
//! blocking, so async callers use it from `tokio::task::spawn_blocking` (share it in an `Arc`).
//! Several processes (editors, the CLI) may open the same file at once: WAL, a busy timeout and
//! IMMEDIATE write transactions make them queue instead of failing or losing writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde_json::{json, Value};

mod conn;
mod error;
pub mod migrate;
mod models;
mod ops;

pub use conn::{
    data_dir, init_sqlite, key_file_for, Encryption, KeySource, DB_FILE_NAME, KEY_FILE_NAME,
};
pub use error::{Result, StoreError};
pub use models::*;
pub use ops::{
    cipher_settings, encrypt_plain, CheckReport, CipherSettings, EncryptReport, RekeyReport, TABLES,
};

use conn::{map_sqlite, FileState};

/// How to open the store. `Default` = the data dir, the default encryption rule, the env/key file.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// The database file; `None` = `data_dir()/tftsr.db`.
    pub db_path: Option<PathBuf>,
    /// `None` = `TFTSR_DB_ENCRYPT` if set, else on in release builds and off in debug builds.
    pub encryption: Option<Encryption>,
    /// The SQLCipher passphrase; `None` = `TFTSR_DB_KEY` if non-empty, else the `.dbkey` file.
    pub key: Option<String>,
}

impl OpenOptions {
    /// The database path these options resolve to.
    pub fn resolved_path(&self) -> Result<PathBuf> {
        match &self.db_path {
            Some(p) => Ok(p.clone()),
            None => Ok(data_dir()?.join(DB_FILE_NAME)),
        }
    }

    pub fn resolved_encryption(&self) -> Result<Encryption> {
        match self.encryption {
            Some(e) => Ok(e),
            None => Encryption::resolve_default(),
        }
    }
}

/// The open store.
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
    encryption: Encryption,
    key_source: KeySource,
    read_only: bool,
}

/// `YYYY-MM-DD HH:MM:SS`, UTC: the seed's TEXT timestamp format.
pub(crate) fn now_text() -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::now_utc()
        .format(&fmt)
        .unwrap_or_else(|_| "1970-01-01 00:00:00".into())
}

/// Milliseconds since the epoch: the `documents` timestamp format.
pub(crate) fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

const ISSUE_COLS: &str = "id, title, description, severity, status, category, source, created_at, \
                          updated_at, resolved_at, assigned_to, tags";
const LOG_COLS: &str =
    "id, issue_id, file_name, file_path, file_size, mime_type, content_hash, uploaded_at, redacted";
const AUDIT_COLS: &str = "id, timestamp, action, entity_type, entity_id, user_id, details";

/// Name of the settings row holding the pseudonym secret; not reachable through `setting()`.
const PSEUDONYM_SECRET_KEY: &str = "pseudonym_secret";

fn json_col<T: serde::de::DeserializeOwned>(row: &Row, idx: usize) -> rusqlite::Result<Option<T>> {
    match row.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(s) => serde_json::from_str(&s).map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        }),
    }
}

fn issue_from_row(r: &Row) -> rusqlite::Result<Issue> {
    Ok(Issue {
        id: r.get(0)?,
        title: r.get(1)?,
        description: r.get(2)?,
        severity: r.get(3)?,
        status: r.get(4)?,
        category: r.get(5)?,
        source: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        resolved_at: r.get(9)?,
        assigned_to: r.get(10)?,
        tags: json_col::<Vec<String>>(r, 11)?.unwrap_or_default(),
    })
}

fn log_from_row(r: &Row) -> rusqlite::Result<LogFile> {
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

fn audit_from_row(r: &Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        timestamp: r.get(1)?,
        action: r.get(2)?,
        entity_type: r.get(3)?,
        entity_id: r.get(4)?,
        user_id: r
            .get::<_, Option<String>>(5)?
            .unwrap_or_else(|| "local".into()),
        details: json_col(r, 6)?,
    })
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    let shape = s.len() <= 64
        && b.first().is_some_and(|c| c.is_ascii_alphabetic())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-');
    // camelCase names are fine; upper case *and* digits together is what keys and tokens look
    // like (`AKIA…`, `ghp_…`), so that mix is refused.
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let digit = b.iter().any(u8::is_ascii_digit);
    shape && !(upper && digit)
}

/// Audit details may hold numbers, booleans, identifiers (type ids, field names), UUIDs and SHA-256
/// hex — nothing shaped like a matched value (no `@`, dots, colons, digits-first strings, or
/// upper case mixed with digits). Defence in depth: callers are expected to pass only those anyway.
fn details_are_safe(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
        Value::String(s) => is_hex64(s) || uuid::Uuid::parse_str(s).is_ok() || is_ident(s),
        Value::Array(a) => a.iter().all(details_are_safe),
        Value::Object(o) => o.iter().all(|(k, v)| is_ident(k) && details_are_safe(v)),
    }
}

fn check_hash(field: &'static str, s: &str) -> Result<()> {
    if is_hex64(s) {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field,
            message: "expected 64 lowercase hex digits (SHA-256)".into(),
        })
    }
}

/// Quotes user text for FTS5 MATCH: every whitespace-separated word becomes a string literal
/// (so `AND`, `-`, `:`, `"`, `*`, `(` are just characters), the words are ANDed, and the last one
/// matches as a prefix so a half-typed word already finds something.
pub fn fts_query(user: &str) -> Option<String> {
    // NUL ends an FTS5 string early ("unterminated string"): control characters become spaces.
    let cleaned: String = user
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<String> = cleaned
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut q = words.join(" ");
    q.push('*');
    Some(q)
}

impl Store {
    /// Opens (creating if missing) and migrates the store. Nothing is written to an existing file
    /// until it has been decrypted and recognised as a TFTSR database this binary understands.
    pub fn open(opts: &OpenOptions) -> Result<Store> {
        let path = opts.resolved_path()?;
        let encryption = opts.resolved_encryption()?;
        let state = conn::file_state(&path)?;
        match (encryption, &state) {
            (Encryption::On, FileState::Plain) => {
                return Err(StoreError::PlainButEncryptionOn { path })
            }
            (Encryption::Off, FileState::Opaque) => {
                return Err(StoreError::EncryptedButEncryptionOff { path })
            }
            _ => {}
        }
        let (key, key_source) = match encryption {
            Encryption::On => {
                let is_new = matches!(state, FileState::Missing | FileState::Empty);
                let (k, s) = conn::resolve_key(&path, opts.key.as_deref(), is_new)?;
                (Some(k), s)
            }
            Encryption::Off => (None, KeySource::None),
        };
        if state == FileState::Missing {
            Self::create_new(&path, key.as_deref())?;
        }
        let mut c = match conn::open_connection(&path, key.as_deref()) {
            Err(StoreError::CannotDecrypt { .. }) if Self::staged_key(&key_source).is_some() => {
                // A rekey died between committing and installing its key file: finish it.
                let KeySource::File(kf) = &key_source else {
                    unreachable!("staged_key is only Some for key files")
                };
                let staged = Self::staged_key(&key_source).unwrap_or_default();
                let c = conn::open_connection(&path, Some(&staged))?;
                ops::finish_staged_key(kf);
                c
            }
            // Read-only file system: reads still work, every write fails with a clear error.
            Err(StoreError::ReadOnly { .. }) if state != FileState::Missing => {
                let c = conn::open_read_only(&path, key.as_deref())?;
                migrate::check(&c, &path)?;
                let done = migrate::applied(&c).unwrap_or_default();
                if !migrate::MIGRATIONS
                    .iter()
                    .all(|(n, _)| done.iter().any(|d| d == n))
                {
                    // It needs migrating and we cannot write: refuse rather than half-work.
                    return Err(StoreError::ReadOnly { path });
                }
                return Ok(Store {
                    conn: Mutex::new(c),
                    path,
                    encryption,
                    key_source,
                    read_only: true,
                });
            }
            other => other?,
        };
        migrate::check(&c, &path)?;
        conn::enable_wal(&c, &path)?;
        migrate::apply(&mut c, &path)?;
        Ok(Store {
            conn: Mutex::new(c),
            path,
            encryption,
            key_source,
            read_only: false,
        })
    }

    fn staged_key(source: &KeySource) -> Option<String> {
        match source {
            KeySource::File(kf) => ops::recover_staged_key(kf),
            _ => None,
        }
    }

    /// Builds a new database beside `path` under a temporary name and links it into place only
    /// when complete, so a concurrent opener never sees a half-initialised file (with SQLCipher, two
    /// processes initialising one empty file would each pick a different salt).
    fn create_new(path: &Path, key: Option<&str>) -> Result<()> {
        conn::create_dir(path)?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or_else(|| Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".tftsr.db.new.")
            .tempfile_in(dir)
            .map_err(|e| conn::map_create_err(dir, e))?
            .into_temp_path();
        {
            let mut c = conn::open_connection(&tmp, key)?;
            conn::enable_wal(&c, &tmp)?;
            migrate::apply(&mut c, &tmp)?;
            c.close()
                .map_err(|(_, e)| map_sqlite(&tmp, "closing the new database", e))?;
        }
        match tmp.persist_noclobber(path) {
            Ok(()) => Ok(()),
            // Someone else created it meanwhile: theirs wins, ours is deleted with the TempPath.
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(StoreError::Io {
                what: "cannot create",
                path: path.into(),
                source: e.error,
            }),
        }
    }

    /// `Store::open` with default options (data dir, default encryption, env/key file).
    pub fn open_default() -> Result<Store> {
        Store::open(&OpenOptions::default())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn encryption(&self) -> Encryption {
        self.encryption
    }

    /// Opened from a read-only file system: reads work, writes fail with `StoreError::ReadOnly`.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Where the key came from (never the key).
    pub fn key_source(&self) -> &KeySource {
        &self.key_source
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-applied change (every write is one
        // transaction, rolled back on drop), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn err(&self, context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |e| map_sqlite(&self.path, context, e)
    }

    /// Runs a query and collects every row, each failure reported as `what`.
    fn query_all<T, P: rusqlite::Params>(
        &self,
        c: &Connection,
        sql: &str,
        params: P,
        what: &'static str,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut st = c.prepare_cached(sql).map_err(self.err(what))?;
        let rows = st.query_map(params, row).map_err(self.err(what))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(self.err(what))
    }

    fn write_tx<'c>(&self, c: &'c mut Connection) -> Result<rusqlite::Transaction<'c>> {
        // IMMEDIATE: take the write lock up front, so the busy timeout applies; a deferred
        // transaction upgrading from read to write would fail at once with SQLITE_BUSY in WAL mode.
        c.transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.err("starting a write"))
    }

    fn insert_audit(
        &self,
        tx: &Connection,
        action: AuditAction,
        entity_id: &str,
        details: &Value,
    ) -> Result<AuditEntry> {
        if !details_are_safe(details) {
            return Err(StoreError::Invalid {
                field: "audit details",
                message:
                    "may hold only numbers, identifiers, ids and SHA-256 hashes (never values)"
                        .into(),
            });
        }
        let e = AuditEntry {
            id: new_id(),
            timestamp: now_text(),
            action: action.as_str().into(),
            entity_type: action.entity_type().into(),
            entity_id: entity_id.into(),
            user_id: "local".into(),
            details: Some(details.clone()),
        };
        tx.execute(
            "INSERT INTO audit_log (id, timestamp, action, entity_type, entity_id, user_id, details)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                e.id,
                e.timestamp,
                e.action,
                e.entity_type,
                e.entity_id,
                e.user_id,
                details.to_string()
            ],
        )
        .map_err(self.err("writing the audit log"))?;
        Ok(e)
    }

    fn issue_in(&self, c: &Connection, id: &str) -> Result<Issue> {
        c.query_row(
            &format!("SELECT {ISSUE_COLS} FROM issues WHERE id = ?1"),
            [id],
            issue_from_row,
        )
        .optional()
        .map_err(self.err("reading an issue"))?
        .ok_or_else(|| StoreError::NotFound {
            entity: "issue",
            id: id.into(),
        })
    }

    pub fn create_issue(&self, new: NewIssue) -> Result<Issue> {
        if new.title.trim().is_empty() {
            return Err(StoreError::Invalid {
                field: "title",
                message: "must not be empty".into(),
            });
        }
        validate_severity(&new.severity)?;
        let now = now_text();
        let issue = Issue {
            id: new_id(),
            title: new.title,
            description: new.description,
            severity: new.severity,
            status: "open".into(),
            category: new.category,
            source: new.source,
            created_at: now.clone(),
            updated_at: now,
            resolved_at: None,
            assigned_to: new.assigned_to,
            tags: new.tags,
        };
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        tx.execute(
            &format!(
                "INSERT INTO issues ({ISSUE_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
            ),
            params![
                issue.id,
                issue.title,
                issue.description,
                issue.severity,
                issue.status,
                issue.category,
                issue.source,
                issue.created_at,
                issue.updated_at,
                issue.resolved_at,
                issue.assigned_to,
                serde_json::to_string(&issue.tags).unwrap_or_else(|_| "[]".into()),
            ],
        )
        .map_err(self.err("creating an issue"))?;
        self.insert_audit(
            &tx,
            AuditAction::IssueCreate,
            &issue.id,
            &json!({"severity": issue.severity, "tag_count": issue.tags.len()}),
        )?;
        tx.commit().map_err(self.err("committing an issue"))?;
        Ok(issue)
    }

    /// Issues, newest first, optionally of one status; `limit` 0 = all.
    pub fn list_issues(&self, filter: &IssueFilter) -> Result<Vec<Issue>> {
        if let Some(s) = &filter.status {
            validate_status(s)?;
        }
        let limit = if filter.limit == 0 {
            -1
        } else {
            filter.limit as i64
        };
        self.query_all(
            &self.conn(),
            &format!(
                "SELECT {ISSUE_COLS} FROM issues WHERE (?1 IS NULL OR status = ?1)
                 ORDER BY created_at DESC, id DESC LIMIT ?2"
            ),
            params![filter.status, limit],
            "listing issues",
            issue_from_row,
        )
    }

    pub fn get_issue(&self, id: &str) -> Result<IssueDetail> {
        let c = self.conn();
        let issue = self.issue_in(&c, id)?;
        let log_files = self.query_all(
            &c,
            &format!(
                "SELECT {LOG_COLS} FROM log_files WHERE issue_id = ?1 ORDER BY uploaded_at, id"
            ),
            [id],
            "reading log files",
            log_from_row,
        )?;
        let resolution_steps = self.query_all(
            &c,
            "SELECT id, issue_id, step_order, why_question, answer, evidence, created_at
             FROM resolution_steps WHERE issue_id = ?1 ORDER BY step_order, id",
            [id],
            "reading resolution steps",
            |r| {
                Ok(ResolutionStep {
                    id: r.get(0)?,
                    issue_id: r.get(1)?,
                    step_order: r.get(2)?,
                    why_question: r.get(3)?,
                    answer: r.get(4)?,
                    evidence: r.get(5)?,
                    created_at: r.get(6)?,
                })
            },
        )?;
        let conversations = self.query_all(
            &c,
            "SELECT id, issue_id, provider, model, created_at, title
             FROM ai_conversations WHERE issue_id = ?1 ORDER BY created_at, id",
            [id],
            "reading conversations",
            |r| {
                Ok(AiConversation {
                    id: r.get(0)?,
                    issue_id: r.get(1)?,
                    provider: r.get(2)?,
                    model: r.get(3)?,
                    created_at: r.get(4)?,
                    title: r.get(5)?,
                })
            },
        )?;
        Ok(IssueDetail {
            issue,
            log_files,
            resolution_steps,
            conversations,
        })
    }

    /// Applies a partial update. Any change sets `updated_at`; becoming `resolved` sets
    /// `resolved_at`, going back to `open`/`investigating` clears it (`closed` keeps it).
    pub fn update_issue(&self, id: &str, upd: IssueUpdate) -> Result<Issue> {
        let fields = upd.fields();
        if fields.is_empty() {
            return Err(StoreError::Invalid {
                field: "update",
                message: "nothing to update".into(),
            });
        }
        if let Some(s) = &upd.severity {
            validate_severity(s)?;
        }
        if let Some(s) = &upd.status {
            validate_status(s)?;
        }
        if let Some(t) = &upd.title {
            if t.trim().is_empty() {
                return Err(StoreError::Invalid {
                    field: "title",
                    message: "must not be empty".into(),
                });
            }
        }
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let mut i = self.issue_in(&tx, id)?;
        let old_status = i.status.clone();
        let now = now_text();
        if let Some(v) = upd.title {
            i.title = v;
        }
        if let Some(v) = upd.severity {
            i.severity = v;
        }
        if let Some(v) = upd.description {
            i.description = v;
        }
        if let Some(v) = upd.category {
            i.category = v;
        }
        if let Some(v) = upd.source {
            i.source = v;
        }
        if let Some(v) = upd.assigned_to {
            i.assigned_to = v;
        }
        if let Some(v) = upd.tags {
            i.tags = v;
        }
        if let Some(v) = upd.status {
            if v != old_status {
                match v.as_str() {
                    "resolved" => i.resolved_at = Some(now.clone()),
                    "open" | "investigating" => i.resolved_at = None,
                    _ => {}
                }
            }
            i.status = v;
        }
        i.updated_at = now;
        tx.execute(
            "UPDATE issues SET title=?2, description=?3, severity=?4, status=?5, category=?6,
             source=?7, updated_at=?8, resolved_at=?9, assigned_to=?10, tags=?11 WHERE id=?1",
            params![
                i.id,
                i.title,
                i.description,
                i.severity,
                i.status,
                i.category,
                i.source,
                i.updated_at,
                i.resolved_at,
                i.assigned_to,
                serde_json::to_string(&i.tags).unwrap_or_else(|_| "[]".into()),
            ],
        )
        .map_err(self.err("updating an issue"))?;
        let mut details = json!({ "fields": fields });
        if old_status != i.status {
            details["from_status"] = json!(old_status);
            details["to_status"] = json!(i.status);
        }
        self.insert_audit(&tx, AuditAction::IssueUpdate, id, &details)?;
        tx.commit().map_err(self.err("committing an update"))?;
        Ok(i)
    }

    /// Deletes an issue and (by cascade) its logs, spans, steps, conversations and documents.
    /// The audit entry stays: the audit log is never deleted from.
    pub fn delete_issue(&self, id: &str) -> Result<()> {
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        self.issue_in(&tx, id)?;
        let logs: i64 = tx
            .query_row(
                "SELECT count(*) FROM log_files WHERE issue_id = ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(self.err("counting log files"))?;
        tx.execute("DELETE FROM issues WHERE id = ?1", [id])
            .map_err(self.err("deleting an issue"))?;
        self.insert_audit(
            &tx,
            AuditAction::IssueDelete,
            id,
            &json!({"log_files": logs}),
        )?;
        tx.commit().map_err(self.err("committing a delete"))
    }

    /// Full-text search over titles and descriptions, best first (FTS5 bm25, titles weigh more).
    /// The query is plain words (quoted for FTS5, so no input is a syntax error); `limit` 0 = 50.
    pub fn search_issues(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(q) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let limit = if limit == 0 { 50 } else { limit as i64 };
        let cols = ISSUE_COLS
            .split(", ")
            .map(|c| format!("i.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let c = self.conn();
        let mut st = c
            .prepare_cached(&format!(
                // Rank first, then build snippets for the top rows only: snippet() per match
                // would cost as much as the whole search on a common word.
                "WITH top(rid, score) AS (
                     SELECT rowid, bm25(issues_fts, 0.0, 4.0, 1.0) FROM issues_fts
                     WHERE issues_fts MATCH ?1 ORDER BY 2 LIMIT ?2)
                 SELECT {cols}, snippet(issues_fts, -1, '[', ']', '…', 12), top.score
                 FROM top
                 JOIN issues_fts ON issues_fts.rowid = top.rid AND issues_fts MATCH ?1
                 JOIN issues i ON i.rowid = top.rid
                 ORDER BY top.score, i.id DESC"
            ))
            .map_err(self.err("searching"))?;
        let rows = st
            .query_map(params![q, limit], |r| {
                Ok(SearchHit {
                    issue: issue_from_row(r)?,
                    snippet: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
                    rank: r.get(13)?,
                })
            })
            .map_err(self.err("searching"))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(self.err("searching"))
    }

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
            &format!("INSERT INTO log_files ({LOG_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,0)"),
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
                .prepare_cached(
                    "INSERT INTO pii_spans (id, log_file_id, pii_type, start_offset, end_offset,
                     original_value, replacement) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                )
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
        // Custom rule ids are free-form: only identifier-shaped ones go into the audit details.
        let safe_counts: BTreeMap<&str, usize> = counts
            .iter()
            .filter(|(k, _)| is_ident(k))
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        self.insert_audit(
            &tx,
            AuditAction::LogAttach,
            &lf.id,
            &json!({
                "issue_id": lf.issue_id,
                "content_hash": lf.content_hash,
                "file_size": lf.file_size,
                "span_count": log.spans.len(),
                "counts": safe_counts,
            }),
        )?;
        tx.commit()
            .map_err(self.err("committing an attached log"))?;
        Ok(lf)
    }

    pub fn get_log_file(&self, id: &str) -> Result<LogFile> {
        let c = self.conn();
        c.query_row(
            &format!("SELECT {LOG_COLS} FROM log_files WHERE id = ?1"),
            [id],
            log_from_row,
        )
        .optional()
        .map_err(self.err("reading a log file"))?
        .ok_or_else(|| StoreError::NotFound {
            entity: "log file",
            id: id.into(),
        })
    }

    /// The findings stored for a log file, in file order.
    pub fn pii_spans(&self, log_file_id: &str) -> Result<Vec<PiiSpan>> {
        let c = self.conn();
        let mut st = c
            .prepare_cached(
                "SELECT id, log_file_id, pii_type, start_offset, end_offset, original_value,
                 replacement FROM pii_spans WHERE log_file_id = ?1 ORDER BY start_offset, id",
            )
            .map_err(self.err("reading findings"))?;
        let rows = st
            .query_map([log_file_id], |r| {
                Ok(PiiSpan {
                    id: r.get(0)?,
                    log_file_id: r.get(1)?,
                    pii_type: r.get(2)?,
                    start_offset: r.get(3)?,
                    end_offset: r.get(4)?,
                    original_value: r.get(5)?,
                    replacement: r.get(6)?,
                })
            })
            .map_err(self.err("reading findings"))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(self.err("reading findings"))
    }

    /// Marks a log redacted and records the before/after hashes and per-type counts (`log_redact`).
    pub fn record_redaction(
        &self,
        log_file_id: &str,
        before_sha256: &str,
        after_sha256: &str,
        counts: &BTreeMap<String, usize>,
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
        let safe_counts: BTreeMap<&str, usize> = counts
            .iter()
            .filter(|(k, _)| is_ident(k))
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        self.insert_audit(
            &tx,
            AuditAction::LogRedact,
            log_file_id,
            &json!({"before_sha256": before_sha256, "after_sha256": after_sha256, "counts": safe_counts}),
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

    /// Appends an audit entry. `entity_type` must be the one DESIGN.md gives the action; `details`
    /// may hold only counts, identifiers, ids and SHA-256 hashes (checked: values are refused).
    pub fn audit(
        &self,
        action: AuditAction,
        entity_type: &str,
        entity_id: &str,
        details: Value,
    ) -> Result<AuditEntry> {
        if entity_type != action.entity_type() {
            return Err(StoreError::Invalid {
                field: "audit entity_type",
                message: format!(
                    "`{}` takes entity type `{}`",
                    action.as_str(),
                    action.entity_type()
                ),
            });
        }
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let e = self.insert_audit(&tx, action, entity_id, &details)?;
        tx.commit().map_err(self.err("committing an audit entry"))?;
        Ok(e)
    }

    /// The newest `limit` audit entries (0 = all), newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let limit = if limit == 0 { -1 } else { limit as i64 };
        let c = self.conn();
        let mut st = c
            .prepare_cached(&format!(
                "SELECT {AUDIT_COLS} FROM audit_log ORDER BY timestamp DESC, id DESC LIMIT ?1"
            ))
            .map_err(self.err("reading the audit log"))?;
        let rows = st
            .query_map([limit], audit_from_row)
            .map_err(self.err("reading the audit log"))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(self.err("reading the audit log"))
    }

    /// The secret of the `pseudonym` redaction style: 32 random bytes generated on first use and
    /// kept in `settings` (inside the encrypted file), so tokens stay stable across runs.
    pub fn pseudonym_secret(&self) -> Result<[u8; 32]> {
        let decode = |hex_text: &str| -> Result<[u8; 32]> {
            let mut out = [0u8; 32];
            hex::decode_to_slice(hex_text.trim(), &mut out).map_err(|_| StoreError::Invalid {
                field: "pseudonym secret",
                message: "the stored secret is malformed".into(),
            })?;
            Ok(out)
        };
        {
            let c = self.conn();
            let v: Option<String> = c
                .query_row(
                    "SELECT value FROM settings WHERE key = ?1",
                    [PSEUDONYM_SECRET_KEY],
                    |r| r.get(0),
                )
                .optional()
                .map_err(self.err("reading a setting"))?;
            if let Some(v) = v {
                return decode(&v);
            }
        }
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        // Re-read under the write lock: another process may have just created it.
        let v: Option<String> = tx
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [PSEUDONYM_SECRET_KEY],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err("reading a setting"))?;
        if let Some(v) = v {
            return decode(&v);
        }
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).map_err(|_| StoreError::Invalid {
            field: "pseudonym secret",
            message: "the OS random source failed".into(),
        })?;
        tx.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)",
            params![PSEUDONYM_SECRET_KEY, hex::encode(raw), now_text()],
        )
        .map_err(self.err("storing the pseudonym secret"))?;
        self.insert_audit(
            &tx,
            AuditAction::SettingsChange,
            PSEUDONYM_SECRET_KEY,
            &json!({"generated": true}),
        )?;
        tx.commit().map_err(self.err("committing a setting"))?;
        Ok(raw)
    }

    fn check_setting_key(key: &str) -> Result<()> {
        if key == PSEUDONYM_SECRET_KEY {
            return Err(StoreError::Invalid {
                field: "setting",
                message: format!("`{key}` is reserved (use pseudonym_secret())"),
            });
        }
        if key.is_empty() {
            return Err(StoreError::Invalid {
                field: "setting",
                message: "the key is empty".into(),
            });
        }
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Self::check_setting_key(key)?;
        let c = self.conn();
        c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(self.err("reading a setting"))
    }

    /// Sets a setting (audited as `settings_change`, with the key as the entity id, not the value).
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        Self::check_setting_key(key)?;
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        tx.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, value, now_text()],
        )
        .map_err(self.err("storing a setting"))?;
        self.insert_audit(&tx, AuditAction::SettingsChange, key, &json!({}))?;
        tx.commit().map_err(self.err("committing a setting"))
    }

    /// Adds an RCA / post-mortem document (`documents`, INTEGER ms timestamps), audited as
    /// `document_create`.
    pub fn create_document(
        &self,
        issue_id: &str,
        doc_type: &str,
        title: &str,
        content_md: &str,
    ) -> Result<Document> {
        if !["rca", "postmortem"].contains(&doc_type) {
            return Err(StoreError::Invalid {
                field: "doc_type",
                message: format!("`{doc_type}` (expected rca or postmortem)"),
            });
        }
        let now = now_ms();
        let d = Document {
            id: new_id(),
            issue_id: issue_id.into(),
            doc_type: doc_type.into(),
            title: title.into(),
            content_md: content_md.into(),
            created_at: now,
            updated_at: now,
        };
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        self.issue_in(&tx, issue_id)?;
        tx.execute(
            "INSERT INTO documents (id, issue_id, doc_type, title, content_md, created_at, updated_at)
             VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![d.id, d.issue_id, d.doc_type, d.title, d.content_md, d.created_at, d.updated_at],
        )
        .map_err(self.err("storing a document"))?;
        self.insert_audit(
            &tx,
            AuditAction::DocumentCreate,
            &d.id,
            &json!({"issue_id": d.issue_id, "doc_type": d.doc_type}),
        )?;
        tx.commit().map_err(self.err("committing a document"))?;
        Ok(d)
    }

    /// Adds a 5-Whys step (`step_order` 1..=5) to an issue.
    pub fn add_resolution_step(
        &self,
        issue_id: &str,
        step_order: i64,
        why_question: &str,
        answer: Option<&str>,
        evidence: Option<&str>,
    ) -> Result<ResolutionStep> {
        if !(1..=5).contains(&step_order) {
            return Err(StoreError::Invalid {
                field: "step_order",
                message: "must be 1 to 5".into(),
            });
        }
        let st = ResolutionStep {
            id: new_id(),
            issue_id: issue_id.into(),
            step_order,
            why_question: why_question.into(),
            answer: answer.map(Into::into),
            evidence: evidence.map(Into::into),
            created_at: now_text(),
        };
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        self.issue_in(&tx, issue_id)?;
        tx.execute(
            "INSERT INTO resolution_steps (id, issue_id, step_order, why_question, answer, evidence,
             created_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![st.id, st.issue_id, st.step_order, st.why_question, st.answer, st.evidence, st.created_at],
        )
        .map_err(self.err("storing a resolution step"))?;
        tx.commit()
            .map_err(self.err("committing a resolution step"))?;
        Ok(st)
    }

    /// Names of the migrations recorded in `_migrations`.
    pub fn applied_migrations(&self) -> Result<Vec<String>> {
        migrate::applied(&self.conn()).map_err(self.err("reading _migrations"))
    }
}

/// Test-only fault injection (debug builds only), to prove an attach is all-or-nothing:
/// - `TFTSR_TEST_ABORT_AFTER_SPANS=N` aborts the process (no unwinding, no rollback code runs)
///   after N findings were inserted;
/// - `TFTSR_TEST_STALL_AFTER_SPANS=N` with `TFTSR_TEST_STALL_MARKER=<file>` creates the marker
///   after N findings and then sleeps, so a test can `kill -9` the process at a known point inside
///   the open transaction.
///
/// Compiled out of release builds.
mod test_hooks {
    #[cfg(debug_assertions)]
    fn env_usize(name: &str) -> Option<usize> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }

    #[cfg(debug_assertions)]
    pub fn at_span(n: usize) {
        if env_usize("TFTSR_TEST_ABORT_AFTER_SPANS") == Some(n) {
            std::process::abort();
        }
        if env_usize("TFTSR_TEST_STALL_AFTER_SPANS") == Some(n) {
            if let Some(m) = std::env::var_os("TFTSR_TEST_STALL_MARKER") {
                let _ = std::fs::write(m, b"stalled");
            }
            std::thread::sleep(std::time::Duration::from_secs(120));
        }
    }

    #[cfg(not(debug_assertions))]
    #[inline(always)]
    pub fn at_span(_n: usize) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_query_quotes_every_word_and_prefixes_the_last() {
        let cases: [(&str, Option<&str>); 6] = [
            ("checkout", Some("\"checkout\"*")),
            ("checkout timeout", Some("\"checkout\" \"timeout\"*")),
            ("say \"hi\"", Some("\"say\" \"\"\"hi\"\"\"*")),
            ("AND OR NOT", Some("\"AND\" \"OR\" \"NOT\"*")),
            ("a\u{0}b", Some("\"a\" \"b\"*")),
            ("  \t ", None),
        ];
        for (input, want) in cases {
            assert_eq!(fts_query(input).as_deref(), want, "{input:?}");
        }
    }

    #[test]
    fn audit_details_allow_counts_ids_and_hashes_only() {
        let ok = [
            json!({"counts": {"email": 3, "credit_card": 1}, "style": "pseudonym"}),
            json!({"before_sha256": "ab".repeat(32), "log_file_id": uuid::Uuid::now_v7().to_string()}),
            json!({"via": "codeAction", "whole": true, "n": 1.5, "none": null}),
            json!({"fields": ["status", "assigned_to"]}),
        ];
        for v in ok {
            assert!(details_are_safe(&v), "{v}");
        }
        let bad = [
            json!({"v": "alice@example.com"}),
            json!({"v": "10.1.2.3"}),
            json!({"v": "AKIAIOSFODNN7EXAMPLE"}),
            json!({"v": "password=hunter2"}),
            json!({"v": "A1".repeat(32)}),
            json!({"v": "x".repeat(65)}),
            json!({"v": "4111 1111 1111 1111"}),
            json!({"10.0.0.1": 1}),
            json!([{"deep": ["ok", "+1-202-555-0143"]}]),
        ];
        for v in bad {
            assert!(!details_are_safe(&v), "{v}");
        }
    }

    #[test]
    fn timestamps_have_the_seed_format() {
        let t = now_text();
        assert_eq!(t.len(), 19, "{t}");
        for (i, b) in t.bytes().enumerate() {
            match i {
                4 | 7 => assert_eq!(b, b'-', "{t}"),
                10 => assert_eq!(b, b' ', "{t}"),
                13 | 16 => assert_eq!(b, b':', "{t}"),
                _ => assert!(b.is_ascii_digit(), "{t}"),
            }
        }
        assert!(now_ms() > 1_700_000_000_000);
    }
}
