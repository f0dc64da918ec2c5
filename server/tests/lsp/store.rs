//! End-to-end: the issue commands of the real `tftsr lsp` against a real SQLCipher store in a
//! temp dir (TFTSR_DATA_DIR + TFTSR_DB_KEY + TFTSR_DB_ENCRYPT=1); a wrong key leaves diagnostics
//! and redaction working while the issue commands fail clearly; redactions reach the audit log.

use crate::lsp_client;

use std::path::Path;

use lsp_client::*;
use serde_json::{json, Value};
use tftsr::store::{Encryption, OpenOptions, Store};

const KEY: &str = "correct horse battery staple";

fn spawn_with_store(dir: &Path, key: &str) -> Client {
    let mut c = Client::spawn(&[
        ("TFTSR_DATA_DIR", dir),
        ("TFTSR_DB_ENCRYPT", Path::new("1")),
        ("TFTSR_DB_KEY", Path::new(key)),
    ]);
    c.initialize(caps_nvim07(), Value::Null, None);
    c
}

fn cmd(c: &mut Client, command: &str, arg: Value) -> Value {
    c.request_full(
        "workspace/executeCommand",
        json!({"command": command, "arguments": [arg]}),
    )
}

fn text() -> String {
    let real = lsp_client::corpus::loghub_file("Apache_2k.log");
    let mut t: String = real.lines().take(20).map(|l| format!("{l}\n")).collect();
    t.push_str("[Sun Dec 04 04:47:44 2005] [error] user frank@example.com denied; José 😀 retry\n");
    t
}

#[test]
fn issues_and_attach_with_real_sqlcipher_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = spawn_with_store(dir.path(), KEY);
    let uri = &c.doc_uri("apache.log");
    let t = text();
    c.open(uri, "log", &t);
    let diags = c.wait_diagnostics(uri, |d| !d.is_empty());
    let n = diags.len();
    let r = cmd(
        &mut c,
        "tftsr.createIssue",
        json!({"title": "Login failures", "severity": "high",
        "description": "users locked out", "tags": ["auth", "apache"]}),
    );
    let issue = r["result"].clone();
    assert!(r.get("error").is_none(), "{r}");
    assert_eq!(issue["title"], "Login failures");
    assert_eq!(issue["status"], "open");
    assert_eq!(issue["tags"], json!(["auth", "apache"]));
    let id = issue["id"].as_str().unwrap().to_owned();
    let r = cmd(
        &mut c,
        "tftsr.attachToIssue",
        json!({"uri": uri, "issueId": id}),
    );
    let att = r["result"].clone();
    assert_eq!(att["issueId"], id, "{r}");
    assert_eq!(att["findings"], n);
    assert_eq!(att["contentHash"], sha256_hex(&t));
    // attached with its cleaned copy, as `tftsr issue attach` does: redacted, values kept
    assert_eq!(att["redacted"], true, "{r}");
    assert_eq!(att["state"]["values_kept"], true, "{r}");
    let log_id = att["logFileId"].as_str().unwrap().to_owned();
    let list = cmd(&mut c, "tftsr.listIssues", json!({}))["result"].clone();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let found = cmd(&mut c, "tftsr.searchIssues", json!({"query": "login"}))["result"].clone();
    assert_eq!(found[0]["issue"]["id"], id);
    assert!(found[0]["snippet"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("login"));
    let got = cmd(&mut c, "tftsr.getIssue", json!({"id": id}))["result"].clone();
    assert_eq!(got["log_files"][0]["id"], log_id);
    assert!(got["markdown"]
        .as_str()
        .unwrap()
        .starts_with("# Login failures"));
    assert!(!got["markdown"].as_str().unwrap().contains("frank@"));
    // redact the attached document: recorded against its log file
    let r = cmd(&mut c, "tftsr.redactDocument", json!({"uri": uri}));
    assert_eq!(r["result"]["applied"], true, "{r}");
    // the pseudonym style takes its secret from the store: same value, same token
    let r = cmd(
        &mut c,
        "tftsr.redactDocument",
        json!({"uri": uri, "style": "pseudonym", "types": ["email"]}),
    );
    assert_eq!(r["result"]["redactions"], 1, "{r}");
    let edit = c.applied.last().unwrap()["changes"][uri][0]["newText"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(edit.starts_with("[Email-") && edit.ends_with(']'), "{edit}");
    let r = cmd(
        &mut c,
        "tftsr.redactDocument",
        json!({"uri": uri, "style": "pseudonym", "types": ["email"]}),
    );
    assert_eq!(r["result"]["redactions"], 1);
    assert_eq!(
        c.applied.last().unwrap()["changes"][uri][0]["newText"],
        edit
    );
    let bad = cmd(
        &mut c,
        "tftsr.createIssue",
        json!({"title": "x", "severity": "apocalyptic"}),
    );
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("severity"),
        "{bad}"
    );
    // (commands answer once their audit entry is written: no wait needed)
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(
        !log.contains(KEY) && !log.contains("frank@"),
        "log leaks:\n{log}"
    );
    // the file is a real SQLCipher database: readable with the key, and it holds what we did
    let opts = OpenOptions {
        db_path: Some(dir.path().join("tftsr.db")),
        encryption: Some(Encryption::On),
        key: Some(KEY.into()),
    };
    let store = Store::open(&opts).unwrap();
    let detail = store.get_issue(&id).unwrap();
    assert_eq!(detail.log_files.len(), 1);
    assert!(detail.log_files[0].redacted);
    let spans = store.pii_spans(&log_id).unwrap();
    assert_eq!(spans.len(), n);
    assert!(spans
        .iter()
        .any(|s| s.original_value == "frank@example.com"));
    let audit = store.audit_log(0).unwrap();
    let redact: Vec<_> = audit.iter().filter(|a| a.action == "log_redact").collect();
    // the attach's cleaned copy, then three redactions through the server: all PII, email x2
    // (pseudonym)
    assert_eq!(redact.len(), 4, "{audit:?}");
    assert!(redact.iter().all(|a| a.entity_id == log_id));
    let cleaned = redact
        .iter()
        .filter_map(|a| a.details.clone())
        .filter(|d| d.get("cleaned_size").is_some())
        .count();
    assert_eq!(cleaned, 1, "{audit:?}");
    let whole = redact
        .iter()
        .find_map(|a| {
            a.details
                .clone()
                .filter(|d| d.get("via").is_none() && d.get("cleaned_size").is_none())
        })
        .unwrap();
    assert_eq!(whole["before_sha256"], sha256_hex(&t));
    let counted: u64 = whole["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, n);
    let typed = redact
        .iter()
        .find_map(|a| a.details.clone().filter(|d| d.get("via").is_some()))
        .unwrap();
    assert_eq!(typed["via"], "redact_document");
    assert_eq!(typed["style"], "pseudonym");
    assert_eq!(typed["redactions"], 1);
    assert_eq!(typed["counts"], json!({"email": 1}));
    assert!(!serde_json::to_string(&audit).unwrap().contains("frank"));
    // and the wrong key does not open it
    let wrong = OpenOptions {
        key: Some("nope".into()),
        ..opts
    };
    assert!(Store::open(&wrong).is_err());
}

#[test]
fn wrong_key_keeps_diagnostics_and_redaction_working() {
    let dir = tempfile::tempdir().unwrap();
    // create the store with the right key first
    {
        let opts = OpenOptions {
            db_path: Some(dir.path().join("tftsr.db")),
            encryption: Some(Encryption::On),
            key: Some(KEY.into()),
        };
        Store::open(&opts).unwrap();
    }
    let mut c = spawn_with_store(dir.path(), "wrong key entirely");
    let uri = &c.doc_uri("wrong.log");
    let t = text();
    c.open(uri, "log", &t);
    let diags = c.wait_diagnostics(uri, |d| !d.is_empty());
    let r = cmd(&mut c, "tftsr.listIssues", json!({}));
    let msg = r["error"]["message"].as_str().expect("error").to_owned();
    assert!(
        msg.starts_with("cannot open the store: cannot decrypt"),
        "{msg}"
    );
    assert!(msg.contains("wrong key or not a TFTSR database"), "{msg}");
    assert!(!msg.contains("wrong key entirely"));
    let r = cmd(
        &mut c,
        "tftsr.attachToIssue",
        json!({"uri": uri, "issueId": "x"}),
    );
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot decrypt"));
    // redaction still works (the audit entry is skipped with a warning in the log)
    let r = cmd(&mut c, "tftsr.redactDocument", json!({"uri": uri}));
    assert_eq!(
        r["result"],
        json!({"applied": true, "redactions": diags.len()})
    );
    // the pseudonym style needs the store's secret: a clear error
    let r = cmd(
        &mut c,
        "tftsr.redactDocument",
        json!({"uri": uri, "style": "pseudonym"}),
    );
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("pseudonym"));
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(log.contains("redaction not recorded in the audit log"));
    assert!(!log.contains("wrong key entirely"));
}
