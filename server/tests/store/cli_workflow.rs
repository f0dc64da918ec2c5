//! Issue 12's command-line contract on the real binary and a real SQLCipher store: attach with
//! the cleaned copy, finalize, status, list filters, the 5-Whys, `audit verify` and the audit
//! filters, unique prefixes for every id, confirmation before delete; the result checked with an
//! independent SQLCipher client (Python `sqlcipher3`).

use crate::helpers;

use std::path::Path;

use helpers::*;
use predicates::str::contains;
use serde_json::Value;

const PLANTS: [&str; 3] = [
    "dana.planted-cli@example.org",
    "203.0.113.77",
    "AKIAQPLANTED7CLI1234",
];

fn out_json(a: assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&a.get_output().stdout).unwrap()
}

fn out_text(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

/// Real Hadoop lines (loghub) with the planted values on lines 2, 4 and 6.
fn write_log(path: &Path) {
    let src = crate::corpus::loghub_file("Hadoop_2k.log");
    let mut text = String::new();
    for (i, line) in src.lines().take(40).enumerate() {
        text.push_str(line);
        match i {
            1 => text.push_str(&format!(" notify={}", PLANTS[0])),
            3 => text.push_str(&format!(" peer={}", PLANTS[1])),
            5 => text.push_str(&format!(" aws_access_key_id={}", PLANTS[2])),
            _ => {}
        }
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn key(data: &Path) -> String {
    std::fs::read_to_string(data.join(".dbkey"))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn the_incident_workflow_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = out_text(
        &tftsr(&data)
            .args([
                "issue",
                "new",
                "--title",
                "Checkout 502s",
                "--severity",
                "high",
            ])
            .args(["--tag", "web,nginx"])
            .assert()
            .success(),
    )
    .trim()
    .to_string();
    let short = &id[..id.len() - 4];
    let log = dir.path().join("app.log");
    write_log(&log);

    // attach: findings and the cleaned copy; --json has the log file's id and its state.
    let a = out_json(
        tftsr(&data)
            .args(["issue", "attach", short, log.to_str().unwrap(), "--json"])
            .assert()
            .success(),
    );
    let lf = a["log_file_id"].as_str().unwrap().to_string();
    assert_eq!(a["log_file"]["id"], lf.as_str());
    assert_eq!(a["state"]["redacted"], true);
    assert_eq!(a["state"]["finalized"], false);
    assert!(a["findings"].as_u64().unwrap() >= 3, "{a}");
    assert_eq!(a["cleaned_sha256"].as_str().unwrap().len(), 64);
    let shown = out_text(
        &tftsr(&data)
            .args(["issue", "show", short])
            .assert()
            .success(),
    );
    assert!(shown.contains("[redacted]"), "{shown}");

    // The 5-Whys: five, evidence by reference (log id prefix + lines), a sixth refused.
    let mut whys = Vec::new();
    for n in 1..=5 {
        let mut args = vec![
            "why".to_string(),
            "add".into(),
            short.into(),
            "--question".into(),
            format!("why {n}?"),
        ];
        if n == 1 {
            args.extend([
                "--answer".into(),
                "the upstream timed out".into(),
                "--evidence".into(),
                format!("log:{}:2-4", &lf[..lf.len() - 3]),
            ]);
        }
        whys.push(
            out_text(&tftsr(&data).args(&args).assert().success())
                .trim()
                .to_string(),
        );
    }
    tftsr(&data)
        .args(["why", "add", short, "--question", "why 6?"])
        .assert()
        .code(2)
        .stderr(contains("already has 5 whys"))
        .stderr(contains("sixth"));
    tftsr(&data)
        .args([
            "why",
            "add",
            short,
            "--question",
            "q",
            "--evidence",
            PLANTS[0],
        ])
        .assert()
        .code(2)
        .stderr(contains("invalid evidence"));
    let list = out_json(
        tftsr(&data)
            .args(["why", "list", short, "--json"])
            .assert()
            .success(),
    );
    assert_eq!(list.as_array().unwrap().len(), 5);
    assert_eq!(list[0]["evidence"], format!("log:{lf}:2-4").as_str());
    tftsr(&data)
        .args(["why", "move", &whys[4][..30], "1"])
        .assert()
        .success();
    tftsr(&data)
        .args(["why", "edit", &whys[2], "--answer", "pool exhausted"])
        .assert()
        .success();
    tftsr(&data)
        .args(["why", "delete", &whys[3]])
        .assert()
        .code(2)
        .stderr(contains("pass --yes"));
    tftsr(&data)
        .args(["why", "delete", &whys[3], "--yes"])
        .assert()
        .success();
    let list = out_json(
        tftsr(&data)
            .args(["why", "list", &id, "--json"])
            .assert()
            .success(),
    );
    let q: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["why_question"].as_str().unwrap())
        .collect();
    assert_eq!(q, ["why 5?", "why 1?", "why 2?", "why 3?"]);
    assert_eq!(list[3]["answer"], "pool exhausted");

    // Lifecycle and filters.
    for st in ["investigating", "resolved"] {
        tftsr(&data)
            .args(["issue", "status", short, st])
            .assert()
            .success();
    }
    tftsr(&data)
        .args(["issue", "status", short, "done"])
        .assert()
        .code(2)
        .stderr(contains("invalid status"));
    let other = out_text(
        &tftsr(&data)
            .args([
                "issue",
                "new",
                "--title",
                "other",
                "--severity",
                "low",
                "--tag",
                "web",
            ])
            .assert()
            .success(),
    )
    .trim()
    .to_string();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["issue", "list", "--json"];
        full.extend_from_slice(args);
        out_json(tftsr(&data).args(&full).assert().success())
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&["--status", "resolved", "--severity", "high", "--tag", "web"]),
        std::slice::from_ref(&id)
    );
    assert_eq!(ids(&["--tag", "web"]).len(), 2);
    assert_eq!(ids(&["--tag", "nginx", "--severity", "low"]).len(), 0);
    let i = out_json(
        tftsr(&data)
            .args(["issue", "show", &id, "--json"])
            .assert()
            .success(),
    );
    assert!(i["issue"]["resolved_at"].is_string());

    // Unknown and ambiguous prefixes: clear errors.
    tftsr(&data)
        .args(["issue", "show", "ffffffff"])
        .assert()
        .code(2)
        .stderr(contains("no issue with id `ffffffff`"));
    let common: String = id
        .chars()
        .zip(other.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a)
        .collect();
    tftsr(&data)
        .args(["issue", "status", &common, "open"])
        .assert()
        .code(2)
        .stderr(contains("is ambiguous"))
        .stderr(contains("type more"));

    // Finalize: no original value left, checked by an independent SQLCipher client.
    tftsr(&data)
        .args(["issue", "finalize", short])
        .assert()
        .success()
        .stdout(contains("1 log file(s)"));
    let k = key(&data);
    if let Some(rows) = independent_sqlcipher(
        &db_in(&data),
        &k,
        &format!(
            "SELECT redacted FROM log_files WHERE id = '{lf}';\n\
             SELECT count(*) FROM pii_spans WHERE original_value != '';\n\
             SELECT count(*) FROM pii_spans WHERE log_file_id = '{lf}';\n\
             SELECT hex(cleaned) FROM log_cleaned WHERE log_file_id = '{lf}'"
        ),
    ) {
        let r: Vec<&str> = rows.lines().collect();
        assert_eq!(r[0], "1", "log_files.redacted");
        assert_eq!(r[1], "0", "no original value after finalize");
        assert!(r[2].parse::<i64>().unwrap() >= 3);
        let cleaned = hex::decode(r[3]).unwrap();
        let cleaned = String::from_utf8(cleaned).unwrap();
        assert!(cleaned.lines().count() == 40, "the whole log, cleaned");
        for p in PLANTS {
            assert!(!cleaned.contains(p), "{p} in the cleaned copy");
        }
    }

    // The audit: filters, and the chain verifies; tampering makes `audit verify` exit 1.
    let e = out_json(
        tftsr(&data)
            .args([
                "audit",
                "--issue",
                short,
                "--action",
                "log_attach",
                "--since",
                "1h",
                "--json",
            ])
            .assert()
            .success(),
    );
    assert_eq!(e.as_array().unwrap().len(), 1);
    assert_eq!(e[0]["entity_id"], lf.as_str());
    tftsr(&data)
        .args(["audit", "--action", "nope"])
        .assert()
        .code(2)
        .stderr(contains("not in the audit vocabulary"));
    let all = out_json(
        tftsr(&data)
            .args(["audit", "--limit", "0", "--json"])
            .assert()
            .success(),
    );
    for p in PLANTS {
        assert!(!all.to_string().contains(p));
    }
    tftsr(&data)
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(contains("audit chain ok"));
    // Delete asks first.
    tftsr(&data)
        .args(["issue", "delete", &other[..other.len() - 2]])
        .assert()
        .code(2)
        .stderr(contains("pass --yes"));
    tftsr(&data)
        .args(["issue", "delete", &other[..other.len() - 2], "-y"])
        .assert()
        .success();
    let Some(_) = independent_sqlcipher(
        &db_in(&data),
        &k,
        "UPDATE audit_log SET details = '{\"edited\":1}' WHERE id = (SELECT audit_id FROM audit_chain WHERE seq = 4)",
    ) else {
        return;
    };
    tftsr(&data)
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stdout(contains("audit chain BROKEN at link 4"))
        .stdout(contains("was edited"));
    let v = out_json(
        tftsr(&data)
            .args(["audit", "verify", "--json"])
            .assert()
            .code(1),
    );
    assert_eq!(v["first_broken"]["seq"], 4);
    tftsr(&data).args(["db", "check"]).assert().code(1);
}

#[test]
fn attach_without_keeping_values_never_stores_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = out_text(
        &tftsr(&data)
            .args(["issue", "new", "--title", "t", "--severity", "low"])
            .assert()
            .success(),
    )
    .trim()
    .to_string();
    let log = dir.path().join("app.log");
    write_log(&log);
    let a = out_json(
        tftsr(&data)
            .args([
                "issue",
                "attach",
                &id,
                log.to_str().unwrap(),
                "--no-values",
                "--json",
            ])
            .assert()
            .success(),
    );
    assert_eq!(a["state"]["finalized"], true);
    assert_eq!(a["state"]["values_kept"], false);
    assert_eq!(a["state"]["values_present"], 0);
    let s = tftsr::store::Store::open(&tftsr::store::OpenOptions {
        db_path: Some(db_in(&data)),
        encryption: Some(tftsr::store::Encryption::On),
        key: Some(key(&data)),
    })
    .unwrap();
    let spans = s.pii_spans(a["log_file_id"].as_str().unwrap()).unwrap();
    assert!(spans.len() >= 3);
    assert!(spans.iter().all(|p| p.original_value.is_empty()));
}

/// A UTF-16 log (either byte order, with its BOM) is attached with a cleaned copy in its own
/// encoding that equals the UTF-8 log's cleaned copy, re-encoded: every value replaced whole,
/// everything else byte for byte; the stored offsets point at the value in the file's bytes.
/// (The cleaned copy used to be cut at the text's offsets in the UTF-16 bytes: half of a
/// password and the whole address stayed in it.)
#[test]
fn a_utf16_log_gets_a_cleaned_copy_in_its_own_encoding_with_no_value_left() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = out_text(
        &tftsr(&data)
            .args(["issue", "new", "--title", "utf16", "--severity", "low"])
            .assert()
            .success(),
    )
    .trim()
    .to_string();
    let utf8 = dir.path().join("app.log");
    write_log(&utf8);
    let text = std::fs::read_to_string(&utf8).unwrap();
    let encode = |be: bool| -> Vec<u8> {
        let units = std::iter::once(0xfeff_u16).chain(text.encode_utf16());
        units
            .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
            .collect()
    };
    let attach = |file: &Path| -> String {
        let a = out_json(
            tftsr(&data)
                .args(["issue", "attach", &id, file.to_str().unwrap(), "--json"])
                .assert()
                .success(),
        );
        assert_eq!(a["state"]["redacted"], true, "{a}");
        a["log_file_id"].as_str().unwrap().to_owned()
    };
    let plain = attach(&utf8);
    let s = tftsr::store::Store::open(&tftsr::store::OpenOptions {
        db_path: Some(db_in(&data)),
        encryption: Some(tftsr::store::Encryption::On),
        key: Some(key(&data)),
    })
    .unwrap();
    let want = String::from_utf8(s.cleaned_log(&plain).unwrap()).unwrap();
    assert!(PLANTS.iter().all(|p| !want.contains(p)), "{want}");
    let want_spans = s.pii_spans(&plain).unwrap();
    drop(s);
    for be in [false, true] {
        let raw = encode(be);
        let file = dir.path().join(if be { "be.log" } else { "le.log" });
        std::fs::write(&file, &raw).unwrap();
        let lf = attach(&file);
        let s = tftsr::store::Store::open(&tftsr::store::OpenOptions {
            db_path: Some(db_in(&data)),
            encryption: Some(tftsr::store::Encryption::On),
            key: Some(key(&data)),
        })
        .unwrap();
        let cleaned = s.cleaned_log(&lf).unwrap();
        let units: Vec<u16> = cleaned
            .chunks(2)
            .map(|b| {
                let b = [b[0], *b.get(1).unwrap_or(&0)];
                if be {
                    u16::from_be_bytes(b)
                } else {
                    u16::from_le_bytes(b)
                }
            })
            .collect();
        assert_eq!(cleaned.len() % 2, 0, "whole UTF-16 units");
        assert_eq!(units[0], 0xfeff, "the BOM is kept");
        let got = String::from_utf16(&units[1..]).expect("the cleaned copy is valid UTF-16");
        assert_eq!(got, want, "be={be}");
        let spans = s.pii_spans(&lf).unwrap();
        assert_eq!(spans.len(), want_spans.len());
        for (sp, w) in spans.iter().zip(&want_spans) {
            assert_eq!(
                (&sp.pii_type, &sp.original_value),
                (&w.pii_type, &w.original_value)
            );
            let at: Vec<u16> = raw[sp.start_offset as usize..sp.end_offset as usize]
                .chunks(2)
                .map(|b| {
                    if be {
                        u16::from_be_bytes([b[0], b[1]])
                    } else {
                        u16::from_le_bytes([b[0], b[1]])
                    }
                })
                .collect();
            assert_eq!(String::from_utf16(&at).unwrap(), sp.original_value);
        }
    }
}
