//! The server's attach of a file that is not open (`tftsr.attachToIssue` with the file's URI),
//! over stdio with the real `tftsr lsp`: a small `.gz` that expands to half a million findings is
//! attached with memory bounded by the scan's window, not by the number of findings (they go into
//! the store as they are found, inside the one transaction).
//!
//! Measured, not timed: the server's own high-water mark (`VmHWM` of its /proc entry), read
//! while it still runs, so nothing else counts. Half a million keeps this test short in a debug
//! build (collected first, they took ~130 MiB); TFTSR_MEMORY_TEST_FINDINGS raises it by hand.

use crate::lsp_client;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use lsp_client::*;
use serde_json::{json, Value};

fn findings() -> u64 {
    std::env::var("TFTSR_MEMORY_TEST_FINDINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500_000)
}

fn vm_hwm(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let l = s.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = l.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb << 10
}

#[test]
fn attach_of_a_small_gz_with_half_a_million_findings_stays_under_64_mb() {
    use flate2::write::GzEncoder;
    let root = tempfile::tempdir().unwrap();
    let n = findings();
    let gz_path = root.path().join("bomb.log.gz");
    {
        let file = BufWriter::new(File::create(&gz_path).unwrap());
        let mut gz = GzEncoder::new(file, flate2::Compression::best());
        for _ in 0..n {
            gz.write_all(b"sshd[1]: login bob@example.com\n").unwrap();
        }
        gz.finish().unwrap().flush().unwrap();
    }
    let data = tempfile::tempdir().unwrap();
    let mut c = Client::spawn(&[
        ("TFTSR_DATA_DIR", data.path()),
        ("TFTSR_DB_ENCRYPT", Path::new("1")),
        ("TFTSR_DB_KEY", Path::new("correct horse battery staple")),
    ]);
    c.initialize(caps_nvim07(), Value::Null, Some(root.path()));
    let r = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.createIssue",
               "arguments": [{"title": "bomb", "severity": "low"}]}),
    );
    let id = r["result"]["id"].as_str().unwrap().to_owned();
    let uri = format!("file://{}", gz_path.display());
    let r = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.attachToIssue", "arguments": [{"uri": uri, "issueId": id}]}),
    );
    assert_eq!(r["result"]["findings"], n, "{r}");
    let peak = vm_hwm(c.child.id());
    let got = c.request_full(
        "workspace/executeCommand",
        json!({"command": "tftsr.getIssue", "arguments": [{"id": id}]}),
    );
    assert_eq!(got["result"]["log_files"][0]["file_name"], "bomb.log.gz");
    eprintln!("{n} findings: peak RSS of the server {} MiB", peak >> 20);
    assert!(peak < 64 << 20, "server peak RSS {} MiB", peak >> 20);
    let (code, _) = c.shutdown_exit();
    assert_eq!(code, 0);
}
