//! A small LSP client for the end-to-end tests: drives the real `tftsr` binary over stdio with
//! Content-Length framing, answers the server's requests, and collects its notifications.
#![allow(dead_code)]

#[path = "../../../tests/common/child_env.rs"]
pub mod child_env;
#[path = "../../../tests/common/corpus.rs"]
pub mod corpus;
#[path = "../../../tests/common/lsp_framing.rs"]
mod lsp_framing;
#[path = "../../../tests/common/progress.rs"]
pub mod progress;
use lsp_framing::read_message;
use progress::Progress;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

/// What one step of a wait brought.
enum Got {
    /// A response or a notification.
    Message(Value),
    /// A server→client request, answered (and recorded in `server_requests`).
    Answered,
}

pub struct Client {
    pub child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications and unanswered messages seen while waiting for something else.
    pub inbox: VecDeque<Value>,
    /// What the client answers to `workspace/configuration`.
    pub configuration: Value,
    /// Whether `workspace/applyEdit` succeeds; the edits received are kept.
    pub apply_edits: bool,
    pub applied: Vec<Value>,
    /// Every server→client request seen (method names).
    pub server_requests: Vec<String>,
    pub stderr: Arc<Mutex<String>>,
    stderr_reader: Option<JoinHandle<()>>,
    /// The data dir given to the server unless the test set TFTSR_DATA_DIR itself, so no test
    /// writes into the user's real store (no other `TFTSR_*` variable of the caller's reaches it).
    pub data_dir: tempfile::TempDir,
}

/// The `tftsr` binary under test: this build's, or `TFTSR_TEST_BIN` (to run a test against
/// another build, e.g. one from before a fix, and see it fail).
pub fn bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("TFTSR_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tftsr").to_owned())
    })
}

impl Client {
    pub fn spawn(envs: &[(&str, &Path)]) -> Client {
        Client::spawn_args(&["lsp", "--log-level", "debug"], envs)
    }

    pub fn spawn_args(args: &[&str], envs: &[(&str, &Path)]) -> Client {
        Client::spawn_program(bin(), args, envs)
    }

    pub fn spawn_program(program: &str, args: &[&str], envs: &[(&str, &Path)]) -> Client {
        child_env::assert_no_config_above_temp();
        let data_dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(program);
        child_env::scrub(&mut cmd).env("TFTSR_DATA_DIR", data_dir.path());
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn tftsr lsp");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let log = Arc::new(Mutex::new(String::new()));
        let log2 = log.clone();
        let stderr_reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut line = String::new();
            while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                log2.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            rx,
            next_id: 1,
            inbox: VecDeque::new(),
            configuration: Value::Null,
            apply_edits: true,
            applied: Vec::new(),
            server_requests: Vec::new(),
            stderr: log,
            stderr_reader: Some(stderr_reader),
            data_dir,
        }
    }

    /// A `file://` URI for a document of this test alone (in the client's own temp dir; nothing
    /// is written there unless the test does), instead of a fixed path that tests would share.
    pub fn doc_uri(&self, name: &str) -> String {
        format!("file://{}/docs/{name}", self.data_dir.path().display())
    }

    pub fn send_raw(&mut self, body: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        stdin.write_all(body).unwrap();
        stdin.flush().unwrap();
    }

    /// Writes bytes as they are (no framing), for garbled-header tests.
    pub fn send_raw_unframed(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).unwrap();
        self.send_raw(&body);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    pub fn request_async(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and waits for its whole response object (`result` or `error`).
    pub fn request_full(&mut self, method: &str, params: Value) -> Value {
        let id = self.request_async(method, params);
        self.wait_response(id)
    }

    /// Sends a request and returns its `result`, panicking on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let r = self.request_full(method, params);
        if let Some(e) = r.get("error") {
            panic!("{method} failed: {e}");
        }
        r["result"].clone()
    }

    fn handle_server_request(&mut self, m: &Value) {
        let method = m["method"].as_str().unwrap_or("").to_owned();
        self.server_requests.push(method.clone());
        let result = match method.as_str() {
            "workspace/configuration" => {
                let n = m["params"]["items"].as_array().map_or(1, Vec::len);
                json!(vec![self.configuration.clone(); n])
            }
            "workspace/applyEdit" => {
                self.applied.push(m["params"]["edit"].clone());
                json!({"applied": self.apply_edits})
            }
            _ => Value::Null,
        };
        let id = m["id"].clone();
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// A progress watch on the server for one wait: its CPU time, its messages and its log
    /// lines are its signs of life (see `tests/common/progress.rs`).
    fn progress(&self, what: impl Into<String>) -> Progress {
        Progress::new(self.child.id(), what)
    }

    /// The next message from the server, answering its requests on the way. Panics when the
    /// server stops making progress or closes its output: both are definite failures.
    fn next(&mut self, p: &mut Progress) -> Got {
        let mut log_len = self.stderr.lock().unwrap().len();
        loop {
            match self.rx.recv_timeout(Duration::from_millis(50)) {
                Ok(m) => {
                    p.mark();
                    if m.get("method").is_some() && m.get("id").is_some() {
                        self.handle_server_request(&m);
                        return Got::Answered;
                    }
                    return Got::Message(m);
                }
                Err(RecvTimeoutError::Timeout) => {
                    let now = self.stderr.lock().unwrap().len();
                    if now != log_len {
                        log_len = now;
                        p.mark();
                    }
                    if let Err(e) = p.check() {
                        panic!("{e}; server log:\n{}", self.log());
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    // The reader thread ends at end of output: the server exited or closed stdout.
                    let status = self.child.try_wait().ok().flatten();
                    panic!(
                        "the server closed its output ({status:?}) while the test waited; server \
                         log:\n{}",
                        self.log()
                    );
                }
            }
        }
    }

    pub fn wait_response(&mut self, id: i64) -> Value {
        let is_it = |m: &Value| m["id"] == json!(id) && m.get("method").is_none();
        if let Some(i) = self.inbox.iter().position(is_it) {
            return self.inbox.remove(i).unwrap();
        }
        let mut p = self.progress(format!("a response to request {id}"));
        loop {
            if let Got::Message(m) = self.next(&mut p) {
                if is_it(&m) {
                    return m;
                }
                self.inbox.push_back(m);
            }
        }
    }

    /// Waits for a notification (or response) matching `pred`, looking at already received ones
    /// first, for as long as the server makes progress.
    pub fn wait_notification(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.inbox.iter().position(&pred) {
            return self.inbox.remove(i).unwrap();
        }
        let mut p = self.progress("a matching message");
        loop {
            if let Got::Message(m) = self.next(&mut p) {
                if pred(&m) {
                    return m;
                }
                self.inbox.push_back(m);
            }
        }
    }

    /// Waits until the server has sent a request with this method (answered on the way). The
    /// request may come at any point, also after everything else the test waited for.
    pub fn wait_server_request(&mut self, method: &str) {
        let mut p = self.progress(format!("the server's {method} request"));
        while !self.server_requests.iter().any(|m| m == method) {
            if let Got::Message(m) = self.next(&mut p) {
                self.inbox.push_back(m);
            }
        }
    }

    /// The next publishDiagnostics for `uri` (whose diagnostics satisfy `pred`).
    pub fn wait_diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let m = self.wait_notification(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && pred(m["params"]["diagnostics"].as_array().map_or(&[][..], |v| v))
        });
        m["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn initialize(
        &mut self,
        capabilities: Value,
        init_options: Value,
        root: Option<&Path>,
    ) -> Value {
        let root_uri = root.map(|r| format!("file://{}", r.display()));
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "capabilities": capabilities,
                "initializationOptions": init_options,
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    pub fn open(&mut self, uri: &str, language_id: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language_id, "version": 0, "text": text}}),
        );
    }

    pub fn shutdown_exit(mut self) -> (i32, String) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.finish()
    }

    /// Closes stdin, waits for the process (while it makes progress); returns its exit code and
    /// its whole stderr (read to its end, not sampled).
    pub fn finish(mut self) -> (i32, String) {
        self.stdin.take();
        let st = progress::wait_child(&mut self.child, "the server to exit");
        if let Some(r) = self.stderr_reader.take() {
            r.join().expect("stderr reader");
        }
        (st.code().unwrap_or(-1), self.log())
    }
}

/// Capabilities of a client like Neovim 0.7.2: no positionEncodings, resolveSupport with edit.
pub fn caps_nvim07() -> Value {
    json!({
        "textDocument": {
            "codeAction": {"resolveSupport": {"properties": ["edit"]},
                           "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["", "quickfix", "source"]}}},
            "publishDiagnostics": {"relatedInformation": true}
        },
        "workspace": {"applyEdit": true, "configuration": true},
        "window": {"workDoneProgress": true}
    })
}

/// A client offering UTF-8 (Neovim 0.11-like) and no resolve support.
pub fn caps_utf8_eager() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-8", "utf-16", "utf-32"]},
        "workspace": {"applyEdit": true},
        "textDocument": {"codeAction": {}}
    })
}

pub fn sha256_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Applies LSP TextEdits (UTF-16 or UTF-8 columns) to a text, as an editor would.
pub fn apply_edits(text: &str, edits: &[Value], utf8: bool) -> String {
    let offset = |line: u64, ch: u64| -> usize {
        let mut start = 0;
        for _ in 0..line {
            start += text[start..].find('\n').unwrap() + 1;
        }
        let line_text = &text[start..];
        if utf8 {
            return start + ch as usize;
        }
        let mut units = 0;
        for (i, c) in line_text.char_indices() {
            if units >= ch as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let r = &e["range"];
            (
                offset(
                    r["start"]["line"].as_u64().unwrap(),
                    r["start"]["character"].as_u64().unwrap(),
                ),
                offset(
                    r["end"]["line"].as_u64().unwrap(),
                    r["end"]["character"].as_u64().unwrap(),
                ),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_owned();
    for (s, e, t) in spans {
        out.replace_range(s..e, &t);
    }
    out
}
