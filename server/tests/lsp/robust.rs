//! End-to-end robustness of the real `tftsr lsp` binary: 1,000 edits fired without waiting are
//! applied in order; an out-of-range edit is rejected without touching the document; malformed
//! JSON-RPC and bad requests get error responses and the server lives on.

use crate::lsp_client;

use lsp_client::*;
use serde_json::{json, Value};

/// Deterministic pseudo-random numbers (no crate needed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// UTF-16 position of byte offset `b` in `text`.
fn pos16(text: &str, b: usize) -> Value {
    let line = text[..b].matches('\n').count();
    let ls = text[..b].rfind('\n').map_or(0, |i| i + 1);
    let ch: usize = text[ls..b].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": ch})
}

#[test]
fn thousand_rapid_edits_apply_in_order() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), json!({"tftsr": {"debounceMs": 5}}), None);
    let uri = &c.doc_uri("app.log");
    let real = lsp_client::corpus::loghub_file("Linux_2k.log");
    let mut text: String = real.lines().take(40).map(|l| format!("{l}\n")).collect();
    text.push_str("José 😀 alice@example.com\n");
    c.open(uri, "log", &text);
    let n0 = tftsr::engine::Engine::with_defaults().scan(&text).len();
    assert!(n0 > 1, "the real lines hold IPs and host names");
    c.wait_diagnostics(uri, |d| d.len() == n0);
    let inserts = ["x", "é", "😀", " bob@ex.com ", "\n", "用户", "\r\n", ""];
    let mut rng = Lcg(42);
    for version in 1..=1000 {
        let mut changes = Vec::new();
        for _ in 0..1 + rng.next(2) {
            // a char boundary anywhere in the text
            let chars: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let mut s = chars[rng.next(chars.len())];
            // never split a \r\n pair
            if s > 0 && text.as_bytes()[s - 1] == b'\r' && text.as_bytes().get(s) == Some(&b'\n') {
                s -= 1;
            }
            let mut e = s;
            if rng.next(3) == 0 {
                for _ in 0..rng.next(4) {
                    if let Some(ch) = text[e..].chars().next() {
                        if ch == '\n' || ch == '\r' {
                            break;
                        }
                        e += ch.len_utf8();
                    }
                }
            }
            let ins = inserts[rng.next(inserts.len())];
            changes.push(
                json!({"range": {"start": pos16(&text, s), "end": pos16(&text, e)}, "text": ins}),
            );
            text.replace_range(s..e, ins);
        }
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }
    let state = c.request("tftsr/documentText", json!({"uri": uri}));
    assert_eq!(state["version"], 1000);
    assert_eq!(state["bytes"], text.len());
    assert_eq!(
        state["sha256"],
        sha256_hex(&text),
        "server text diverged from the client's"
    );
    // and the incremental rescans converge on the findings of the final text
    // (oracle: a full scan of the final text by the same engine, through the library)
    let full = tftsr::engine::Engine::with_defaults().scan(&text);
    assert!(
        full.len() > 10,
        "the edits should leave findings ({})",
        full.len()
    );
    let expected: Vec<Value> = full
        .iter()
        .map(|f| json!({"start": pos16(&text, f.start), "end": pos16(&text, f.end)}))
        .collect();
    let diags = c.wait_diagnostics(uri, |d| {
        d.len() == expected.len() && d.iter().all(|x| x["data"]["version"] == 1000)
    });
    let got: Vec<Value> = diags.iter().map(|d| d["range"].clone()).collect();
    assert_eq!(got, expected);
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(
        !log.contains("bob@ex.com") && !log.contains("José"),
        "log leaks text"
    );
}

#[test]
fn out_of_range_edit_is_rejected_and_document_kept() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    let uri = &c.doc_uri("a.log");
    let text = "line one carol@example.com\nline two\n";
    c.open(uri, "log", text);
    c.wait_diagnostics(uri, |d| d.len() == 1);
    // the first change is fine, the second is past the end: the whole notification is rejected
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 1}, "contentChanges": [
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "SECRETTEXT"},
            {"range": {"start": {"line": 40, "character": 0}, "end": {"line": 41, "character": 0}}, "text": "MORESECRET"}
        ]}),
    );
    let msg = c.wait_notification(|m| m["method"] == "window/showMessage");
    assert_eq!(msg["params"]["type"], 1);
    assert!(!msg.to_string().contains("SECRET"));
    let state = c.request("tftsr/documentText", json!({"uri": uri}));
    assert_eq!(state["sha256"], sha256_hex(text));
    assert_eq!(state["version"], 0);
    // a position inside a surrogate pair is rejected too
    let uri2 = &c.doc_uri("b.log");
    c.open(uri2, "log", "😀 dave@example.com\n");
    c.wait_diagnostics(uri2, |d| d.len() == 1);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri2, "version": 1}, "contentChanges": [
            {"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 1}}, "text": "x"}]}),
    );
    let state = c.request("tftsr/documentText", json!({"uri": uri2}));
    assert_eq!(state["sha256"], sha256_hex("😀 dave@example.com\n"));
    // later valid edits still apply
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 4}}, "text": "LINE"}]}),
    );
    let state = c.request("tftsr/documentText", json!({"uri": uri}));
    assert_eq!(
        state["sha256"],
        sha256_hex("line one carol@example.com\nLINE two\n")
    );
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(log.contains("rejected didChange"));
    assert!(
        !log.contains("SECRET") && !log.contains("carol"),
        "log leaks text:\n{log}"
    );
}

#[test]
fn malformed_messages_get_errors_and_server_lives() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    // not JSON at all
    c.send_raw(b"{this is not json");
    let err = c.wait_notification(|m| m.get("error").is_some() && m["id"].is_null());
    assert_eq!(err["error"]["code"], -32700);
    // valid JSON that is no JSON-RPC message: invalid request, with its id
    c.send(&json!({"id": 77, "hello": "world"}));
    let err = c.wait_notification(|m| m["id"] == 77);
    assert_eq!(err["error"]["code"], -32600);
    // a garbled header (no Content-Length): parse error, and the stream resynchronises
    {
        let garbage = b"X-Nonsense\r\n\r\n";
        c.send_raw_unframed(garbage);
    }
    let err = c.wait_notification(|m| m.get("error").is_some() && m["id"].is_null());
    assert_eq!(err["error"]["code"], -32700);
    // a request with wrong params
    let r = c.request_full("textDocument/codeAction", json!({"textDocument": 3}));
    assert_eq!(r["error"]["code"], -32602);
    // an unknown method
    let r = c.request_full("tftsr/nope", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    // an unknown `$/` request is answered MethodNotFound too (LSP 3.17; tower-lsp-server drops
    // that answer for `$/` methods, so the transport gives it: found by the `lsp_transport` fuzz
    // target), and an unknown `$/` notification is ignored
    c.notify("$/tftsr/unknownNotification", json!({}));
    let r = c.request_full("$/tftsr/unknownRequest", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    // an unknown command, a command without its argument
    let r = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.nope", "arguments": []}),
    );
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unknown command"));
    let r = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.documentStats", "arguments": []}),
    );
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("tftsr.documentStats"));
    // the attach action's own argument lacks the issue the client is to pick: say so
    let r = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.attachToIssue", "arguments": [{"uri": "file:///x.log"}]}),
    );
    assert_eq!(
        r["error"]["message"],
        "tftsr.attachToIssue: expected one object argument as documented (missing field `issueId`)"
    );
    // a wrong type never echoes the value it was given
    let r = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.getIssue", "arguments": [{"id": ["s3cr3tvalue"]}]}),
    );
    let m = r["error"]["message"].as_str().unwrap();
    assert!(
        m.starts_with("tftsr.getIssue: ") && !m.contains("s3cr3t"),
        "{m}"
    );
    // a didChange with garbage params and one for a document never opened: ignored
    c.notify("textDocument/didChange", json!({"textDocument": "??"}));
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nope.log", "version": 1}, "contentChanges": [{"text": "x"}]}),
    );
    // still alive and working
    let uri = &c.doc_uri("a.log");
    c.open(uri, "log", "x erin@example.com\n");
    c.wait_diagnostics(uri, |d| d.len() == 1);
    // documents of other schemes are never tracked
    c.open("output:extension-output-1", "log", "x erin@example.com\n");
    let r = c.request_full(
        "tftsr/documentText",
        json!({"uri": "output:extension-output-1"}),
    );
    assert!(r.get("error").is_some());
    assert_eq!(c.shutdown_exit().0, 0);
}

/// Peak resident memory of a process, KiB (`VmHWM`).
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn did_open(uri: &str, text: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": uri, "languageId": "log", "version": 0, "text": text}}}))
    .unwrap()
}

/// The error responses without an id received so far (they come before what the test waited
/// for: the server answers a broken frame when it reads it).
fn framing_errors(c: &mut Client) -> Vec<Value> {
    let is_err = |m: &Value| m["id"].is_null() && m.get("error").is_some();
    let out = c.inbox.iter().filter(|m| is_err(m)).cloned().collect();
    c.inbox.retain(|m| !is_err(m));
    out
}

/// Issue 16, item 6: one wrong `Content-Length` used to leave the server deaf for good, and a
/// header line without a newline grew its memory without bound.
#[test]
fn broken_framing_is_answered_and_the_stream_resynchronises() {
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    let real = lsp_client::corpus::loghub_file("Linux_2k.log");
    let lines: String = real.lines().take(5).map(|l| format!("{l}\n")).collect();
    let n_real = tftsr::engine::Engine::with_defaults().scan(&lines).len();

    // A client that counts characters, not bytes: every message with non-ASCII text is cut
    // short. Each is answered with an error; the next messages are read.
    for i in 0..3 {
        let text = format!("{lines}José 😀 用户 judy{i}@example.com\n");
        let body = did_open(&format!("file:///tmp/tftsr-framing/chars{i}.log"), &text);
        let chars = String::from_utf8(body.clone()).unwrap().chars().count();
        assert!(chars < body.len());
        let mut raw = format!("Content-Length: {chars}\r\n\r\n").into_bytes();
        raw.extend_from_slice(&body);
        c.send_raw_unframed(&raw);
    }
    let ok = "file:///tmp/tftsr-framing/ok.log";
    c.open(ok, "log", &format!("{lines}ascii kim@example.com\n"));
    c.wait_diagnostics(ok, |d| d.len() == n_real + 1);
    let errors = framing_errors(&mut c);
    assert!(errors.len() >= 3, "{errors:?}");
    for e in &errors {
        assert_eq!(e["error"]["code"], -32700, "{e}");
        let m = e["error"]["message"].as_str().unwrap();
        assert!(m.contains("Content-Length"), "{m}");
        assert!(!m.contains("judy") && !m.contains("José"), "{m}");
    }
    let told = c.wait_notification(|m| m["method"] == "window/showMessage");
    assert_eq!(told["params"]["type"], 1);
    // the same documents framed right are scanned
    let uri = "file:///tmp/tftsr-framing/chars0.log";
    c.open(
        uri,
        "log",
        &format!("{lines}José 😀 用户 judy0@example.com\n"),
    );
    c.wait_diagnostics(uri, |d| d.len() == n_real + 1);

    // A length too large: the body runs into the next message, which is read from its header.
    let body = did_open("file:///tmp/tftsr-framing/long.log", "x\n");
    let next = "file:///tmp/tftsr-framing/after-long.log";
    let mut raw = format!("Content-Length: {}\r\n\r\n", body.len() + 30).into_bytes();
    raw.extend_from_slice(&body);
    raw.extend_from_slice(&framed_open(next, "y leo@example.com\n"));
    c.send_raw_unframed(&raw);
    // the first is lost (answered with an error), the one it ran into is read whole
    c.wait_diagnostics(next, |d| d.len() == 1);
    let after = "file:///tmp/tftsr-framing/after-after.log";
    c.open(after, "log", "z mia@example.com\n");
    c.wait_diagnostics(after, |d| d.len() == 1);

    // A header line without a newline: 16 MB of it, then a message. Memory stays bounded.
    let before = peak_kib(c.child.id());
    let chunk = vec![b'A'; 1 << 20];
    for _ in 0..16 {
        c.send_raw_unframed(&chunk);
    }
    c.send_raw_unframed(b"\r\n\r\n");
    let r = c.request("tftsr/documentText", json!({"uri": after}));
    assert_eq!(r["bytes"], "z mia@example.com\n".len());
    let grown = peak_kib(c.child.id()).saturating_sub(before);
    assert!(grown < 8 * 1024, "peak memory grew by {grown} KiB");
    let e = framing_errors(&mut c);
    assert!(
        e.iter().any(|e| e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("header line too long")),
        "{e:?}"
    );

    // A body over the size limit: refused at once with a clear error, never allocated.
    c.send_raw_unframed(b"Content-Length: 1099511627776\r\n\r\n");
    let e = c.wait_notification(|m| m["id"].is_null() && m.get("error").is_some());
    assert_eq!(e["error"]["code"], -32600);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("over the limit"),
        "{e}"
    );
    let grown = peak_kib(c.child.id()).saturating_sub(before);
    assert!(grown < 8 * 1024, "peak memory grew by {grown} KiB");
    // (it now skips that terabyte: end of input ends it, without `shutdown` status 1)
    let (code, log) = c.finish();
    assert_eq!(code, 1);
    assert!(
        !log.contains("judy") && !log.contains("José") && !log.contains("AAAA"),
        "log leaks text"
    );
}

fn framed_open(uri: &str, text: &str) -> Vec<u8> {
    let body = did_open(uri, text);
    let mut raw = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    raw.extend_from_slice(&body);
    raw
}

/// Resident memory of a process now, KiB (`VmRSS`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Issue 11, item 6: closing documents gives their memory back (the server's `VmRSS`, read from
/// /proc). Eight logs of ~1 MiB of real loghub lines with planted values are opened and scanned,
/// then closed: most of what they held must leave the process. Before the trim after a close,
/// glibc kept the freed rope nodes and indexes: about an eighth went back.
#[test]
fn closing_documents_gives_their_memory_back() {
    let real = lsp_client::corpus::loghub_file("OpenSSH_2k.log");
    let mut text = String::new();
    while text.len() < 1 << 20 {
        for (i, line) in real.lines().enumerate() {
            text.push_str(line);
            if i % 10 == 0 {
                text.push_str(" user=jane.doe@example.org ip=10.1.2.3");
            }
            text.push('\n');
        }
    }
    let ws = tempfile::tempdir().unwrap();
    let mut c = Client::spawn(&[]);
    c.initialize(
        caps_nvim07(),
        json!({"tftsr": {"debounceMs": 0}}),
        Some(ws.path()),
    );
    let pid = c.child.id();
    let base = rss_kib(pid);
    let uris: Vec<String> = (0..8)
        .map(|i| c.doc_uri(&format!("many-{i}.log")))
        .collect();
    for (i, uri) in uris.iter().enumerate() {
        c.open(uri, "log", &format!("document {i}\n{text}"));
        c.wait_diagnostics(uri, |d| !d.is_empty());
    }
    let open = rss_kib(pid);
    let held = open.saturating_sub(base);
    assert!(
        held > 8 * 1024,
        "eight 1 MiB documents hold only {held} KiB?"
    );
    for uri in &uris {
        c.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }
    for uri in &uris {
        c.wait_diagnostics(uri, |d| d.is_empty());
    }
    // The memory goes back on the blocking pool after the closes: wait for it while the server
    // works (a server that keeps it never gets there and stops making progress).
    let mut p =
        lsp_client::progress::Progress::new(pid, "the closed documents' memory to be returned");
    let returned = p
        .until(
            || rss_kib(pid),
            || {
                let now = rss_kib(pid);
                (now <= base + held / 2).then_some(open - now)
            },
        )
        .unwrap_or_else(|e| {
            panic!(
                "{e}: VmRSS {} KiB before the documents, {open} KiB with them, {} KiB after closing",
                base,
                rss_kib(pid)
            )
        });
    assert!(returned >= held / 2, "{returned} of {held} KiB returned");
    assert_eq!(c.shutdown_exit().0, 0);
}
