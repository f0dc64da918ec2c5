//! LSP benchmark: a client harness that drives the release `tftsr lsp` over stdio, as an editor does.
//!
//! `cargo bench -p tftsr --bench lsp_bench` (builds the release binary; or point `TFTSR_BIN` at one).
//! Two ~50 MiB logs from the loghub corpus (`shared/corpus/loghub` beside the checkout, or
//! `TFTSR_CORPUS`: `tests/common/corpus.rs`):
//!
//! - **dense**: lines of every corpus file, round-robin, with a planted finding every 8 lines
//!   (≥ 3,000 findings per MB at 50 MiB, as a busy service log has);
//! - **sparse**: one real log (`Apache_2k.log`, ~190 findings per MB) repeated to the size;
//!
//! or, with `LSP_BENCH_FILE=PATH`, that file alone (any log). Per run (a fresh server each time,
//! `LSP_BENCH_RUNS`, default 5), with `initializationOptions.debounceMs = 0` so edit latency
//! excludes the debounce:
//!
//! - `didOpen` -> first `publishDiagnostics` (the clock starts before the notification is
//!   written, so it includes the JSON transfer an editor also pays);
//! - one-character `didChange`s typed at the end -> the diagnostics of each version (p50, p99);
//! - `textDocument/codeAction` on a finding, as a cursor move asks (p50, p99);
//! - "Redact all" (`tftsr.redactDocument`: a fresh full scan of the text) -> the
//!   `workspace/applyEdit` request carrying the edit;
//! - the number of findings (`tftsr.documentStats`), server RSS before the open, its peak
//!   (`VmHWM`) and steady state after the edits (`VmRSS`), and the bytes per finding beyond the
//!   text.
//!
//! Prints medians over the runs with issue 11's targets, and the CPU model. Exit status 1 if the
//! server fails to answer. Knobs: `LSP_BENCH_RUNS`, `LSP_BENCH_MIB` (size of the generated logs),
//! `LSP_BENCH_FILE`, `LSP_BENCH_SETTINGS` (extra settings JSON, e.g. `{"logLevel":"debug"}`),
//! `LSP_BENCH_STDERR` (keep the server log in that file).

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
/// The dense log: a planted finding every this many lines (the corpus lines hold ~2,600 findings
/// per MB of their own; this brings the mix above 3,000).
const DENSE_PLANT_EVERY: usize = 8;
/// The sparse log: a real log with few findings, repeated.
const SPARSE_FILE: &str = "Apache_2k.log";
/// One-character edits per run (p99 needs a few dozen).
const EDITS: usize = 40;
/// Code action requests per run.
const ACTIONS: usize = 100;

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
                        // "Redact all" ends in this request: time it, decline it (the text stays
                        // as it is for the next measurement).
                        "workspace/applyEdit" => json!({"applied": false}),
                        _ => Value::Null,
                    };
                    let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
                    let _ = answer.lock().unwrap().write_all(&frame(&reply));
                    if method != "workspace/applyEdit" {
                        continue;
                    }
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

/// The `*.log` files of the corpus, sorted.
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", dir.display())))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    files
}

/// ~`target_bytes()` of real log lines from `files` (round-robin over their lines), a planted
/// finding every `plant_every` lines (never if 0). Returns the text and the number planted.
fn generate(files: &[PathBuf], plant_every: usize) -> (String, usize) {
    let sources: Vec<String> = files
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect();
    let lines: Vec<&str> = sources.iter().flat_map(|s| s.lines()).collect();
    if lines.is_empty() {
        fail("no log lines in the corpus files");
    }
    let target = target_bytes();
    let mut text = String::with_capacity(target + 4096);
    let (mut n, mut planted) = (0usize, 0usize);
    while text.len() < target {
        text.push_str(lines[n % lines.len()]);
        if plant_every > 0 && n % plant_every == 0 {
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
    findings: u64,
    change_ms: Vec<f64>,
    action_ms: Vec<f64>,
    redact_all_ms: f64,
    redact_all_edits: usize,
    base_kib: u64,
    hwm_kib: u64,
    steady_kib: u64,
}

fn run_once(bin: &Path, text: &str, name: &str, work: &Path) -> Run {
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

    // What the server holds before any document: the base for the bytes per finding.
    let (base_kib, _) = s.rss_kib();

    let uri = format!("{root}/{name}");
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
    // A first publish may be an empty placeholder: the code actions need a published finding.
    let diags = if open_diags == 0 && !text.is_empty() {
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

    // characters typed one by one at the very end (the text ends with '\n': the last line is
    // empty); each waits for the diagnostics of its version.
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
    // The index is current (the last edit's diagnostics are out): count what it holds.
    let id = s.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.documentStats", "arguments": [{"uri": uri}]}),
    );
    let findings = s.response(id).body["result"]["findings"]
        .as_u64()
        .unwrap_or_else(|| fail("tftsr.documentStats gave no count"));
    // Steady state: what stays once the open is done and the edits are in.
    let (steady_kib, hwm_kib) = s.rss_kib();

    // code actions on a finding in the middle of what was published, as a cursor move does
    let mut action_ms = Vec::new();
    let list = diags.as_array().cloned().unwrap_or_default();
    if let Some(target) = list.get(list.len() / 2).cloned() {
        for _ in 0..ACTIONS {
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
    }

    // "Redact all": the command runs a fresh full scan and sends the edit to the client.
    let t = Instant::now();
    let id = s.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.redactDocument", "arguments": [{"uri": uri}]}),
    );
    let (redact_all_ms, redact_all_edits) = if findings > 0 {
        let edit = s.wait_for("workspace/applyEdit", |b| {
            b["method"] == "workspace/applyEdit"
        });
        let edits = edit.body["params"]["edit"]["changes"]
            .as_object()
            .and_then(|c| c.values().next())
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        (ms(edit.at - t), edits)
    } else {
        (0.0, 0)
    };
    // Declined by the client: the command answers (an error or applied=false), either is fine.
    let _ = s.wait_for("the redactDocument response", |b| {
        b.get("id") == Some(&json!(id)) && b.get("method").is_none()
    });
    s.stop();
    Run {
        write_ms,
        publish_bytes,
        open_ms,
        open_diags,
        findings,
        change_ms,
        action_ms,
        redact_all_ms,
        redact_all_edits,
        base_kib,
        hwm_kib,
        steady_kib,
    }
}

/// Runs one log `runs` times and prints every run, then the medians against the targets.
fn bench(bin: &Path, name: &str, what: &str, text: &str, runs: usize, work: &Path) -> Value {
    let mib = text.len() as f64 / (1024.0 * 1024.0);
    let mb = text.len() as f64 / 1e6;
    println!(
        "\n== {name}: {what}; {mib:.1} MiB, {} lines",
        text.matches('\n').count()
    );
    let mut results = Vec::new();
    for i in 0..runs {
        let r = run_once(bin, text, name, work);
        let mut e = r.change_ms.clone();
        let mut a = r.action_ms.clone();
        println!(
            "run {}: {} findings; didOpen->diagnostics {:.1} ms (written after {:.1} ms; {} published, {} KiB of JSON); \
             edit p50 {:.2} ms p99 {:.2} ms; codeAction p50 {:.3} ms; redact all {:.1} ms ({} edits); \
             RSS base {:.1} MiB, peak {:.1} MiB, steady {:.1} MiB",
            i + 1,
            r.findings,
            r.open_ms,
            r.write_ms,
            r.open_diags,
            r.publish_bytes / 1024,
            median(&mut e),
            percentile(&mut e, 0.99),
            if a.is_empty() { 0.0 } else { median(&mut a) },
            r.redact_all_ms,
            r.redact_all_edits,
            r.base_kib as f64 / 1024.0,
            r.hwm_kib as f64 / 1024.0,
            r.steady_kib as f64 / 1024.0,
        );
        results.push(r);
    }
    let col = |f: &dyn Fn(&Run) -> f64| {
        let mut v: Vec<f64> = results.iter().map(f).collect();
        median(&mut v)
    };
    let mut edits: Vec<f64> = results.iter().flat_map(|r| r.change_ms.clone()).collect();
    let mut actions: Vec<f64> = results.iter().flat_map(|r| r.action_ms.clone()).collect();
    let findings = col(&|r| r.findings as f64);
    let open = col(&|r| r.open_ms);
    let (e50, e99) = (median(&mut edits), percentile(&mut edits, 0.99));
    let (a50, a99) = if actions.is_empty() {
        (0.0, 0.0)
    } else {
        (median(&mut actions), percentile(&mut actions, 0.99))
    };
    let redact = col(&|r| r.redact_all_ms);
    let peak = col(&|r| r.hwm_kib as f64 / 1024.0);
    let steady = col(&|r| r.steady_kib as f64 / 1024.0);
    let base = col(&|r| r.base_kib as f64 / 1024.0);
    // What the document costs beyond its text, per finding.
    let per_finding = if findings > 0.0 {
        ((steady - base) * 1024.0 * 1024.0 - text.len() as f64).max(0.0) / findings
    } else {
        0.0
    };
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!(
        "\nmedians over {runs} runs, {name} ({mib:.1} MiB, {findings:.0} findings = {:.0} per MB):",
        findings / mb
    );
    println!("| metric | median | target (issue 11) | |\n| --- | --- | --- | --- |");
    println!(
        "| didOpen -> first publishDiagnostics | {open:.1} ms | <= 300 ms | {} |",
        verdict(open <= 300.0)
    );
    println!(
        "| 1-char didChange -> diagnostics, p50 ({} edits, debounce 0) | {e50:.2} ms | <= 5 ms | {} |",
        edits.len(),
        verdict(e50 <= 5.0)
    );
    println!(
        "| 1-char didChange -> diagnostics, p99 | {e99:.2} ms | <= 10 ms | {} |",
        verdict(e99 <= 10.0)
    );
    println!(
        "| textDocument/codeAction, p50 ({} requests; p99 {a99:.3} ms) | {a50:.3} ms | <= 1 ms | {} |",
        actions.len(),
        verdict(a50 <= 1.0)
    );
    println!(
        "| redact all (tftsr.redactDocument -> workspace/applyEdit) | {redact:.1} ms | <= 500 ms | {} |",
        verdict(redact <= 500.0)
    );
    println!(
        "| peak RSS (VmHWM) | {peak:.1} MiB = {:.2}x the text | <= 2x | {} |",
        peak / mib,
        verdict(peak <= 2.0 * mib)
    );
    println!(
        "| steady RSS after the edits | {steady:.1} MiB = {:.2}x the text | <= 1.5x | {} |",
        steady / mib,
        verdict(steady <= 1.5 * mib)
    );
    println!(
        "| memory per finding beyond the text (steady - base {base:.1} MiB - text) | {per_finding:.1} B | <= 48 B | {} |",
        verdict(per_finding <= 48.0)
    );
    json!({"name": name, "mib": mib, "findings": findings, "open_ms": open, "edit_p50_ms": e50,
           "edit_p99_ms": e99, "action_p50_ms": a50, "action_p99_ms": a99,
           "redact_all_ms": redact, "peak_mib": peak, "steady_mib": steady,
           "bytes_per_finding": per_finding})
}

fn main() {
    // `cargo bench` passes --bench; ignore any arguments.
    let bin = std::env::var_os("TFTSR_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_tftsr")));
    let runs: usize = std::env::var("LSP_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let work = tempfile::tempdir().expect("tempdir");
    println!("lsp_bench: server {}", bin.display());
    println!(
        "cpu: {} ({} logical CPUs)",
        cpu_model(),
        thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut out = Vec::new();
    if let Some(file) = std::env::var_os("LSP_BENCH_FILE").map(PathBuf::from) {
        let bytes = std::fs::read(&file)
            .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", file.display())));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let name = file
            .file_name()
            .map_or("bench.log".into(), |n| n.to_string_lossy().into_owned());
        out.push(bench(
            &bin,
            &name,
            "LSP_BENCH_FILE",
            &text,
            runs,
            work.path(),
        ));
    } else {
        // shared/ sits beside the repository checkout (CI lays a copy there); TFTSR_CORPUS overrides
        let corpus = corpus::loghub_dir();
        let files = corpus_files(&corpus);
        let (dense, planted) = generate(&files, DENSE_PLANT_EVERY);
        let what = format!(
            "{} corpus files round-robin + {planted} planted findings (one every {DENSE_PLANT_EVERY} lines)",
            files.len()
        );
        out.push(bench(&bin, "dense.log", &what, &dense, runs, work.path()));
        drop(dense);
        let sparse_src: Vec<PathBuf> = files
            .iter()
            .filter(|p| p.file_name().is_some_and(|n| n == SPARSE_FILE))
            .cloned()
            .collect();
        if sparse_src.is_empty() {
            fail(&format!("{SPARSE_FILE} is not in {}", corpus.display()));
        }
        let (sparse, _) = generate(&sparse_src, 0);
        let what = format!("{SPARSE_FILE} repeated, nothing planted");
        out.push(bench(&bin, "sparse.log", &what, &sparse, runs, work.path()));
    }
    println!("json: {}", Value::Array(out));
}
