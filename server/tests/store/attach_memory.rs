//! `tftsr issue attach` of a small `.gz` that expands to a million findings: the findings go into
//! the store as they are found (inside the attach's one transaction), so memory follows the
//! input's window, never the number of findings (collected first, 400 000 findings took 101 MiB
//! and a million about 250 MiB).
//!
//! Measured, not timed: the children's peak RSS from getrusage, in a process of its own (see
//! tests/common/peak_rss.rs). The count is the largest that keeps this test near half a minute
//! in a debug build on a loaded 2-core machine (each stored finding costs ~10 µs of CPU and ~200
//! bytes of database); TFTSR_MEMORY_TEST_FINDINGS=20000000 checks tens of millions by hand.

use crate::helpers;

use std::fs::File;
use std::io::{BufWriter, Write};

use helpers::*;
use tftsr::store::Store;

fn findings() -> u64 {
    std::env::var("TFTSR_MEMORY_TEST_FINDINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

#[test]
fn issue_attach_of_a_small_gz_with_a_million_findings_stays_under_64_mb() {
    peak_rss::run_alone("attach_memory::measured_in_own_process");
}

#[test]
#[ignore = "run by issue_attach_of_a_small_gz_with_a_million_findings_stays_under_64_mb alone"]
fn measured_in_own_process() {
    use flate2::write::GzEncoder;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = findings();
    let gz_path = d.join("bomb.log.gz");
    // Streamed into the encoder: the expanded text never exists whole, here or on disk.
    {
        let file = BufWriter::new(File::create(&gz_path).unwrap());
        let mut gz = GzEncoder::new(file, flate2::Compression::best());
        for _ in 0..n {
            gz.write_all(b"sshd[1]: login bob@example.com\n").unwrap();
        }
        gz.finish().unwrap().flush().unwrap();
    }
    let gz_len = std::fs::metadata(&gz_path).unwrap().len();
    let data = d.join("data");
    let out = tftsr(&data)
        .env("TFTSR_DB_KEY", KEY)
        .args(["issue", "new", "--title", "bomb", "--severity", "low"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let before = peak_rss::children_peak();
    let out = progress::output(
        tftsr_std(&data).env("TFTSR_DB_KEY", KEY).args([
            "issue",
            "attach",
            &id,
            gz_path.to_str().unwrap(),
            "--json",
        ]),
        "tftsr issue attach of the gzip bomb",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak = peak_rss::children_peak();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"], n, "one e-mail address per line: {v}");
    // Every finding is in the store, with the log.
    let s = Store::open(&enc_opts(&db_in(&data))).unwrap();
    let log_id = v["log_file"]["id"].as_str().unwrap();
    let st = s.log_status(log_id).unwrap();
    assert_eq!(st.span_count as u64, n);
    assert!(st.redacted);
    eprintln!(
        "{n} findings from a {} KiB .gz: peak RSS of issue attach {} MiB (before: {} MiB)",
        gz_len >> 10,
        peak >> 20,
        before >> 20
    );
    assert!(gz_len < 4 << 20, "a small file: {gz_len} bytes");
    assert!(peak < 64 << 20, "issue attach peak RSS {} MiB", peak >> 20);
}
