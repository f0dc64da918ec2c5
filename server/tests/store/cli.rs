//! `tftsr issue|audit|db` as a user runs them: the real binary on a real encrypted store.

use crate::helpers;

use helpers::*;
use predicates::prelude::*;
use serde_json::Value;

fn json(out: &assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn the_new_user_walkthrough() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = tftsr(&data)
        .args([
            "issue",
            "new",
            "--title",
            "Checkout 502s",
            "--severity",
            "high",
            "--tag",
            "web,nginx",
        ])
        .assert()
        .success();
    let id = String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);

    // A log made of real Hadoop lines (loghub) plus a planted address.
    let src = crate::corpus::loghub_file("Hadoop_2k.log");
    let mut text: String = src.lines().take(300).collect::<Vec<_>>().join("\n");
    text.push_str("\ncheckout failed for customer jane.doe@shop.example.com\n");
    let log = dir.path().join("app.log");
    std::fs::write(&log, &text).unwrap();
    let a = tftsr(&data)
        .args(["issue", "attach", &id, log.to_str().unwrap(), "--json"])
        .assert()
        .success();
    let a = json(&a);
    let n = a["findings"].as_u64().unwrap();
    assert!(n >= 1, "{a}");
    assert_eq!(
        a["log_file"]["redacted"], true,
        "its cleaned copy is stored"
    );
    assert_eq!(a["log_file"]["file_size"], text.len());
    assert_eq!(
        a["log_file"]["content_hash"],
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()))
    );
    assert!(
        !a.to_string().contains("jane.doe"),
        "attach output must not echo values"
    );

    let s = tftsr(&data)
        .args(["issue", "search", "checkout"])
        .assert()
        .success();
    let out = String::from_utf8(s.get_output().stdout.clone()).unwrap();
    // Not a terminal: the matched word between neutral marks (`[…]` would read as a tag).
    assert!(
        out.contains(&id) && out.contains("»Checkout« 502s"),
        "{out}"
    );
    assert!(
        !out.contains("[Checkout]") && !out.contains("-0.00"),
        "{out}"
    );
    let sj = json(
        &tftsr(&data)
            .args(["issue", "search", "checkout", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(sj[0]["issue"]["id"], id.as_str());
    assert!(sj[0]["score"].as_f64().unwrap() > 0.0, "{sj}");
    assert_eq!(sj[0]["snippet"], "Checkout 502s");
    assert_eq!(sj[0]["highlights"], serde_json::json!([[0, 8]]));

    let show = json(
        &tftsr(&data)
            .args(["issue", "show", &id, "--json"])
            .assert()
            .success(),
    );
    assert_eq!(show["issue"]["title"], "Checkout 502s");
    assert_eq!(show["issue"]["tags"], serde_json::json!(["web", "nginx"]));
    assert_eq!(show["log_files"].as_array().unwrap().len(), 1);
    assert!(show["resolution_steps"].is_array() && show["conversations"].is_array());
    tftsr(&data)
        .args(["issue", "show", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("app.log").and(predicate::str::contains("findings")));

    let up = json(
        &tftsr(&data)
            .args(["issue", "update", &id, "--status", "resolved", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(up["status"], "resolved");
    assert!(up["resolved_at"].is_string());

    let list = json(
        &tftsr(&data)
            .args(["issue", "list", "--status", "resolved", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(list.as_array().unwrap().len(), 1);

    let audit = json(&tftsr(&data).args(["audit", "--json"]).assert().success());
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["issue_update", "log_redact", "log_attach", "issue_create"]
    );
    assert!(!audit.to_string().contains("jane.doe"));

    // The file on disk is unreadable without the key.
    let db = std::fs::read(db_in(&data)).unwrap();
    assert!(!db.starts_with(b"SQLite format 3"));
    assert!(!contains(&db, b"jane.doe") && !contains(&db, b"Checkout 502s"));

    let check = json(
        &tftsr(&data)
            .args(["db", "check", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(check["ok"], true);
    assert_eq!(check["cipher"]["kdf_iter"], 256000);
    assert_eq!(check["migrations"].as_array().unwrap().len(), 13);
    assert_eq!(check["audit_chain_ok"], true);

    let exp = json(
        &tftsr(&data)
            .args(["db", "export", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(exp["tables"]["issues"].as_array().unwrap().len(), 1);
    assert!(!exp.to_string().contains("jane.doe"));
    let full = json(
        &tftsr(&data)
            .args(["db", "export", "--json", "--include-values"])
            .assert()
            .success(),
    );
    assert!(full.to_string().contains("jane.doe@shop.example.com"));

    let p = json(
        &tftsr(&data)
            .args(["db", "path", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(p["db_path"], db_in(&data).to_str().unwrap());
    assert_eq!(p["encryption"], "on");

    // Deleting asks first; without a terminal and without --yes it is refused, nothing deleted.
    tftsr(&data)
        .args(["issue", "delete", &id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --yes"));
    tftsr(&data).args(["issue", "show", &id]).assert().success();
    tftsr(&data)
        .args(["issue", "delete", &id, "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 log file"));
    tftsr(&data)
        .args(["issue", "search", "checkout", "--json"])
        .assert()
        .code(1) // deleted: no match any more
        .stdout(predicate::str::diff("[]\n"));
}

#[test]
fn clear_messages_for_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tftsr(&data)
        .args(["issue", "new", "--title", "x", "--severity", "urgent"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid severity: expected one of critical, high, medium, low",
        ));
    for args in [
        vec!["issue", "show", "no-such-id"],
        vec!["issue", "delete", "no-such-id"],
        vec!["issue", "update", "no-such-id", "--title", "t"],
    ] {
        tftsr(&data)
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("no issue with id `no-such-id`"));
    }
    let log = dir.path().join("a.log");
    std::fs::write(&log, "x\n").unwrap();
    tftsr(&data)
        .args(["issue", "attach", "no-such-id", log.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no issue with id"));
    tftsr(&data)
        .args(["issue", "list", "--status", "done"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid status"));
    tftsr(&data)
        .env("TFTSR_DB_ENCRYPT", "maybe")
        .args(["issue", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("TFTSR_DB_ENCRYPT"));
    // Hostile search text is just text: no match (exit 1, as grep), not an error (2).
    tftsr(&data)
        .args(["issue", "search", "\"", "AND", "(", "*"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no matches"));
    tftsr(&data)
        .args(["issue", "search", "nothing-like-this", "--json"])
        .assert()
        .code(1)
        .stdout("[]\n");
}

#[test]
fn attach_gz_and_pseudonym_style() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = String::from_utf8(
        tftsr(&data)
            .args(["issue", "new", "--title", "gz", "--severity", "low"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap()
    .trim()
    .to_string();
    let gz = dir.path().join("a.log.gz");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    e.write_all(b"mail a@example.com and b@example.org\n")
        .unwrap();
    e.finish().unwrap();
    let a = json(
        &tftsr(&data)
            .args([
                "issue",
                "attach",
                &id,
                gz.to_str().unwrap(),
                "--style",
                "pseudonym",
                "--json",
            ])
            .assert()
            .success(),
    );
    assert_eq!(a["findings"], 2);
    assert_eq!(a["log_file"]["mime_type"], "application/gzip");
}
