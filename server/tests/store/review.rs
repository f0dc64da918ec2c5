//! Review, then redact (issue 12) on the real binary and a real SQLCipher store: `issue attach
//! --review` asks about each finding (the original and the redacted line side by side on
//! stderr), only accepted findings are redacted in the stored cleaned copy, rejected ones stay
//! and can be allowlisted by fingerprint, the counts (never values) are audited; quitting or
//! running out of answers attaches nothing; and the attach with its cleaned copy is one
//! transaction (SIGKILL between the findings and the cleaned copy leaves nothing).

use crate::helpers;

use std::path::Path;

use helpers::*;
use predicates::str::contains as has;
use serde_json::Value;

const EMAIL_A: &str = "frank.planted-review@example.org";
const EMAIL_B: &str = "grace.planted-review@example.com";
const AWS: &str = "AKIAQPLANTEDREVIEW12";

/// Real Hadoop lines (loghub) with the planted values on lines 2, 5 and 9.
fn write_log(path: &Path) {
    let src = crate::corpus::loghub_file("Hadoop_2k.log");
    let mut text = String::new();
    for (i, line) in src.lines().take(20).enumerate() {
        text.push_str(line);
        match i {
            1 => text.push_str(&format!(" owner={EMAIL_A}")),
            4 => text.push_str(&format!(" cc={EMAIL_B}")),
            8 => text.push_str(&format!(" aws_access_key_id={AWS}")),
            _ => {}
        }
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn out_json(a: assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&a.get_output().stdout).unwrap()
}

fn key(data: &Path) -> String {
    std::fs::read_to_string(data.join(".dbkey"))
        .unwrap()
        .trim()
        .to_string()
}

fn new_issue(data: &Path) -> String {
    String::from_utf8(
        tftsr(data)
            .args(["issue", "new", "--title", "review", "--severity", "low"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap()
    .trim()
    .to_string()
}

fn cleaned_copy(data: &Path, lf: &str) -> Vec<u8> {
    let c = raw_conn(&db_in(data), Some(&key(data)));
    c.query_row(
        "SELECT cleaned FROM log_cleaned WHERE log_file_id = ?1",
        [lf],
        |r| r.get(0),
    )
    .unwrap()
}

fn count(data: &Path, sql: &str) -> i64 {
    let c = raw_conn(&db_in(data), Some(&key(data)));
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn only_accepted_findings_are_redacted_and_the_counts_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = new_issue(&data);
    let log = dir.path().join("hadoop.log");
    write_log(&log);

    // Only the planted types, so the prompts are known: accept, reject, accept.
    let a = tftsr(&data)
        .args([
            "issue",
            "attach",
            &id,
            log.to_str().unwrap(),
            "--review",
            "--json",
        ])
        .args(["--types", "email,aws_access_key"])
        .write_stdin("y\nmaybe\nn\ny\n")
        .assert()
        .success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    // Side by side: the original line and the redacted one, with the line number.
    assert!(err.contains("[1] line 2  email"), "{err}");
    assert!(
        err.contains("  - ") && err.contains(&format!("owner={EMAIL_A}")),
        "{err}"
    );
    assert!(
        err.contains("  + ") && err.contains("owner=[Email]"),
        "{err}"
    );
    assert!(err.contains("[2] line 5  email"), "{err}");
    assert!(err.contains("[3] line 9  aws_access_key"), "{err}");
    // An answer it does not understand is asked again (three findings, four answers read).
    assert_eq!(err.matches("redact it?").count(), 4, "{err}");
    let j = out_json(a);
    let lf = j["log_file_id"].as_str().unwrap().to_string();
    assert_eq!(j["review"]["accepted"], 2);
    assert_eq!(j["review"]["rejected"], 1);
    assert_eq!(j["review"]["rejected_counts"]["email"], 1);
    assert_eq!(j["state"]["reviewed"], true);
    assert_eq!(j["state"]["redacted"], true);
    assert_eq!(j["state"]["accepted"], 2);
    assert_eq!(j["state"]["rejected"], 1);

    let cleaned = String::from_utf8(cleaned_copy(&data, &lf)).unwrap();
    assert!(cleaned.contains("owner=[Email]"), "{cleaned}");
    assert!(
        cleaned.contains(&format!("cc={EMAIL_B}")),
        "rejected: left as it is"
    );
    assert!(cleaned.contains("aws_access_key_id=[AWSKey]"));
    assert!(!cleaned.contains(EMAIL_A) && !cleaned.contains(AWS));
    assert_eq!(cleaned.lines().count(), 20);
    // Only accepted findings are redactions of the log.
    assert_eq!(
        count(
            &data,
            &format!("SELECT count(*) FROM pii_spans WHERE log_file_id = '{lf}'")
        ),
        2
    );
    // The audit: counts, never a value.
    let c = raw_conn(&db_in(&data), Some(&key(&data)));
    let details: String = c
        .query_row(
            "SELECT details FROM audit_log WHERE action = 'log_review' AND entity_id = ?1",
            [&lf],
            |r| r.get(0),
        )
        .unwrap();
    let d: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(
        (d["accepted"].as_u64(), d["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    let all: Vec<String> = c
        .prepare("SELECT coalesce(details, '') FROM audit_log")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for p in [EMAIL_A, EMAIL_B, AWS] {
        assert!(all.iter().all(|d| !d.contains(p)), "audit holds {p}");
    }
    drop(c);
    tftsr(&data)
        .args(["issue", "show", &id])
        .assert()
        .success()
        .stdout(has("[reviewed, redacted]"));
    tftsr(&data).args(["audit", "verify"]).assert().success();
}

#[test]
fn quitting_or_running_out_of_answers_attaches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = new_issue(&data);
    let log = dir.path().join("hadoop.log");
    write_log(&log);
    for answers in ["y\nq\n", "y\n", ""] {
        tftsr(&data)
            .args(["issue", "attach", &id, log.to_str().unwrap(), "--review"])
            .args(["--types", "email,aws_access_key"])
            .write_stdin(answers)
            .assert()
            .code(2)
            .stderr(has("the review was stopped; nothing was attached"));
    }
    assert_eq!(count(&data, "SELECT count(*) FROM log_files"), 0);
    assert_eq!(count(&data, "SELECT count(*) FROM pii_spans"), 0);
    assert_eq!(count(&data, "SELECT count(*) FROM log_state"), 0);
    assert_eq!(count(&data, "SELECT count(*) FROM log_cleaned"), 0);
    // "a" accepts the rest after the first answer.
    let j = out_json(
        tftsr(&data)
            .args([
                "issue",
                "attach",
                &id,
                log.to_str().unwrap(),
                "--review",
                "--json",
            ])
            .args(["--types", "email,aws_access_key"])
            .write_stdin("n\na\n")
            .assert()
            .success(),
    );
    assert_eq!(
        (
            j["review"]["accepted"].as_u64(),
            j["review"]["rejected"].as_u64()
        ),
        (Some(2), Some(1))
    );
}

#[test]
fn rejected_types_and_fingerprints_are_left_and_can_be_allowlisted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = new_issue(&data);
    let log = dir.path().join("hadoop.log");
    write_log(&log);
    let cfg = dir.path().join("tftsr.toml");
    std::fs::write(&cfg, "# project settings\n").unwrap();

    // Non-interactive: every e-mail rejected, their fingerprints allowlisted in the config.
    let j = out_json(
        tftsr(&data)
            .args(["issue", "attach", &id, log.to_str().unwrap(), "--json"])
            .args(["--reject-type", "email", "--allowlist-rejected", "-c"])
            .arg(&cfg)
            .assert()
            .success(),
    );
    assert_eq!(j["review"]["rejected_counts"]["email"], 2);
    assert_eq!(j["review"]["allowlisted"], 2);
    assert!(j["review"]["accepted"].as_u64().unwrap() >= 1);
    let lf = j["log_file_id"].as_str().unwrap();
    let cleaned = String::from_utf8(cleaned_copy(&data, lf)).unwrap();
    assert!(cleaned.contains(EMAIL_A) && cleaned.contains(EMAIL_B));
    assert!(!cleaned.contains(AWS));
    let toml = std::fs::read_to_string(&cfg).unwrap();
    assert!(toml.contains("# project settings"), "{toml}");
    assert!(
        !toml.contains(EMAIL_A),
        "the config holds fingerprints, not values"
    );
    // Keyed fingerprints, as `tftsr fingerprint` (and diagnostics, JSONL) name values: a plain
    // SHA-256 of a low-entropy value gives the value back to whoever reads the config.
    for e in [EMAIL_A, EMAIL_B] {
        assert!(toml.contains(&keyed(&data, &cfg, e)), "{toml}");
        assert!(
            !toml.contains(&sha256_hex(e.as_bytes())),
            "a plain hash: {toml}"
        );
    }
    // With that config the e-mails are no longer findings.
    let scan = tftsr(&data)
        .args(["scan", "--format", "jsonl", "-c"])
        .arg(&cfg)
        .arg(&log)
        .assert()
        .code(1);
    let out = String::from_utf8_lossy(&scan.get_output().stdout).into_owned();
    assert!(!out.contains("\"email\""), "{out}");

    // By fingerprint (as `tftsr fingerprint` or a diagnostic names it): just the one value.
    let fp = keyed(&data, &cfg, EMAIL_B);
    let j = out_json(
        tftsr(&data)
            .args(["issue", "attach", &id, log.to_str().unwrap(), "--json"])
            .args(["--types", "email", "--reject", &fp])
            .assert()
            .success(),
    );
    assert_eq!(
        (
            j["review"]["accepted"].as_u64(),
            j["review"]["rejected"].as_u64()
        ),
        (Some(1), Some(1))
    );
    // Bad rules are clear errors naming the flag.
    tftsr(&data)
        .args([
            "issue",
            "attach",
            &id,
            log.to_str().unwrap(),
            "--reject-type",
            "emial",
        ])
        .assert()
        .code(2)
        .stderr(has("--reject-type"));
    tftsr(&data)
        .args([
            "issue",
            "attach",
            &id,
            log.to_str().unwrap(),
            "--reject",
            "abc",
        ])
        .assert()
        .code(2)
        .stderr(has("--reject: a fingerprint is 64 hex digits"));
}

/// The fingerprint `tftsr fingerprint` prints for `value` (keyed: the key of the data directory).
fn keyed(data: &Path, cfg: &Path, value: &str) -> String {
    let a = tftsr(data)
        .arg("fingerprint")
        .arg("-c")
        .arg(cfg)
        .write_stdin(format!("{value}\n"))
        .assert()
        .success();
    String::from_utf8_lossy(&a.get_output().stdout)
        .trim()
        .to_owned()
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(b))
}

#[test]
fn sigkill_between_the_findings_and_the_cleaned_copy_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = new_issue(&data);
    let log = dir.path().join("hadoop.log");
    write_log(&log);
    let marker = dir.path().join("stalled");
    let mut child = tftsr_std(&data)
        .env("TFTSR_TEST_STALL_AT", "attach_before_cleaned")
        .env("TFTSR_TEST_STALL_MARKER", &marker)
        .args(["issue", "attach", &id, log.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    progress::Progress::new(child.id(), "the attach to reach its cleaned copy")
        .until(
            || 0,
            || {
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "attach ended before the stall point"
                );
                marker.exists().then_some(())
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The log row, its findings and its audit entry were written in the same transaction as the
    // cleaned copy would have been: none of them is there.
    assert_eq!(count(&data, "SELECT count(*) FROM log_files"), 0);
    assert_eq!(count(&data, "SELECT count(*) FROM pii_spans"), 0);
    assert_eq!(
        count(
            &data,
            "SELECT count(*) FROM audit_log WHERE action = 'log_attach'"
        ),
        0
    );
    tftsr(&data).args(["audit", "verify"]).assert().success();
    // And the attach works afterwards.
    tftsr(&data)
        .args(["issue", "attach", &id, log.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(
        count(&data, "SELECT count(*) FROM log_files WHERE redacted = 1"),
        1
    );
}
