//! The tamper-evident audit chain on real SQLCipher files: every entry linked by SHA-256 in
//! `audit_chain`; `verify_audit` names the first broken link when an independent SQLCipher client
//! (Python `sqlcipher3`) edits, deletes, reorders or inserts audit rows behind the store's back.
//! Filters (issue, action, since), and operations that reveal or change protected data audited.

use crate::helpers;

use std::path::Path;

use helpers::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use tftsr::store::{AuditAction, AuditFilter, NewIssue, OpenOptions, Store};

/// A store with an issue and a handful of audit entries; returns (dir, db, audit ids oldest first).
fn chained_store() -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tftsr.db");
    let s = Store::open(&enc_opts(&db)).unwrap();
    let i = s
        .create_issue(NewIssue {
            title: "chained".into(),
            severity: "high".into(),
            ..Default::default()
        })
        .unwrap();
    s.set_issue_status(&i.id, "investigating").unwrap();
    s.set_setting("ui_theme", "dark").unwrap();
    s.add_tags(&i.id, &["web".into()]).unwrap();
    s.set_issue_status(&i.id, "resolved").unwrap();
    let v = s.verify_audit().unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!((v.links, v.entries), (5, 5));
    let mut ids: Vec<String> = s.audit_log(0).unwrap().into_iter().map(|e| e.id).collect();
    ids.reverse();
    drop(s);
    (dir, db, ids)
}

fn verify(db: &Path) -> tftsr::store::AuditVerification {
    Store::open(&enc_opts(db)).unwrap().verify_audit().unwrap()
}

/// SQL for the independent client, given the audit ids oldest first.
type Tamper = Box<dyn Fn(&[String]) -> String>;

#[test]
fn every_kind_of_tampering_is_named_at_its_first_broken_link() {
    // (what the independent client does, link reported, words of the problem)
    let cases: Vec<(&str, Tamper, Option<i64>, &str)> = vec![
        (
            "edit a row's details",
            Box::new(|ids| {
                format!(
                    "UPDATE audit_log SET details = '{{\"n\":1}}' WHERE id = '{}'",
                    ids[2]
                )
            }),
            Some(3),
            "was edited",
        ),
        (
            "edit a row's timestamp",
            Box::new(|ids| {
                format!(
                    "UPDATE audit_log SET timestamp = '2000-01-01 00:00:00' WHERE id = '{}'",
                    ids[1]
                )
            }),
            Some(2),
            "was edited",
        ),
        (
            "delete a row",
            Box::new(|ids| format!("DELETE FROM audit_log WHERE id = '{}'", ids[3])),
            Some(4),
            "was deleted",
        ),
        (
            "delete a row and its link",
            Box::new(|ids| {
                format!(
                    "DELETE FROM audit_log WHERE id = '{0}';\nDELETE FROM audit_chain WHERE audit_id = '{0}'",
                    ids[1]
                )
            }),
            Some(2),
            "a link was deleted",
        ),
        (
            "reorder two rows (swap what they record)",
            Box::new(|ids| {
                let cols = ["action", "entity_type", "entity_id", "details"];
                let set: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        format!(
                            "{c} = CASE id WHEN '{0}' THEN (SELECT {c} FROM audit_log WHERE id = '{1}') ELSE (SELECT {c} FROM audit_log WHERE id = '{0}') END",
                            ids[1], ids[2]
                        )
                    })
                    .collect();
                format!(
                    "UPDATE audit_log SET {} WHERE id IN ('{}', '{}')",
                    set.join(", "),
                    ids[1],
                    ids[2]
                )
            }),
            Some(2),
            "was edited",
        ),
        (
            "reorder two links",
            Box::new(|_| {
                "UPDATE audit_chain SET seq = 100 WHERE seq = 2;\nUPDATE audit_chain SET seq = 2 WHERE seq = 3;\nUPDATE audit_chain SET seq = 3 WHERE seq = 100".into()
            }),
            Some(2),
            "reordered",
        ),
        (
            "insert a row",
            Box::new(|_| {
                "INSERT INTO audit_log (id, timestamp, action, entity_type, entity_id, details) VALUES ('01900000-0000-7000-8000-000000000000', '2001-01-01 00:00:00', 'issue_delete', 'issue', 'x', '{}')".into()
            }),
            None,
            "in no link",
        ),
        (
            "insert a row with a forged link at the end",
            Box::new(|ids| {
                format!(
                    "INSERT INTO audit_log (id, timestamp, action, entity_type, entity_id, details) VALUES ('01900000-0000-7000-8000-000000000001', '2001-01-01 00:00:00', 'issue_delete', 'issue', 'x', '{{}}');\nINSERT INTO audit_chain (seq, audit_id, prev_hash, hash) VALUES (6, '01900000-0000-7000-8000-000000000001', (SELECT hash FROM audit_chain WHERE audit_id = '{}'), '{}')",
                    ids[4],
                    "ab".repeat(32)
                )
            }),
            Some(6),
            "was edited",
        ),
    ];
    for (what, sql, seq, words) in cases {
        let (_d, db, ids) = chained_store();
        let Some(_) = independent_sqlcipher(&db, KEY, &sql(&ids)) else {
            return;
        };
        let v = verify(&db);
        assert!(!v.ok, "{what}: {v:?}");
        let b = v.first_broken.clone().unwrap();
        assert_eq!(b.seq, seq, "{what}: {b}");
        assert!(b.problem.contains(words), "{what}: {b}");
        // `db check` reports it as well.
        let r = Store::open(&enc_opts(&db)).unwrap().check().unwrap();
        assert!(!r.ok && !r.audit_chain_ok, "{what}");
    }
    // The independent client really reads our file, and an untouched chain verifies.
    let (_d, db, ids) = chained_store();
    let Some(out) =
        independent_sqlcipher(&db, KEY, "SELECT audit_id FROM audit_chain ORDER BY seq")
    else {
        return;
    };
    assert_eq!(out.lines().collect::<Vec<_>>(), ids);
    assert!(verify(&db).ok);
}

#[test]
fn the_chain_is_written_with_each_entry_and_survives_reopen_and_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tftsr.db");
    let s = std::sync::Arc::new(Store::open(&enc_opts(&db)).unwrap());
    // Two threads and a second connection writing at once still make one unbroken chain.
    let other = Store::open(&enc_opts(&db)).unwrap();
    std::thread::scope(|sc| {
        for _ in 0..2 {
            let s = s.clone();
            sc.spawn(move || {
                for n in 0..20 {
                    s.set_setting(&format!("k{n}"), "v").unwrap();
                }
            });
        }
        sc.spawn(|| {
            for n in 0..20 {
                other.set_setting(&format!("o{n}"), "v").unwrap();
            }
        });
    });
    let v = s.verify_audit().unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!((v.links, v.entries), (60, 60));
    let head = v.head.clone().unwrap();
    drop(other);
    drop(s);
    let again = verify(&db);
    assert_eq!(again.head.as_deref(), Some(head.as_str()));
}

#[test]
fn a_store_from_before_the_chain_is_chained_on_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tftsr.db");
    let s = Store::open(&enc_opts(&db)).unwrap();
    for n in 0..3 {
        s.set_setting(&format!("k{n}"), "v").unwrap();
    }
    drop(s);
    // Make it what a build before 011/012 left: no chain table, no record of those migrations.
    {
        let c = raw_conn(&db, Some(KEY));
        c.execute_batch(
            "DROP TABLE audit_chain; DROP TABLE log_state; DROP TABLE log_cleaned;
             DELETE FROM _migrations WHERE name >= '011';",
        )
        .unwrap();
    }
    let s = Store::open(&enc_opts(&db)).unwrap();
    let v = s.verify_audit().unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.links, 3);
    s.set_setting("after", "v").unwrap();
    assert_eq!(s.verify_audit().unwrap().links, 4);
}

#[test]
fn audit_filters_by_issue_action_and_since() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tftsr.db");
    let s = Store::open(&enc_opts(&db)).unwrap();
    let a = s
        .create_issue(NewIssue {
            title: "a".into(),
            severity: "low".into(),
            ..Default::default()
        })
        .unwrap();
    let b = s
        .create_issue(NewIssue {
            title: "b".into(),
            severity: "low".into(),
            ..Default::default()
        })
        .unwrap();
    let doc = s.create_document(&a.id, "rca", "RCA", "# x").unwrap();
    s.update_document(&doc.id, Default::default()).unwrap_err();
    s.set_issue_status(&b.id, "investigating").unwrap();
    let of = |f: AuditFilter| -> Vec<String> {
        s.audit_entries(&f)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    };
    assert_eq!(
        of(AuditFilter {
            issue_id: Some(a.id.clone()),
            ..Default::default()
        }),
        ["document_create", "issue_create"]
    );
    // A unique prefix works; so does the id of a deleted issue.
    let prefix = &b.id[..b.id.len() - 2];
    assert_eq!(
        of(AuditFilter {
            issue_id: Some(prefix.into()),
            ..Default::default()
        }),
        ["issue_update", "issue_create"]
    );
    s.delete_issue(&b.id).unwrap();
    assert_eq!(
        of(AuditFilter {
            issue_id: Some(b.id.clone()),
            ..Default::default()
        }),
        ["issue_delete", "issue_update", "issue_create"]
    );
    assert_eq!(
        of(AuditFilter {
            action: Some(AuditAction::IssueCreate),
            ..Default::default()
        }),
        ["issue_create", "issue_create"]
    );
    assert_eq!(
        of(AuditFilter {
            action: Some(AuditAction::IssueCreate),
            issue_id: Some(a.id.clone()),
            since: Some("1h".into()),
            limit: 1,
        }),
        ["issue_create"]
    );
    assert!(of(AuditFilter {
        since: Some("2999-01-01".into()),
        ..Default::default()
    })
    .is_empty());
    let e = s
        .audit_entries(&AuditFilter {
            since: Some("last tuesday".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(e.to_string().contains("invalid since"), "{e}");
}

#[test]
fn exports_with_values_encrypt_and_rekey_leave_audit_entries() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tftsr(&data)
        .args(["issue", "new", "--title", "t", "--severity", "low"])
        .assert()
        .success();
    let out = dir.path().join("full.json");
    tftsr(&data)
        .args(["db", "export", "--json", "--include-values", "-o"])
        .arg(&out)
        .assert()
        .success();
    tftsr(&data).args(["db", "rekey"]).assert().success();
    let audit: serde_json::Value = serde_json::from_slice(
        &tftsr(&data)
            .args(["audit", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    let entries = audit.as_array().unwrap();
    let export = entries
        .iter()
        .find(|e| e["action"] == "db_export")
        .expect("db export --include-values is audited");
    assert_eq!(export["entity_type"], "database");
    assert_eq!(export["details"]["includes_values"], true);
    let sha = hex::encode(Sha256::digest(std::fs::read(&out).unwrap()));
    assert_eq!(
        export["details"]["sha256"],
        json!(sha),
        "the hash of the exact bytes written"
    );
    assert!(entries.iter().any(|e| e["action"] == "db_rekey"));
    // Encrypting a plain store is audited too (in the encrypted result).
    let pdir = tempfile::tempdir().unwrap();
    let pdata = pdir.path().join("data");
    tftsr(&pdata)
        .env("TFTSR_DB_ENCRYPT", "0")
        .args(["issue", "new", "--title", "p", "--severity", "low"])
        .assert()
        .success();
    tftsr(&pdata).args(["db", "encrypt"]).assert().success();
    let s = Store::open(&OpenOptions {
        db_path: Some(db_in(&pdata)),
        encryption: Some(tftsr::store::Encryption::On),
        key: Some(
            std::fs::read_to_string(pdata.join(".dbkey"))
                .unwrap()
                .trim()
                .into(),
        ),
    })
    .unwrap();
    let log = s.audit_log(0).unwrap();
    assert_eq!(log[0].action, "db_encrypt");
    assert!(s.verify_audit().unwrap().ok);
}

#[test]
fn redacting_with_the_stores_pseudonym_secret_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("in.log");
    let text = format!(
        "{}\nuser=erin.planted-pseudo@example.net logged in\n",
        crate::corpus::loghub_file("OpenSSH_2k.log")
            .lines()
            .next()
            .unwrap()
    );
    std::fs::write(&log, &text).unwrap();
    let out = dir.path().join("out.log");
    tftsr(&data)
        .args(["redact", "--style", "pseudonym"])
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    // The plain styles use no secret of the store and leave no entry.
    tftsr(&data)
        .args(["redact", "--style", "tag"])
        .arg(&log)
        .arg("-o")
        .arg(dir.path().join("out2.log"))
        .assert()
        .success();
    let audit: serde_json::Value = serde_json::from_slice(
        &tftsr(&data)
            .args(["audit", "--action", "redact_file", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    let e = audit.as_array().unwrap();
    assert_eq!(e.len(), 1, "{audit}");
    assert_eq!(
        e[0]["entity_id"],
        json!(hex::encode(Sha256::digest(text.as_bytes())))
    );
    assert_eq!(
        e[0]["details"]["after_sha256"],
        json!(hex::encode(Sha256::digest(std::fs::read(&out).unwrap())))
    );
    assert_eq!(e[0]["details"]["counts"]["email"], 1);
    assert!(!audit.to_string().contains("erin"));
}
