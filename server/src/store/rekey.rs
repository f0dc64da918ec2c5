//! `tftsr db rekey` and what makes it safe to interrupt: the key that opens the data is on disk
//! at every moment, and the next open settles whatever an interrupted rekey left.
//!
//! With a key file the steps are: take `.dbkey.lock`; write the new key to `.dbkey.new` (fsync
//! it and the directory); `PRAGMA rekey` (one transaction: the file is under the old key or the
//! new one, never a mix); rename `.dbkey.new` over `.dbkey` (fsync the directory). Killed after
//! any step, the next open finds `.dbkey.new` and, holding the lock (so it never races a rekey
//! still running in another process), keeps whichever key opens the database: the old one (the
//! rekey never committed: the staged file is removed) or the staged one (it committed: the staged
//! file is installed as `.dbkey`). A key is only ever deleted after the other one was proven to
//! open the database.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::conn::{self, map_sqlite, Encryption, KeySource, DB_FILE_NAME};
use super::error::{Result, StoreError};
use super::models::AuditAction;
use super::{test_hooks, Store};

/// What `rekey` did.
#[derive(Clone, Debug, Serialize)]
pub struct RekeyReport {
    pub path: PathBuf,
    pub key_source: KeySource,
}

/// `.dbkey.new`: the key a rekey is about to install.
pub(crate) fn staged_path(kf: &Path) -> PathBuf {
    kf.with_extension("new")
}

fn lock_path(kf: &Path) -> PathBuf {
    kf.with_extension("lock")
}

/// An exclusive advisory lock on `.dbkey.lock`, held for a whole rekey and while an open settles
/// a staged key; released when dropped (or when the process dies, however it dies).
struct KeyLock(#[allow(dead_code)] fs::File);

impl KeyLock {
    fn open_file(kf: &Path) -> std::io::Result<fs::File> {
        let mut o = fs::OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        o.open(lock_path(kf))
    }

    /// For a rekey: the lock, or a clear error if another rekey holds it.
    fn acquire(kf: &Path) -> Result<KeyLock> {
        let f = Self::open_file(kf).map_err(|e| conn::map_create_err(&lock_path(kf), e))?;
        match f.try_lock() {
            Ok(()) => Ok(KeyLock(f)),
            Err(fs::TryLockError::WouldBlock) => Err(StoreError::Invalid {
                field: "rekey",
                message: "another `tftsr db rekey` is running on this store".into(),
            }),
            Err(fs::TryLockError::Error(source)) => Err(StoreError::Io {
                what: "cannot lock",
                path: lock_path(kf),
                source,
            }),
        }
    }

    /// For an open: the lock if it is free; `None` if a rekey holds it or the lock file cannot be
    /// opened (a read-only file system: nothing can be changed there anyway).
    fn try_acquire(kf: &Path) -> Option<KeyLock> {
        let f = Self::open_file(kf)
            .or_else(|_| fs::File::open(lock_path(kf)))
            .ok()?;
        f.try_lock().ok().map(|()| KeyLock(f))
    }
}

/// Writes `text` to `path` with mode 0600 (truncating), fsynced, and fsyncs the directory.
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
        .map_err(io)?;
    conn::sync_dir(path)
}

fn read_staged(kf: &Path) -> Option<String> {
    let text = fs::read_to_string(staged_path(kf)).ok()?;
    let k = text.trim();
    (!k.is_empty()).then(|| k.to_owned())
}

/// Whether `key` decrypts the database (read-only probe on a read-only file system).
fn key_opens(db: &Path, key: &str) -> Result<bool> {
    let c = match conn::open_connection(db, Some(key)) {
        Err(StoreError::ReadOnly { .. }) => conn::open_read_only(db, Some(key)),
        other => other,
    };
    match c {
        Ok(_) => Ok(true),
        Err(StoreError::CannotDecrypt { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

fn remove_staged(kf: &Path) -> Result<()> {
    match fs::remove_file(staged_path(kf)) {
        Ok(()) => conn::sync_dir(kf),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::Io {
            what: "cannot remove the stale staged key",
            path: staged_path(kf),
            source,
        }),
    }
}

fn install_staged(kf: &Path) -> Result<()> {
    fs::rename(staged_path(kf), kf).map_err(|source| StoreError::Io {
        what: "cannot install the new key file",
        path: kf.into(),
        source,
    })?;
    conn::sync_dir(kf)
}

/// Called by `open` when the key came from `kf` and `.dbkey.new` exists: returns the key that
/// opens `db` and, when the lock is free and the directory writable, finishes or undoes the
/// interrupted rekey (see the module comment). Neither key opening it is left to the normal open
/// to report (wrong key), with both files untouched.
pub(crate) fn settle_staged_key(db: &Path, kf: &Path, current: String) -> Result<String> {
    if !staged_path(kf).exists() {
        return Ok(current);
    }
    let lock = KeyLock::try_acquire(kf);
    if key_opens(db, &current)? {
        if lock.is_some() {
            // The rekey never committed: the staged key opens nothing.
            remove_staged(kf)?;
        }
        return Ok(current);
    }
    let Some(staged) = read_staged(kf) else {
        return Ok(current);
    };
    if key_opens(db, &staged)? {
        if lock.is_some() {
            // The rekey committed but died before installing its key: finish it.
            install_staged(kf)?;
        }
        return Ok(staged);
    }
    Ok(current)
}

impl Store {
    /// Re-encrypts the database under a new key with `PRAGMA rekey`. With a key file, the new
    /// key (`new_key`, else a fresh random one) is staged in `.dbkey.new` before the rekey and
    /// installed after it (see the module comment for why an interruption loses nothing). With an
    /// env/explicit key, `new_key` is required and the caller must use it from now on.
    pub fn rekey(&self, new_key: Option<&str>) -> Result<RekeyReport> {
        if self.encryption != Encryption::On {
            return Err(StoreError::Invalid {
                field: "database",
                message: "is not encrypted; use `tftsr db encrypt` first".into(),
            });
        }
        let new_key = new_key.filter(|k| !k.is_empty());
        let c = self.conn();
        let e = |ctx| move |err| map_sqlite(&self.path, ctx, err);
        let prove = |what| {
            c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|_| ())
            .map_err(e(what))
        };
        match &self.key_source {
            KeySource::File(kf) => {
                let key = match new_key {
                    Some(k) => k.to_owned(),
                    None => {
                        let mut raw = [0u8; 32];
                        getrandom::fill(&mut raw).map_err(|_| StoreError::Invalid {
                            field: "key",
                            message: "the OS random source failed".into(),
                        })?;
                        hex::encode(raw)
                    }
                };
                let _lock = KeyLock::acquire(kf)?;
                // Under the lock: the key we hold still opens the file (no other rekey since).
                prove("reading the database before the rekey")?;
                write_private(&staged_path(kf), &key)?;
                test_hooks::stall_point("rekey_staged");
                if let Err(err) = c.pragma_update(None, "rekey", &key) {
                    // Normally rolled back: then the staged key opens nothing and goes. If the
                    // old key no longer opens the file, the staged one stays for the next open.
                    let old = fs::read_to_string(kf).unwrap_or_default();
                    if key_opens(&self.path, old.trim()).unwrap_or(false) {
                        let _ = remove_staged(kf);
                    }
                    return Err(e("re-encrypting with the new key")(err));
                }
                test_hooks::stall_point("rekey_committed");
                install_staged(kf)?;
                test_hooks::stall_point("rekey_installed");
            }
            _ => {
                let Some(k) = new_key else {
                    return Err(StoreError::Invalid {
                        field: "new key",
                        message:
                            "the key comes from TFTSR_DB_KEY: give the new one in TFTSR_DB_NEW_KEY"
                                .into(),
                    });
                };
                c.pragma_update(None, "rekey", k)
                    .map_err(e("re-encrypting with the new key"))?;
            }
        }
        // Prove the new key reads the file before reporting success.
        prove("verifying the new key")?;
        drop(c);
        let source = match &self.key_source {
            KeySource::File(_) => "key_file",
            _ => "env",
        };
        self.audit(
            AuditAction::DbRekey,
            "database",
            DB_FILE_NAME,
            serde_json::json!({"key_source": source}),
        )?;
        Ok(RekeyReport {
            path: self.path.clone(),
            key_source: self.key_source.clone(),
        })
    }
}
