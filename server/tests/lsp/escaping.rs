//! Messages that cannot be forged, from the real `tftsr lsp` over stdio: a file name, a
//! workspace path or an issue title with control characters (a newline, a CR, a terminal escape)
//! reaches `window/showMessage` and the issue summary escaped, so it cannot start a line of its
//! own nor drive a terminal editor's screen; the command results' data fields stay exact.

use crate::lsp_client;

use std::path::Path;

use lsp_client::*;
use serde_json::{json, Value};

/// An OSC title change, a clear-screen, a bare CR, and a newline followed by a forged line.
const EVIL: &str = "x\x1b]0;owned\x07\x1b[2J\rcr\nforged line";
const ESCAPED: &str = "x\\x1b]0;owned\\x07\\x1b[2J\\rcr\\nforged line";

/// `file://` + `path`, percent-encoded byte by byte (RFC 3986 unreserved and `/` kept).
fn file_uri(path: &Path) -> String {
    let mut s = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn assert_unforged(what: &str, text: &str) {
    assert!(
        !text.contains(['\x1b', '\x07', '\r']),
        "{what}: a raw control character: {text:?}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("forged")),
        "{what}: a name started a line of its own: {text}"
    );
    assert!(text.contains(ESCAPED), "{what}: {text:?}");
}

#[test]
fn a_file_name_with_control_characters_is_escaped_in_show_message() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join(format!("{EVIL}.log")));
    c.open(&uri, "log", "login from bob@example.com\n");
    c.wait_diagnostics(&uri, |d| d.len() == 1);
    // A change whose range ends before it starts is rejected, and the user told, by file name.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 1},
               "contentChanges": [{"range": {"start": {"line": 0, "character": 5},
                                             "end": {"line": 0, "character": 1}},
                                   "text": "x"}]}),
    );
    let m = c.wait_notification(|m| m["method"] == "window/showMessage");
    let msg = m["params"]["message"].as_str().unwrap();
    assert!(msg.contains("rejected an edit"), "{msg}");
    assert_unforged("rejected didChange", msg);
    let (code, _) = c.shutdown_exit();
    assert_eq!(code, 0);
}

#[test]
fn a_workspace_path_with_control_characters_is_escaped_in_config_errors() {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join(EVIL);
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join(".tftsr.toml"), "[types]\nenable = 7\n").unwrap();
    let mut c = Client::spawn(&[]);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": file_uri(&root), "capabilities": caps_nvim07()}),
    );
    c.notify("initialized", json!({}));
    let m = c.wait_notification(|m| m["method"] == "window/showMessage");
    let msg = m["params"]["message"].as_str().unwrap();
    assert!(msg.contains(".tftsr.toml"), "{msg}");
    assert_unforged("configuration error", msg);
    let (code, _) = c.shutdown_exit();
    assert_eq!(code, 0);
}

#[test]
fn an_issue_title_with_control_characters_is_escaped_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Client::spawn(&[
        ("TFTSR_DATA_DIR", dir.path()),
        ("TFTSR_DB_ENCRYPT", Path::new("1")),
        ("TFTSR_DB_KEY", Path::new("correct horse battery staple")),
    ]);
    c.initialize(caps_nvim07(), Value::Null, None);
    let r = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.createIssue",
               "arguments": [{"title": EVIL, "severity": "high", "tags": ["ops"],
                              "description": "line one\nline two \x1b[2J"}]}),
    );
    let id = r["result"]["id"].as_str().unwrap_or_else(|| panic!("{r}"));
    let got = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.getIssue", "arguments": [{"id": id}]}),
    );
    let md = got["result"]["markdown"].as_str().unwrap();
    assert!(md.starts_with(&format!("# {ESCAPED}\n")), "{md}");
    assert_unforged("issue markdown", md);
    assert!(md.contains("line one\nline two \\x1b[2J"), "{md}");
    // The data stays exact.
    assert_eq!(got["result"]["issue"]["title"], EVIL, "{got}");
    let (code, _) = c.shutdown_exit();
    assert_eq!(code, 0);
}
