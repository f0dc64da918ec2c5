//! One attach policy: the same log with the same configuration and style, attached once by
//! `tftsr issue attach` and once by the real server's `tftsr.attachToIssue` (the file closed, read
//! from disk; and open in the editor), into one real SQLCipher store, gives identical `pii_spans`
//! rows (type, offsets, original value, replacement) and identical `log_attach` audit details.

use crate::lsp_client;

use std::path::Path;
use std::process::Command;

use lsp_client::*;
use serde_json::{json, Value};
use tftsr::store::{Encryption, OpenOptions, Store};

const KEY: &str = "parity key: correct horse battery staple";

/// Real loghub lines with planted values of several types, one the configuration allowlists,
/// one only its custom rule finds, one of a type it disables.
fn log_text() -> String {
    let apache = corpus::loghub_file("Apache_2k.log");
    let ssh = corpus::loghub_file("OpenSSH_2k.log");
    let mut t = String::new();
    for (i, line) in apache
        .lines()
        .take(30)
        .chain(ssh.lines().take(30))
        .enumerate()
    {
        t.push_str(line);
        match i % 6 {
            0 => t.push_str(&format!(" user=user{i}@example.com")),
            1 => t.push_str(" badge EMP-004211 swiped"),
            2 => t.push_str(" notify noreply@example.com"), // allowlisted
            3 => t.push_str(" password=Zq9!planted-77 host db1.internal.example.net"),
            4 => t.push_str(" José 😀 card 4111 1111 1111 1111"),
            _ => {}
        }
        t.push('\n');
    }
    t
}

const CONFIG: &str = r#"
[types]
disable = ["hostname"]

[[rules]]
id = "employee_id"
regex = '\bEMP-[0-9]{6}\b'
tag = "[EmployeeId]"
examples = ["badge EMP-004211 swiped"]

[allowlist]
values = ["noreply@example.com"]
"#;

fn cli(data: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(bin());
    let out = lsp_client::child_env::scrub(&mut cmd)
        .args(args)
        .env("TFTSR_DATA_DIR", data)
        .env("TFTSR_DB_ENCRYPT", "1")
        .env("TFTSR_DB_KEY", KEY)
        .current_dir(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tftsr {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

type Row = (String, i64, i64, String, String);

fn rows(store: &Store, log_id: &str) -> Vec<Row> {
    store
        .pii_spans(log_id)
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.pii_type,
                s.start_offset,
                s.end_offset,
                s.original_value,
                s.replacement,
            )
        })
        .collect()
}

#[test]
fn cli_and_server_attach_store_identical_spans_and_audit() {
    let data = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let ws_path = std::fs::canonicalize(ws.path()).unwrap();
    let config = ws_path.join(".tftsr.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let log = ws_path.join("app.log");
    let text = log_text();
    std::fs::write(&log, &text).unwrap();

    let issue: Value = serde_json::from_str(&cli(
        data.path(),
        &[
            "issue",
            "new",
            "--title",
            "parity",
            "--severity",
            "high",
            "--json",
        ],
    ))
    .unwrap();
    let issue_id = issue["id"].as_str().unwrap().to_owned();
    let attached: Value = serde_json::from_str(&cli(
        data.path(),
        &[
            "issue",
            "attach",
            &issue_id,
            log.to_str().unwrap(),
            "--style",
            "pseudonym",
            "--config",
            config.to_str().unwrap(),
            "--json",
        ],
    ))
    .unwrap();
    let cli_log = attached["log_file"]["id"].as_str().unwrap().to_owned();

    let mut c = Client::spawn(&[
        ("TFTSR_DATA_DIR", data.path()),
        ("TFTSR_DB_ENCRYPT", Path::new("1")),
        ("TFTSR_DB_KEY", Path::new(KEY)),
    ]);
    let settings = json!({"tftsr": {"redactionStyle": "pseudonym"}});
    c.configuration = settings["tftsr"].clone();
    c.initialize(caps_nvim07(), settings, Some(&ws_path));
    let uri = format!("file://{}", log.display());
    let attach = |c: &mut Client| -> String {
        let r = c.request(
            "workspace/executeCommand",
            json!({"command": "tftsr.attachToIssue",
                   "arguments": [{"uri": uri, "issueId": issue_id}]}),
        );
        // The editor's attach stores the cleaned copy as the CLI's does: the log can be bundled.
        assert_eq!(r["redacted"], true, "{r}");
        assert_eq!(r["state"]["redacted"], true, "{r}");
        assert_eq!(r["cleanedSha256"].as_str().map(str::len), Some(64), "{r}");
        r["logFileId"].as_str().unwrap().to_owned()
    };
    // Closed: the server reads the file from disk.
    let from_disk = attach(&mut c);
    // Open in the editor: the document's text (the same bytes).
    c.open(&uri, "log", &text);
    c.wait_diagnostics(&uri, |d| !d.is_empty());
    let from_doc = attach(&mut c);
    let (code, _) = c.shutdown_exit();
    assert_eq!(code, 0);

    let store = Store::open(&OpenOptions {
        db_path: Some(data.path().join("tftsr.db")),
        encryption: Some(Encryption::On),
        key: Some(KEY.into()),
    })
    .unwrap();
    let want = rows(&store, &cli_log);
    // The configuration was applied: its rule, its allowlist and its disabled type.
    let types: Vec<&str> = want.iter().map(|r| r.0.as_str()).collect();
    assert!(types.contains(&"employee_id"), "{types:?}");
    assert!(types.contains(&"email") && types.contains(&"password"));
    assert!(!types.contains(&"hostname"), "{types:?}");
    assert!(want.iter().all(|r| r.3 != "noreply@example.com"));
    // The style was applied: pseudonyms, not tags.
    assert!(want.iter().any(|r| r.4.starts_with("[Email-")), "{want:?}");
    for r in &want {
        assert_eq!(
            &text[r.1 as usize..r.2 as usize],
            r.3,
            "offsets point at the value"
        );
    }
    assert_eq!(
        rows(&store, &from_disk),
        want,
        "server (file on disk) vs CLI"
    );
    assert_eq!(
        rows(&store, &from_doc),
        want,
        "server (open document) vs CLI"
    );

    let audit = store.audit_log(0).unwrap();
    let details = |log_id: &str| {
        audit
            .iter()
            .find(|e| e.action == "log_attach" && e.entity_id == log_id)
            .and_then(|e| e.details.clone())
            .unwrap_or_else(|| panic!("no log_attach entry for {log_id}"))
    };
    let cli_details = details(&cli_log);
    assert_eq!(cli_details["span_count"], want.len());
    assert_eq!(details(&from_disk), cli_details);
    assert_eq!(details(&from_doc), cli_details);

    // The same cleaned copy (the bytes that will be shared), with no planted value left.
    let cleaned = store.cleaned_log(&cli_log).unwrap();
    assert_eq!(store.cleaned_log(&from_disk).unwrap(), cleaned);
    assert_eq!(store.cleaned_log(&from_doc).unwrap(), cleaned);
    let cleaned = String::from_utf8(cleaned).unwrap();
    for planted in [
        "Zq9!planted-77",
        "4111 1111 1111 1111",
        "EMP-004211",
        "user0@example.com",
    ] {
        assert!(
            !cleaned.contains(planted),
            "{planted} left in the cleaned copy"
        );
    }
    assert!(
        cleaned.contains("badge [EmployeeId-"),
        "the custom rule, pseudonymised"
    );
    for id in [&cli_log, &from_disk, &from_doc] {
        let st = store.log_status(id).unwrap();
        assert!(st.redacted && st.values_kept && !st.finalized, "{st:?}");
    }
}

/// A gzip-compressed log with invalid UTF-8, attached by the server from disk, is decompressed
/// and scanned exactly as the CLI does (it used to be read as text and refused).
#[test]
fn server_attach_of_a_gz_log_with_invalid_utf8_matches_the_cli() {
    use std::io::Write;
    let data = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let ws_path = std::fs::canonicalize(ws.path()).unwrap();
    let mut raw = log_text().into_bytes();
    raw.extend_from_slice(b"bad \xff\xfe byte then mail zed@example.org\n");
    let log = ws_path.join("rotated.log.1.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    std::fs::write(&log, gz.finish().unwrap()).unwrap();

    let issue: Value = serde_json::from_str(&cli(
        data.path(),
        &[
            "issue",
            "new",
            "--title",
            "gz",
            "--severity",
            "low",
            "--json",
        ],
    ))
    .unwrap();
    let issue_id = issue["id"].as_str().unwrap().to_owned();
    let attached: Value = serde_json::from_str(&cli(
        data.path(),
        &[
            "issue",
            "attach",
            &issue_id,
            log.to_str().unwrap(),
            "--json",
        ],
    ))
    .unwrap();
    let cli_log = attached["log_file"]["id"].as_str().unwrap().to_owned();
    assert_eq!(attached["invalid_utf8_sequences"], 2); // 0xff and 0xfe: two maximal invalid subparts

    let mut c = Client::spawn(&[
        ("TFTSR_DATA_DIR", data.path()),
        ("TFTSR_DB_ENCRYPT", Path::new("1")),
        ("TFTSR_DB_KEY", Path::new(KEY)),
    ]);
    c.initialize(caps_nvim07(), Value::Null, Some(&ws_path));
    let uri = format!("file://{}", log.display());
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": "tftsr.attachToIssue",
               "arguments": [{"uri": uri, "issueId": issue_id}]}),
    );
    let lsp_log = r["logFileId"].as_str().unwrap().to_owned();
    c.shutdown_exit();

    let store = Store::open(&OpenOptions {
        db_path: Some(data.path().join("tftsr.db")),
        encryption: Some(Encryption::On),
        key: Some(KEY.into()),
    })
    .unwrap();
    let want = rows(&store, &cli_log);
    assert!(want.iter().any(|r| r.3 == "zed@example.org"), "{want:?}");
    assert_eq!(rows(&store, &lsp_log), want);
    let (a, b) = (
        store.get_log_file(&cli_log).unwrap(),
        store.get_log_file(&lsp_log).unwrap(),
    );
    // The hash and size of the file as it is on disk (compressed), on both sides.
    assert_eq!(a.content_hash, b.content_hash);
    assert_eq!(a.file_size, b.file_size);
    assert_eq!(a.mime_type.as_deref(), Some("application/gzip"));
    assert_eq!(b.mime_type, a.mime_type);
}
