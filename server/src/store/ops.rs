//! Whole-database operations behind `tftsr db`: check, export, encrypt, rekey.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{types::ValueRef, Connection};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::conn::{self, map_sqlite, Encryption, FileState, KeySource};
use super::error::{Result, StoreError};
use super::settings::PSEUDONYM_SECRET_KEY;
use super::{migrate, OpenOptions, Store};

/// The data tables, parents before children (the order an import would need).
pub const TABLES: [&str; 9] = [
    "issues",
    "log_files",
    "pii_spans",
    "ai_conversations",
    "ai_messages",
    "resolution_steps",
    "documents",
    "audit_log",
    "settings",
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
    pub row_counts: Vec<(String, i64)>,
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

fn fts_integrity(c: &Connection) -> bool {
    // rank = 1: also compare the index against the content table (catches missed triggers).
    c.execute_batch("INSERT INTO issues_fts(issues_fts, rank) VALUES ('integrity-check', 1)")
        .is_ok()
}

impl Store {
    /// `PRAGMA integrity_check`, SQLCipher's settings and page HMACs, migrations, FTS consistency.
    pub fn check(&self) -> Result<CheckReport> {
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
        let fts_ok = fts_integrity(&c);
        let row_counts = row_counts(&c).map_err(e("counting rows"))?;
        let all_migrations = migrate::MIGRATIONS
            .iter()
            .all(|(n, _)| migrations.iter().any(|m| m == n));
        let ok = integrity_check == ["ok"]
            && cipher_integrity_check.is_empty()
            && all_migrations
            && fts_ok
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
            row_counts,
            ok,
        })
    }

    /// Every row of every table as JSON (for backup), read in one snapshot. Without
    /// `include_values`, `pii_spans.original_value` is exported as `''` and the pseudonym secret
    /// is left out, so an export does not carry what the store protects.
    pub fn export_json(&self, include_values: bool) -> Result<Value> {
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
        FileState::Missing | FileState::Empty => {
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
    if ic != ["ok"] || now != counts || !fts_integrity(&c) {
        return Err(StoreError::Corrupt {
            path: tmp.into(),
            detail: "the encrypted copy did not verify".into(),
        });
    }
    c.close()
        .map_err(|(_, err)| map_sqlite(tmp, "closing the encrypted copy", err))
}

/// What `rekey` did.
#[derive(Clone, Debug, Serialize)]
pub struct RekeyReport {
    pub path: PathBuf,
    pub key_source: KeySource,
}

fn new_key_path(kf: &Path) -> PathBuf {
    kf.with_extension("new")
}

impl Store {
    /// Re-encrypts the database under a new key with `PRAGMA rekey` (one transaction in SQLCipher:
    /// the file holds the old key or the new one, never a mix). With a key file, a fresh random key
    /// is written to `.dbkey.new` first and renamed over `.dbkey` after the rekey commits; `open`
    /// finishes that rename if a crash fell in between. With an env/explicit key, `new_key` is
    /// required and the caller must use it from now on.
    pub fn rekey(&self, new_key: Option<&str>) -> Result<RekeyReport> {
        if self.encryption != Encryption::On {
            return Err(StoreError::Invalid {
                field: "database",
                message: "is not encrypted; use `tftsr db encrypt` first".into(),
            });
        }
        let c = self.conn();
        let e = |ctx| move |err| map_sqlite(&self.path, ctx, err);
        match (&self.key_source, new_key) {
            (KeySource::File(kf), None) => {
                let mut raw = [0u8; 32];
                getrandom::fill(&mut raw).map_err(|_| StoreError::Invalid {
                    field: "key",
                    message: "the OS random source failed".into(),
                })?;
                let key = hex::encode(raw);
                let staged = new_key_path(kf);
                write_private(&staged, &key)?;
                c.pragma_update(None, "rekey", &key)
                    .map_err(e("re-encrypting with the new key"))?;
                fs::rename(&staged, kf).map_err(|source| StoreError::Io {
                    what: "cannot install the new key file",
                    path: kf.clone(),
                    source,
                })?;
            }
            (_, Some(k)) if !k.is_empty() => {
                c.pragma_update(None, "rekey", k)
                    .map_err(e("re-encrypting with the new key"))?;
                if let KeySource::File(kf) = &self.key_source {
                    write_private(&new_key_path(kf), k)?;
                    fs::rename(new_key_path(kf), kf).map_err(|source| StoreError::Io {
                        what: "cannot install the new key file",
                        path: kf.clone(),
                        source,
                    })?;
                }
            }
            _ => {
                return Err(StoreError::Invalid {
                    field: "new key",
                    message:
                        "the key comes from TFTSR_DB_KEY: give the new one in TFTSR_DB_NEW_KEY"
                            .into(),
                })
            }
        }
        // Prove the new key reads the file before reporting success.
        c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(e("verifying the new key"))?;
        Ok(RekeyReport {
            path: self.path.clone(),
            key_source: self.key_source.clone(),
        })
    }
}

/// Writes `text` to `path` with mode 0600 (truncating), fsynced.
fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let io = |source| StoreError::Io {
        what: "cannot write key file",
        path: path.into(),
        source,
    };
    let mut f = o.open(path).map_err(io)?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.write_all(b"\n"))
        .and_then(|_| f.sync_all())
        .map_err(io)
}

/// If a rekey crashed between committing and installing the key file, `.dbkey.new` holds the key
/// that opens the database: use it and finish the rename.
pub(crate) fn recover_staged_key(kf: &Path) -> Option<String> {
    let staged = new_key_path(kf);
    let text = fs::read_to_string(&staged).ok()?;
    let k = text.trim();
    (!k.is_empty()).then(|| k.to_owned())
}

pub(crate) fn finish_staged_key(kf: &Path) {
    let _ = fs::rename(new_key_path(kf), kf);
}
