//! End-to-end configuration of the real `tftsr lsp`: settings (initializationOptions,
//! didChangeConfiguration, workspace/configuration pull), maxDiagnostics + summary, the
//! workspace `.tftsr.toml` (watched, re-read on save, errors shown, old config kept),
//! "Ignore this value", `$/progress` on a long first scan, `tftsr.scanFile`.

use crate::lsp_client;

use std::path::Path;

use lsp_client::*;
use serde_json::{json, Value};

fn corpus(name: &str, lines: usize) -> String {
    let real = lsp_client::corpus::loghub_file(name);
    real.lines().take(lines).map(|l| format!("{l}\n")).collect()
}

fn full_scan(text: &str) -> Vec<tftsr::engine::Finding> {
    tftsr::engine::Engine::with_defaults().scan(text)
}

fn caps_watching() -> Value {
    let mut c = caps_nvim07();
    c["workspace"]["didChangeWatchedFiles"] = json!({"dynamicRegistration": true});
    c
}

fn file_uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

#[test]
fn settings_cap_severity_and_pull() {
    let mut c = Client::spawn(&[]);
    c.initialize(
        caps_nvim07(),
        json!({"tftsr": {"maxDiagnostics": 5, "severity": {"ipv4": "error"}, "bogus": 1}}),
        None,
    );
    let uri = &c.doc_uri("ssh.log");
    let text = corpus("OpenSSH_2k.log", 60);
    let n = full_scan(&text).len();
    assert!(n > 5, "{n}");
    c.open(uri, "log", &text);
    let d = c.wait_diagnostics(uri, |d| d.len() == 6);
    let summary = d
        .iter()
        .find(|x| x["code"] == "tftsr.truncated")
        .expect("summary");
    assert_eq!(summary["severity"], 3);
    assert!(summary["message"]
        .as_str()
        .unwrap()
        .contains(&format!("{} more", n - 5)));
    assert!(d
        .iter()
        .filter(|x| x["code"] == "ipv4")
        .all(|x| x["severity"] == 1));
    // redact-all still covers every finding, not just the ones shown
    let stats = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.documentStats", "arguments": [{"uri": uri}]}),
    );
    assert_eq!(stats["findings"], n);
    // empty settings on didChangeConfiguration: the server pulls workspace/configuration
    c.configuration = json!({"maxDiagnostics": 1000, "disabledTypes": ["ipv4", "hostname"]});
    c.notify("workspace/didChangeConfiguration", json!({"settings": {}}));
    let rest = full_scan(&text)
        .iter()
        .filter(|f| !matches!(f.kind.id(), "ipv4" | "hostname"))
        .count();
    assert!(rest < n);
    let d = c.wait_diagnostics(uri, |d| {
        d.len() == rest
            && d.iter()
                .all(|x| x["code"] != "ipv4" && x["code"] != "hostname")
    });
    assert!(c
        .server_requests
        .iter()
        .any(|m| m == "workspace/configuration"));
    assert!(d.iter().all(|x| x["code"] != "tftsr.truncated"));
    // a bad value rejects the object (as the CLI rejects a bad flag): error shown, naming the
    // key and not the value; the settings in force stay
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"tftsr": {"redactionStyle": "shred", "maxDiagnostics": 2}}}),
    );
    let m = c.wait_notification(|m| m["method"] == "window/showMessage");
    assert_eq!(m["params"]["type"], 1, "an error: {m}");
    let msg = m["params"]["message"].as_str().unwrap();
    assert!(msg.contains("`redactionStyle`"), "{msg}");
    assert!(!msg.contains("shred"), "the value is echoed: {msg}");
    // a second document gets the settings in force: no cap of 2, IPs and hosts still off
    let uri2 = "file:///tmp/tftsr-cfg/ssh2.log";
    let text2 = format!("{text}a@example.org\nb@example.org\nc@example.org from 10.0.0.1\n");
    c.open(uri2, "log", &text2);
    let d = c.wait_diagnostics(uri2, |d| !d.is_empty());
    assert_eq!(d.len(), rest + 3, "{d:?}");
    assert!(d.iter().all(|x| x["code"] == "email"));
    // (a valid object replaces the settings whole: the disabled types are back)
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"tftsr": {"maxDiagnostics": 2}}}),
    );
    c.wait_diagnostics(uri, |d| d.len() == 3);
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(log.contains("settings rejected") && !log.contains("shred"));
}

/// Settings are validated as the CLI validates its flags (issue 16, item 4): a typo in a type id
/// (`["emial"]`) used to switch every detector off without a word.
#[test]
fn settings_with_unknown_type_ids_are_rejected_and_the_previous_stay() {
    let mut c = Client::spawn(&[]);
    // a bad initializationOptions: reported once the client is ready, the defaults apply
    c.initialize(
        caps_nvim07(),
        json!({"tftsr": {"enabledTypes": ["emial"]}}),
        None,
    );
    let m = c.wait_notification(|m| m["method"] == "window/showMessage");
    assert_eq!(m["params"]["type"], 1);
    let msg = m["params"]["message"].as_str().unwrap().to_owned();
    assert!(
        msg.contains("`enabledTypes[0]` is not a known type id"),
        "{msg}"
    );
    assert!(msg.contains("email, "), "the known ids are listed: {msg}");
    assert!(!msg.contains("emial"), "{msg}");
    let text = format!(
        "{}login by ivan@example.org from 10.9.8.7\n",
        corpus("OpenSSH_2k.log", 20)
    );
    let all = full_scan(&text);
    let uri = "file:///tmp/tftsr-cfg/typo.log";
    c.open(uri, "log", &text);
    c.wait_diagnostics(uri, |d| d.len() == all.len());
    // a valid restriction, then typos in each list and in a severity key
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"tftsr": {"disabledTypes": ["ipv4"], "redactionStyle": "mask"}}}),
    );
    let no_ip = all.iter().filter(|f| f.kind.id() != "ipv4").count();
    c.wait_diagnostics(uri, |d| d.len() == no_ip);
    for bad in [
        json!({"enabledTypes": ["emial"]}),
        json!({"disabledTypes": ["ipv4", "hostnme"]}),
        json!({"severity": {"emial": "error"}}),
        json!({"redactionStyle": "blackout", "disabledTypes": []}),
    ] {
        c.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"tftsr": bad.clone()}}),
        );
        let m = c.wait_notification(|m| m["method"] == "window/showMessage");
        let msg = m["params"]["message"].as_str().unwrap();
        assert_eq!(m["params"]["type"], 1);
        assert!(msg.contains("previous settings stay in force"), "{msg}");
        for v in ["emial", "hostnme", "blackout"] {
            assert!(!msg.contains(v), "`{v}` echoed: {msg}");
        }
        // still the valid settings: IPs off, every other type on, mask style
        let stats = c.request(
            "workspace/executeCommand",
            json!({"command": "tftsr.documentStats", "arguments": [{"uri": uri}]}),
        );
        assert_eq!(stats["findings"], no_ip, "after {bad}");
    }
    let pos = json!({"line": 20, "character": 12});
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": pos, "end": pos},
               "context": {"diagnostics": []}}),
    );
    let edit = &actions[0]["edit"]["changes"][uri][0];
    assert_eq!(
        edit["newText"],
        "*".repeat("ivan@example.org".len()),
        "{actions}"
    );
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    for v in ["emial", "hostnme", "blackout", "ivan@"] {
        assert!(!log.contains(v), "`{v}` in the log");
    }
}

#[test]
fn workspace_config_watch_save_errors_and_ignore_value() {
    let root = tempfile::tempdir().unwrap();
    let log = root.path().join("app.log");
    let text = format!(
        "{}user grace@example.com failed; José 😀 grace@example.com again\nadmin heidi@example.com\n",
        corpus("Apache_2k.log", 5)
    );
    std::fs::write(&log, &text).unwrap();
    let uri = file_uri(&log);
    let mut c = Client::spawn(&[]);
    c.initialize(caps_watching(), Value::Null, Some(root.path()));
    c.open(&uri, "log", &text);
    let d = c.wait_diagnostics(&uri, |d| d.len() == 3);
    c.wait_server_request("client/registerCapability");
    // "Ignore this value" through its code action's command
    let pos = d[0]["range"]["start"].clone();
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": pos, "end": pos}, "context": {"diagnostics": []}}),
    );
    let ignore = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Ignore this value")
        .unwrap()["command"]
        .clone();
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": ignore["command"], "arguments": ignore["arguments"]}),
    );
    let cfg_path = root.path().join(".tftsr.toml");
    assert_eq!(r["configPath"], cfg_path.display().to_string());
    let written = std::fs::read_to_string(&cfg_path).unwrap();
    assert!(written.contains(&sha256_hex("grace@example.com")));
    assert!(
        !written.contains("grace@"),
        "the file must not hold the value"
    );
    // both occurrences of that value disappear, the other e-mail stays
    let d = c.wait_diagnostics(&uri, |d| d.len() == 1);
    assert_eq!(d[0]["range"]["start"]["line"], 6);
    // the user edits .tftsr.toml on disk: the watcher notification re-reads it
    std::fs::write(
        &cfg_path,
        format!("{written}\n[types]\ndisable = [\"email\"]\n"),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&cfg_path), "type": 2}]}),
    );
    c.wait_diagnostics(&uri, |d| d.is_empty());
    // a broken file: error message, previous configuration kept
    std::fs::write(&cfg_path, "[types\ndisable = 3\n").unwrap();
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": file_uri(&cfg_path)}}),
    );
    let m = c.wait_notification(|m| m["method"] == "window/showMessage");
    assert_eq!(m["params"]["type"], 1);
    assert!(m["params"]["message"]
        .as_str()
        .unwrap()
        .contains(".tftsr.toml"));
    assert!(m["params"]["message"]
        .as_str()
        .unwrap()
        .contains("keeping the previous"));
    let stats = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.documentStats", "arguments": [{"uri": uri}]}),
    );
    assert_eq!(stats["findings"], 0);
    // fixed again: e-mails back except the ignored one
    std::fs::write(&cfg_path, &written).unwrap();
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": file_uri(&cfg_path)}}),
    );
    c.wait_diagnostics(&uri, |d| d.len() == 1);
    assert_eq!(c.shutdown_exit().0, 0);
}

#[test]
fn progress_on_a_long_first_scan() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    let uri = &c.doc_uri("big.log");
    let chunk = corpus("Hadoop_2k.log", 2000);
    let mut text = String::new();
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(&chunk);
    }
    text.push_str("tail ivan@example.com\n");
    c.open(uri, "log", &text);
    let begin = c.wait_notification(|m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin"
    });
    let token = begin["params"]["token"].clone();
    assert!(c
        .server_requests
        .iter()
        .any(|m| m == "window/workDoneProgress/create"));
    let d = c.wait_diagnostics(uri, |d| !d.is_empty());
    assert_eq!(d.len(), 1000 + 1, "capped at maxDiagnostics + summary");
    c.wait_notification(|m| {
        m["method"] == "$/progress"
            && m["params"]["token"] == token
            && m["params"]["value"]["kind"] == "end"
    });
    assert_eq!(c.shutdown_exit().0, 0);
}

#[test]
fn scan_file_writes_a_redacted_copy() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.log");
    let mut text = corpus("OpenSSH_2k.log", 300);
    text.push_str(
        "password=hunter2xyz token ghp_abcdefghijklmnopqrstuvwxyz0123456789 for judy@example.com\n",
    );
    std::fs::write(&input, &text).unwrap();
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, Some(dir.path()));
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.scanFile", "arguments": [{"path": input}]}),
    );
    let out = dir.path().join("big.redacted.log");
    assert_eq!(r["output"], out.display().to_string());
    let n = full_scan(&text).len();
    assert_eq!(r["findings"], n);
    assert_eq!(r["byType"]["email"], 1);
    let red = std::fs::read_to_string(&out).unwrap();
    assert!(!red.contains("hunter2xyz") && !red.contains("judy@") && !red.contains("ghp_abc"));
    assert!(red.contains("password=[Password]"));
    assert!(full_scan(&red).is_empty());
    assert_eq!(red.lines().count(), text.lines().count());
    // refuses to overwrite its input; a missing file is a clear error
    let r = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.scanFile", "arguments": [{"path": input, "output": input}]}),
    );
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("is the input file"));
    let r = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.scanFile", "arguments": [{"path": dir.path().join("nope.log")}]}),
    );
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot read `path`"));
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(!log.contains("hunter2xyz"));
}

#[test]
fn globs_decide_what_is_scanned_and_close_clears() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    let txt = &c.doc_uri("notes.txt");
    let rotated = &c.doc_uri("app.log.3");
    let body = "contact mallory@example.com\n";
    c.open(txt, "plaintext", body);
    c.open(rotated, "plaintext", body);
    c.wait_diagnostics(rotated, |d| d.len() == 1);
    let stats = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.documentStats", "arguments": [{"uri": txt}]}),
    );
    assert_eq!(stats["findings"], 0, "*.txt is not scanned by default");
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"tftsr": {"globs": ["*.txt"], "enabledTypes": ["email"]}}}),
    );
    c.wait_diagnostics(txt, |d| d.len() == 1);
    // app.log.3 no longer matches: its diagnostics are cleared
    c.wait_diagnostics(rotated, |d| d.is_empty());
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": txt}}),
    );
    c.wait_diagnostics(txt, |d| d.is_empty());
    assert_eq!(c.shutdown_exit().0, 0);
}

#[test]
fn a_bad_initialization_option_is_shown_once_the_client_is_ready() {
    let mut c = Client::spawn(&[]);
    c.initialize(
        caps_nvim07(),
        json!({"tftsr": {"redactionStyle": "shred"}}),
        None,
    );
    let m = c.wait_notification(|m| m["method"] == "window/showMessage");
    let text = m["params"]["message"].as_str().unwrap();
    assert!(text.contains("redactionStyle"), "{text}");
    assert!(
        !text.contains("shred"),
        "the message names the field, not its value: {text}"
    );
    assert_eq!(c.shutdown_exit().0, 0);
}
