//! End-to-end: the real `tftsr lsp` binary over stdio — negotiation, diagnostics on multi-byte
//! lines, code actions (eager and resolved), redact-all, shutdown/exit.

use crate::lsp_client;

use lsp_client::*;
use serde_json::{json, Value};

const EMAIL: &str = "alice@example.com";

/// Real loghub lines with e-mails put in, one after multi-byte text (the recipes' line).
fn sample() -> String {
    let real = lsp_client::corpus::loghub_file("OpenSSH_2k.log");
    let mut text: String = real.lines().take(5).map(|l| format!("{l}\n")).collect();
    text.push_str(&format!("2024-01-01T10:00:01 WARN José 😀 {EMAIL} again\n"));
    text.push_str(&format!(
        "Jun 14 15:16:01 combo sshd: login by {EMAIL} from bob@corp.example\n"
    ));
    text
}

/// The oracle: what a full scan by the same engine (through the library) finds.
fn full_scan(text: &str) -> Vec<tftsr::engine::Finding> {
    tftsr::engine::Engine::with_defaults().scan(text)
}

fn email_diags(d: &[Value]) -> Vec<Value> {
    d.iter().filter(|d| d["code"] == "email").cloned().collect()
}

#[test]
fn utf16_by_default_ranges_on_multibyte_line() {
    let mut c = Client::spawn(&[]);
    let init = c.initialize(caps_nvim07(), Value::Null, None);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
    let uri = &c.doc_uri("app.log");
    let text = sample();
    let n = full_scan(&text).len();
    c.open(uri, "plaintext", &text); // tracked through the `*.log` glob
    let diags = c.wait_diagnostics(uri, |d| d.len() == n);
    assert!(n > 3, "the real lines hold IPs and host names too");
    assert_eq!(email_diags(&diags).len(), 3);
    let d = &email_diags(&diags)[0];
    assert_eq!(d["range"]["start"], json!({"line": 5, "character": 33}));
    assert_eq!(d["range"]["end"], json!({"line": 5, "character": 50}));
    assert_eq!(d["severity"], 2);
    assert_eq!(d["source"], "tftsr");
    assert_eq!(d["message"], "Email address (email): redact before sharing");
    assert_eq!(d["data"]["type"], "email");
    // Keyed under the user key the server created in its data dir, not the plain SHA-256.
    assert_eq!(
        d["data"]["fingerprint"],
        user_fingerprint(c.data_dir.path(), EMAIL)
    );
    assert_ne!(d["data"]["fingerprint"], sha256_hex(EMAIL));
    assert_eq!(d["data"]["version"], 0);
    for d in &diags {
        assert!(!d.to_string().contains("example"), "value leaked: {d}");
    }
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(
        !log.contains(EMAIL) && !log.contains("sshd"),
        "server log leaks text:\n{log}"
    );
}

#[test]
fn utf8_when_offered_and_eager_bulk_edits() {
    let mut c = Client::spawn(&[]);
    let init = c.initialize(caps_utf8_eager(), Value::Null, None);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let uri = "untitled:Untitled-1";
    let text = sample();
    let n = full_scan(&text).len();
    c.open(uri, "log", &text);
    let diags = c.wait_diagnostics(uri, |d| d.len() == n);
    let d = &email_diags(&diags)[0];
    assert_eq!(d["range"]["start"], json!({"line": 5, "character": 36}));
    assert_eq!(d["range"]["end"], json!({"line": 5, "character": 53}));
    // no resolveSupport: the bulk actions come with their edits
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let all = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Redact all PII in file")
        .expect("redact all offered")
        .clone();
    let edits = all["edit"]["changes"][uri].as_array().unwrap().clone();
    assert_eq!(edits.len(), n);
    let redacted = apply_edits(&text, &edits, true);
    assert!(!redacted.contains('@'), "{redacted}");
    assert!(!redacted.contains("173.234.31.186"), "{redacted}");
    assert!(full_scan(&redacted).is_empty(), "{redacted}");
    assert!(redacted.contains("José 😀 [Email] again"));
    assert_eq!(c.shutdown_exit().0, 0);
}

#[test]
fn quickfix_then_resolve_and_rescan() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    let uri = &c.doc_uri("x.log");
    let mut text = sample();
    let n = full_scan(&text).len();
    c.open(uri, "log", &text);
    let diags = c.wait_diagnostics(uri, |d| d.len() == n);
    let d = email_diags(&diags)[0].clone();
    // cursor inside the value (no selection)
    let pos = json!({"line": 5, "character": 40});
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": pos, "end": pos},
               "context": {"diagnostics": [d]}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Redact Email address",
            "Redact all Email addresses in file",
            "Redact all PII in file",
            "Ignore this value",
            "Attach log to issue…"
        ]
    );
    let a = &actions[0];
    assert_eq!(a["kind"], "quickfix");
    assert_eq!(a["isPreferred"], true);
    assert_eq!(a["diagnostics"][0]["code"], "email");
    // bulk ones are lazy for a client with resolveSupport {edit}
    assert!(actions[1].get("edit").is_none());
    assert_eq!(actions[3]["command"]["command"], "tftsr.ignoreValue");
    assert_eq!(
        actions[3]["command"]["arguments"][0]["fingerprint"],
        user_fingerprint(c.data_dir.path(), EMAIL)
    );
    assert_eq!(actions[4]["kind"], "source");
    // apply the quickfix like an editor: edit + didChange
    let edits = a["edit"]["changes"][uri].as_array().unwrap().clone();
    assert_eq!(edits.len(), 1);
    for e in &edits {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 1}, "contentChanges": [{"range": e["range"], "text": e["newText"]}]}),
        );
    }
    text = apply_edits(&text, &edits, false);
    assert!(text.contains("José 😀 [Email] again"));
    let diags = c.wait_diagnostics(uri, |d| {
        d.len() == n - 1 && d.iter().all(|x| x["data"]["version"] == 1)
    });
    assert!(email_diags(&diags)
        .iter()
        .all(|d| d["range"]["start"]["line"] == 6));
    let state = c.request("tftsr/documentText", json!({"uri": uri}));
    assert_eq!(state["sha256"], sha256_hex(&text));
    // resolve "Redact all Email addresses in file"
    let pos = json!({"line": 6, "character": 40});
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": pos, "end": pos}, "context": {"diagnostics": []}}),
    );
    let bulk = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Redact all Email addresses in file")
        .unwrap()
        .clone();
    let resolved = c.request("codeAction/resolve", bulk);
    let edits = resolved["edit"]["changes"][uri].as_array().unwrap().clone();
    assert_eq!(edits.len(), 2);
    let done = apply_edits(&text, &edits, false);
    assert!(done.ends_with("login by [Email] from [Email]\n"), "{done}");
    // source-only request: attach + fixAll
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": pos, "end": pos},
               "context": {"diagnostics": [], "only": ["source"]}}),
    );
    let kinds: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["source.fixAll.tftsr", "source"]);
    // stats
    let stats = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.documentStats", "arguments": [{"uri": uri}]}),
    );
    let mut by_type = serde_json::Map::new();
    for f in full_scan(&text) {
        let e = by_type.entry(f.kind.id().to_owned()).or_insert(json!(0));
        *e = json!(e.as_u64().unwrap() + 1);
    }
    assert_eq!(by_type["email"], 2);
    assert_eq!(stats, json!({"findings": n - 1, "byType": by_type}));
    assert_eq!(c.shutdown_exit().0, 0);
}

#[test]
fn redact_document_via_apply_edit() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    let uri = &c.doc_uri("r.log");
    let text = sample();
    let n = full_scan(&text).len();
    c.open(uri, "log", &text);
    c.wait_diagnostics(uri, |d| d.len() == n);
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.redactDocument", "arguments": [{"uri": uri, "style": "mask"}]}),
    );
    assert_eq!(r, json!({"applied": true, "redactions": n}));
    let edit = c.applied.pop().unwrap();
    let edits = edit["changes"][uri].as_array().unwrap();
    let out = apply_edits(&text, edits, false);
    assert!(
        !out.contains("alice@") && !out.contains("173.234.31.186"),
        "{out}"
    );
    // mask keeps every column in place
    for (a, b) in out.lines().zip(text.lines()) {
        assert_eq!(a.chars().count(), b.chars().count());
    }
    let bad = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.redactDocument", "arguments": [{"uri": uri, "style": "shred"}]}),
    );
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unknown redaction style"));
    assert_eq!(c.shutdown_exit().0, 0);
}

#[test]
fn exit_without_shutdown_is_status_1_and_version_flag() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    c.notify("exit", Value::Null);
    assert_eq!(c.finish().0, 1);
    let out = child_env::scrub(&mut std::process::Command::new(bin()))
        .args(["lsp", "--version"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("tftsr-lsp "));
}

/// At the default log level a normal session (initialize, a document with findings, shutdown)
/// writes nothing on stderr: clients file every stderr line as an error (Neovim 0.7's lsp.log
/// under [ERROR]). `--log-level info` still tells what happened.
#[test]
fn the_default_log_level_keeps_stderr_quiet_in_normal_work() {
    let session = |args: &[&str]| {
        let mut c = Client::spawn_args(args, &[]);
        c.initialize(caps_nvim07(), Value::Null, None);
        let uri = &c.doc_uri("app.log");
        c.open(uri, "log", &sample());
        c.wait_diagnostics(uri, |d| !d.is_empty());
        let (code, log) = c.shutdown_exit();
        assert_eq!(code, 0, "{log}");
        log
    };
    assert_eq!(session(&["lsp"]), "", "stderr at the default level");
    let info = session(&["lsp", "--log-level", "info"]);
    assert!(info.contains("diagnostics published"), "{info}");
    assert!(!info.contains(EMAIL), "{info}");
}
