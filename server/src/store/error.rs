//! Store errors. Messages name paths, ids, column names and SQLite's own diagnostics, never a
//! stored value or the key: these strings reach logs, the terminal and LSP notifications.

use std::path::PathBuf;

/// Everything that can go wrong opening or using the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot decrypt {path}: wrong key or not a TFTSR database (the file was left untouched)"
    )]
    CannotDecrypt { path: PathBuf },

    #[error(
        "{path} is a plain (unencrypted) SQLite database but encryption is on; \
         run `tftsr db encrypt` to encrypt it (debug builds can also open it as is with TFTSR_DB_ENCRYPT=0)"
    )]
    PlainButEncryptionOn { path: PathBuf },

    #[error(
        "{path} is not a plain SQLite database (it looks encrypted) but encryption is off; \
         set TFTSR_DB_ENCRYPT=1 (and its key) to open it"
    )]
    EncryptedButEncryptionOff { path: PathBuf },

    #[error(
        "{path} {looks}: it looks like a store that lost its content (a crash, a full disk or a \
         failed copy), not a new one; it was left untouched. Restore it from a backup, or move it \
         away to start a new store"
    )]
    Damaged { path: PathBuf, looks: String },

    #[error("{path} is corrupt ({detail}); it was left untouched, restore it from a backup")]
    Corrupt { path: PathBuf, detail: String },

    #[error("{path} is an SQLite database but not a TFTSR one (it has tables but no _migrations); refusing to use it")]
    NotTftsr { path: PathBuf },

    #[error(
        "{path} carries migration `{name}`, which this tftsr does not know (written by a newer \
         version?); refusing to open it, the file was left untouched"
    )]
    UnknownMigration { path: PathBuf, name: String },

    #[error("migration `{name}` failed: {source}")]
    Migration {
        name: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "{db} is encrypted but no key was found: TFTSR_DB_KEY is unset and the key file {key_file} \
         does not exist"
    )]
    KeyMissing { db: PathBuf, key_file: PathBuf },

    #[error("key file {path} {problem}")]
    KeyFile { path: PathBuf, problem: String },

    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: the database or its directory is read-only")]
    ReadOnly { path: PathBuf },

    #[error("disk full while writing {path}; the change was rolled back")]
    DiskFull { path: PathBuf },

    #[error("{path} is busy (locked by another process for too long); try again")]
    Busy { path: PathBuf },

    #[error("no {entity} with id `{id}`")]
    NotFound { entity: &'static str, id: String },

    #[error("`{prefix}` is ambiguous: several {entity} ids start with it ({candidates}); type more of the id")]
    AmbiguousId {
        entity: &'static str,
        prefix: String,
        candidates: String,
    },

    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },

    #[error("no data directory: set TFTSR_DATA_DIR (the platform data directory is unknown)")]
    NoDataDir,

    #[error("database error while {context}: {source}")]
    Db {
        context: &'static str,
        #[source]
        source: rusqlite::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
