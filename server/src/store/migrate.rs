//! The ten migrations of `seed/DATABASE.md` and ours after them (011 the audit chain, 012 the
//! per-log workflow state; both add tables of their own), embedded in the binary, applied in
//! order, each in its own transaction, recorded in `_migrations (name, applied_at)`.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::conn::map_sqlite;
use super::error::{Result, StoreError};

/// (name, SQL) in application order. Names are the file stems and are what `_migrations` records.
pub const MIGRATIONS: [(&str, &str); 13] = [
    (
        "001_issues",
        include_str!("../../../migrations/001_issues.sql"),
    ),
    (
        "002_log_files",
        include_str!("../../../migrations/002_log_files.sql"),
    ),
    (
        "003_pii_spans",
        include_str!("../../../migrations/003_pii_spans.sql"),
    ),
    (
        "004_ai_conversations",
        include_str!("../../../migrations/004_ai_conversations.sql"),
    ),
    (
        "005_ai_messages",
        include_str!("../../../migrations/005_ai_messages.sql"),
    ),
    (
        "006_resolution_steps",
        include_str!("../../../migrations/006_resolution_steps.sql"),
    ),
    (
        "007_documents",
        include_str!("../../../migrations/007_documents.sql"),
    ),
    (
        "008_audit_log",
        include_str!("../../../migrations/008_audit_log.sql"),
    ),
    (
        "009_settings",
        include_str!("../../../migrations/009_settings.sql"),
    ),
    (
        "010_issues_fts",
        include_str!("../../../migrations/010_issues_fts.sql"),
    ),
    (
        "011_audit_chain",
        include_str!("../../../migrations/011_audit_chain.sql"),
    ),
    (
        "012_log_state",
        include_str!("../../../migrations/012_log_state.sql"),
    ),
    (
        "013_log_cleaned",
        include_str!("../../../migrations/013_log_cleaned.sql"),
    ),
];

/// How many of `MIGRATIONS` are the seed's (the rest are ours, each adding tables of its own).
pub const SEED_MIGRATIONS: usize = 10;

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS _migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
)";

/// Read-only check before anything is written: the file must be empty, or a TFTSR database whose
/// every recorded migration this binary knows.
pub fn check(conn: &Connection, path: &Path) -> Result<()> {
    let has_table: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_migrations'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
        .map_err(|e| map_sqlite(path, "reading the schema", e))?;
    if !has_table {
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| map_sqlite(path, "reading the schema", e))?;
        if tables > 0 {
            return Err(StoreError::NotTftsr { path: path.into() });
        }
        return Ok(());
    }
    for name in applied(conn).map_err(|e| map_sqlite(path, "reading _migrations", e))? {
        if !MIGRATIONS.iter().any(|(n, _)| *n == name) {
            return Err(StoreError::UnknownMigration {
                path: path.into(),
                name,
            });
        }
    }
    Ok(())
}

/// Names recorded in `_migrations`, in application order.
pub fn applied(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare("SELECT name FROM _migrations ORDER BY name")?;
    let rows = st.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Applies every pending migration. Each runs in an IMMEDIATE transaction that re-checks
/// `_migrations` after taking the write lock, so processes opening a database at the same moment
/// apply each migration exactly once. Returns the names applied now.
pub fn apply(conn: &mut Connection, path: &Path) -> Result<Vec<&'static str>> {
    // Fast path without a write lock: every open of an up-to-date database ends here.
    let has_table: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_migrations'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| map_sqlite(path, "reading the schema", e))?;
    if has_table > 0 {
        let done = applied(conn).map_err(|e| map_sqlite(path, "reading _migrations", e))?;
        if MIGRATIONS.iter().all(|(n, _)| done.iter().any(|d| d == n)) {
            return Ok(Vec::new());
        }
    }
    let mut done = Vec::new();
    for (name, sql) in MIGRATIONS {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| map_sqlite(path, "starting a migration", e))?;
        tx.execute_batch(CREATE_MIGRATIONS_TABLE)
            .map_err(|e| map_sqlite(path, "creating _migrations", e))?;
        let present = tx
            .query_row("SELECT 1 FROM _migrations WHERE name = ?1", [name], |_| {
                Ok(())
            })
            .optional()
            .map_err(|e| map_sqlite(path, "reading _migrations", e))?
            .is_some();
        if present {
            continue; // dropping `tx` rolls back the no-op
        }
        let as_migration = |e| match map_sqlite(path, "", e) {
            StoreError::Db { source, .. } => StoreError::Migration { name, source },
            other => other,
        };
        tx.execute_batch(sql).map_err(as_migration)?;
        if name == "011_audit_chain" {
            // Chain the entries written before the chain existed, oldest first.
            super::audit::chain_existing(&tx).map_err(as_migration)?;
        }
        tx.execute(
            "INSERT INTO _migrations (name, applied_at) VALUES (?1, ?2)",
            rusqlite::params![name, super::now_text()],
        )
        .map_err(|e| map_sqlite(path, "recording a migration", e))?;
        tx.commit()
            .map_err(|e| map_sqlite(path, "committing a migration", e))?;
        done.push(name);
    }
    Ok(done)
}
