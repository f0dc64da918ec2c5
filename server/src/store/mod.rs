//! `tftsr.db`: the SQLCipher-encrypted incident store (migrations, models, queries, key handling).
//!
//! One [`Store`] wraps one connection behind a mutex: it is `Send + Sync`, and every method is
//! blocking, so async callers use it from `tokio::task::spawn_blocking` (share it in an `Arc`).
//! Several processes (editors, the CLI) may open the same file at once: WAL, a busy timeout and
//! IMMEDIATE write transactions make them queue instead of failing or losing writes.
//!
//! Layout: `open` (creating, opening, recovering), `conn` (paths, keys, connections), `migrate`,
//! `rows` (the row-mapper trait) and one module per entity — `issues`, `logs` (log files and
//! their findings), `steps` (5-Whys), `documents`, `conversations`, `audit`, `settings` — plus
//! `ops` for whole-database operations (check, export, encrypt, rekey).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

mod audit;
mod conn;
mod conversations;
mod documents;
mod error;
mod ids;
mod issues;
mod logs;
pub use logs::LogAttach;
pub mod migrate;
mod models;
mod open;
mod ops;
mod rekey;
mod rows;
mod settings;
mod steps;

pub use conn::{
    data_dir, init_sqlite, key_file_for, set_data_dir, Encryption, KeySource, DB_FILE_NAME,
    KEY_FILE_NAME,
};
pub use error::{Result, StoreError};
pub use ids::Entity;
pub use issues::fts_query;
pub use models::*;
pub use ops::{cipher_settings, encrypt_plain, CheckReport, CipherSettings, EncryptReport, TABLES};
pub use rekey::RekeyReport;

use conn::map_sqlite;
use rows::FromRow;

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

/// A new primary key: UUID v7 (time-sortable), as the seed prescribes.
fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Store {
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

    /// Names of the migrations recorded in `_migrations`.
    pub fn applied_migrations(&self) -> Result<Vec<String>> {
        migrate::applied(&self.conn()).map_err(self.err("reading _migrations"))
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

    /// `SELECT T::COLS FROM table <rest>` with `T`'s row mapper, every row.
    fn select<T: FromRow, P: rusqlite::Params>(
        &self,
        c: &Connection,
        table: &str,
        rest: &str,
        params: P,
        what: &'static str,
    ) -> Result<Vec<T>> {
        let sql = format!("SELECT {} FROM {table} {rest}", T::COLS);
        self.query_all(c, &sql, params, what, T::from_row)
    }

    /// The row of `table` whose primary key is `id`, or `NotFound { entity, id }`.
    fn select_by_id<T: FromRow>(
        &self,
        c: &Connection,
        table: &str,
        entity: &'static str,
        id: &str,
        what: &'static str,
    ) -> Result<T> {
        c.query_row(
            &format!("SELECT {} FROM {table} WHERE id = ?1", T::COLS),
            [id],
            T::from_row,
        )
        .optional()
        .map_err(self.err(what))?
        .ok_or_else(|| StoreError::NotFound {
            entity,
            id: id.into(),
        })
    }

    fn write_tx<'c>(&self, c: &'c mut Connection) -> Result<rusqlite::Transaction<'c>> {
        // IMMEDIATE: take the write lock up front, so the busy timeout applies; a deferred
        // transaction upgrading from read to write would fail at once with SQLITE_BUSY in WAL mode.
        c.transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.err("starting a write"))
    }
}

/// Test-only fault injection (debug builds only), to prove an attach is all-or-nothing and a
/// rekey loses no key:
/// - `TFTSR_TEST_ABORT_AFTER_SPANS=N` aborts the process (no unwinding, no rollback code runs)
///   after N findings were inserted;
/// - `TFTSR_TEST_STALL_AFTER_SPANS=N` with `TFTSR_TEST_STALL_MARKER=<file>` creates the marker
///   after N findings and then stalls, so a test can `kill -9` the process at a known point inside
///   the open transaction.
///
/// A stalled process waits for as long as its marker exists, not for a guessed time (a loaded
/// machine could take longer than that to kill it, and the process would then go on and finish
/// what the test meant to interrupt). Once the test is over and its temp dir with the marker is
/// gone, the process aborts, so none is left behind either.
///
/// Compiled out of release builds.
mod test_hooks {
    #[cfg(debug_assertions)]
    fn env_usize(name: &str) -> Option<usize> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }

    /// Writes the marker, then waits while it exists; aborts (nothing committed) once it is gone.
    #[cfg(debug_assertions)]
    fn stall(marker: Option<std::ffi::OsString>, what: &[u8]) {
        let Some(m) = marker else {
            return;
        };
        let _ = std::fs::write(&m, what);
        while std::path::Path::new(&m).exists() {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        std::process::abort();
    }

    #[cfg(debug_assertions)]
    pub fn at_span(n: usize) {
        if env_usize("TFTSR_TEST_ABORT_AFTER_SPANS") == Some(n) {
            std::process::abort();
        }
        if env_usize("TFTSR_TEST_STALL_AFTER_SPANS") == Some(n) {
            stall(std::env::var_os("TFTSR_TEST_STALL_MARKER"), b"stalled");
        }
    }

    /// `TFTSR_TEST_STALL_AT=<name>` with `TFTSR_TEST_STALL_MARKER=<file>`: creates the marker at
    /// the named point and stalls, so a test can `kill -9` the process exactly there.
    #[cfg(debug_assertions)]
    pub fn stall_point(name: &str) {
        if std::env::var("TFTSR_TEST_STALL_AT").ok().as_deref() == Some(name) {
            stall(std::env::var_os("TFTSR_TEST_STALL_MARKER"), name.as_bytes());
        }
    }

    #[cfg(not(debug_assertions))]
    #[inline(always)]
    pub fn at_span(_n: usize) {}

    #[cfg(not(debug_assertions))]
    #[inline(always)]
    pub fn stall_point(_name: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

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
