//! LSP benchmark: a client harness that drives the release `tftsr lsp` over stdio, as an editor does.
//!
//! `cargo bench -p tftsr --bench lsp_bench` (builds the release binary; or point `TFTSR_BIN` at one).
//! Generates a ~50 MiB log from the loghub corpus (`shared/corpus/loghub` beside the checkout, or
//! `TFTSR_CORPUS`: `tests/common/corpus.rs`) with planted findings, then, per run (fresh server each time, `LSP_BENCH_RUNS`, default 5):
//!
//! - `didOpen` -> first `publishDiagnostics` for the document (target <= 500 ms). The clock starts
//!   before the 50 MiB notification is written, so it includes the JSON transfer an editor also pays.
//! - a one-character `didChange` at the end -> the diagnostics for that version (target <= 10 ms).
//!   The debounce is excluded by configuration: `initializationOptions.debounceMs = 0`.
//! - `textDocument/codeAction` on a finding, 50 sequential requests (target <= 5 ms).
//! - server RSS (`VmRSS` from /proc/<pid>/status) with the document open (target <= 3x its size).
//!
//! Prints medians over the runs and the CPU model. Exit status 1 if the server fails to answer.
//! Knobs: `LSP_BENCH_RUNS`, `LSP_BENCH_MIB` (document size), `LSP_BENCH_SETTINGS` (extra settings
//! JSON, e.g. `{"logLevel":"debug"}`), `LSP_BENCH_STDERR` (keep the server log in that file).

use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "../../tests/common/corpus.rs"]
mod corpus;
#[path = "../../tests/common/lsp_framing.rs"]
mod lsp_framing;

/// Document size; `LSP_BENCH_MIB` overrides the 50 MiB (e.g. to try the harness quickly).
fn target_bytes() -> usize {
    std::env::var("LSP_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(50)
        * 1024
        * 1024
}
const TIMEOUT: Duration = Duration::from_secs(60);

/// Findings planted into the corpus text, one every `PLANT_EVERY` lines, cycling through these.
/// The corpus itself also has real IPs, hosts and e-mails.
const PLANTS: &[&str] = &[
    " user=jane.doe@example.org",
    " password=Tr0ub4dor&3",
    " card=4111 1111 1111 1111",
    " aws_key=AKIAIOSFODNN7EXAMPLE",
    " Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    " ip=192.168.17.42",
    " ghp_token=ghp_16C7e42F292c6912E7710c838347Ae178B4a",
];
const PLANT_EVERY: usize = 40;
/// One-character edits per run.
const EDITS: usize = 5;

struct Msg {
    at: Instant,
    body: Value,
}

struct Server {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    rx: Receiver<Msg>,
    next_id: i64,
}

fn frame(v: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(v).expect("serialize");
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(&body);
    out
}

impl Server {
    fn start(bin: &Path, stderr_log: &Path, settings: Value) -> Server {
        let mut child = Command::new(bin)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(stderr_log)
                    .expect("stderr log"),
            )
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let stdin = Arc::new(Mutex::new(child.stdin.take().unwrap()));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let answer = Arc::clone(&stdin);
        thread::spawn(move || {
            let mut r = BufReader::with_capacity(1 << 20, stdout);
            while let Some(body) = lsp_framing::read_message(&mut r) {
                let at = Instant::now();
                // Server -> client requests must be answered or the server may wait on them.
                if let (Some(id), Some(method)) = (body.get("id"), body["method"].as_str()) {
                    let result = match method {
                        "workspace/configuration" => {
                            let n = body["params"]["items"].as_array().map_or(1, |a| a.len());
                            Value::Array(vec![settings.clone(); n])
                        }
                        _ => Value::Null,
                    };
                    let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
                    let _ = answer.lock().unwrap().write_all(&frame(&reply));
                    continue;
                }
                if tx.send(Msg { at, body }).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            stdin,
            rx,
            next_id: 1,
        }
    }

    fn send(&self, v: Value) {
        let mut w = self.stdin.lock().unwrap();
        w.write_all(&frame(&v)).expect("write to server");
        w.flush().expect("flush");
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Next message satisfying `pred`, dropping the others.
    fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Msg {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(m) if pred(&m.body) => return m,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => fail(&format!("timed out waiting for {what}")),
                Err(RecvTimeoutError::Disconnected) => {
                    fail(&format!("server exited waiting for {what}"))
                }
            }
        }
    }

    fn response(&self, id: i64) -> Msg {
        let m = self.wait_for("a response", |b| {
            b.get("id") == Some(&json!(id)) && b.get("method").is_none()
        });
        if let Some(e) = m.body.get("error") {
            fail(&format!("request {id} failed: {e}"));
        }
        m
    }

    fn rss_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    fn stop(mut self) {
        let id = self.request("shutdown", Value::Null);
        let _ = self
            .rx
            .recv_timeout(Duration::from_secs(10))
            .map(|m| m.body["id"] == json!(id));
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("lsp_bench: {msg}");
    std::process::exit(1);
}

/// ~50 MiB of real log lines (loghub, round-robin over its files), a planted finding every
/// `PLANT_EVERY` lines. Returns the text and the number of planted findings.
fn generate(dir: &Path) -> (String, usize) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", dir.display())))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    let sources: Vec<String> = files
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect();
    let lines: Vec<&str> = sources.iter().flat_map(|s| s.lines()).collect();
    if lines.is_empty() {
        fail(&format!("no *.log lines under {}", dir.display()));
    }
    let target = target_bytes();
    let mut text = String::with_capacity(target + 4096);
    let (mut n, mut planted) = (0usize, 0usize);
    while text.len() < target {
        text.push_str(lines[n % lines.len()]);
        if n % PLANT_EVERY == 0 {
            text.push_str(PLANTS[planted % PLANTS.len()]);
            planted += 1;
        }
        text.push('\n');
        n += 1;
    }
    (text, planted)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn publish_for(uri: &str, version: Option<i64>) -> impl Fn(&Value) -> bool + '_ {
    move |b| {
        b["method"] == "textDocument/publishDiagnostics"
            && b["params"]["uri"] == uri
            && version.is_none_or(|v| {
                // the version of the diagnostics: the notification's own, else the one in data
                let pv = b["params"]["version"].as_i64();
                let dv = b["params"]["diagnostics"][0]["data"]["version"].as_i64();
                pv.or(dv) == Some(v)
            })
    }
}

struct Run {
    write_ms: f64,
    publish_bytes: usize,
    open_ms: f64,
    open_diags: usize,
    change_ms: Vec<f64>,
    action_ms: Vec<f64>,
    rss_kib: u64,
    hwm_kib: u64,
    rss_after_change_kib: u64,
}

fn run_once(bin: &Path, text: &str, work: &Path) -> Run {
    let mut settings = json!({"debounceMs": 0});
    // extra settings for investigations, e.g. LSP_BENCH_SETTINGS='{"logLevel":"debug"}'
    if let Ok(extra) = std::env::var("LSP_BENCH_SETTINGS") {
        let extra: Value = serde_json::from_str(&extra)
            .unwrap_or_else(|e| fail(&format!("LSP_BENCH_SETTINGS: {e}")));
        for (k, v) in extra.as_object().into_iter().flatten() {
            settings[k] = v.clone();
        }
    }
    // LSP_BENCH_STDERR=FILE keeps the server's log (appended over the runs)
    let stderr_log = std::env::var_os("LSP_BENCH_STDERR")
        .map(PathBuf::from)
        .unwrap_or_else(|| work.join("server.stderr"));
    let mut s = Server::start(bin, &stderr_log, settings.clone());
    let root = format!("file://{}", work.display());
    let id = s.request(
        "initialize",
        json!({
            "processId": std::process::id(),
            "rootUri": root,
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "window": {"workDoneProgress": true},
                "workspace": {"configuration": true, "applyEdit": true},
                "textDocument": {
                    "synchronization": {"didSave": true},
                    "publishDiagnostics": {"versionSupport": true},
                    "codeAction": {
                        "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source", "source.fixAll"]}},
                        "isPreferredSupport": true,
                        "dataSupport": true,
                        "resolveSupport": {"properties": ["edit"]}
                    }
                }
            },
            "initializationOptions": {"tftsr": settings},
            "clientInfo": {"name": "tftsr-lsp-bench"}
        }),
    );
    s.response(id);
    s.notify("initialized", json!({}));

    let uri = format!("{root}/bench-50mb.log");
    let open = json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "log", "version": 1, "text": text}}});
    let bytes = frame(&open);
    drop(open);
    let t0 = Instant::now();
    {
        let mut w = s.stdin.lock().unwrap();
        w.write_all(&bytes).expect("didOpen");
        w.flush().unwrap();
    }
    // the pipe holds 64 KiB: the write returns once the server has read (nearly) all of it
    let write_ms = ms(t0.elapsed());
    drop(bytes);
    let first = s.wait_for("first publishDiagnostics", publish_for(&uri, None));
    let open_ms = ms(first.at - t0);
    let publish_bytes = serde_json::to_vec(&first.body).map_or(0, |v| v.len());
    let open_diags = first.body["params"]["diagnostics"]
        .as_array()
        .map_or(0, |a| a.len());
    // if the first publish was an empty placeholder, RSS is read once the real one is in
    let diags = if open_diags == 0 {
        s.wait_for("non-empty publishDiagnostics", |b| {
            publish_for(&uri, None)(b)
                && b["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())
        })
        .body["params"]["diagnostics"]
            .clone()
    } else {
        first.body["params"]["diagnostics"].clone()
    };
    thread::sleep(Duration::from_millis(200)); // let any background index settle before RSS
    let (rss_kib, hwm_kib) = s.rss_kib();

    // characters typed one by one at the very end (the text ends with '\n': the last line is
    // empty); each waits for the diagnostics of its version. The first edit also frees the didOpen
    // text the server keeps until then, so it is reported on its own too.
    let last_line = text.matches('\n').count();
    let mut change_ms = Vec::new();
    for (i, version) in (2..2 + EDITS as i64).enumerate() {
        let t1 = Instant::now();
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{
                "range": {"start": {"line": last_line, "character": i}, "end": {"line": last_line, "character": i}},
                "text": "x"}]}),
        );
        let changed = s.wait_for(
            "publishDiagnostics for the edit",
            publish_for(&uri, Some(version)),
        );
        change_ms.push(ms(changed.at - t1));
    }
    let (rss_after_change_kib, _) = s.rss_kib();

    // code actions on a finding in the middle of what was published, as a cursor move does
    let list = diags.as_array().cloned().unwrap_or_default();
    let target = list
        .get(list.len() / 2)
        .cloned()
        .unwrap_or_else(|| fail("no diagnostics to ask code actions for"));
    let mut action_ms = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let id = s.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": target["range"],
                   "context": {"diagnostics": [target], "triggerKind": 2}}),
        );
        let r = s.response(id);
        if r.body["result"].as_array().is_none_or(|a| a.is_empty()) {
            fail("codeAction on a finding returned no actions");
        }
        action_ms.push(ms(r.at - t));
    }
    s.stop();
    Run {
        write_ms,
        publish_bytes,
        open_ms,
        open_diags,
        change_ms,
        action_ms,
        rss_kib,
        hwm_kib,
        rss_after_change_kib,
    }
}

fn main() {
    // `cargo bench` passes --bench; ignore any arguments.
    let bin = std::env::var_os("TFTSR_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_tftsr")));
    // shared/ sits beside the repository checkout (CI lays a copy there); TFTSR_CORPUS overrides
    let corpus = corpus::loghub_dir();
    let runs: usize = std::env::var("LSP_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let work = tempfile::tempdir().expect("tempdir");

    let (text, planted) = generate(&corpus);
    let mib = text.len() as f64 / (1024.0 * 1024.0);
    println!("lsp_bench: server {}", bin.display());
    println!(
        "document: {:.1} MiB, {} lines from {} (+{} planted findings), debounceMs=0 via initializationOptions",
        mib,
        text.matches('\n').count(),
        corpus.display(),
        planted
    );
    println!(
        "cpu: {} ({} logical CPUs)",
        cpu_model(),
        thread::available_parallelism().map_or(0, |n| n.get())
    );

    let mut results = Vec::new();
    for i in 0..runs {
        let r = run_once(&bin, &text, work.path());
        let mut a = r.action_ms.clone();
        let edits: Vec<String> = r.change_ms.iter().map(|m| format!("{m:.2}")).collect();
        println!(
            "run {}: didOpen->diagnostics {:.1} ms (didOpen written after {:.1} ms; {} diagnostics, {} KiB of JSON), \
             didChange->diagnostics [{}] ms, codeAction median {:.3} ms, RSS {:.1} MiB (peak {:.1} MiB, \
             {:.1} MiB after the edits)",
            i + 1,
            r.open_ms,
            r.write_ms,
            r.open_diags,
            r.publish_bytes / 1024,
            edits.join(", "),
            median(&mut a),
            r.rss_kib as f64 / 1024.0,
            r.hwm_kib as f64 / 1024.0,
            r.rss_after_change_kib as f64 / 1024.0
        );
        results.push(r);
    }
    let mut open: Vec<f64> = results.iter().map(|r| r.open_ms).collect();
    let mut change: Vec<f64> = results.iter().flat_map(|r| r.change_ms.clone()).collect();
    let mut first_change: Vec<f64> = results.iter().map(|r| r.change_ms[0]).collect();
    let fc = median(&mut first_change);
    let mut actions: Vec<f64> = results.iter().flat_map(|r| r.action_ms.clone()).collect();
    let mut rss: Vec<f64> = results.iter().map(|r| r.rss_kib as f64 / 1024.0).collect();
    let mut hwm: Vec<f64> = results.iter().map(|r| r.hwm_kib as f64 / 1024.0).collect();
    let (o, c, a, a95, m, h) = (
        median(&mut open),
        median(&mut change),
        median(&mut actions),
        percentile(&mut actions, 0.95),
        median(&mut rss),
        median(&mut hwm),
    );
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!("\nmedians over {runs} runs ({:.1} MiB document):", mib);
    println!("| metric | median | target | |\n| --- | --- | --- | --- |");
    println!(
        "| didOpen -> first publishDiagnostics | {o:.1} ms | <= 500 ms | {} |",
        verdict(o <= 500.0)
    );
    println!(
        "| 1-char didChange at end -> diagnostics (debounce 0; {} edits, first edit {fc:.2} ms) | {c:.2} ms | <= 10 ms | {} |",
        change.len(),
        verdict(c <= 10.0)
    );
    println!(
        "| textDocument/codeAction ({} requests, p95 {a95:.3} ms) | {a:.3} ms | <= 5 ms | {} |",
        actions.len(),
        verdict(a <= 5.0)
    );
    println!(
        "| server VmRSS with the document open (peak VmHWM {h:.1} MiB) | {m:.1} MiB = {:.2}x | <= 3x | {} |",
        m / mib,
        verdict(m <= 3.0 * mib)
    );
    let stats: HashMap<&str, f64> = HashMap::from([
        ("open_ms", o),
        ("change_ms", c),
        ("action_ms", a),
        ("rss_mib", m),
    ]);
    println!("json: {}", serde_json::to_string(&stats).unwrap());
}
