//! The server's file commands with limits, over stdio with the real `tftsr lsp`:
//! `tftsr.scanFile` and `tftsr.attachToIssue` of a file report `$/progress` (begin, report, end)
//! to the request's `workDoneToken` or to a token the server creates; they can be cancelled by
//! `$/cancelRequest` or by the progress token's `window/workDoneProgress/cancel`, leaving no
//! temporary file, no output and no store rows; an input over `maxFileBytes` (or a small gzip
//! that expands past it) is refused with an error naming the limit, never the content.
//!
//! No guessed time: the server (debug build, `TFTSR_TEST_HOLD_FILE_JOB=N`) holds the work once
//! it has read N bytes until it is cancelled, and a cancel is sent once the `report` of that
//! point has arrived, so the cancel always lands mid-way; "nothing left behind" is checked once the progress has
//! ended, which the server sends after its cleanup.

use crate::lsp_client;

use std::io::Write;
use std::path::Path;

use lsp_client::*;
use serde_json::{json, Value};

const KEY: &str = "correct horse battery staple";

/// About `mib` MiB of real Apache lines with an e-mail address planted every `every` lines.
fn big_log(path: &Path, mib: usize, every: usize) -> usize {
    let real = lsp_client::corpus::loghub_file("Apache_2k.log");
    let lines: Vec<&str> = real.lines().collect();
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let (mut written, mut planted, mut i) = (0usize, 0usize, 0usize);
    while written < mib << 20 {
        let line = if i % every == 0 {
            planted += 1;
            format!("{} user{i}@example.com\n", lines[i % lines.len()])
        } else {
            format!("{}\n", lines[i % lines.len()])
        };
        w.write_all(line.as_bytes()).unwrap();
        written += line.len();
        i += 1;
    }
    w.flush().unwrap();
    planted
}

fn exec_async(c: &mut Client, command: &str, arg: Value, token: Option<&str>) -> i64 {
    let mut params = json!({"command": command, "arguments": [arg]});
    if let Some(t) = token {
        params["workDoneToken"] = json!(t);
    }
    c.request_async("workspace/executeCommand", params)
}

fn is_progress(m: &Value, token: &Value, kind: &str) -> bool {
    m["method"] == "$/progress"
        && m["params"]["token"] == *token
        && m["params"]["value"]["kind"] == kind
}

/// The `$/progress` notifications for `token` received so far (in order), taken out of the inbox.
fn progress_of(c: &mut Client, token: &Value) -> Vec<Value> {
    let (mine, rest): (Vec<Value>, Vec<Value>) = c
        .inbox
        .drain(..)
        .partition(|m| m["method"] == "$/progress" && m["params"]["token"] == *token);
    c.inbox.extend(rest);
    mine.into_iter()
        .map(|m| m["params"]["value"].clone())
        .collect()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tftsr-tmp") || n.contains(".redacted"))
        .collect()
}

fn with_store(envs: &[(&str, &Path)], data: &Path) -> Client {
    let mut all: Vec<(&str, &Path)> = vec![
        ("TFTSR_DATA_DIR", data),
        ("TFTSR_DB_ENCRYPT", Path::new("1")),
        ("TFTSR_DB_KEY", Path::new(KEY)),
    ];
    all.extend_from_slice(envs);
    Client::spawn(&all)
}

#[test]
fn scan_file_reports_progress_to_the_request_token_and_to_one_it_creates() {
    let root = tempfile::tempdir().unwrap();
    let log = root.path().join("big.log");
    let planted = big_log(&log, 6, 50);
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, Some(root.path()));

    // The client's token.
    let token = json!("scan-1");
    let id = exec_async(
        &mut c,
        "tftsr.scanFile",
        json!({"path": log}),
        Some("scan-1"),
    );
    let r = c.wait_response(id);
    assert_eq!(r["result"]["byType"]["email"], planted, "{r}");
    let p = progress_of(&mut c, &token);
    assert_eq!(p.first().unwrap()["kind"], "begin", "{p:?}");
    assert_eq!(p[0]["cancellable"], true);
    assert!(p[0]["title"].as_str().unwrap().contains("big.log"), "{p:?}");
    let reports: Vec<&Value> = p.iter().filter(|v| v["kind"] == "report").collect();
    assert!(!reports.is_empty(), "no report for a 6 MiB file: {p:?}");
    let pcts: Vec<u64> = reports
        .iter()
        .map(|v| v["percentage"].as_u64().unwrap())
        .collect();
    assert!(pcts.windows(2).all(|w| w[0] < w[1]), "{pcts:?}");
    assert_eq!(p.last().unwrap()["kind"], "end");
    assert_eq!(p.last().unwrap()["message"], "done");
    assert!(root.path().join("big.redacted.log").is_file());

    // No token in the request: the server creates one (the client supports it).
    let id = exec_async(
        &mut c,
        "tftsr.scanFile",
        json!({"path": log, "output": root.path().join("again.log"), "overwrite": true}),
        None,
    );
    let r = c.wait_response(id);
    assert!(r.get("error").is_none(), "{r}");
    assert!(c
        .server_requests
        .iter()
        .any(|m| m == "window/workDoneProgress/create"));
    let begin = c.wait_notification(|m| {
        m["method"] == "$/progress"
            && m["params"]["value"]["kind"] == "begin"
            && m["params"]["value"]["title"]
                .as_str()
                .is_some_and(|t| t.contains("big.log"))
    });
    let created = begin["params"]["token"].clone();
    assert!(
        created.as_str().unwrap().starts_with("tftsr-file-"),
        "{begin}"
    );
    let p = progress_of(&mut c, &created);
    assert_eq!(p.last().unwrap()["kind"], "end", "{p:?}");
    let (code, _) = c.shutdown_exit();
    assert_eq!(code, 0);
}

#[test]
fn a_cancel_request_mid_scan_file_leaves_no_temp_file_and_no_output() {
    let root = tempfile::tempdir().unwrap();
    let log = root.path().join("big.log");
    big_log(&log, 4, 50);
    let mut c = Client::spawn(&[("TFTSR_TEST_HOLD_FILE_JOB", Path::new("1"))]);
    c.initialize(caps_nvim07(), Value::Null, Some(root.path()));
    let token = json!("scan-c");
    let id = exec_async(
        &mut c,
        "tftsr.scanFile",
        json!({"path": log}),
        Some("scan-c"),
    );
    c.wait_notification(|m| is_progress(m, &token, "report"));
    // Held after its first chunk: the temporary file exists now, the output does not.
    assert!(
        leftovers(root.path())
            .iter()
            .any(|n| n.ends_with(".tftsr-tmp")),
        "{:?}",
        leftovers(root.path())
    );
    c.notify("$/cancelRequest", json!({"id": id}));
    let r = c.wait_response(id);
    assert_eq!(r["error"]["code"], -32800, "{r}");
    let end = c.wait_notification(|m| is_progress(m, &token, "end"));
    assert_eq!(end["params"]["value"]["message"], "cancelled");
    assert_eq!(leftovers(root.path()), Vec::<String>::new());
    let (code, log_text) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(!log_text.contains("user50@example.com"));
}

#[test]
fn a_progress_cancel_mid_attach_leaves_no_rows() {
    let root = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let log = root.path().join("big.log");
    // One address per line: by half the file several batches of findings are written, so the
    // attach's transaction is open (rows written, not committed) when the cancel comes.
    big_log(&log, 4, 1);
    // Held at half the file: thousands of findings written by then.
    let mut c = with_store(
        &[("TFTSR_TEST_HOLD_FILE_JOB", Path::new("2097152"))],
        data.path(),
    );
    c.initialize(caps_nvim07(), Value::Null, Some(root.path()));
    let issue = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.createIssue", "arguments": [{"title": "t", "severity": "low"}]}),
    );
    let issue_id = issue["id"].as_str().unwrap().to_owned();
    let uri = format!("file://{}", log.display());
    let token = json!(7);
    let mut params = json!({"command": "tftsr.attachToIssue",
                            "arguments": [{"uri": uri, "issueId": issue_id}]});
    params["workDoneToken"] = token.clone();
    let id = c.request_async("workspace/executeCommand", params);
    c.wait_notification(|m| {
        is_progress(m, &token, "report")
            && m["params"]["value"]["percentage"].as_u64().unwrap_or(0) >= 50
    });
    // Held at half the file with the attach's transaction open (its findings written, not
    // committed): another writer finds the store locked.
    {
        tftsr::store::init_sqlite().unwrap();
        let raw = rusqlite::Connection::open(data.path().join("tftsr.db")).unwrap();
        raw.pragma_update(None, "key", KEY).unwrap();
        raw.busy_timeout(std::time::Duration::ZERO).unwrap();
        let e = raw.execute_batch("BEGIN IMMEDIATE").unwrap_err();
        assert_eq!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy),
            "{e}"
        );
    }
    c.notify("window/workDoneProgress/cancel", json!({"token": token}));
    let end = c.wait_notification(|m| is_progress(m, &token, "end"));
    assert_eq!(end["params"]["value"]["message"], "cancelled");
    let r = c.wait_response(id);
    assert_eq!(r["error"]["code"], -32800, "{r}");
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("cancelled; nothing was stored"), "{msg}");
    let got = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.getIssue", "arguments": [{"id": issue_id}]}),
    );
    assert_eq!(got["log_files"], json!([]), "{got}");
    let (code, _) = c.shutdown_exit();
    assert_eq!(code, 0);
    // Behind the server's back: no row of the log at all.
    let s = tftsr::store::Store::open(&tftsr::store::OpenOptions {
        db_path: Some(data.path().join("tftsr.db")),
        encryption: Some(tftsr::store::Encryption::On),
        key: Some(KEY.into()),
    })
    .unwrap();
    let export = s.export_json(false).unwrap();
    for t in ["log_files", "pii_spans", "log_state", "log_cleaned"] {
        assert_eq!(export["tables"][t], json!([]), "{t}");
    }
    let attach_audits = export["tables"]["audit_log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "log_attach")
        .count();
    assert_eq!(attach_audits, 0);
}

#[test]
fn an_input_over_the_size_limit_is_refused_naming_the_limit() {
    let root = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let log = root.path().join("big.log");
    big_log(&log, 2, 50);
    // A small gzip that expands past the limit: stopped while it streams.
    let gz = root.path().join("bomb.log.gz");
    {
        let mut e = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::best(),
        );
        for _ in 0..100_000 {
            e.write_all(b"sshd[1]: login bob@example.com\n").unwrap();
        }
        e.finish().unwrap();
    }
    assert!(std::fs::metadata(&gz).unwrap().len() < 1 << 20);
    let mut c = with_store(&[], data.path());
    c.initialize(
        caps_nvim07(),
        json!({"tftsr": {"maxFileBytes": 1 << 20}}),
        Some(root.path()),
    );
    for path in [&log, &gz] {
        let id = exec_async(&mut c, "tftsr.scanFile", json!({"path": path}), Some("cap"));
        let r = c.wait_response(id);
        let msg = r["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"));
        assert!(
            msg.contains("`path` is larger than the limit of 1 MiB (setting `maxFileBytes`)"),
            "{msg}"
        );
        assert!(!msg.contains("example.com"), "{msg}");
        assert_eq!(r["error"]["data"]["reason"], "tooLarge");
        assert_eq!(leftovers(root.path()), Vec::<String>::new());
    }
    let issue = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.createIssue", "arguments": [{"title": "t", "severity": "low"}]}),
    );
    let issue_id = issue["id"].as_str().unwrap().to_owned();
    for path in [&log, &gz] {
        let r = c.request_full(
            "workspace/executeCommand",
            json!({"command": "tftsr.attachToIssue",
                   "arguments": [{"uri": format!("file://{}", path.display()), "issueId": issue_id}]}),
        );
        let msg = r["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"));
        assert!(
            msg.contains("`uri` is larger than the limit of 1 MiB (setting `maxFileBytes`); nothing was stored"),
            "{msg}"
        );
    }
    let got = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.getIssue", "arguments": [{"id": issue_id}]}),
    );
    assert_eq!(got["log_files"], json!([]), "{got}");
    let (code, _) = c.shutdown_exit();
    assert_eq!(code, 0);
}
