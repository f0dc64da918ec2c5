//! `--data-dir DIR`: where the store lives, for every command that uses it, ahead of
//! `TFTSR_DATA_DIR`; a relative DIR is from the current directory.

use std::path::Path;

use crate::support::*;

fn ok(out: &std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn data_dir_overrides_the_environment_for_store_and_scan() {
    let t = tempfile::tempdir().unwrap();
    let env_dir = t.path().join("env");
    let flag_dir = t.path().join("flag");
    std::fs::create_dir_all(&env_dir).unwrap();
    // `tftsr()` points TFTSR_DATA_DIR at env/ (and runs there).
    let flag = flag_dir.to_str().unwrap();
    let out = tftsr(&env_dir)
        .args(["--data-dir", flag, "issue", "new", "--title", "Disk full"])
        .args(["--severity", "low", "--json"])
        .output()
        .unwrap();
    let issue: serde_json::Value = serde_json::from_str(&ok(&out, "issue new")).unwrap();
    let id = issue["id"].as_str().unwrap().to_owned();
    assert!(
        flag_dir.join("tftsr.db").is_file(),
        "the store is in --data-dir"
    );
    assert!(!env_dir.join("tftsr.db").exists(), "not in TFTSR_DATA_DIR");
    // The option after the command works too, and every store command sees the same store.
    let out = tftsr(&env_dir)
        .args(["issue", "list", "--json", "--data-dir", flag])
        .output()
        .unwrap();
    assert!(ok(&out, "issue list").contains(&id));
    let out = tftsr(&env_dir)
        .args(["issue", "list", "--json"])
        .output()
        .unwrap();
    assert!(!ok(&out, "issue list (env)").contains(&id));
    let out = tftsr(&env_dir)
        .args(["db", "path", "--json", "--data-dir", flag])
        .output()
        .unwrap();
    let path: serde_json::Value = serde_json::from_str(&ok(&out, "db path")).unwrap();
    assert_eq!(
        Path::new(path["db_path"].as_str().unwrap()),
        flag_dir.join("tftsr.db")
    );

    // scan keeps its fingerprint key there.
    let log = t.path().join("app.log");
    let mut text = corpus_lines("OpenSSH_2k.log", 5).join("\n");
    text.push_str("\nnotify alice.smith@example.com\n");
    std::fs::write(&log, text).unwrap();
    let scan_dir = t.path().join("scan-data");
    let out = tftsr(&env_dir)
        .args([
            "--data-dir",
            scan_dir.to_str().unwrap(),
            "scan",
            "-f",
            "jsonl",
        ])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let findings = parse_jsonl(&out.stdout);
    let email = findings
        .iter()
        .find(|f| f["type"] == "email")
        .expect("the planted e-mail is found");
    assert_eq!(
        email["fingerprint"].as_str().unwrap(),
        user_fingerprint(&scan_dir, "alice.smith@example.com"),
        "the fingerprint is under the key in --data-dir"
    );
    assert!(!env_dir.join("fingerprint.key").exists());
}

#[test]
fn relative_data_dir_is_from_the_current_directory_and_empty_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let out = tftsr(t.path())
        .args(["--data-dir", "rel/store", "db", "path", "--json"])
        .output()
        .unwrap();
    let path: serde_json::Value = serde_json::from_str(&ok(&out, "db path")).unwrap();
    assert_eq!(
        Path::new(path["db_path"].as_str().unwrap()),
        t.path().join("rel/store/tftsr.db")
    );
    let out = tftsr(t.path())
        .args(["--data-dir", "", "db", "path"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--data-dir"), "{err}");
}
