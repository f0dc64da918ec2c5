//! Finding the database, resolving its key, and opening a connection safely: every check that
//! could reject the file runs *before* the first write, so a database we cannot open is never
//! modified.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::error::{Result, StoreError};

pub const DB_FILE_NAME: &str = "tftsr.db";
pub const KEY_FILE_NAME: &str = ".dbkey";
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Long enough that two editors and a CLI queue behind each other's writes instead of failing
/// with "database is locked"; our write transactions are short.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether the database is SQLCipher-encrypted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encryption {
    On,
    Off,
}

impl Encryption {
    /// The default rule: release builds always encrypt; debug builds follow `TFTSR_DB_ENCRYPT=0/1`
    /// if set, else stay plain (the seed keeps debug databases inspectable with `sqlite3`). A release
    /// build refuses `TFTSR_DB_ENCRYPT=0` rather than silently writing secrets in clear.
    pub fn resolve_default() -> Result<Encryption> {
        match std::env::var("TFTSR_DB_ENCRYPT") {
            Ok(v) if !v.trim().is_empty() => match v.trim().to_ascii_lowercase().as_str() {
                "1" | "on" | "true" | "yes" => Ok(Encryption::On),
                "0" | "off" | "false" | "no" if cfg!(debug_assertions) => Ok(Encryption::Off),
                "0" | "off" | "false" | "no" => Err(StoreError::Invalid {
                    field: "TFTSR_DB_ENCRYPT",
                    message: "release builds always encrypt; only debug builds accept 0".into(),
                }),
                _ => Err(StoreError::Invalid {
                    field: "TFTSR_DB_ENCRYPT",
                    message: "expected 0 or 1".into(),
                }),
            },
            _ => Ok(if cfg!(debug_assertions) {
                Encryption::Off
            } else {
                Encryption::On
            }),
        }
    }
}

/// Where the key came from (for `tftsr db path`; never the key itself).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum KeySource {
    /// Given by the caller (`OpenOptions::key`).
    Explicit,
    /// The `TFTSR_DB_KEY` environment variable.
    Env,
    /// A key file beside the database.
    File(PathBuf),
    /// Plain database: no key.
    None,
}

/// `--data-dir`, for the whole run: set once by the command line before any command runs.
static DATA_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes `dir` the data directory of this process (`tftsr --data-dir DIR`), ahead of
/// `TFTSR_DATA_DIR`. A relative `dir` is taken from the current directory now, so it means the
/// same whatever a command does later. Only the first call counts.
pub fn set_data_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "an empty path is not a directory",
        ));
    }
    let dir = std::path::absolute(dir)?;
    let _ = DATA_DIR.set(dir);
    Ok(())
}

/// The data directory: `--data-dir`, else `TFTSR_DATA_DIR`, else the platform data dir + `tftsr/`.
pub fn data_dir() -> Result<PathBuf> {
    if let Some(d) = DATA_DIR.get() {
        return Ok(d.clone());
    }
    if let Some(d) = std::env::var_os("TFTSR_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::BaseDirs::new()
        .map(|b| b.data_dir().join("tftsr"))
        .ok_or(StoreError::NoDataDir)
}

pub fn key_file_for(db: &Path) -> PathBuf {
    db.parent()
        .unwrap_or_else(|| Path::new("."))
        .join(KEY_FILE_NAME)
}

/// What is at the database path before we touch it.
#[derive(Debug, PartialEq, Eq)]
pub enum FileState {
    Missing,
    /// Exists with zero bytes. SQLite would treat it as a new database; we never create one that
    /// way (a new store is built under a temporary name and linked into place complete), so this is
    /// a store that lost its content, and it is refused.
    Empty,
    /// Non-empty, but its first page (or the whole file, if shorter) is all zero bytes: neither an
    /// SQLite header nor a SQLCipher salt (16 random bytes) starts with that; refused as damaged.
    Zeroed {
        len: u64,
    },
    Plain,
    /// Non-empty and not starting with the SQLite header: encrypted, or not a database at all.
    Opaque,
}

/// How many leading bytes `file_state` looks at: one page, enough to tell zeros from a header.
const HEAD_LEN: usize = 4096;

pub fn file_state(path: &Path) -> Result<FileState> {
    let io = |source| StoreError::Io {
        what: "cannot read",
        path: path.into(),
        source,
    };
    let mut f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::Missing),
        Err(source) => return Err(io(source)),
    };
    let mut head = vec![0u8; HEAD_LEN];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => return Err(io(source)),
        }
    }
    let head = &head[..n];
    Ok(if n == 0 {
        FileState::Empty
    } else if head.iter().all(|&b| b == 0) {
        let len = f.metadata().map_err(io)?.len();
        FileState::Zeroed { len }
    } else if head.starts_with(SQLITE_MAGIC) {
        FileState::Plain
    } else {
        FileState::Opaque
    })
}

/// The refusal for a database file that lost its content (`Empty`, `Zeroed`), saying what it
/// looks like and whether its key file is there (then it certainly held a store).
pub fn damaged(path: &Path, state: &FileState) -> Option<StoreError> {
    let looks = match state {
        FileState::Empty => "is empty (0 bytes)".to_string(),
        FileState::Zeroed { len } if *len as usize <= HEAD_LEN => {
            format!("is all zero bytes ({len} bytes)")
        }
        FileState::Zeroed { len } => {
            format!("starts with a page of zero bytes ({len} bytes in all)")
        }
        _ => return None,
    };
    let kf = key_file_for(path);
    let beside = if kf.exists() {
        format!(" although its key file {} exists", kf.display())
    } else {
        String::new()
    };
    Some(StoreError::Damaged {
        path: path.into(),
        looks: format!("{looks}{beside}"),
    })
}

/// Resolves the key: explicit, else `TFTSR_DB_KEY` if set and non-empty, else the key file beside
/// the database — generated from the OS RNG only when the database does not exist yet (a fresh key
/// can never open an existing encrypted file, so we say the key is missing instead).
pub fn resolve_key(
    db: &Path,
    explicit: Option<&str>,
    db_is_new: bool,
) -> Result<(String, KeySource)> {
    if let Some(k) = explicit {
        if k.is_empty() {
            return Err(StoreError::Invalid {
                field: "key",
                message: "the key is empty".into(),
            });
        }
        return Ok((k.to_owned(), KeySource::Explicit));
    }
    if let Ok(k) = std::env::var("TFTSR_DB_KEY") {
        if !k.is_empty() {
            return Ok((k, KeySource::Env));
        }
    }
    let kf = key_file_for(db);
    match read_key_file(&kf)? {
        Some(k) => Ok((k, KeySource::File(kf))),
        None if db_is_new => {
            let k = create_key_file(&kf)?;
            Ok((k, KeySource::File(kf)))
        }
        None => Err(StoreError::KeyMissing {
            db: db.into(),
            key_file: kf,
        }),
    }
}

fn read_key_file(kf: &Path) -> Result<Option<String>> {
    let text = match fs::read_to_string(kf) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StoreError::Io {
                what: "cannot read key file",
                path: kf.into(),
                source,
            })
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(kf)
            .map_err(|source| StoreError::Io {
                what: "cannot stat key file",
                path: kf.into(),
                source,
            })?
            .permissions()
            .mode();
        // Like ssh with private keys: a key others can read protects nothing, so refuse it.
        if mode & 0o077 != 0 {
            return Err(StoreError::KeyFile {
                path: kf.into(),
                problem: format!(
                    "is readable by other users (mode {:o}); run `chmod 600` on it",
                    mode & 0o777
                ),
            });
        }
    }
    let key = text.trim();
    if key.is_empty() {
        return Err(StoreError::KeyFile {
            path: kf.into(),
            problem: "is empty".into(),
        });
    }
    Ok(Some(key.to_owned()))
}

/// Writes a fresh 256-bit key (hex) to `kf`, mode 0600, atomically: written to a temporary file
/// and linked into place without clobbering, so two processes racing on first use agree on one key.
fn create_key_file(kf: &Path) -> Result<String> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| StoreError::KeyFile {
        path: kf.into(),
        problem: format!("could not be generated: OS random source failed ({e})"),
    })?;
    let key = hex::encode(raw);
    create_dir(kf)?;
    let dir = kf.parent().unwrap_or_else(|| Path::new("."));
    let io = |what, source| StoreError::Io {
        what,
        path: kf.into(),
        source,
    };
    // tempfile creates its files 0600 on unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(".dbkey.")
        .tempfile_in(dir)
        .map_err(|e| map_create_err(dir, e))?;
    tmp.write_all(key.as_bytes())
        .and_then(|_| tmp.write_all(b"\n"))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| io("cannot write key file", e))?;
    match tmp.persist_noclobber(kf) {
        Ok(_) => {
            sync_dir(kf)?;
            Ok(key)
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            // Another process won the race: use its key.
            read_key_file(kf)?.ok_or_else(|| StoreError::KeyFile {
                path: kf.into(),
                problem: "vanished while being created".into(),
            })
        }
        Err(e) => Err(io("cannot create key file", e.error)),
    }
}

/// Fsyncs the directory holding `path`, so a rename or a new file in it survives a power loss.
pub fn sync_dir(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| StoreError::Io {
            what: "cannot sync directory",
            path: dir.into(),
            source,
        })
}

pub fn map_create_err(path: &Path, e: std::io::Error) -> StoreError {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
    if matches!(e.kind(), PermissionDenied | ReadOnlyFilesystem) {
        StoreError::ReadOnly { path: path.into() }
    } else {
        StoreError::Io {
            what: "cannot create",
            path: path.into(),
            source: e,
        }
    }
}

/// Creates the database's directory (0700) if missing.
pub fn create_dir(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut b = fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(dir).map_err(|e| map_create_err(dir, e))?;
        }
    }
    Ok(())
}

/// Maps an SQLite error to a clear store error for this path.
pub fn map_sqlite(path: &Path, context: &'static str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { path: path.into() },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { path: path.into() },
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            StoreError::Busy { path: path.into() }
        }
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.into(),
            detail: e.to_string(),
        },
        _ => StoreError::Db { context, source: e },
    }
}

/// Opens one connection: key first (SQLCipher requires it before anything else), the SQLCipher 4
/// settings pinned explicitly (they are its defaults today; pinning keeps old files readable if a
/// future default changes), then a read that proves the key before any write.
pub fn open_connection(path: &Path, key: Option<&str>) -> Result<Connection> {
    open_inner(path, key, false)
}

/// A read-only connection for a database on a read-only file system (a mounted backup, a locked
/// down directory), where SQLite cannot create the WAL index (`-shm`) a normal open needs.
/// `immutable=1` tells SQLite nobody can change the file meanwhile, which holds there: nobody can
/// write a WAL beside it either.
pub fn open_read_only(path: &Path, key: Option<&str>) -> Result<Connection> {
    open_inner(path, key, true)
}

fn file_uri(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for &b in abs.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Initialises SQLite (and SQLCipher with it) completely, once per process, before the first
/// connection. `sqlite3_initialize` marks SQLite initialised *before* it runs SQLCipher's own
/// initialisation (`SQLITE_EXTRA_INIT`), so a second thread opening its first connection in
/// between gets SQLite's fast path, and its `PRAGMA key` then fails with "PRAGMA key requires a key
/// of one or more characters" whatever the key. Running the first initialisation inside a `Once`
/// makes every other opener wait until it has finished. Anything in this process that opens
/// SQLite connections by other means (tests looking at files behind the store's back) calls this
/// first.
pub fn init_sqlite() -> Result<()> {
    static INIT: std::sync::OnceLock<std::os::raw::c_int> = std::sync::OnceLock::new();
    // SAFETY: sqlite3_initialize takes no arguments and is safe to call from any thread at any
    // time; it only ever initialises process-wide SQLite state.
    let rc = *INIT.get_or_init(|| unsafe { rusqlite::ffi::sqlite3_initialize() });
    if rc == rusqlite::ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(StoreError::Db {
            context: "initialising SQLite",
            source: rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rc), None),
        })
    }
}

fn open_inner(path: &Path, key: Option<&str>, read_only: bool) -> Result<Connection> {
    init_sqlite()?;
    let mode = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    };
    let flags = mode | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let target = if read_only {
        file_uri(path)
    } else {
        path.to_string_lossy().into_owned()
    };
    let conn =
        Connection::open_with_flags(&target, flags).map_err(|e| match e.sqlite_error_code() {
            Some(ErrorCode::CannotOpen) | Some(ErrorCode::ReadOnly) => {
                StoreError::ReadOnly { path: path.into() }
            }
            _ => map_sqlite(path, "opening the database", e),
        })?;
    let setup =
        |what: &'static str, r: rusqlite::Result<()>| r.map_err(|e| map_sqlite(path, what, e));
    // SQLCipher logs decryption failures to stderr itself; we report them as errors instead.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    if let Some(key) = key {
        setup("setting the key", conn.pragma_update(None, "key", key))?;
        for (name, value) in [
            ("cipher_page_size", "4096"),
            ("kdf_iter", "256000"),
            ("cipher_hmac_algorithm", "HMAC_SHA512"),
            ("cipher_kdf_algorithm", "PBKDF2_HMAC_SHA512"),
        ] {
            setup(
                "configuring SQLCipher",
                conn.execute_batch(&format!("PRAGMA {name} = {value};")),
            )?;
        }
    }
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| map_sqlite(path, "setting the busy timeout", e))?;
    // The first read decrypts page 1: this is where a wrong key shows up, before any write.
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        return Err(match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) if key.is_some() => {
                StoreError::CannotDecrypt { path: path.into() }
            }
            // A plain header over pages SQLite cannot parse: damaged, not encrypted.
            Some(ErrorCode::NotADatabase) if file_state(path).ok() == Some(FileState::Plain) => {
                StoreError::Corrupt {
                    path: path.into(),
                    detail: e.to_string(),
                }
            }
            Some(ErrorCode::NotADatabase) => {
                StoreError::EncryptedButEncryptionOff { path: path.into() }
            }
            Some(ErrorCode::CannotOpen) => StoreError::ReadOnly { path: path.into() },
            _ => map_sqlite(path, "reading the schema", e),
        });
    }
    setup(
        "enabling foreign keys",
        conn.execute_batch("PRAGMA foreign_keys = ON;"),
    )?;
    // Overwrite deleted content with zeros: a finalized value must not live on in a freed cell.
    setup(
        "enabling secure delete",
        conn.execute_batch("PRAGMA secure_delete = ON;"),
    )?;
    Ok(conn)
}

/// Switches to WAL (persistent in the file, so later connections inherit it). A write: callers run
/// it only once the file is known to be ours.
pub fn enable_wal(conn: &Connection, path: &Path) -> Result<()> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| map_sqlite(path, "enabling WAL", e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::ReadOnly { path: path.into() });
    }
    Ok(())
}
