//! Opening the store: create a missing one atomically, refuse what is not ours before any write,
//! fall back to read-only on a read-only file system, finish an interrupted rekey.

use std::path::Path;
use std::sync::Mutex;

use super::conn::{self, map_sqlite, Encryption, FileState, KeySource};
use super::error::{Result, StoreError};
use super::{migrate, rekey, OpenOptions, Store};

impl Store {
    /// Opens (creating if missing) and migrates the store. Nothing is written to an existing file
    /// until it has been decrypted and recognised as a TFTSR database this binary understands.
    pub fn open(opts: &OpenOptions) -> Result<Store> {
        let path = opts.resolved_path()?;
        let encryption = opts.resolved_encryption()?;
        let state = conn::file_state(&path)?;
        if let Some(damaged) = conn::damaged(&path, &state) {
            return Err(damaged);
        }
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
                let is_new = state == FileState::Missing;
                let (mut k, s) = conn::resolve_key(&path, opts.key.as_deref(), is_new)?;
                if let (KeySource::File(kf), false) = (&s, is_new) {
                    // An interrupted `db rekey` may have left `.dbkey.new`: settle it first.
                    k = rekey::settle_staged_key(&path, kf, k)?;
                }
                (Some(k), s)
            }
            Encryption::Off => (None, KeySource::None),
        };
        if state == FileState::Missing {
            Self::create_new(&path, key.as_deref())?;
        }
        let mut c = match conn::open_connection(&path, key.as_deref()) {
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
}
