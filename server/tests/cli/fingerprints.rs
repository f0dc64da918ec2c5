//! Keyed fingerprints (HMAC-SHA-256): a value's fingerprint is the same across runs and files
//! under one key, is not its plain SHA-256 (which a guess can be checked against), comes from
//! the documented key sources in order, and plain SHA-256 allowlist entries of older versions
//! still work for now, with a warning that gives their replacement.

use crate::support;

use std::fs;
use std::path::Path;

use support::*;

const KEY_HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn hmac_hex(key_hex: &str, value: &str) -> String {
    let mut key = [0u8; 32];
    hex::decode_to_slice(key_hex, &mut key).unwrap();
    tftsr::engine::FingerprintKey::new(key).fingerprint(value)
}

/// A log with a planted IPv4 address among real lines; returns (text, the value).
fn log_with_ip() -> (String, &'static str) {
    // Real lines without an address of their own.
    let dotted_quad = |l: &str| {
        l.split(|c: char| !c.is_ascii_digit() && c != '.')
            .any(|t| t.split('.').filter(|p| !p.is_empty()).count() == 4)
    };
    let lines: Vec<String> = corpus_lines("OpenSSH_2k.log", 200)
        .into_iter()
        .filter(|l| !dotted_quad(l))
        .take(6)
        .collect();
    assert_eq!(lines.len(), 6);
    let ip = "10.20.30.40";
    let text = format!(
        "{}\n{} db host {ip}\n{}\n",
        lines[0..3].join("\n"),
        lines[3],
        lines[4..].join("\n")
    );
    (text, ip)
}

/// `scan --format jsonl --types ipv4` → (exit code, fingerprints in file order, stderr).
fn ip_fingerprints(data: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, Vec<String>, String) {
    let mut cmd = tftsr(data);
    cmd.args(["scan", "--format", "jsonl", "--types", "ipv4"])
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let fps = parse_jsonl(&out.stdout)
        .iter()
        .map(|r| r["fingerprint"].as_str().unwrap().to_owned())
        .collect();
    (
        out.status.code().unwrap(),
        fps,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fingerprints_are_keyed_stable_and_not_plain_sha256() {
    let data = tempfile::tempdir().unwrap();
    let (text, ip) = log_with_ip();
    fs::write(data.path().join("a.log"), &text).unwrap();
    fs::write(data.path().join("b.log"), format!("other {ip} here\n")).unwrap();
    let (_, first, _) = ip_fingerprints(data.path(), &["a.log", "b.log"], &[]);
    let (_, again, _) = ip_fingerprints(data.path(), &["b.log"], &[]);
    assert_eq!(first.len(), 2);
    // One value, one fingerprint: across files and across runs.
    assert_eq!(first[0], first[1]);
    assert_eq!(again[0], first[0]);
    assert_ne!(
        first[0],
        sha256_hex(ip.as_bytes()),
        "a plain SHA-256 is recoverable"
    );
    assert_eq!(first[0], user_fingerprint(data.path(), ip));
    // The user key is private.
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(data.path().join("fingerprint.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Another user (another data dir) has another key.
    let other = tempfile::tempdir().unwrap();
    fs::write(other.path().join("b.log"), format!("other {ip} here\n")).unwrap();
    let (_, theirs, _) = ip_fingerprints(other.path(), &["b.log"], &[]);
    assert_ne!(theirs[0], first[0]);
}

#[test]
fn key_sources_in_order_env_then_workspace_file_then_user() {
    let data = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let (text, ip) = log_with_ip();
    fs::write(ws.path().join("app.log"), &text).unwrap();
    fs::write(
        ws.path().join(".tftsr.toml"),
        "[severity]\nipv4 = \"error\"\n",
    )
    .unwrap();
    let log = ws.path().join("app.log");
    let log = log.to_str().unwrap();
    // No workspace key: the user's.
    let (_, fp, _) = ip_fingerprints(data.path(), &[log], &[]);
    assert_eq!(fp[0], user_fingerprint(data.path(), ip));
    // A workspace key beside the configuration in use, once that configuration is trusted: a key
    // that came with the logs would let whoever wrote them invert this run's fingerprints.
    let ws_key = "ab".repeat(32);
    fs::write(ws.path().join(".tftsr.key"), format!("{ws_key}\n")).unwrap();
    let (_, fp, _) = ip_fingerprints(data.path(), &[log], &[]);
    assert_eq!(fp[0], user_fingerprint(data.path(), ip));
    let (_, fp, _) = ip_fingerprints(data.path(), &["--trust-config", log], &[]);
    assert_eq!(fp[0], hmac_hex(&ws_key, ip));
    let cfg = ws.path().join(".tftsr.toml");
    let (_, fp, _) = ip_fingerprints(data.path(), &["--config", cfg.to_str().unwrap(), log], &[]);
    assert_eq!(fp[0], hmac_hex(&ws_key, ip));
    // The environment wins (CI).
    let (_, fp, _) = ip_fingerprints(data.path(), &[log], &[("TFTSR_FINGERPRINT_KEY", KEY_HEX)]);
    assert_eq!(fp[0], hmac_hex(KEY_HEX, ip));
    // A malformed key is an error that does not echo it.
    let bad = "not-a-key-Zq9planted";
    let (code, _, err) = ip_fingerprints(data.path(), &[log], &[("TFTSR_FINGERPRINT_KEY", bad)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("TFTSR_FINGERPRINT_KEY") && !err.contains(bad),
        "{err}"
    );
    fs::write(ws.path().join(".tftsr.key"), "Zq9planted-short\n").unwrap();
    let (code, _, err) = ip_fingerprints(data.path(), &["--trust-config", log], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(".tftsr.key") && !err.contains("Zq9planted"),
        "{err}"
    );
}

#[test]
fn tftsr_fingerprint_gives_what_scan_reports_and_allowlists_by_it() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let (text, ip) = log_with_ip();
    fs::write(d.join("app.log"), &text).unwrap();
    let (code, fps, _) = ip_fingerprints(d, &["app.log"], &[]);
    assert_eq!(code, 1);
    let out = tftsr(d)
        .arg("fingerprint")
        .write_stdin(format!("{ip}\r\nsomething else\n"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(printed.len(), 2);
    assert_eq!(printed[0], fps[0]);
    // Allowlisted by that fingerprint: no longer a finding, and no warning.
    fs::write(
        d.join(".tftsr.toml"),
        format!("[allowlist]\nfingerprints = [\"{}\"]\n", printed[0]),
    )
    .unwrap();
    let (code, fps, err) = ip_fingerprints(d, &["--trust-config", "app.log"], &[]);
    assert_eq!((code, fps.len()), (0, 0), "{err}");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn plain_sha256_allowlist_entries_still_match_with_a_warning_naming_the_replacement() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let (text, ip) = log_with_ip();
    fs::write(d.join("app.log"), &text).unwrap();
    let plain = sha256_hex(ip.as_bytes());
    let other = sha256_hex(b"not in the log");
    fs::write(
        d.join(".tftsr.toml"),
        format!("[allowlist]\nfingerprints = [\"{other}\", \"{plain}\"]\n"),
    )
    .unwrap();
    let (code, fps, err) = ip_fingerprints(d, &["--trust-config", "app.log"], &[]);
    assert_eq!((code, fps.len()), (0, 0), "still allowlisted: {err}");
    let keyed = user_fingerprint(d, ip);
    assert!(
        err.contains("allowlist.fingerprints[1] is a plain SHA-256 fingerprint")
            && err.contains(&keyed),
        "{err}"
    );
    assert!(!err.contains(ip), "{err}");
    // The same in redact.
    let out = tftsr(d)
        .args(["redact", "--trust-config", "app.log"])
        .output()
        .unwrap();
    let redacted = String::from_utf8(out.stdout).unwrap();
    assert!(redacted.contains(ip));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&keyed));
}

#[test]
fn without_a_lasting_key_fingerprints_are_one_off_and_allowlist_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The data dir cannot be created: it would be inside a regular file.
    let blocker = dir.path().join("not-a-dir");
    fs::write(&blocker, "x").unwrap();
    let data = blocker.join("data");
    let (text, ip) = log_with_ip();
    fs::write(dir.path().join("app.log"), &text).unwrap();
    let user_fp = hmac_hex(KEY_HEX, ip);
    fs::write(
        dir.path().join(".tftsr.toml"),
        format!("[allowlist]\nfingerprints = [\"{user_fp}\"]\n"),
    )
    .unwrap();
    let out = tftsr(dir.path())
        .env("TFTSR_DATA_DIR", &data)
        .args(["scan", "--format", "jsonl", "--types", "ipv4", "app.log"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Reported, not hidden: the allowlist's fingerprint was made under another key.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("one-off key"), "{err}");
}
