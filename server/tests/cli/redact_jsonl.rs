//! `tftsr redact --jsonl --field …`: the JSON-lines filter for log shippers, on the real binary:
//! every loghub line as an event's `message` comes out as `tftsr redact` redacts that line, the
//! other fields byte for byte, in order; malformed lines pass or drop and are counted; each line
//! is answered while the pipe stays open (a shipper waits for it); memory stays bounded.

use crate::support;

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use support::*;

/// Every loghub line, with the name of its file.
fn all_lines() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            corpus_lines(f, usize::MAX)
                .into_iter()
                .map(move |l| (f.clone(), l))
        })
        .collect()
}

fn event(i: usize, file: &str, message: &str) -> String {
    // Key order and spacing of a shipper's output, which must survive untouched.
    format!(
        "{{\"ts\": {}.5, \"host\":\"node-{i}\", \"message\":{}, \"meta\":{{\"file\":{}, \"seq\":[{i}, null, true]}}}}",
        1_700_000_000 + i,
        serde_json::to_string(message).unwrap(),
        serde_json::to_string(file).unwrap()
    )
}

#[test]
fn message_fields_are_redacted_as_redact_does_the_rest_kept_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lines = all_lines();
    assert!(lines.len() > 30_000);
    let mut plain = String::new();
    let mut jsonl = String::new();
    for (i, (f, l)) in lines.iter().enumerate() {
        plain.push_str(l);
        plain.push('\n');
        jsonl.push_str(&event(i, f, l));
        jsonl.push('\n');
    }
    std::fs::write(d.join("plain.log"), &plain).unwrap();
    let want = tftsr(d)
        .args(["redact", "-q", "plain.log"])
        .output()
        .unwrap();
    assert!(want.status.success());
    let want = String::from_utf8(want.stdout).unwrap();

    let out = tftsr(d)
        .args(["redact", "--jsonl", "--field", "message"])
        .write_stdin(jsonl.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let got = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("in {} JSON lines", lines.len())),
        "{stderr}"
    );
    assert!(!stderr.contains("malformed"), "{stderr}");

    let got: Vec<&str> = got.lines().collect();
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(got.len(), lines.len(), "one line out per line in");
    let mut changed = 0;
    for (i, ((f, orig), (g, w))) in lines.iter().zip(got.iter().zip(&want)).enumerate() {
        assert_eq!(
            *g,
            event(i, f, w),
            "line {i}: message as `tftsr redact`, rest untouched"
        );
        changed += usize::from(orig != w);
    }
    assert!(
        changed > 1000,
        "the corpus has thousands of findings: {changed}"
    );
}

#[test]
fn several_fields_nested_fields_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let input = concat!(
        r#"{"message":"from 10.1.2.3","user":"bob@example.com","log":{"msg":["to a@example.org",{"x":"10.0.0.9"}]}}"#,
        "\n",
        r#"{"error.message":"ip 192.0.2.7","message":42}"#,
        "\n"
    );
    let out = tftsr(dir.path())
        .args([
            "redact", "--jsonl", "--field", "message", "--field", "log.msg",
        ])
        .args(["--field", "error.message"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        concat!(
            r#"{"message":"from [IPv4]","user":"bob@example.com","log":{"msg":["to [Email]",{"x":"[IPv4]"}]}}"#,
            "\n",
            r#"{"error.message":"ip [IPv4]","message":42}"#,
            "\n"
        )
    );
}

#[test]
fn malformed_lines_are_passed_or_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input: &[u8] = b"{\"message\":\"bob@example.com\"}\nplain text 10.1.2.3\n{\"message\":\"cut\n\xff\xfe{}\n{\"message\":\"ok\"}";
    let pass = tftsr(dir.path())
        .args(["redact", "--jsonl", "--field", "message"])
        .write_stdin(input.to_vec())
        .output()
        .unwrap();
    assert_eq!(pass.status.code(), Some(0));
    assert_eq!(
        pass.stdout,
        b"{\"message\":\"[Email]\"}\nplain text 10.1.2.3\n{\"message\":\"cut\n\xff\xfe{}\n{\"message\":\"ok\"}"
    );
    let se = String::from_utf8_lossy(&pass.stderr);
    assert!(
        se.contains("3 malformed lines") && se.contains("copied through unchanged"),
        "{se}"
    );
    assert!(
        !se.contains("10.1.2.3") && !se.contains("bob@"),
        "no value in messages: {se}"
    );

    let drop = tftsr(dir.path())
        .args([
            "redact",
            "--jsonl",
            "--field",
            "message",
            "--drop-malformed",
        ])
        .write_stdin(input.to_vec())
        .output()
        .unwrap();
    assert_eq!(drop.status.code(), Some(0));
    assert_eq!(
        drop.stdout,
        b"{\"message\":\"[Email]\"}\n{\"message\":\"ok\"}"
    );
    let se = String::from_utf8_lossy(&drop.stderr);
    assert!(
        se.contains("3 malformed lines") && se.contains("dropped"),
        "{se}"
    );
}

#[test]
fn field_and_drop_flags_need_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let out = tftsr(dir.path())
        .args(["redact", "--field", "message"])
        .write_stdin("x\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--jsonl"));
}

#[test]
fn each_line_is_answered_while_the_pipe_stays_open() {
    // A shipper writes an event and waits for it: the filter must not sit on a buffer.
    let dir = tempfile::tempdir().unwrap();
    let mut child = tftsr_std(dir.path())
        .args(["redact", "-q", "--jsonl", "--field", "message"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for i in 0..5 {
        writeln!(stdin, "{{\"message\":\"user{i}@example.com logged in\"}}").unwrap();
        stdin.flush().unwrap();
        // Generous: this waits for the answer to one line on a loaded machine, not for a
        // guessed duration of work.
        let got = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the line came back while stdin was still open");
        assert_eq!(got, "{\"message\":\"[Email] logged in\"}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
}

#[test]
fn memory_stays_bounded_on_100_mb_of_json_lines() {
    // In a test process of its own, so no other child raises the high-water mark (see
    // redact_memory.rs).
    crate::support::peak_rss::run_alone("redact_jsonl::jsonl_memory_measured_in_own_process");
}

#[test]
#[ignore = "run by memory_stays_bounded_on_100_mb_of_json_lines in a process of its own"]
fn jsonl_memory_measured_in_own_process() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lines = all_lines();
    let mut written = 0u64;
    let mut planted = 0u64;
    {
        let mut w = BufWriter::new(std::fs::File::create(d.join("huge.jsonl")).unwrap());
        let mut i = 0usize;
        while written < 100 << 20 {
            let (f, l) = &lines[i % lines.len()];
            let l = l.replace('@', " at ");
            let msg = if i.is_multiple_of(997) {
                planted += 1;
                format!("{l} owner=user{i}@example.com")
            } else {
                l
            };
            let e = event(i, f, &msg);
            w.write_all(e.as_bytes()).unwrap();
            w.write_all(b"\n").unwrap();
            written += e.len() as u64 + 1;
            i += 1;
        }
        w.flush().unwrap();
    }
    let out = tftsr(d)
        .args(["redact", "--jsonl", "--field", "message", "-t", "email"])
        .args(["huge.jsonl", "-o", "clean.jsonl"])
        .timeout(Duration::from_secs(1800))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let se = String::from_utf8_lossy(&out.stderr);
    assert!(se.contains(&format!("redacted {planted} values")), "{se}");
    let peak = crate::support::peak_rss::children_peak();
    eprintln!(
        "input {} MiB; redact --jsonl peak RSS {} MiB",
        written >> 20,
        peak >> 20
    );
    assert!(peak < 64 << 20, "peak RSS {} MiB", peak >> 20);
}
