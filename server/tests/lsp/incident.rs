//! Issue 12 from the editor: the incident workflow through the real `tftsr lsp` over stdio,
//! against a real SQLCipher store — create an issue, open a log with planted values, attach it
//! (with its cleaned copy), three whys (edited, moved, a sixth refused), an RCA generated, edited
//! and exported, the bundle exported, the issue finalized and resolved, the audit verified — then
//! the store file and the bundle are checked on their own: the log is redacted, no original
//! value is left after finalize, the chain holds, and no planted value is in the bundle. Bad
//! input (unknown or ambiguous id, an existing target, a delete not confirmed) is a clear error
//! that names no value and writes nothing.

use crate::lsp_client;

use std::io::Read;
use std::path::Path;

use lsp_client::*;
use serde_json::{json, Value};
use tftsr::store::{Encryption, OpenOptions, Store};

const KEY: &str = "incident key: correct horse battery staple";
const PLANTS: [&str; 3] = [
    "erin.planted-lsp@example.org",
    "198.51.100.23",
    "Zq9!planted-lsp-77",
];

fn cmd(c: &mut Client, command: &str, arg: Value) -> Value {
    c.request_full(
        "workspace/executeCommand",
        json!({"command": command, "arguments": [arg]}),
    )
}

/// The result, or a panic naming the command and its error.
fn ok(c: &mut Client, command: &str, arg: Value) -> Value {
    let r = cmd(c, command, arg);
    assert!(r.get("error").is_none(), "{command}: {r}");
    r["result"].clone()
}

/// The error's message (and that it names no planted value).
fn refused(c: &mut Client, command: &str, arg: Value) -> (String, Value) {
    let r = cmd(c, command, arg);
    let e = r
        .get("error")
        .unwrap_or_else(|| panic!("{command}: no error: {r}"));
    let m = e["message"].as_str().unwrap().to_owned();
    assert!(m.starts_with(&format!("{command}: ")), "{m}");
    assert!(PLANTS.iter().all(|p| !m.contains(p)), "{m}");
    (m, e.get("data").cloned().unwrap_or(Value::Null))
}

/// Real OpenSSH lines (loghub) with the planted values on three of them.
fn log_text() -> String {
    let src = lsp_client::corpus::loghub_file("OpenSSH_2k.log");
    let mut t = String::new();
    for (i, line) in src.lines().take(30).enumerate() {
        t.push_str(line);
        match i {
            3 => t.push_str(&format!(" notify={}", PLANTS[0])),
            9 => t.push_str(&format!(" peer={}", PLANTS[1])),
            17 => t.push_str(&format!(" password={}", PLANTS[2])),
            _ => {}
        }
        t.push('\n');
    }
    t
}

#[test]
fn the_incident_workflow_from_the_editor() {
    let data = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let ws_path = std::fs::canonicalize(ws.path()).unwrap();
    let mut c = Client::spawn(&[
        ("TFTSR_DATA_DIR", data.path()),
        ("TFTSR_DB_ENCRYPT", Path::new("1")),
        ("TFTSR_DB_KEY", Path::new(KEY)),
    ]);
    c.initialize(caps_nvim07(), Value::Null, Some(&ws_path));
    let text = log_text();
    let log = ws_path.join("sshd.log");
    std::fs::write(&log, &text).unwrap();
    let uri = format!("file://{}", log.display());
    c.open(&uri, "log", &text);
    c.wait_diagnostics(&uri, |d| d.len() >= 3);

    let issue = ok(
        &mut c,
        "tftsr.createIssue",
        json!({"title": "ssh brute force", "severity": "high"}),
    );
    let id = issue["id"].as_str().unwrap().to_owned();
    // Ids are unique prefixes, as on the command line.
    let short = &id[..13];
    let att = ok(
        &mut c,
        "tftsr.attachToIssue",
        json!({"uri": uri, "issueId": short}),
    );
    assert_eq!(att["redacted"], true, "{att}");
    let log_id = att["logFileId"].as_str().unwrap().to_owned();
    let got = ok(&mut c, "tftsr.getIssue", json!({"id": short}));
    assert_eq!(got["logStates"][0]["redacted"], true, "{got}");
    assert!(got["markdown"].as_str().unwrap().contains(", redacted"));

    // Three whys, the last with evidence by reference; edited, moved; a sixth refused.
    let evidence = format!("log:{}:10-10", &log_id[..13]);
    for (q, a, e) in [
        ("Why did logins fail?", Some("a brute-force run"), None),
        ("Why was it not blocked?", None, None),
        (
            "Why no rate limit?",
            Some("fail2ban was off"),
            Some(evidence.as_str()),
        ),
    ] {
        let w = ok(
            &mut c,
            "tftsr.addWhy",
            json!({"issueId": short, "question": q, "answer": a, "evidence": e}),
        );
        assert_eq!(w["why_question"], q, "{w}");
    }
    let whys = ok(&mut c, "tftsr.listWhys", json!({"issueId": short}));
    assert_eq!(whys.as_array().unwrap().len(), 3);
    let second = whys[1]["id"].as_str().unwrap().to_owned();
    let w = ok(
        &mut c,
        "tftsr.editWhy",
        json!({"id": &second[..13], "answer": "no alert on auth failures"}),
    );
    assert_eq!(w["answer"], "no alert on auth failures");
    let order = ok(&mut c, "tftsr.moveWhy", json!({"id": second, "to": 1}));
    assert_eq!(order[0]["id"], second.as_str(), "{order}");
    for q in ["four?", "five?"] {
        ok(
            &mut c,
            "tftsr.addWhy",
            json!({"issueId": id, "question": q}),
        );
    }
    let (m, _) = refused(
        &mut c,
        "tftsr.addWhy",
        json!({"issueId": id, "question": "six?"}),
    );
    assert!(m.contains("5"), "{m}");
    let last = ok(&mut c, "tftsr.listWhys", json!({"issueId": id}));
    let last = last[4]["id"].as_str().unwrap().to_owned();
    ok(&mut c, "tftsr.deleteWhy", json!({"id": last}));
    // Evidence is a reference: a value is refused.
    refused(
        &mut c,
        "tftsr.addWhy",
        json!({"issueId": id, "question": "q", "evidence": PLANTS[0]}),
    );

    // The RCA: generated, edited, exported (a finding typed into it is refused, then redacted).
    let doc = ok(
        &mut c,
        "tftsr.generateDocument",
        json!({"issueId": short, "kind": "rca"}),
    );
    let doc_id = doc["id"].as_str().unwrap().to_owned();
    let md = doc["content_md"].as_str().unwrap().to_owned();
    assert!(md.contains("Why did logins fail?"), "{md}");
    assert!(md.contains("sshd.log"), "{md}");
    assert!(PLANTS.iter().all(|p| !md.contains(p)), "{md}");
    let edited = format!("{md}\n## Notes\n\nReported by {}.\n", PLANTS[0]);
    ok(
        &mut c,
        "tftsr.updateDocument",
        json!({"id": &doc_id[..13], "content": edited}),
    );
    let listed = ok(&mut c, "tftsr.listDocuments", json!({"issueId": id}));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let out_md = ws_path.join("rca.md");
    let (m, d) = refused(
        &mut c,
        "tftsr.exportDocument",
        json!({"id": doc_id, "output": out_md}),
    );
    assert_eq!(d["reason"], "findings", "{m}");
    assert!(m.contains("email"), "{m}");
    assert!(!out_md.exists(), "nothing is written");
    let e = ok(
        &mut c,
        "tftsr.exportDocument",
        json!({"id": doc_id, "output": out_md, "redact": true}),
    );
    assert_eq!(e["redacted"], 1, "{e}");
    let written = std::fs::read_to_string(&out_md).unwrap();
    assert!(written.contains("Reported by [Email]"), "{written}");
    let (_, d) = refused(
        &mut c,
        "tftsr.exportDocument",
        json!({"id": doc_id, "output": out_md, "redact": true}),
    );
    assert_eq!(d["reason"], "outputExists");
    // Fix the document, then the bundle.
    ok(
        &mut c,
        "tftsr.updateDocument",
        json!({"id": doc_id, "content": md}),
    );
    let bundle = ws_path.join("incident.zip");
    refused(
        &mut c,
        "tftsr.exportIssue",
        json!({"id": id, "output": ws_path.join("incident.rar")}),
    );
    let b = ok(
        &mut c,
        "tftsr.exportIssue",
        json!({"id": short, "output": bundle}),
    );
    assert_eq!(
        (b["logs"].as_u64(), b["documents"].as_u64()),
        (Some(1), Some(1)),
        "{b}"
    );
    let bytes = std::fs::read(&bundle).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    assert_eq!(b["sha256"], sha.as_str());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut members = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        let body = String::from_utf8_lossy(&body);
        for p in PLANTS {
            assert!(!body.contains(p), "{p} in the bundle's {name}");
        }
        members.push(name);
    }
    assert!(members.iter().any(|m| m == "logs/sshd.log"), "{members:?}");
    assert!(members.iter().any(|m| m == "manifest.json"), "{members:?}");

    // Finalize, resolve, verify.
    let f = ok(&mut c, "tftsr.finalizeIssue", json!({"issueId": short}));
    assert_eq!(f["logs"][0][0], log_id.as_str(), "{f}");
    assert!(f["logs"][0][1].as_i64().unwrap() >= 3, "{f}");
    let i = ok(
        &mut c,
        "tftsr.setIssueStatus",
        json!({"issueId": short, "status": "resolved"}),
    );
    assert_eq!(i["status"], "resolved");
    assert!(i["resolved_at"].is_string(), "{i}");
    refused(
        &mut c,
        "tftsr.setIssueStatus",
        json!({"issueId": short, "status": "done"}),
    );
    let v = ok(&mut c, "tftsr.verifyAudit", json!({}));
    assert_eq!(v["ok"], true, "{v}");
    let audit = ok(
        &mut c,
        "tftsr.listAudit",
        json!({"issueId": short, "action": "export_redacted"}),
    );
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
    assert_eq!(audit[0]["details"]["bundle_sha256"], sha.as_str());

    // Bad input.
    let (m, _) = refused(&mut c, "tftsr.getDocument", json!({"id": "ffffffff"}));
    assert!(m.contains("no "), "{m}");
    let (m, _) = refused(&mut c, "tftsr.deleteIssue", json!({"issueId": id}));
    assert!(m.contains("confirmed"), "{m}");
    let other = ok(
        &mut c,
        "tftsr.createIssue",
        json!({"title": "other", "severity": "low"}),
    );
    let other = other["id"].as_str().unwrap().to_owned();
    // Two issues made in the same millisecond share a long prefix; one character is ambiguous
    // whenever both start alike, which UUID v7 ids made seconds apart do.
    let common = id
        .chars()
        .zip(other.chars())
        .take_while(|(a, b)| a == b)
        .count();
    refused(
        &mut c,
        "tftsr.getIssue",
        json!({"id": &id[..common.max(1)]}),
    );
    let d = ok(
        &mut c,
        "tftsr.deleteIssue",
        json!({"issueId": other, "confirmed": true}),
    );
    assert_eq!(d["deleted"], other.as_str());
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    for p in PLANTS {
        assert!(!log.contains(p), "the server log holds a planted value");
    }

    // The store file on its own.
    let store = Store::open(&OpenOptions {
        db_path: Some(data.path().join("tftsr.db")),
        encryption: Some(Encryption::On),
        key: Some(KEY.into()),
    })
    .unwrap();
    let st = store.log_status(&log_id).unwrap();
    assert!(
        st.redacted && st.finalized && st.values_present == 0,
        "{st:?}"
    );
    assert!(store
        .pii_spans(&log_id)
        .unwrap()
        .iter()
        .all(|s| s.original_value.is_empty()));
    let cleaned = String::from_utf8(store.cleaned_log(&log_id).unwrap()).unwrap();
    assert!(PLANTS.iter().all(|p| !cleaned.contains(p)), "{cleaned}");
    assert!(store.verify_audit().unwrap().ok);
    assert_eq!(store.whys(&id).unwrap().len(), 4);
}
