//! The incident workflow's store side on real SQLCipher files: 5-Whys, documents, cleaned logs
//! (review, redacted flag, finalize, not keeping values), unique id prefixes, the issue lifecycle,
//! tags and filters, AI conversations and the `ai_send` audit. Rows are checked through an
//! independent raw connection where the claim is about what is on disk.

use crate::helpers;

use std::collections::BTreeMap;

use helpers::*;
use sha2::{Digest, Sha256};
use tftsr::store::{
    AttachOptions, DocumentUpdate, Entity, Evidence, IssueFilter, NewIssue, NewLogFile, NewPiiSpan,
    NewWhy, Store, StoreError, WhyUpdate,
};

const PLANT: &str = "planted-workflow.victim@example.com";

fn store() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let d = tempfile::tempdir().unwrap();
    let db = d.path().join("tftsr.db");
    let s = Store::open(&enc_opts(&db)).unwrap();
    (d, db, s)
}

fn issue(s: &Store, title: &str, severity: &str, tags: &[&str]) -> String {
    s.create_issue(NewIssue {
        title: title.into(),
        severity: severity.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    })
    .unwrap()
    .id
}

/// A real loghub excerpt with the planted address on line 3, and its findings.
fn log_text() -> (String, NewLogFile) {
    let lines: Vec<String> = crate::corpus::loghub_file("OpenSSH_2k.log")
        .lines()
        .take(5)
        .map(String::from)
        .collect();
    let mut text = String::new();
    let mut start = 0;
    for (i, l) in lines.iter().enumerate() {
        text.push_str(l);
        if i == 2 {
            text.push_str(" notify=");
            start = text.len();
            text.push_str(PLANT);
        }
        text.push('\n');
    }
    let log = NewLogFile {
        file_name: "auth.log".into(),
        file_path: "/var/log/auth.log".into(),
        content_hash: hex::encode(Sha256::digest(text.as_bytes())),
        file_size: text.len() as i64,
        mime_type: Some("text/plain".into()),
        spans: vec![NewPiiSpan {
            pii_type: "email".into(),
            start_offset: start as i64,
            end_offset: (start + PLANT.len()) as i64,
            original_value: PLANT.into(),
            replacement: "[Email]".into(),
        }],
    };
    (text, log)
}

#[test]
fn five_whys_add_edit_move_delete_and_a_sixth_is_refused() {
    let (_d, _db, s) = store();
    let id = issue(&s, "checkout 502", "high", &[]);
    let (_, log) = log_text();
    let lf = s.attach_log(&id, log).unwrap();
    let mut steps = Vec::new();
    for n in 1..=5 {
        steps.push(
            s.add_why(
                &id,
                NewWhy {
                    question: format!("why {n}?"),
                    answer: (n % 2 == 0).then(|| format!("because {n}")),
                    evidence: (n == 1).then(|| Evidence::Log {
                        // A prefix of the log's id is resolved and stored in full.
                        log_file_id: lf.id[..lf.id.len() - 3].into(),
                        first_line: 3,
                        last_line: 4,
                    }),
                },
            )
            .unwrap(),
        );
    }
    assert_eq!(
        steps.iter().map(|s| s.step_order).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(steps[0].evidence, Some(format!("log:{}:3-4", lf.id)));
    let e = s
        .add_why(
            &id,
            NewWhy {
                question: "why 6?".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("already has 5 whys"), "{e}");
    assert!(e.to_string().contains("sixth"), "{e}");
    let e = s
        .add_resolution_step(&id, 3, "why 6?", None, None)
        .unwrap_err();
    assert!(e.to_string().contains("sixth"), "{e}");
    assert_eq!(s.whys(&id).unwrap().len(), 5);

    // Edit: answer set, evidence changed to a finding fingerprint, then cleared.
    let fp = "c0".repeat(32);
    let st = s
        .update_why(
            &steps[2].id,
            WhyUpdate {
                answer: Some(Some("the pool was exhausted".into())),
                evidence: Some(Some(format!("finding:{fp}").parse().unwrap())),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        st.evidence.as_deref(),
        Some(format!("finding:{fp}").as_str())
    );
    let st = s
        .update_why(
            &steps[2].id,
            WhyUpdate {
                evidence: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(st.evidence, None);
    assert_eq!(st.answer.as_deref(), Some("the pool was exhausted"));

    // Move the last to the front; the rest keep their order.
    let all = s.move_why(&steps[4].id, 1).unwrap();
    let q: Vec<&str> = all.iter().map(|s| s.why_question.as_str()).collect();
    assert_eq!(q, ["why 5?", "why 1?", "why 2?", "why 3?", "why 4?"]);
    assert_eq!(
        all.iter().map(|s| s.step_order).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert!(s.move_why(&steps[0].id, 6).is_err());
    // Delete renumbers; then there is room again, and an insert at a position shifts the others.
    s.delete_why(&steps[1].id).unwrap();
    let q: Vec<(i64, String)> = s
        .whys(&id)
        .unwrap()
        .into_iter()
        .map(|s| (s.step_order, s.why_question))
        .collect();
    assert_eq!(
        q,
        [
            (1, "why 5?".into()),
            (2, "why 1?".into()),
            (3, "why 3?".into()),
            (4, "why 4?".into())
        ]
    );
    s.add_resolution_step(&id, 1, "why 0?", None, None).unwrap();
    assert_eq!(s.whys(&id).unwrap()[0].why_question, "why 0?");
    assert_eq!(s.whys(&id).unwrap()[4].why_question, "why 4?");

    // Evidence is a reference, never free text or a value; a log of another issue is refused.
    let other = issue(&s, "other", "low", &[]);
    let (_, log2) = log_text();
    let lf2 = s.attach_log(&other, log2).unwrap();
    for bad in [
        PLANT.to_string(),
        "log:zz:1-2".into(),
        format!("log:{}:5-2", lf.id),
        format!("log:{}:0-2", lf.id),
        "finding:abc".into(),
    ] {
        assert!(bad.parse::<Evidence>().is_err(), "{bad}");
    }
    let e = s
        .update_why(
            &steps[0].id,
            WhyUpdate {
                evidence: Some(Some(Evidence::Log {
                    log_file_id: lf2.id.clone(),
                    first_line: 1,
                    last_line: 1,
                })),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("another issue"), "{e}");
    assert!(s
        .add_resolution_step(&other, 1, "q", None, Some(PLANT))
        .is_err());
    // Empty questions are refused; every change is audited without text.
    assert!(s
        .add_why(
            &id,
            NewWhy {
                question: "  ".into(),
                ..Default::default()
            }
        )
        .is_err());
    let audit = serde_json::to_string(&s.audit_log(0).unwrap()).unwrap();
    assert!(
        audit.contains("why_add") && audit.contains("why_update") && audit.contains("why_delete")
    );
    assert!(
        !audit.contains("exhausted") && !audit.contains("why 1?"),
        "{audit}"
    );
}

#[test]
fn documents_create_update_get_list_delete_with_ms_timestamps() {
    let (_d, db, s) = store();
    let id = issue(&s, "outage", "critical", &[]);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let d = s
        .create_document(&id[..id.len() - 4], "rca", "RCA: outage", "# Summary\n")
        .unwrap();
    assert_eq!(d.issue_id, id);
    assert!(
        d.created_at >= before && d.created_at < before + 60_000,
        "ms, not s"
    );
    let p = s
        .create_document(&id, "postmortem", "Post-mortem", "# PM\n")
        .unwrap();
    assert!(s.create_document(&id, "memo", "x", "y").is_err());
    assert!(s.create_document(&id, "rca", " ", "y").is_err());
    let u = s
        .update_document(
            &d.id[..d.id.len() - 2],
            DocumentUpdate {
                content_md: Some("# Summary\nThe pool ran dry.\n".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(u.updated_at >= u.created_at);
    assert_eq!(u.title, "RCA: outage");
    assert_eq!(s.get_document(&d.id).unwrap(), u);
    let all = s.list_documents(&id).unwrap();
    assert_eq!(
        all.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [d.id.as_str(), p.id.as_str()]
    );
    // On disk: INTEGER milliseconds, as the seed says.
    let c = raw_conn(&db, Some(KEY));
    let (ty, ms): (String, i64) = c
        .query_row(
            "SELECT typeof(updated_at), updated_at FROM documents WHERE id = ?1",
            [&d.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((ty.as_str(), ms), ("integer", u.updated_at));
    drop(c);
    s.delete_document(&p.id).unwrap();
    assert!(matches!(
        s.get_document(&p.id),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.list_documents(&id).unwrap().len(), 1);
    let audit = serde_json::to_string(&s.audit_log(0).unwrap()).unwrap();
    assert!(audit.contains("document_update") && audit.contains("document_delete"));
    assert!(!audit.contains("pool ran dry"));
}

#[test]
fn cleaned_logs_redacted_flag_finalize_and_not_keeping_values() {
    let (_d, db, s) = store();
    let id = issue(&s, "leak", "high", &[]);
    let (text, log) = log_text();
    let lf = s.attach_log(&id, log).unwrap();
    let st = s.log_status(&lf.id).unwrap();
    assert!(!st.reviewed && !st.redacted && !st.finalized && st.values_kept);
    assert_eq!((st.span_count, st.values_present), (1, 1));
    // Finalizing the issue before its log is redacted: refused, nothing changed.
    let e = s.finalize_issue(&id).unwrap_err();
    assert!(e.to_string().contains("not redacted yet"), "{e}");
    assert_eq!(s.pii_spans(&lf.id).unwrap()[0].original_value, PLANT);

    s.record_review(&lf.id, 1, 0).unwrap();
    let cleaned = text.replace(PLANT, "[Email]");
    // A copy shorter or longer than announced is refused and leaves the log unredacted.
    let e = s
        .store_cleaned_log(
            &lf.id,
            &mut cleaned.as_bytes(),
            cleaned.len() as u64 + 10,
            &BTreeMap::new(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("ended after"), "{e}");
    assert!(!s.log_status(&lf.id).unwrap().redacted);
    let counts = BTreeMap::from([("email".to_string(), 1usize)]);
    let st = s
        .store_cleaned_log(
            &lf.id[..lf.id.len() - 1],
            &mut cleaned.as_bytes(),
            cleaned.len() as u64,
            &counts,
        )
        .unwrap();
    assert!(st.reviewed && st.redacted && !st.finalized);
    assert_eq!((st.accepted, st.rejected), (Some(1), Some(0)));
    let sha = hex::encode(Sha256::digest(cleaned.as_bytes()));
    assert_eq!(st.cleaned_sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(s.cleaned_log(&lf.id).unwrap(), cleaned.as_bytes());
    let a = &s.audit_log(1).unwrap()[0];
    assert_eq!(a.action, "log_redact");
    assert_eq!(a.details.as_ref().unwrap()["after_sha256"], sha.as_str());

    let r = s.finalize_issue(&id[..12]).unwrap();
    assert_eq!(r.logs, vec![(lf.id.clone(), 1)]);
    let st = s.log_status(&lf.id).unwrap();
    assert!(st.finalized && st.values_present == 0);
    // On disk, through an independent raw connection: redacted = 1, no original value anywhere.
    drop(s);
    let c = raw_conn(&db, Some(KEY));
    let (red, vals): (i64, i64) = c
        .query_row(
            "SELECT (SELECT redacted FROM log_files WHERE id = ?1),
                    (SELECT count(*) FROM pii_spans WHERE original_value != '')",
            [&lf.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((red, vals), (1, 0));
    drop(c);
    let all: Vec<u8> = all_bytes(db.parent().unwrap())
        .into_iter()
        .flat_map(|(_, b)| b)
        .collect();
    assert!(
        !contains(&all, PLANT.as_bytes()),
        "the plant is in the files in clear"
    );

    // Not keeping values at all: never stored, recorded as finalized from the start.
    let s = Store::open(&enc_opts(&db)).unwrap();
    let (_, log) = log_text();
    let lf2 = s
        .attach_log_with(&id, log, &AttachOptions { keep_values: false })
        .unwrap();
    assert_eq!(s.pii_spans(&lf2.id).unwrap()[0].original_value, "");
    let st = s.log_status(&lf2.id).unwrap();
    assert!(st.finalized && !st.values_kept && !st.redacted);
    assert_eq!(s.log_statuses(&id).unwrap().len(), 2);
    assert!(s
        .cleaned_log(&lf2.id)
        .unwrap_err()
        .to_string()
        .contains("no cleaned copy"));
    // Deleting the issue takes the cleaned copies with it.
    s.delete_issue(&id).unwrap();
    let n: i64 = raw_conn(&db, Some(KEY))
        .query_row("SELECT count(*) FROM log_state", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn unique_prefixes_resolve_and_unknown_or_ambiguous_ones_are_clear_errors() {
    let (_d, _db, s) = store();
    let ids: Vec<String> = (0..4)
        .map(|n| issue(&s, &format!("i{n}"), "low", &[]))
        .collect();
    // Two UUIDv7 ids made within moments share their leading characters.
    let common: String = ids[0]
        .chars()
        .zip(ids[1].chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a)
        .collect();
    assert!(!common.is_empty());
    let e = s.get_issue(&common).unwrap_err();
    assert!(matches!(e, StoreError::AmbiguousId { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("ambiguous") && msg.contains(&ids[0]) && msg.contains("type more"),
        "{msg}"
    );
    let unique = &ids[2][..ids[2].len() - 1];
    assert_eq!(s.get_issue(unique).unwrap().issue.id, ids[2]);
    assert_eq!(
        s.get_issue(&ids[2].to_uppercase()).unwrap().issue.id,
        ids[2]
    );
    assert_eq!(s.resolve_id(Entity::Issue, unique).unwrap(), ids[2]);
    for unknown in ["ffffffff", "not-an-id%", "'; DROP TABLE issues; --"] {
        let e = s.get_issue(unknown).unwrap_err();
        assert!(matches!(e, StoreError::NotFound { .. }), "{unknown}: {e:?}");
    }
    assert!(matches!(s.get_issue(" "), Err(StoreError::Invalid { .. })));
    // Writes take prefixes too, and act on the one issue named.
    s.set_issue_status(unique, "investigating").unwrap();
    s.delete_issue(&ids[3][..ids[3].len() - 2]).unwrap();
    assert_eq!(s.list_issues(&IssueFilter::default()).unwrap().len(), 3);
    assert!(matches!(
        s.delete_issue(&common),
        Err(StoreError::AmbiguousId { .. })
    ));
    assert_eq!(s.list_issues(&IssueFilter::default()).unwrap().len(), 3);
}

#[test]
fn lifecycle_tags_and_filters() {
    let (_d, _db, s) = store();
    let a = issue(&s, "a", "high", &["web", "nginx"]);
    let b = issue(&s, "b", "low", &["web"]);
    let c = issue(&s, "c", "high", &[]);
    let i = s.set_issue_status(&a, "investigating").unwrap();
    assert_eq!(
        (i.status.as_str(), i.resolved_at.is_none()),
        ("investigating", true)
    );
    let i = s.set_issue_status(&a, "resolved").unwrap();
    assert!(i.resolved_at.is_some());
    let i = s.set_issue_status(&a, "closed").unwrap();
    assert!(i.resolved_at.is_some(), "closing keeps resolved_at");
    let i = s.set_issue_status(&a, "open").unwrap();
    assert!(i.resolved_at.is_none(), "reopening clears it");
    assert!(s.set_issue_status(&a, "done").is_err());
    let i = s
        .add_tags(&c, &["db".into(), "web".into(), "db".into()])
        .unwrap();
    assert_eq!(i.tags, ["db", "web"]);
    let i = s.remove_tags(&a, &["nginx".into()]).unwrap();
    assert_eq!(i.tags, ["web"]);
    assert!(s.add_tags(&b, &["a,b".into()]).is_err());
    assert!(s.add_tags(&b, &["".into()]).is_err());
    let list = |f: IssueFilter| -> Vec<String> {
        let mut v: Vec<String> = s
            .list_issues(&f)
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        list(IssueFilter {
            tag: Some("web".into()),
            ..Default::default()
        }),
        sorted(vec![&a, &b, &c])
    );
    assert_eq!(
        list(IssueFilter {
            tag: Some("web".into()),
            severity: Some("high".into()),
            ..Default::default()
        }),
        sorted(vec![&a, &c])
    );
    s.set_issue_status(&c, "investigating").unwrap();
    assert_eq!(
        list(IssueFilter {
            status: Some("investigating".into()),
            severity: Some("high".into()),
            tag: Some("db".into()),
            ..Default::default()
        }),
        vec![c.clone()]
    );
    assert!(list(IssueFilter {
        tag: Some("we".into()),
        ..Default::default()
    })
    .is_empty());
    assert!(s
        .list_issues(&IssueFilter {
            severity: Some("urgent".into()),
            ..Default::default()
        })
        .is_err());
}

#[test]
fn conversations_messages_and_the_ai_send_audit() {
    let (_d, db, s) = store();
    let id = issue(&s, "ask the model", "medium", &[]);
    let conv = s
        .create_conversation(&id, "openai", "llama3.1:8b", Some("first look"))
        .unwrap();
    let sent = "Why does [Email] fail to log in?";
    s.append_message(&conv.id, "system", "You are terse.", 0)
        .unwrap();
    s.append_message(&conv.id, "user", sent, 9).unwrap();
    s.append_message(&conv.id, "assistant", "Its password expired.", 5)
        .unwrap();
    assert!(s.append_message(&conv.id, "robot", "x", 0).is_err());
    assert!(s.append_message(&conv.id, "user", "x", -1).is_err());
    let d = s.get_conversation(&conv.id[..conv.id.len() - 2]).unwrap();
    let roles: Vec<&str> = d.messages.iter().map(|m| m.role.as_str()).collect();
    assert_eq!(roles, ["system", "user", "assistant"]);
    assert_eq!(d.messages[1].content, sent);
    assert_eq!(d.messages[1].token_count, 9);
    assert_eq!(s.list_conversations(&id).unwrap(), vec![conv.clone()]);
    assert_eq!(s.get_issue(&id).unwrap().conversations, vec![conv.clone()]);

    let body = br#"{"messages":[{"role":"user","content":"Why does [Email] fail to log in?"}]}"#;
    let sha = hex::encode(Sha256::digest(body));
    let counts = BTreeMap::from([("email".to_string(), 1usize)]);
    let e = s
        .record_ai_send(&conv.id, &sha, body.len() as u64, &counts)
        .unwrap();
    assert_eq!(
        (
            e.action.as_str(),
            e.entity_type.as_str(),
            e.entity_id.as_str()
        ),
        ("ai_send", "issue", id.as_str())
    );
    let det = e.details.unwrap();
    assert_eq!(det["body_sha256"], sha.as_str());
    assert_eq!(det["counts"]["email"], 1);
    assert_eq!(det["conversation_id"], conv.id.as_str());
    assert!(s
        .record_ai_send(&conv.id, "not a hash", 1, &counts)
        .is_err());
    let audit = serde_json::to_string(&s.audit_log(0).unwrap()).unwrap();
    assert!(
        !audit.contains("fail to log in") && !audit.contains("llama"),
        "{audit}"
    );

    s.delete_conversation(&conv.id).unwrap();
    assert!(matches!(
        s.get_conversation(&conv.id),
        Err(StoreError::NotFound { .. })
    ));
    let n: i64 = raw_conn(&db, Some(KEY))
        .query_row("SELECT count(*) FROM ai_messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "messages go with their conversation");
    assert!(s.verify_audit().unwrap().ok);
}

#[test]
fn finalized_values_are_gone_from_the_file_not_just_hidden() {
    // A plain store makes the bytes on disk readable: after finalize, no page of the database
    // (nor its WAL) may still hold an original value in a freed or overwritten cell.
    let d = tempfile::tempdir().unwrap();
    let db = d.path().join("tftsr.db");
    let s = Store::open(&plain_opts(&db)).unwrap();
    let id = issue(&s, "scrub", "low", &[]);
    let (text, log) = log_text();
    let lf = s.attach_log(&id, log).unwrap();
    let cleaned = text.replace(PLANT, "[Email]");
    s.store_cleaned_log(
        &lf.id,
        &mut cleaned.as_bytes(),
        cleaned.len() as u64,
        &BTreeMap::new(),
    )
    .unwrap();
    let on_disk = |d: &std::path::Path| -> Vec<u8> {
        all_bytes(d).into_iter().flat_map(|(_, b)| b).collect()
    };
    assert!(
        contains(&on_disk(d.path()), PLANT.as_bytes()),
        "the test must see the plant first"
    );
    s.finalize_issue(&id).unwrap();
    // While the store is still open (WAL and all) and after it is closed.
    assert!(
        !contains(&on_disk(d.path()), PLANT.as_bytes()),
        "plant left in the open store's files"
    );
    drop(s);
    assert!(
        !contains(&on_disk(d.path()), PLANT.as_bytes()),
        "plant left in the files"
    );
}
