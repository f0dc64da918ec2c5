//! `tftsr redact` and `tftsr scan` stream: their peak memory does not grow with the input.
//!
//! Measured, not timed: a ~200 MB log built from loghub lines is redacted and scanned by the real
//! binary, and the children's peak resident set size is read with getrusage(RUSAGE_CHILDREN)
//! (the kernel's high-water mark, so no sampling can miss a peak). That maximum covers every
//! child of the process, and a child's figure starts at its parent's RSS when it was forked, so
//! the measurement runs in a test process of its own (this binary re-run for one ignored test):
//! neither the other tests of this binary running in parallel nor their memory can raise it.

use crate::support;

use std::fs::File;
use std::io::{BufWriter, Write};

use support::*;

/// Input size; override with TFTSR_MEMORY_TEST_MB (e.g. 2000 for a multi-GB check by hand).
fn target_bytes() -> u64 {
    std::env::var("TFTSR_MEMORY_TEST_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(200)
        << 20
}

#[test]
fn memory_stays_bounded_on_a_200_mb_log() {
    peak_rss::run_alone("redact_memory::measured_in_own_process");
}

#[test]
#[ignore = "run by memory_stays_bounded_on_a_200_mb_log in a process of its own"]
fn measured_in_own_process() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lines: Vec<String> = [
        "HDFS_2k.log",
        "OpenSSH_2k.log",
        "Apache_2k.log",
        "Spark_2k.log",
    ]
    .iter()
    .flat_map(|f| corpus_lines(f, 2000))
    .map(|l| l.replace('@', " at "))
    .collect();
    let target = target_bytes();
    let mut written = 0u64;
    let mut planted = 0u64;
    {
        let mut w = BufWriter::new(File::create(d.join("huge.log")).unwrap());
        let mut i = 0usize;
        while written < target {
            let line = &lines[i % lines.len()];
            if i.is_multiple_of(997) {
                let extra = format!("{line} owner=user{i}@example.com\n");
                w.write_all(extra.as_bytes()).unwrap();
                written += extra.len() as u64;
                planted += 1;
            } else {
                w.write_all(line.as_bytes()).unwrap();
                w.write_all(b"\n").unwrap();
                written += line.len() as u64 + 1;
            }
            i += 1;
        }
        w.flush().unwrap();
    }

    let before = peak_rss::children_peak();
    let out = progress::output(
        tftsr_std(d).args(["redact", "-t", "email", "huge.log", "-o", "clean.log"]),
        "tftsr redact of the big log",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("redacted {planted} values")),
        "every planted value redacted: {stderr}"
    );
    let redact_peak = peak_rss::children_peak();
    let out_len = std::fs::metadata(d.join("clean.log")).unwrap().len();
    assert!(
        out_len > written / 2,
        "the output is the whole log, redacted"
    );

    let scan = progress::output(
        tftsr_std(d).args(["scan", "-f", "jsonl", "-t", "email", "huge.log"]),
        "tftsr scan of the big log",
    );
    assert_eq!(scan.status.code(), Some(1));
    assert_eq!(
        scan.stdout.iter().filter(|&&b| b == b'\n').count() as u64,
        planted
    );
    let scan_peak = peak_rss::children_peak();

    eprintln!(
        "input {} MiB; peak RSS: redact {} MiB, scan {} MiB (before: {} MiB)",
        written >> 20,
        redact_peak >> 20,
        scan_peak >> 20,
        before >> 20
    );
    // Bounded: a small fraction of the input (slurping it would need ≥ 200 MiB).
    let bound = 64 << 20;
    assert!(
        redact_peak < bound,
        "redact peak RSS {} MiB",
        redact_peak >> 20
    );
    assert!(scan_peak < bound, "scan peak RSS {} MiB", scan_peak >> 20);
}

/// `tftsr scan FILE.gz` of a small compressed file that expands to millions of findings: a small
/// `.gz` is scanned in a batch, whose findings wait in memory for their turn; memory must follow
/// the input's window, not the number of findings (it took 2.8–3.2 GB for 53 million).
#[test]
fn scan_of_a_small_gz_with_millions_of_findings_stays_bounded() {
    peak_rss::run_alone("redact_memory::gz_findings_measured_in_own_process");
}

/// Findings in the compressed file; override with TFTSR_MEMORY_TEST_FINDINGS (tens of millions
/// by hand: 20000000).
fn gz_findings() -> u64 {
    std::env::var("TFTSR_MEMORY_TEST_FINDINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000)
}

#[test]
#[ignore = "run by scan_of_a_small_gz_with_millions_of_findings_stays_bounded in its own process"]
fn gz_findings_measured_in_own_process() {
    use flate2::write::GzEncoder;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = gz_findings();
    // Streamed into the encoder: the expanded text never exists whole, here or on disk.
    {
        let file = BufWriter::new(File::create(d.join("bomb.log.gz")).unwrap());
        let mut gz = GzEncoder::new(file, flate2::Compression::best());
        let line = b"sshd[1]: login bob@example.com\n";
        for _ in 0..n {
            gz.write_all(line).unwrap();
        }
        gz.finish().unwrap().flush().unwrap();
    }
    let gz_len = std::fs::metadata(d.join("bomb.log.gz")).unwrap().len();
    let before = peak_rss::children_peak();
    for format in ["text", "jsonl"] {
        let mut child = tftsr_std(d)
            .args(["scan", "-q", "-f", format, "-t", "email", "bomb.log.gz"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Counted as it streams: holding the output here would measure nothing of the child.
        let mut lines = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        let mut stdout = child.stdout.take().unwrap();
        loop {
            let k = std::io::Read::read(&mut stdout, &mut buf).unwrap();
            if k == 0 {
                break;
            }
            lines += buf[..k].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        let status = progress::wait_child(&mut child, "tftsr scan of the gzip bomb");
        assert_eq!(status.code(), Some(1), "{format}");
        assert_eq!(lines, n, "{format}: every finding printed, once");
    }
    let peak = peak_rss::children_peak();
    eprintln!(
        "{n} findings from a {} KiB .gz: peak RSS of scan {} MiB (before: {} MiB)",
        gz_len >> 10,
        peak >> 20,
        before >> 20
    );
    assert!(
        gz_len < 4 << 20,
        "small enough to be batched: {gz_len} bytes"
    );
    assert!(peak < 64 << 20, "scan peak RSS {} MiB", peak >> 20);
}

/// `tftsr redact` and `tftsr scan` of one huge line with no line break, streamed into stdin as it
/// is generated (never stored): memory stays bounded by the input's window (a stretch over 16 MiB
/// without a line break is cut at whitespace), and every value is still found.
#[test]
fn a_huge_single_line_streamed_into_stdin_stays_bounded() {
    peak_rss::run_alone("redact_memory::single_line_measured_in_own_process");
}

#[test]
#[ignore = "run by a_huge_single_line_streamed_into_stdin_stays_bounded in its own process"]
fn single_line_measured_in_own_process() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 96 MiB by default (a slurped line would need more than the bound), TFTSR_MEMORY_TEST_MB
    // for more (1024 for a gigabyte by hand).
    let target = std::env::var("TFTSR_MEMORY_TEST_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(96)
        << 20;
    // A piece of one endless line: words, then a value.
    let piece = |i: u64| {
        format!("k{i} v=alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega owner=user{i}@example.com ")
    };
    let planted = {
        let mut n = 0u64;
        let mut len = 0u64;
        while len < target {
            len += piece(n).len() as u64;
            n += 1;
        }
        n
    };
    let before = peak_rss::children_peak();
    for args in [
        &["redact", "-t", "email"][..],
        &["scan", "-q", "-f", "jsonl", "-t", "email"],
    ] {
        let mut child = tftsr_std(d)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let mut w = BufWriter::with_capacity(1 << 16, &mut stdin);
            for i in 0..planted {
                w.write_all(piece(i).as_bytes()).unwrap();
            }
            w.flush().unwrap();
        });
        let mut stderr = child.stderr.take().unwrap();
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
            s
        });
        // Counted as it streams: the tags in redact's output, the lines in scan's.
        let needle: &[u8] = if args[0] == "redact" {
            b"[Email]"
        } else {
            b"\n"
        };
        let (mut count, mut seen, mut carry) = (0u64, 0u64, Vec::<u8>::new());
        let mut stdout = child.stdout.take().unwrap();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let k = std::io::Read::read(&mut stdout, &mut buf).unwrap();
            if k == 0 {
                break;
            }
            seen += k as u64;
            carry.extend_from_slice(&buf[..k]);
            count += carry.windows(needle.len()).filter(|w| *w == needle).count() as u64;
            let keep = carry.len().min(needle.len() - 1);
            carry.drain(..carry.len() - keep);
        }
        writer.join().unwrap();
        let status = progress::wait_child(&mut child, "tftsr of the huge line");
        let stderr = err_reader.join().unwrap();
        let want = if args[0] == "redact" { 0 } else { 1 };
        assert_eq!(status.code(), Some(want), "{args:?}: {stderr}");
        assert_eq!(
            count, planted,
            "{args:?}: every value, once ({seen} bytes out): {stderr}"
        );
        if args[0] == "redact" {
            assert!(
                stderr.contains("without a line break were scanned in pieces"),
                "{stderr}"
            );
        }
    }
    let peak = peak_rss::children_peak();
    eprintln!(
        "one line of {} MiB streamed into stdin: peak RSS of redact and scan {} MiB (before: {} MiB)",
        target >> 20,
        peak >> 20,
        before >> 20
    );
    assert!(peak < 64 << 20, "peak RSS {} MiB", peak >> 20);
}
