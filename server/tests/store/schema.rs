//! The schema on disk equals seed/DATABASE.md, column for column: the expectations below are typed
//! in from the seed, not derived from our migrations. Our additions (011 `audit_chain`, 012
//! `log_state`, 013 `log_cleaned`) are tables of their own, checked here too, so the seed's ten
//! stay as designed.

use crate::helpers;

use helpers::*;
use tftsr::store::{Store, StoreError};

/// (name, type, notnull, default, pk) as `PRAGMA table_info` reports them.
type Col = (&'static str, &'static str, bool, Option<&'static str>, bool);

fn seed_tables() -> Vec<(&'static str, Vec<Col>)> {
    vec![
        (
            "issues",
            vec![
                ("id", "TEXT", false, None, true),
                ("title", "TEXT", true, None, false),
                ("description", "TEXT", false, None, false),
                ("severity", "TEXT", true, None, false),
                ("status", "TEXT", true, None, false),
                ("category", "TEXT", false, None, false),
                ("source", "TEXT", false, None, false),
                ("created_at", "TEXT", true, None, false),
                ("updated_at", "TEXT", true, None, false),
                ("resolved_at", "TEXT", false, None, false),
                ("assigned_to", "TEXT", false, None, false),
                ("tags", "TEXT", false, None, false),
            ],
        ),
        (
            "log_files",
            vec![
                ("id", "TEXT", false, None, true),
                ("issue_id", "TEXT", true, None, false),
                ("file_name", "TEXT", true, None, false),
                ("file_path", "TEXT", true, None, false),
                ("file_size", "INTEGER", false, None, false),
                ("mime_type", "TEXT", false, None, false),
                ("content_hash", "TEXT", false, None, false),
                ("uploaded_at", "TEXT", true, None, false),
                ("redacted", "INTEGER", false, Some("0"), false),
            ],
        ),
        (
            "pii_spans",
            vec![
                ("id", "TEXT", false, None, true),
                ("log_file_id", "TEXT", true, None, false),
                ("pii_type", "TEXT", true, None, false),
                ("start_offset", "INTEGER", true, None, false),
                ("end_offset", "INTEGER", true, None, false),
                ("original_value", "TEXT", true, None, false),
                ("replacement", "TEXT", true, None, false),
            ],
        ),
        (
            "ai_conversations",
            vec![
                ("id", "TEXT", false, None, true),
                ("issue_id", "TEXT", true, None, false),
                ("provider", "TEXT", true, None, false),
                ("model", "TEXT", true, None, false),
                ("created_at", "TEXT", true, None, false),
                ("title", "TEXT", false, None, false),
            ],
        ),
        (
            "ai_messages",
            vec![
                ("id", "TEXT", false, None, true),
                ("conversation_id", "TEXT", true, None, false),
                ("role", "TEXT", true, None, false),
                ("content", "TEXT", true, None, false),
                ("token_count", "INTEGER", false, Some("0"), false),
                ("created_at", "TEXT", true, None, false),
            ],
        ),
        (
            "resolution_steps",
            vec![
                ("id", "TEXT", false, None, true),
                ("issue_id", "TEXT", true, None, false),
                ("step_order", "INTEGER", true, None, false),
                ("why_question", "TEXT", true, None, false),
                ("answer", "TEXT", false, None, false),
                ("evidence", "TEXT", false, None, false),
                ("created_at", "TEXT", true, None, false),
            ],
        ),
        (
            "documents",
            vec![
                ("id", "TEXT", false, None, true),
                ("issue_id", "TEXT", true, None, false),
                ("doc_type", "TEXT", true, None, false),
                ("title", "TEXT", true, None, false),
                ("content_md", "TEXT", true, None, false),
                ("created_at", "INTEGER", true, None, false),
                ("updated_at", "INTEGER", true, None, false),
            ],
        ),
        (
            "audit_log",
            vec![
                ("id", "TEXT", false, None, true),
                ("timestamp", "TEXT", true, Some("datetime('now')"), false),
                ("action", "TEXT", true, None, false),
                ("entity_type", "TEXT", true, None, false),
                ("entity_id", "TEXT", true, None, false),
                ("user_id", "TEXT", false, Some("'local'"), false),
                ("details", "TEXT", false, None, false),
            ],
        ),
        (
            "settings",
            vec![
                ("key", "TEXT", false, None, true),
                ("value", "TEXT", true, None, false),
                ("updated_at", "TEXT", true, None, false),
            ],
        ),
        (
            "_migrations",
            vec![
                ("name", "TEXT", false, None, true),
                ("applied_at", "TEXT", true, None, false),
            ],
        ),
    ]
}

/// Ours, beside the seed's: 011, 012 and 013.
fn our_tables() -> Vec<(&'static str, Vec<Col>)> {
    vec![
        (
            "audit_chain",
            vec![
                ("seq", "INTEGER", false, None, true),
                ("audit_id", "TEXT", true, None, false),
                ("prev_hash", "TEXT", true, None, false),
                ("hash", "TEXT", true, None, false),
            ],
        ),
        (
            "log_state",
            vec![
                ("log_file_id", "TEXT", false, None, true),
                ("reviewed_at", "TEXT", false, None, false),
                ("accepted", "INTEGER", false, None, false),
                ("rejected", "INTEGER", false, None, false),
                ("cleaned_sha256", "TEXT", false, None, false),
                ("cleaned_size", "INTEGER", false, None, false),
                ("cleaned", "BLOB", false, None, false),
                ("values_kept", "INTEGER", true, Some("1"), false),
                ("finalized_at", "TEXT", false, None, false),
                ("updated_at", "TEXT", true, None, false),
            ],
        ),
        (
            "log_cleaned",
            vec![
                ("log_file_id", "TEXT", false, None, true),
                ("cleaned", "BLOB", true, None, false),
            ],
        ),
    ]
}

/// (table, from, to table, to column, on_delete) per the seed: every FK cascades.
fn seed_fks() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    vec![
        ("log_files", "issue_id", "issues", "id"),
        ("pii_spans", "log_file_id", "log_files", "id"),
        ("ai_conversations", "issue_id", "issues", "id"),
        ("ai_messages", "conversation_id", "ai_conversations", "id"),
        ("resolution_steps", "issue_id", "issues", "id"),
        ("documents", "issue_id", "issues", "id"),
        // Ours: a log's workflow state goes with the log (the audit chain has no FK on purpose).
        ("log_state", "log_file_id", "log_files", "id"),
        ("log_cleaned", "log_file_id", "log_files", "id"),
    ]
}

fn check_schema(c: &rusqlite::Connection) {
    for (table, want) in seed_tables().into_iter().chain(our_tables()) {
        let mut st = c.prepare(&format!("PRAGMA table_info({table})")).unwrap();
        let got: Vec<(String, String, bool, Option<String>, bool)> = st
            .query_map([], |r| {
                Ok((
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, i64>(3)? != 0,
                    r.get(4)?,
                    r.get::<_, i64>(5)? != 0,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let want: Vec<_> = want
            .iter()
            .map(|(n, t, nn, d, pk)| (n.to_string(), t.to_string(), *nn, d.map(String::from), *pk))
            .collect();
        assert_eq!(got, want, "columns of {table}");
    }
    let mut all_fks = Vec::new();
    for (table, _) in seed_tables().into_iter().chain(our_tables()) {
        let mut st = c
            .prepare(&format!("PRAGMA foreign_key_list({table})"))
            .unwrap();
        let fks: Vec<(String, String, String, String, String)> = st
            .query_map([], |r| {
                Ok((
                    table.to_string(),
                    r.get(3)?,
                    r.get(2)?,
                    r.get(4)?,
                    r.get(6)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        all_fks.extend(fks);
    }
    let want: Vec<_> = seed_fks()
        .into_iter()
        .map(|(t, f, tt, tc)| {
            (
                t.into(),
                f.into(),
                tt.into(),
                tc.into(),
                "CASCADE".to_string(),
            )
        })
        .collect();
    assert_eq!(all_fks, want);
    // The role CHECK constraint of 005.
    let sql: String = c
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'ai_messages'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        sql.contains("CHECK(role IN ('system', 'user', 'assistant'))"),
        "{sql}"
    );
    // 010: an external-content FTS5 table over issues(id UNINDEXED, title, description) + 3 triggers.
    let fts: String = c
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'issues_fts'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let flat: String = fts.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("USING fts5( id UNINDEXED, title, description, content='issues', content_rowid='rowid' )"), "{flat}");
    let mut st = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'issues' ORDER BY name")
        .unwrap();
    let triggers: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        triggers,
        ["issues_fts_ad", "issues_fts_ai", "issues_fts_au"]
    );
    // No table beyond the seed's and our two (FTS5 shadow tables aside).
    let mut st = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'issues_fts%' ORDER BY name")
        .unwrap();
    let mut tables: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut want: Vec<String> = seed_tables()
        .iter()
        .chain(our_tables().iter())
        .map(|(t, _)| t.to_string())
        .collect();
    tables.sort();
    want.sort();
    assert_eq!(tables, want);
}

#[test]
fn encrypted_schema_equals_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    drop(Store::open(&enc_opts(&db)).unwrap());
    let c = raw_conn(&db, Some(KEY));
    check_schema(&c);
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn plain_schema_equals_the_seed_and_migrations_are_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let s = Store::open(&plain_opts(&db)).unwrap();
    let names = s.applied_migrations().unwrap();
    assert_eq!(
        names,
        [
            "001_issues",
            "002_log_files",
            "003_pii_spans",
            "004_ai_conversations",
            "005_ai_messages",
            "006_resolution_steps",
            "007_documents",
            "008_audit_log",
            "009_settings",
            "010_issues_fts",
            "011_audit_chain",
            "012_log_state",
            "013_log_cleaned"
        ]
    );
    drop(s);
    let c = raw_conn(&db, None);
    check_schema(&c);
    let stamps: Vec<String> = c
        .prepare("SELECT applied_at FROM _migrations")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for s in &stamps {
        assert_eq!(s.len(), 19, "{s}");
        assert_eq!(&s[4..5], "-");
        assert_eq!(&s[10..11], " ");
    }
    drop(c);
    // Re-running is a no-op: the file does not change at all.
    let before = sha256_file(&db);
    drop(Store::open(&plain_opts(&db)).unwrap());
    assert_eq!(sha256_file(&db), before);
    let n: i64 = raw_conn(&db, None)
        .query_row("SELECT count(*) FROM _migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 13);
}

#[test]
fn a_database_with_an_unknown_migration_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    drop(Store::open(&enc_opts(&db)).unwrap());
    {
        let c = raw_conn(&db, Some(KEY));
        c.execute(
            "INSERT INTO _migrations (name, applied_at) VALUES ('099_from_the_future', '2030-01-01 00:00:00')",
            [],
        )
        .unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    let before = sha256_file(&db);
    let err = Store::open(&enc_opts(&db)).err().expect("must refuse");
    assert!(
        matches!(err, StoreError::UnknownMigration { ref name, .. } if name == "099_from_the_future"),
        "{err}"
    );
    assert!(err.to_string().contains("099_from_the_future"));
    assert!(err.to_string().contains("refusing"));
    assert_eq!(sha256_file(&db), before);
}

#[test]
fn a_foreign_sqlite_database_is_not_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    raw_conn(&db, None)
        .execute_batch("CREATE TABLE other (x); INSERT INTO other VALUES (1);")
        .unwrap();
    let before = sha256_file(&db);
    let err = Store::open(&plain_opts(&db)).err().expect("must refuse");
    assert!(matches!(err, StoreError::NotTftsr { .. }), "{err}");
    assert_eq!(sha256_file(&db), before);
}

#[test]
fn a_partially_migrated_database_is_completed() {
    // A database that stopped after 005 (e.g. written by an older build) gets 006..010 on open.
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    drop(Store::open(&plain_opts(&db)).unwrap());
    {
        let c = raw_conn(&db, None);
        c.execute_batch(
            "DROP TRIGGER issues_fts_ai; DROP TRIGGER issues_fts_ad; DROP TRIGGER issues_fts_au;
             DROP TABLE issues_fts; DROP TABLE settings; DROP TABLE audit_log; DROP TABLE documents;
             DROP TABLE resolution_steps; DROP TABLE audit_chain; DROP TABLE log_state; DROP TABLE log_cleaned;
             DELETE FROM _migrations WHERE name >= '006';",
        )
        .unwrap();
    }
    let s = Store::open(&plain_opts(&db)).unwrap();
    assert_eq!(s.applied_migrations().unwrap().len(), 13);
    drop(s);
    check_schema(&raw_conn(&db, None));
}
