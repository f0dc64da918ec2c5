//! The bundled example (`examples/app.log` + `examples/.tftsr.toml`) does what the docs say:
//! every built-in type and the custom rule are found, the allowlist and the hard negatives are
//! not, and the redacted log scans clean.

use crate::support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use support::*;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn scan_values(extra: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let out = tftsr(dir.path())
        // The example's configuration sits beside the log: applied in full only when vouched for.
        .args(["scan", "-f", "jsonl", "--show-values", "--trust-config"])
        .args(extra)
        .arg(examples().join("app.log"))
        .output()
        .unwrap();
    (out.status.code().unwrap(), parse_jsonl(&out.stdout))
}

#[test]
fn example_log_has_every_type_and_no_hard_negative() {
    let (code, records) = scan_values(&[]);
    assert_eq!(code, 1);
    let types: BTreeSet<&str> = records
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    for t in tftsr::engine::PiiType::ALL {
        assert!(
            types.contains(t.id()),
            "examples/app.log lacks a {} finding",
            t.id()
        );
    }
    assert!(
        types.contains("employee_id"),
        "custom rule of examples/.tftsr.toml"
    );
    let values: Vec<&str> = records
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    for negative in [
        // allowlisted by examples/.tftsr.toml (value, regex, fingerprint)
        "noreply@example.com",
        "ops-team@corp.example.org",
        "10.20.30.40",
        // hard negatives planted in the log
        "1.2.3.4",
        "8f14e45f-ceea-467f-a0e6-7c8c3d2b9e51",
        "4111111111111112",
        "9fceb02d0ae598e95dc970b74767f19372d61af8",
        "666-12-3456",
        "000-12-3456",
        "1234567890",
        "127.0.0.1",
        "::1",
        "0.0.0.0",
        "10.0.0.0",
        "${DB_PASSWORD}",
        "****",
        "image@2x.png",
        "org.apache.hadoop.hdfs.DataNode",
        "10.0.0.1",
        "[Email]",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ] {
        assert!(
            !values.contains(&negative),
            "{negative} must not be a finding"
        );
    }
    // The employee badge, not a longer or shorter match.
    assert!(values.contains(&"EMP-004211"));
}

#[test]
fn without_the_example_config_the_allowlisted_values_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let (_, records) = scan_values(&["--config", empty.to_str().unwrap()]);
    let values: Vec<&str> = records
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    for v in [
        "noreply@example.com",
        "ops-team@corp.example.org",
        "10.20.30.40",
    ] {
        assert!(values.contains(&v), "{v}");
    }
    assert!(!records.iter().any(|r| r["type"] == "employee_id"));
}

#[test]
fn redacted_example_scans_clean() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.log");
    let out = tftsr(dir.path())
        .arg("redact")
        .arg(examples().join("app.log"))
        .arg("-o")
        .arg(&clean)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Same configuration (the allowlisted values stay, by design), nothing left to find.
    let out = tftsr(dir.path())
        .args(["scan", "--config"])
        .arg(examples().join(".tftsr.toml"))
        .arg(&clean)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = std::fs::read_to_string(&clean).unwrap();
    assert!(text.contains("[EmployeeId]") && text.contains("[PrivateKey]"));
}
