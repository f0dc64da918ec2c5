//! Whole-database operations behind `tftsr db`: check, export, encrypt, rekey.

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{types::ValueRef, Connection};
use serde::Serialize;
use serde_json::{json, Map, Value};

use sha2::{Digest, Sha256};

use super::conn::{self, map_sqlite, Encryption, FileState, KeySource, DB_FILE_NAME};
use super::error::{Result, StoreError};
use super::models::{AuditAction, BrokenLink};
use super::settings::PSEUDONYM_SECRET_KEY;
use super::{migrate, OpenOptions, Store};

/// The data tables, parents before children (the order an import would need): the seed's nine
/// (its tenth, `issues_fts`, is an index) and ours, `audit_chain` (011), `log_state` (012) and
/// `log_cleaned` (013).
pub const TABLES: [&str; 12] = [
    "issues",
    "log_files",
    "pii_spans",
    "ai_conversations",
    "ai_messages",
    "resolution_steps",
    "documents",
    "audit_log",
    "settings",
    "audit_chain",
    "log_state",
    "log_cleaned",
];

/// SQLCipher's own view of the cipher settings of an open connection.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CipherSettings {
    pub cipher_version: String,
    pub cipher_provider: String,
    /// `PRAGMA cipher`: `AES-256-CBC` (SQLCipher 4's only cipher).
    pub cipher: String,
    pub cipher_page_size: i64,
    pub kdf_iter: i64,
    pub cipher_hmac_algorithm: String,
    pub cipher_kdf_algorithm: String,
}

/// What `tftsr db check` reports.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub path: PathBuf,
    pub encryption: Encryption,
    pub key_source: KeySource,
    /// `["ok"]`, or SQLite's list of problems.
    pub integrity_check: Vec<String>,
    /// SQLCipher's page HMAC check (encrypted databases only): empty = every page verifies.
    pub cipher_integrity_check: Vec<String>,
    pub cipher: Option<CipherSettings>,
    pub migrations: Vec<String>,
    /// FTS5 index consistent with `issues`.
    pub fts_ok: bool,
    /// How the search index was checked: `integrity-check` (FTS5's own check, in place) or, on a
    /// store opened read-only (where that check, being a write statement, cannot run),
    /// `compared-with-rebuild` (every indexed token compared with an index rebuilt from `issues`
    /// in a temporary in-memory table). Either way a read-only file system is never reported as
    /// an inconsistent index.
    pub fts_method: &'static str,
    /// Opened from a read-only file system (or directory).
    pub read_only: bool,
    pub row_counts: Vec<(String, i64)>,
    /// The audit chain (`verify_audit`): holds, or its first broken link.
    pub audit_chain_ok: bool,
    pub audit_first_broken: Option<BrokenLink>,
    pub ok: bool,
}

fn query_strings(c: &Connection, sql: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = c.prepare(sql)?;
    let rows = st.query_map([], |r| {
        Ok(match r.get_ref(0)? {
            ValueRef::Null => String::new(),
            ValueRef::Integer(i) => i.to_string(),
            ValueRef::Real(f) => f.to_string(),
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            ValueRef::Blob(_) => "<blob>".into(),
        })
    })?;
    rows.collect()
}

/// Reads the cipher settings through SQLCipher's PRAGMAs (None on a plain connection).
pub fn cipher_settings(c: &Connection) -> rusqlite::Result<Option<CipherSettings>> {
    let one = |sql: &str| -> rusqlite::Result<String> {
        Ok(query_strings(c, sql)?
            .into_iter()
            .next()
            .unwrap_or_default())
    };
    let version = one("PRAGMA cipher_version")?;
    // cipher_provider is empty on a connection without a key: that is how we tell plain files.
    let provider = one("PRAGMA cipher_provider")?;
    if provider.is_empty() {
        return Ok(None);
    }
    Ok(Some(CipherSettings {
        cipher_version: version,
        cipher_provider: provider,
        cipher: one("PRAGMA cipher")?,
        cipher_page_size: one("PRAGMA cipher_page_size")?.parse().unwrap_or(0),
        kdf_iter: one("PRAGMA kdf_iter")?.parse().unwrap_or(0),
        cipher_hmac_algorithm: one("PRAGMA cipher_hmac_algorithm")?,
        cipher_kdf_algorithm: one("PRAGMA cipher_kdf_algorithm")?,
    }))
}

fn row_counts(c: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    TABLES
        .iter()
        .map(|t| {
            c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .map(|n| (t.to_string(), n))
        })
        .collect()
}

/// FTS5's own check, comparing the index with the content table (rank = 1: catches missed
/// triggers). `Ok(false)` = inconsistent; a failure for another reason (read-only, busy) is an
/// error, never "inconsistent".
fn fts_integrity(c: &Connection) -> rusqlite::Result<bool> {
    match c.execute_batch("INSERT INTO issues_fts(issues_fts, rank) VALUES ('integrity-check', 1)")
    {
        Ok(()) => Ok(true),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseCorrupt) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The search-index check for a connection that cannot write the database: rebuild the index of
/// `issues` in a temporary in-memory FTS5 table (same columns, same tokenizer) and compare every
/// (term, row, column, offset) of the two through `fts5vocab`. Only the `temp` schema is written.
fn fts_compare_with_rebuild(c: &Connection) -> rusqlite::Result<bool> {
    c.execute_batch(
        "PRAGMA temp_store = MEMORY;
         DROP TABLE IF EXISTS temp.tftsr_fts_want;
         DROP TABLE IF EXISTS temp.tftsr_vocab_have;
         DROP TABLE IF EXISTS temp.tftsr_vocab_want;
         CREATE VIRTUAL TABLE temp.tftsr_fts_want USING fts5(id UNINDEXED, title, description);
         INSERT INTO temp.tftsr_fts_want(rowid, id, title, description)
             SELECT rowid, id, title, description FROM main.issues;
         CREATE VIRTUAL TABLE temp.tftsr_vocab_have USING fts5vocab(main, issues_fts, instance);
         CREATE VIRTUAL TABLE temp.tftsr_vocab_want USING fts5vocab(temp, tftsr_fts_want, instance);",
    )?;
    let differ: rusqlite::Result<i64> = c.query_row(
        "SELECT count(*) FROM (
             SELECT * FROM (SELECT term, doc, col, offset FROM temp.tftsr_vocab_have
                            EXCEPT SELECT term, doc, col, offset FROM temp.tftsr_vocab_want)
             UNION ALL
             SELECT * FROM (SELECT term, doc, col, offset FROM temp.tftsr_vocab_want
                            EXCEPT SELECT term, doc, col, offset FROM temp.tftsr_vocab_have))",
        [],
        |r| r.get(0),
    );
    let _ = c.execute_batch(
        "DROP TABLE IF EXISTS temp.tftsr_vocab_have;
         DROP TABLE IF EXISTS temp.tftsr_vocab_want;
         DROP TABLE IF EXISTS temp.tftsr_fts_want;",
    );
    match differ {
        Ok(n) => Ok(n == 0),
        // A damaged index structure: inconsistent, not a failure of the check.
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseCorrupt) => Ok(false),
        Err(e) => Err(e),
    }
}

impl Store {
    /// `PRAGMA integrity_check`, SQLCipher's settings and page HMACs, migrations, FTS consistency.
    pub fn check(&self) -> Result<CheckReport> {
        let chain = self.verify_audit()?;
        let c = self.conn();
        let e = |ctx| move |err| map_sqlite(&self.path, ctx, err);
        let integrity_check =
            query_strings(&c, "PRAGMA integrity_check").map_err(e("checking integrity"))?;
        let cipher = cipher_settings(&c).map_err(e("reading cipher settings"))?;
        let cipher_integrity_check = if cipher.is_some() {
            query_strings(&c, "PRAGMA cipher_integrity_check").map_err(e("checking page HMACs"))?
        } else {
            Vec::new()
        };
        let migrations = migrate::applied(&c).map_err(e("reading _migrations"))?;
        let (fts_ok, fts_method) = if self.read_only {
            (fts_compare_with_rebuild(&c), "compared-with-rebuild")
        } else {
            match fts_integrity(&c) {
                // Writable when opened, not now (a file system remounted read-only meanwhile).
                Err(err) if err.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) => {
                    (fts_compare_with_rebuild(&c), "compared-with-rebuild")
                }
                other => (other, "integrity-check"),
            }
        };
        let fts_ok = fts_ok.map_err(e("checking the search index"))?;
        let row_counts = row_counts(&c).map_err(e("counting rows"))?;
        let all_migrations = migrate::MIGRATIONS
            .iter()
            .all(|(n, _)| migrations.iter().any(|m| m == n));
        let ok = integrity_check == ["ok"]
            && cipher_integrity_check.is_empty()
            && all_migrations
            && fts_ok
            && chain.ok
            && (self.encryption == Encryption::Off || cipher.is_some());
        Ok(CheckReport {
            path: self.path.clone(),
            encryption: self.encryption,
            key_source: self.key_source.clone(),
            integrity_check,
            cipher_integrity_check,
            cipher,
            migrations,
            fts_ok,
            fts_method,
            read_only: self.read_only,
            row_counts,
            audit_chain_ok: chain.ok,
            audit_first_broken: chain.first_broken,
            ok,
        })
    }

    /// Every row of every table as JSON (for backup), read in one snapshot. Without
    /// `include_values`, `pii_spans.original_value` is exported as `''` and the pseudonym secret
    /// is left out, so an export does not carry what the store protects.
    ///
    /// Audited as `db_export` (with `includes_values`); an export with values from a store that
    /// cannot write its audit (read-only) is refused rather than left unrecorded.
    pub fn export_json(&self, include_values: bool) -> Result<Value> {
        let v = self.export_value(include_values)?;
        self.audit_export(include_values, None, &v)?;
        Ok(v)
    }

    /// `export_json` serialized (pretty JSON and a newline): the exact bytes to write, audited with
    /// their SHA-256.
    pub fn export_bytes(&self, include_values: bool) -> Result<Vec<u8>> {
        let v = self.export_value(include_values)?;
        let mut bytes = serde_json::to_vec_pretty(&v).map_err(|_| StoreError::Invalid {
            field: "export",
            message: "could not be serialized".into(),
        })?;
        bytes.push(b'\n');
        let sha = hex::encode(Sha256::digest(&bytes));
        self.audit_export(include_values, Some(&sha), &v)?;
        Ok(bytes)
    }

    fn audit_export(&self, include_values: bool, sha256: Option<&str>, v: &Value) -> Result<()> {
        let rows: Map<String, Value> = v["tables"]
            .as_object()
            .map(|t| {
                t.iter()
                    .map(|(k, rows)| (k.clone(), json!(rows.as_array().map_or(0, Vec::len))))
                    .collect()
            })
            .unwrap_or_default();
        let details = json!({"includes_values": include_values, "sha256": sha256, "rows": rows});
        match self.audit(AuditAction::DbExport, "database", DB_FILE_NAME, details) {
            Ok(_) => Ok(()),
            // Nothing protected leaves without values: a read-only store may still export.
            Err(StoreError::ReadOnly { .. }) if !include_values => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn export_value(&self, include_values: bool) -> Result<Value> {
        let mut c = self.conn();
        let tx = c
            .transaction()
            .map_err(|e| map_sqlite(&self.path, "starting an export", e))?;
        let migrations =
            migrate::applied(&tx).map_err(|e| map_sqlite(&self.path, "reading _migrations", e))?;
        let mut tables = Map::new();
        for t in TABLES {
            let rows = export_table(&tx, t, include_values)
                .map_err(|e| map_sqlite(&self.path, "exporting rows", e))?;
            tables.insert(t.into(), Value::Array(rows));
        }
        Ok(json!({
            "format": "tftsr-export/1",
            "exported_at": super::now_text(),
            "includes_values": include_values,
            "migrations": migrations,
            "tables": tables,
        }))
    }
}

fn export_table(c: &Connection, table: &str, include_values: bool) -> rusqlite::Result<Vec<Value>> {
    let mut st = c.prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))?;
    let names: Vec<String> = st.column_names().map(|s| s.to_string()).collect();
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut obj = Map::new();
        for (i, name) in names.iter().enumerate() {
            let v = match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => json!(n),
                ValueRef::Real(f) => json!(f),
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::String(hex::encode(b)),
            };
            obj.insert(name.clone(), v);
        }
        if !include_values {
            if table == "pii_spans" {
                obj.insert("original_value".into(), Value::String(String::new()));
            }
            if table == "settings" && obj.get("key") == Some(&json!(PSEUDONYM_SECRET_KEY)) {
                continue;
            }
        }
        out.push(Value::Object(obj));
    }
    Ok(out)
}

/// What `encrypt` did.
#[derive(Clone, Debug, Serialize)]
pub struct EncryptReport {
    pub path: PathBuf,
    pub key_source: KeySource,
    pub row_counts: Vec<(String, i64)>,
    /// The plain copy kept on request (it holds everything in clear).
    pub backup: Option<PathBuf>,
}

/// Encrypts a plain database in place: `sqlcipher_export` into a new file beside it, verified
/// (integrity + row counts), then swapped in with a rename while the plain original is kept as a
/// backup until the encrypted copy has been reopened and verified. Other tftsr processes using the
/// database should be stopped first.
pub fn encrypt_plain(path: &Path, key: Option<&str>, keep_backup: bool) -> Result<EncryptReport> {
    match conn::file_state(path)? {
        FileState::Plain => {}
        FileState::Opaque => {
            return Err(StoreError::Invalid {
                field: "database",
                message: format!(
                    "{} is already encrypted (or not a database)",
                    path.display()
                ),
            })
        }
        st @ (FileState::Empty | FileState::Zeroed { .. }) => {
            return Err(conn::damaged(path, &st).expect("empty or zeroed is damaged"))
        }
        FileState::Missing => {
            return Err(StoreError::NotFound {
                entity: "database",
                id: path.display().to_string(),
            })
        }
    }
    let plain = Store::open(&OpenOptions {
        db_path: Some(path.into()),
        encryption: Some(Encryption::Off),
        key: None,
    })?;
    let (key, key_source) = conn::resolve_key(path, key, true)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".tftsr.db.encrypting.")
        .tempfile_in(dir)
        .map_err(|e| conn::map_create_err(dir, e))?
        .into_temp_path();
    let counts = {
        let c = plain.conn();
        let e = |ctx| move |err| map_sqlite(path, ctx, err);
        let counts = row_counts(&c).map_err(e("counting rows"))?;
        let tmp_str = tmp.to_str().ok_or_else(|| StoreError::Invalid {
            field: "path",
            message: "the data directory path is not valid UTF-8".into(),
        })?;
        // Bound parameters: the key never appears in SQL text.
        c.execute("ATTACH DATABASE ?1 AS enc KEY ?2", [tmp_str, key.as_str()])
            .map_err(e("attaching the encrypted copy"))?;
        let res = c
            .execute_batch(
                "PRAGMA enc.cipher_page_size = 4096;
                 PRAGMA enc.kdf_iter = 256000;
                 PRAGMA enc.cipher_hmac_algorithm = HMAC_SHA512;
                 PRAGMA enc.cipher_kdf_algorithm = PBKDF2_HMAC_SHA512;",
            )
            .and_then(|_| c.query_row("SELECT sqlcipher_export('enc')", [], |_| Ok(())));
        let _ = c.execute_batch("DETACH DATABASE enc");
        res.map_err(e("exporting to the encrypted copy"))?;
        counts
    };
    drop(plain); // closes the plain file (checkpointing its WAL) before the swap
    verify_copy(&tmp, &key, &counts)?;

    let backup = path.with_extension("db.plain-backup");
    fs::hard_link(path, &backup).map_err(|source| StoreError::Io {
        what: "cannot keep a backup at",
        path: backup.clone(),
        source,
    })?;
    let swap = fs::rename(&tmp, path).map_err(|source| StoreError::Io {
        what: "cannot replace",
        path: path.into(),
        source,
    });
    let verified = swap.and_then(|_| {
        let s = Store::open(&OpenOptions {
            db_path: Some(path.into()),
            encryption: Some(Encryption::On),
            key: Some(key.clone()),
        })?;
        let c = s.conn();
        let now = row_counts(&c).map_err(|e| map_sqlite(path, "counting rows", e))?;
        if now != counts {
            return Err(StoreError::Corrupt {
                path: path.into(),
                detail: "row counts differ after encryption".into(),
            });
        }
        drop(c);
        s.audit(
            AuditAction::DbEncrypt,
            "database",
            DB_FILE_NAME,
            json!({"backup_kept": keep_backup}),
        )?;
        Ok(())
    });
    if let Err(e) = verified {
        // Put the original back: nothing lost.
        let _ = fs::rename(&backup, path);
        return Err(e);
    }
    let backup = if keep_backup {
        Some(backup)
    } else {
        fs::remove_file(&backup).map_err(|source| StoreError::Io {
            what: "cannot remove the plain backup",
            path: backup.clone(),
            source,
        })?;
        None
    };
    Ok(EncryptReport {
        path: path.into(),
        key_source,
        row_counts: counts,
        backup,
    })
}

/// Opens a freshly written encrypted copy, rebuilds its FTS index (`sqlcipher_export` copies rows
/// without their implicit rowids, which the external-content index refers to) and checks it.
fn verify_copy(tmp: &Path, key: &str, counts: &[(String, i64)]) -> Result<()> {
    let c = conn::open_connection(tmp, Some(key))?;
    let e = |ctx| move |err| map_sqlite(tmp, ctx, err);
    c.execute_batch("INSERT INTO issues_fts(issues_fts) VALUES ('rebuild')")
        .map_err(e("rebuilding the search index"))?;
    conn::enable_wal(&c, tmp)?;
    let ic = query_strings(&c, "PRAGMA integrity_check").map_err(e("checking integrity"))?;
    let now = row_counts(&c).map_err(e("counting rows"))?;
    let fts_ok = fts_integrity(&c).map_err(e("checking the search index"))?;
    if ic != ["ok"] || now != counts || !fts_ok {
        return Err(StoreError::Corrupt {
            path: tmp.into(),
            detail: "the encrypted copy did not verify".into(),
        });
    }
    c.close()
        .map_err(|(_, err)| map_sqlite(tmp, "closing the encrypted copy", err))
}
