//! The Store API on real (encrypted) files: cascades, FTS in step with issues, validation, the
//! audit trail, redaction bookkeeping, settings and export.

use crate::helpers;

use std::collections::BTreeMap;
use std::sync::Arc;

use helpers::*;
use serde_json::json;
use tftsr::store::{
    AuditAction, IssueFilter, IssueUpdate, NewIssue, NewLogFile, NewPiiSpan, Store, StoreError,
};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&enc_opts(&db_in(dir.path()))).unwrap();
    (dir, s)
}

fn issue(s: &Store, title: &str, desc: &str) -> String {
    s.create_issue(NewIssue {
        title: title.into(),
        severity: "medium".into(),
        description: Some(desc.into()),
        tags: vec!["a".into(), "b c".into()],
        ..Default::default()
    })
    .unwrap()
    .id
}

fn log(n_spans: usize) -> NewLogFile {
    NewLogFile {
        file_name: "app.log".into(),
        file_path: "/tmp/app.log".into(),
        content_hash: "0".repeat(64),
        file_size: 1234,
        mime_type: Some("text/plain".into()),
        spans: (0..n_spans)
            .map(|i| NewPiiSpan {
                pii_type: if i % 2 == 0 { "email" } else { "ipv4" }.into(),
                start_offset: (i * 10) as i64,
                end_offset: (i * 10 + 5) as i64,
                original_value: format!("value{i}"),
                replacement: "[Email]".into(),
            })
            .collect(),
    }
}

fn count(s: &Store, table: &str) -> i64 {
    let r = s.check().unwrap();
    r.row_counts.iter().find(|(t, _)| t == table).unwrap().1
}

#[test]
fn store_is_send_sync_and_usable_from_spawn_blocking() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Store>();
    assert_send_sync::<StoreError>();
    let (_d, s) = store();
    let s = Arc::new(s);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let n = rt.block_on(async {
        let mut hs = Vec::new();
        for i in 0..8 {
            let s = s.clone();
            hs.push(tokio::task::spawn_blocking(move || {
                issue(&s, &format!("parallel {i}"), "x");
            }));
        }
        for h in hs {
            h.await.unwrap();
        }
        let s2 = s.clone();
        tokio::task::spawn_blocking(move || s2.list_issues(&IssueFilter::default()).unwrap().len())
            .await
            .unwrap()
    });
    assert_eq!(n, 8);
}

#[test]
fn ids_are_uuid_v7_and_timestamps_follow_the_seed() {
    let (_d, s) = store();
    let id = issue(&s, "t", "d");
    let u = uuid::Uuid::parse_str(&id).unwrap();
    assert_eq!(u.get_version_num(), 7);
    let i = s.get_issue(&id).unwrap().issue;
    let fmt = |t: &str| {
        t.len() == 19
            && t.as_bytes()[4] == b'-'
            && t.as_bytes()[10] == b' '
            && t.as_bytes()[13] == b':'
    };
    assert!(fmt(&i.created_at) && fmt(&i.updated_at), "{i:?}");
    assert_eq!(i.status, "open");
    assert_eq!(i.tags, ["a", "b c"]);
    // tags are a JSON array in TEXT; documents use INTEGER ms.
    let d = s.create_document(&id, "rca", "RCA", "# why").unwrap();
    assert!(d.created_at > 1_600_000_000_000, "{}", d.created_at);
    drop(s);
    let c = raw_conn(&db_in(_d.path()), Some(KEY));
    let tags: String = c
        .query_row("SELECT tags FROM issues WHERE id = ?1", [&id], |r| r.get(0))
        .unwrap();
    assert_eq!(tags, r#"["a","b c"]"#);
    let ty: String = c
        .query_row("SELECT typeof(created_at) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ty, "integer");
}

#[test]
fn newest_first_and_status_filter() {
    let (_d, s) = store();
    let a = issue(&s, "first", "");
    let b = issue(&s, "second", "");
    let c = issue(&s, "third", "");
    let all = s.list_issues(&IssueFilter::default()).unwrap();
    let ids: Vec<_> = all.iter().map(|i| i.id.clone()).collect();
    assert_eq!(ids, [c.clone(), b.clone(), a.clone()]);
    s.update_issue(
        &b,
        IssueUpdate {
            status: Some("investigating".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let inv = s
        .list_issues(&IssueFilter {
            status: Some("investigating".into()),
            limit: 0,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(inv.len(), 1);
    assert_eq!(inv[0].id, b);
    let two = s
        .list_issues(&IssueFilter {
            status: None,
            limit: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(two.len(), 2);
    let e = s
        .list_issues(&IssueFilter {
            status: Some("done".into()),
            limit: 0,
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("open, investigating, resolved, closed"),
        "{e}"
    );
}

#[test]
fn status_changes_set_updated_at_and_resolved_at() {
    let (_d, s) = store();
    let id = issue(&s, "t", "d");
    let before = s.get_issue(&id).unwrap().issue;
    // The store's timestamps have one-second resolution: wait for the clock to pass that second
    // (at most one second, whatever the load) rather than sleep a guessed time.
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    while time::OffsetDateTime::now_utc().format(&fmt).unwrap() <= before.updated_at {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let r = s
        .update_issue(
            &id,
            IssueUpdate {
                status: Some("resolved".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(r.updated_at > before.updated_at);
    assert_eq!(r.resolved_at.as_deref(), Some(r.updated_at.as_str()));
    let closed = s
        .update_issue(
            &id,
            IssueUpdate {
                status: Some("closed".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        closed.resolved_at, r.resolved_at,
        "closing keeps resolved_at"
    );
    let reopened = s
        .update_issue(
            &id,
            IssueUpdate {
                status: Some("open".into()),
                description: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(reopened.resolved_at, None);
    assert_eq!(reopened.description, None);
    assert_eq!(
        s.get_issue(&id).unwrap().issue,
        reopened,
        "what update returns is what is stored"
    );
}

#[test]
fn validation_errors_are_clear() {
    let (_d, s) = store();
    let e = s
        .create_issue(NewIssue {
            title: "x".into(),
            severity: "urgent".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid severity: expected one of critical, high, medium, low"
    );
    let e = s
        .create_issue(NewIssue {
            title: "  ".into(),
            severity: "low".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(e.to_string().contains("title"));
    let id = issue(&s, "t", "d");
    let e = s
        .update_issue(
            &id,
            IssueUpdate {
                status: Some("done".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(e.to_string().starts_with("invalid status"), "{e}");
    let e = s.update_issue(&id, IssueUpdate::default()).unwrap_err();
    assert!(e.to_string().contains("nothing to update"));
    let missing = "01900000-0000-7000-8000-000000000000";
    for e in [
        s.get_issue(missing).unwrap_err(),
        s.delete_issue(missing).unwrap_err(),
        s.attach_log(missing, log(1)).unwrap_err(),
        s.update_issue(
            missing,
            IssueUpdate {
                title: Some("x".into()),
                ..Default::default()
            },
        )
        .unwrap_err(),
    ] {
        assert_eq!(e.to_string(), format!("no issue with id `{missing}`"));
    }
    let mut bad = log(1);
    bad.content_hash = "not-a-hash".into();
    assert!(s
        .attach_log(&id, bad)
        .unwrap_err()
        .to_string()
        .contains("SHA-256"));
    let mut bad = log(1);
    bad.spans[0].end_offset = -1;
    assert!(matches!(
        s.attach_log(&id, bad).unwrap_err(),
        StoreError::Invalid { .. }
    ));
    // Nothing half-written by the refused calls.
    assert_eq!(count(&s, "log_files"), 0);
}

#[test]
fn deleting_an_issue_cascades_to_every_child() {
    let (_d, s) = store();
    let keep = issue(&s, "keep", "");
    let gone = issue(&s, "gone", "");
    for id in [&keep, &gone] {
        let lf = s.attach_log(id, log(5)).unwrap();
        assert_eq!(s.pii_spans(&lf.id).unwrap().len(), 5);
        s.add_resolution_step(id, 1, "why?", Some("because"), None)
            .unwrap();
        s.create_document(id, "postmortem", "PM", "text").unwrap();
    }
    // Conversations and messages through SQL (no API needed yet), with the store's FK settings.
    drop(s);
    {
        let c = raw_conn(&db_in(_d.path()), Some(KEY));
        for (n, id) in [&keep, &gone].iter().enumerate() {
            c.execute(
                "INSERT INTO ai_conversations (id, issue_id, provider, model, created_at) VALUES (?1, ?2, 'p', 'm', '2026-01-01 00:00:00')",
                rusqlite::params![format!("conv{n}"), id],
            )
            .unwrap();
            c.execute(
                "INSERT INTO ai_messages (id, conversation_id, role, content, created_at) VALUES (?1, ?2, 'user', 'hi', '2026-01-01 00:00:00')",
                rusqlite::params![format!("msg{n}"), format!("conv{n}")],
            )
            .unwrap();
        }
        let bad = c.execute(
            "INSERT INTO ai_messages (id, conversation_id, role, content, created_at) VALUES ('m9', 'conv0', 'robot', 'x', 'x')",
            [],
        );
        assert!(bad.is_err(), "role CHECK constraint");
    }
    let s = Store::open(&enc_opts(&db_in(_d.path()))).unwrap();
    let d = s.get_issue(&gone).unwrap();
    assert_eq!(d.log_files.len(), 1);
    assert_eq!(d.resolution_steps.len(), 1);
    assert_eq!(d.conversations.len(), 1);
    s.delete_issue(&gone).unwrap();
    for (t, n) in [
        ("issues", 1),
        ("log_files", 1),
        ("pii_spans", 5),
        ("resolution_steps", 1),
        ("documents", 1),
        ("ai_conversations", 1),
        ("ai_messages", 1),
    ] {
        assert_eq!(count(&s, t), n, "{t}");
    }
    assert!(matches!(
        s.get_issue(&gone),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.get_issue(&keep).unwrap().log_files.len(), 1);
    // The audit trail keeps the delete.
    let a = s.audit_log(1).unwrap();
    assert_eq!(a[0].action, "issue_delete");
    assert_eq!(a[0].entity_id, gone);
    assert_eq!(a[0].details, Some(json!({"log_files": 1})));
}

#[test]
fn fts_follows_inserts_updates_and_deletes() {
    let (_d, s) = store();
    let a = issue(&s, "Checkout returns 502", "nginx upstream timed out");
    let b = issue(&s, "Login slow", "database pool exhausted at checkout peak");
    let hits = s.search_issues("checkout", 10).unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(
        hits[0].issue.id, a,
        "a title match ranks above a description match"
    );
    assert!(hits[0].score > hits[1].score && hits[1].score > 0.0);
    // Plain snippets; the matched word's characters in `highlights`.
    assert_eq!(hits[0].snippet, "Checkout returns 502");
    assert_eq!(hits[0].highlights, vec![[0, 8]]);
    assert_eq!(hits[1].snippet, "database pool exhausted at checkout peak");
    assert_eq!(hits[1].highlights, vec![[27, 35]]);
    // Update: old words gone, new words found.
    s.update_issue(
        &a,
        IssueUpdate {
            title: Some("Payment gateway 502".into()),
            description: Some(Some("stripe webhook failures".into())),
            ..Default::default()
        },
    )
    .unwrap();
    let ids: Vec<_> = s
        .search_issues("checkout", 10)
        .unwrap()
        .into_iter()
        .map(|h| h.issue.id)
        .collect();
    assert_eq!(ids, vec![b.clone()]);
    assert_eq!(s.search_issues("stripe", 10).unwrap()[0].issue.id, a);
    // A status-only update keeps the row findable.
    s.update_issue(
        &b,
        IssueUpdate {
            status: Some("resolved".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.search_issues("exhausted", 10).unwrap().len(), 1);
    // Delete: gone from search.
    s.delete_issue(&b).unwrap();
    assert!(s.search_issues("exhausted", 10).unwrap().is_empty());
    assert!(s.search_issues("checkout", 10).unwrap().is_empty());
    // Prefix on the last word, AND across words.
    assert_eq!(s.search_issues("gate", 10).unwrap().len(), 1);
    assert_eq!(s.search_issues("payment webhook", 10).unwrap().len(), 1);
    assert_eq!(s.search_issues("payment login", 10).unwrap().len(), 0);
    assert!(s.check().unwrap().fts_ok);
}

#[test]
fn hostile_search_input_never_breaks_the_query() {
    let (_d, s) = store();
    issue(
        &s,
        "AND OR NOT near",
        "quote \" and (parens) col:on star* ^caret -minus",
    );
    for q in [
        "\"",
        "\"\"",
        "AND",
        "OR NOT",
        "(",
        ")",
        "a:b",
        "*",
        "^x",
        "-x",
        "NEAR(a b)",
        "title:x",
        "'; DROP TABLE issues; --",
        "\u{0}",
        "é ü 漢字 🙂",
        "",
        "   ",
        "x\"y",
        "{a b}",
        "+",
        "a OR",
    ] {
        let r = s.search_issues(q, 5);
        assert!(r.is_ok(), "query {q:?} failed: {:?}", r.err());
    }
    assert_eq!(s.search_issues("(parens)", 5).unwrap().len(), 1);
    assert_eq!(
        s.search_issues("AND OR", 5).unwrap().len(),
        1,
        "operators are words"
    );
    assert_eq!(count(&s, "issues"), 1);
}

#[test]
fn attach_stores_the_log_spans_and_an_audit_entry_with_no_values() {
    let (_d, s) = store();
    let id = issue(&s, "t", "d");
    let lf = s.attach_log(&id, log(4)).unwrap();
    assert!(!lf.redacted);
    let spans = s.pii_spans(&lf.id).unwrap();
    assert_eq!(spans.len(), 4);
    assert_eq!(spans[1].original_value, "value1");
    let a = &s.audit_log(1).unwrap()[0];
    assert_eq!(a.action, "log_attach");
    assert_eq!(a.entity_type, "log_file");
    assert_eq!(a.entity_id, lf.id);
    let det = a.details.clone().unwrap();
    assert_eq!(det["counts"], json!({"email": 2, "ipv4": 2}));
    assert_eq!(det["span_count"], 4);
    assert!(!det.to_string().contains("value"), "{det}");
    // Redaction: hashes + counts recorded, flag set; finalize clears the originals to ''.
    let e = s.finalize_redaction(&lf.id).unwrap_err();
    assert!(e.to_string().contains("not redacted yet"));
    let mut counts = BTreeMap::new();
    counts.insert("email".to_string(), 2);
    s.record_redaction(&lf.id, &"1".repeat(64), &"2".repeat(64), &counts)
        .unwrap();
    assert!(s.get_log_file(&lf.id).unwrap().redacted);
    let a = &s.audit_log(1).unwrap()[0];
    assert_eq!(a.action, "log_redact");
    assert_eq!(a.details.as_ref().unwrap()["before_sha256"], "1".repeat(64));
    s.finalize_redaction(&lf.id).unwrap();
    assert!(s
        .pii_spans(&lf.id)
        .unwrap()
        .iter()
        .all(|p| p.original_value.is_empty()));
    assert_eq!(s.audit_log(1).unwrap()[0].action, "redaction_finalize");
    drop(s);
    let c = raw_conn(&db_in(_d.path()), Some(KEY));
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM pii_spans WHERE original_value <> ''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);
    let redacted: i64 = c
        .query_row("SELECT redacted FROM log_files", [], |r| r.get(0))
        .unwrap();
    assert_eq!(redacted, 1);
}

#[test]
fn audit_is_append_only_and_refuses_values() {
    let (_d, s) = store();
    let id = issue(&s, "t", "d");
    let e = s
        .audit(
            AuditAction::AiSend,
            "issue",
            &id,
            json!({"tokens": 120, "provider": "ollama", "via": "codeAction"}),
        )
        .unwrap();
    assert_eq!(e.action, "ai_send");
    assert_eq!(e.user_id, "local");
    for bad in [
        json!({"email": "bob@example.com"}),
        json!({"ip": "10.0.0.1"}),
        json!({"token": "ghp_AbCdEf0123456789"}),
        json!({"aws": "AKIA2JVQ5RZ7HXKM4TNW"}),
        json!({"host": "db01.internal"}),
        json!({"ipv6": "fe80::1"}),
        json!({"nested": {"v": ["ok", "Hunter2!"]}}),
        json!({"bob@example.com": 1}),
    ] {
        let err = s
            .audit(AuditAction::AiSend, "issue", &id, bad.clone())
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid { .. }), "{bad}");
        assert!(!err.to_string().contains("example.com") && !err.to_string().contains("Hunter2"));
    }
    let err = s
        .audit(AuditAction::AiSend, "document", &id, json!({}))
        .unwrap_err();
    assert!(err.to_string().contains("entity type `issue`"), "{err}");
    let n = s.audit_log(0).unwrap().len();
    assert_eq!(n, 2, "issue_create + ai_send; refused entries not written");
    // Every action of the vocabulary round-trips.
    for a in AuditAction::ALL {
        assert_eq!(a.as_str().parse::<AuditAction>().unwrap(), a);
    }
}

#[test]
fn pseudonym_secret_is_generated_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let s = Store::open(&enc_opts(&db)).unwrap();
    let a = s.pseudonym_secret().unwrap();
    assert_ne!(a, [0u8; 32]);
    assert_eq!(s.pseudonym_secret().unwrap(), a);
    drop(s);
    let s = Store::open(&enc_opts(&db)).unwrap();
    assert_eq!(s.pseudonym_secret().unwrap(), a);
    assert!(
        s.setting("pseudonym_secret").is_err(),
        "not readable as a setting"
    );
    assert!(s.set_setting("pseudonym_secret", "00").is_err());
    // The other store gets another secret.
    let (_d2, s2) = store();
    assert_ne!(s2.pseudonym_secret().unwrap(), a);
    // Not in a default export.
    let v = s.export_json(false).unwrap();
    assert!(!v.to_string().contains(&hex::encode(a)));
    assert!(s
        .export_json(true)
        .unwrap()
        .to_string()
        .contains(&hex::encode(a)));
}

#[test]
fn settings_round_trip_and_are_audited_by_key_only() {
    let (_d, s) = store();
    assert_eq!(s.setting("redaction.style").unwrap(), None);
    s.set_setting("redaction.style", "pseudonym").unwrap();
    s.set_setting("redaction.style", "mask").unwrap();
    assert_eq!(
        s.setting("redaction.style").unwrap().as_deref(),
        Some("mask")
    );
    let a = &s.audit_log(1).unwrap()[0];
    assert_eq!(a.action, "settings_change");
    assert_eq!(a.entity_type, "setting");
    assert_eq!(a.entity_id, "redaction.style");
    assert!(!a.details.as_ref().unwrap().to_string().contains("mask"));
}

#[test]
fn export_has_every_table_and_hides_original_values_by_default() {
    let (_d, s) = store();
    let id = issue(&s, "exported", "d");
    s.attach_log(&id, log(3)).unwrap();
    let v = s.export_json(false).unwrap();
    for t in tftsr::store::TABLES {
        assert!(v["tables"][t].is_array(), "{t}");
    }
    assert_eq!(v["tables"]["issues"][0]["title"], "exported");
    assert_eq!(v["tables"]["pii_spans"].as_array().unwrap().len(), 3);
    assert!(!v.to_string().contains("value1"));
    let full = s.export_json(true).unwrap();
    assert!(full.to_string().contains("value1"));
    assert_eq!(v["migrations"].as_array().unwrap().len(), 13);
}
