//! Issue 12's documents and bundle on the real binary and a real SQLCipher store: `doc generate`
//! (RCA, post-mortem) from an incident with a real loghub log and three whys, `doc show|edit|
//! list|export|delete`, the scan before anything leaves the store, `issue export` as `.zip` and
//! `.tar.gz` (no planted value inside, hashes in the manifest), `issue verify-bundle` (and a
//! tampered bundle), the audit entries with the bundle's hash, and the bad inputs: a target that
//! exists, an unknown extension, a directory that is not writable, an unredacted log.

use crate::helpers;

use std::io::Read;
use std::path::Path;

use helpers::*;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains as has;
use serde_json::Value;
use sha2::{Digest, Sha256};

const PLANTS: [&str; 3] = [
    "erin.planted-doc@example.org",
    "198.51.100.23",
    "ghp_PlantedDocToken0123456789abcdefABCDE",
];
/// In the incident's description: user text that an export must catch.
const DESC_PLANT: &str = "oncall.planted-desc@example.net";

fn out_json(a: assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&a.get_output().stdout).unwrap()
}

fn out_text(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

/// Real OpenSSH lines (loghub) with the planted values on lines 3, 5 and 7.
fn write_log(path: &Path) {
    let src = crate::corpus::loghub_file("OpenSSH_2k.log");
    let mut text = String::new();
    for (i, line) in src.lines().take(30).enumerate() {
        text.push_str(line);
        match i {
            2 => text.push_str(&format!(" user={}", PLANTS[0])),
            4 => text.push_str(&format!(" via {}", PLANTS[1])),
            6 => text.push_str(&format!(" token={}", PLANTS[2])),
            _ => {}
        }
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn no_plant(what: &str, bytes: &[u8]) {
    for p in PLANTS.iter().chain([&DESC_PLANT]) {
        assert!(!contains(bytes, p.as_bytes()), "{what} holds {p}");
    }
}

/// An incident with the planted log attached and three whys; returns (issue id, log file id).
fn incident(data: &Path, dir: &Path) -> (String, String) {
    let id = out_text(
        &tftsr(data)
            .args(["issue", "new", "--title", "SSH logins fail", "--severity"])
            .args(["critical", "--description"])
            .arg(format!("Reported by {DESC_PLANT} at 09:00"))
            .args(["--assigned-to", "platform-team"])
            .assert()
            .success(),
    )
    .trim()
    .to_string();
    let log = dir.join("sshd.log");
    write_log(&log);
    let a = out_json(
        tftsr(data)
            .args([
                "issue",
                "attach",
                short(&id),
                log.to_str().unwrap(),
                "--json",
            ])
            .assert()
            .success(),
    );
    let lf = a["log_file_id"].as_str().unwrap().to_string();
    for (q, ans) in [
        ("Why did logins fail?", "sshd rejected every key"),
        ("Why were keys rejected?", "the CA bundle had expired"),
        ("Why had it expired?", "no renewal job watched the CA"),
    ] {
        tftsr(data)
            .args(["why", "add", short(&id), "--question", q, "--answer", ans])
            .args(["--evidence", &format!("log:{}:3-7", short(&lf))])
            .assert()
            .success();
    }
    (id, lf)
}

#[test]
fn documents_are_generated_edited_and_exported_only_when_clean() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (id, lf) = incident(&data, dir.path());
    let lf_sha = out_json(
        tftsr(&data)
            .args(["issue", "show", short(&id), "--json"])
            .assert()
            .success(),
    )["log_files"][0]["content_hash"]
        .as_str()
        .unwrap()
        .to_string();

    // RCA: --json has the document; the Markdown has every section and no logged value.
    let rca = out_json(
        tftsr(&data)
            .args(["doc", "generate", short(&id), "--kind", "rca", "--json"])
            .assert()
            .success(),
    );
    let rca_id = rca["id"].as_str().unwrap().to_string();
    assert_eq!(rca["doc_type"], "rca");
    assert_eq!(rca["issue_id"], id.as_str());
    let md = out_text(
        &tftsr(&data)
            .args(["doc", "show", short(&rca_id)])
            .assert()
            .success(),
    );
    for want in [
        "# RCA: SSH logins fail",
        "| Severity | critical |",
        "## Timeline (UTC)",
        "Incident opened",
        "Log `sshd.log` attached",
        "Cleaned copy of `sshd.log` stored",
        "## Evidence: attached logs",
        lf_sha.as_str(),
        "email 1",
        "github_token 1",
        "ipv4 ",
        "## 5 Whys",
        "1. **Why did logins fail?**",
        "3. **Why had it expired?**",
        "## Root cause\n\nno renewal job watched the CA",
        "## Action items",
        "| Address the root cause | platform-team |",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
    assert!(md.contains(&format!("log:{lf}:3-7")), "{md}");
    for p in PLANTS {
        assert!(!md.contains(p), "the RCA holds {p}");
    }
    // The description is the user's own text and is in the document: exports must catch it.
    assert!(md.contains(DESC_PLANT));

    // Post-mortem: blameless, with its own sections; plain output is the id.
    let pm = out_text(
        &tftsr(&data)
            .args(["doc", "generate", short(&id), "--kind", "postmortem"])
            .assert()
            .success(),
    )
    .trim()
    .to_string();
    let pm_md = out_text(&tftsr(&data).args(["doc", "show", &pm]).assert().success());
    for want in [
        "# Post-mortem:",
        "Blameless",
        "## Impact",
        "## Lessons learned",
    ] {
        assert!(pm_md.contains(want), "missing {want:?}");
    }
    tftsr(&data)
        .args(["doc", "generate", short(&id), "--kind", "memo"])
        .assert()
        .code(2)
        .stderr(has("not a document kind"));
    let listed = out_json(
        tftsr(&data)
            .args(["doc", "list", short(&id), "--json"])
            .assert()
            .success(),
    );
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // Export: the description's e-mail is a finding, so a plain export is refused, writes
    // nothing and names the type, never the value.
    let out_md = dir.path().join("rca.md");
    let a = tftsr(&data)
        .args([
            "doc",
            "export",
            short(&rca_id),
            "-o",
            out_md.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(has("1 finding(s) (email 1)"));
    assert!(!String::from_utf8_lossy(&a.get_output().stderr).contains(DESC_PLANT));
    assert!(!out_md.exists());
    // --redact writes it with the finding replaced.
    let r = out_json(
        tftsr(&data)
            .args([
                "doc",
                "export",
                short(&rca_id),
                "-o",
                out_md.to_str().unwrap(),
            ])
            .args(["--redact", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(r["redacted"], 1);
    let written = std::fs::read(&out_md).unwrap();
    no_plant("the exported RCA", &written);
    assert!(contains(&written, b"Reported by [Email] at 09:00"));
    assert_eq!(r["sha256"].as_str().unwrap(), sha256_file(&out_md));
    // A target that exists is never replaced.
    tftsr(&data)
        .args([
            "doc",
            "export",
            short(&rca_id),
            "-o",
            out_md.to_str().unwrap(),
        ])
        .arg("--redact")
        .assert()
        .code(2)
        .stderr(has("already exists"));
    assert_eq!(std::fs::read(&out_md).unwrap(), written);

    // Edit from a file: the planted e-mail removed, a plain export then goes through, as HTML.
    let edited = md.replace(DESC_PLANT, "the on-call engineer") + "\nEdited by hand.\n";
    let src = dir.path().join("edited.md");
    std::fs::write(&src, &edited).unwrap();
    let e = out_json(
        tftsr(&data)
            .args(["doc", "edit", short(&rca_id), "-f", src.to_str().unwrap()])
            .args(["--title", "RCA: SSH CA expiry", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(e["title"], "RCA: SSH CA expiry");
    assert!(e["updated_at"].as_i64().unwrap() >= e["created_at"].as_i64().unwrap());
    let html = dir.path().join("rca.html");
    tftsr(&data)
        .args([
            "doc",
            "export",
            short(&rca_id),
            "-o",
            html.to_str().unwrap(),
        ])
        .assert()
        .success();
    let h = std::fs::read_to_string(&html).unwrap();
    assert!(h.starts_with("<!DOCTYPE html>"), "{h}");
    assert!(h.contains("<title>RCA: SSH CA expiry</title>"), "{h}");
    assert!(
        h.contains("<table>") && h.contains("Edited by hand."),
        "{h}"
    );
    no_plant("the HTML export", h.as_bytes());

    // The store: INTEGER millisecond timestamps, as the seed says; the exports audited with
    // their hashes; the chain holds.
    let c = raw_conn(&db_in(&data), Some(&key(&data)));
    let (ty, ms): (String, i64) = c
        .query_row(
            "SELECT typeof(created_at), created_at FROM documents WHERE id = ?1",
            [&rca_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(ty, "integer");
    assert!(ms > 1_700_000_000_000, "{ms}");
    let audits = out_json(
        tftsr(&data)
            .args(["audit", "--action", "document_export", "--json"])
            .assert()
            .success(),
    );
    let shas: Vec<&str> = audits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["sha256"].as_str().unwrap())
        .collect();
    assert!(shas.contains(&sha256_file(&out_md).as_str()), "{audits}");
    assert!(shas.contains(&sha256_file(&html).as_str()), "{audits}");
    tftsr(&data).args(["audit", "verify"]).assert().success();

    // Delete asks (and without a terminal to ask on, refuses); --yes deletes.
    tftsr(&data)
        .args(["doc", "delete", &pm])
        .write_stdin("y\n")
        .assert()
        .code(2)
        .stderr(has("pass --yes"));
    tftsr(&data).args(["doc", "show", &pm]).assert().success();
    tftsr(&data)
        .args(["doc", "delete", &pm, "--yes"])
        .assert()
        .success();
    tftsr(&data)
        .args(["doc", "show", &pm])
        .assert()
        .code(2)
        .stderr(has("not found").or(has("no document")));
}

/// A unique prefix: UUID v7 ids made in the same millisecond share their first 13 characters.
fn short(id: &str) -> &str {
    &id[..id.len() - 6]
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn key(data: &Path) -> String {
    std::fs::read_to_string(data.join(".dbkey"))
        .unwrap()
        .trim()
        .to_string()
}

/// Every member of a bundle: (name, bytes).
fn members(path: &Path) -> Vec<(String, Vec<u8>)> {
    let f = std::fs::File::open(path).unwrap();
    let mut out = Vec::new();
    if path.to_string_lossy().ends_with(".zip") {
        let mut z = zip::ZipArchive::new(f).unwrap();
        for i in 0..z.len() {
            let mut m = z.by_index(i).unwrap();
            let mut b = Vec::new();
            m.read_to_end(&mut b).unwrap();
            out.push((m.name().unwrap().into_owned(), b));
        }
    } else {
        let mut t = tar::Archive::new(flate2::read::GzDecoder::new(f));
        for m in t.entries().unwrap() {
            let mut m = m.unwrap();
            let mut b = Vec::new();
            m.read_to_end(&mut b).unwrap();
            out.push((m.path().unwrap().to_string_lossy().into_owned(), b));
        }
    }
    out
}

#[test]
fn a_bundle_carries_cleaned_logs_and_documents_with_a_manifest_and_no_value() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (id, lf) = incident(&data, dir.path());
    tftsr(&data)
        .args(["doc", "generate", short(&id), "--kind", "rca"])
        .assert()
        .success();

    // The RCA holds the description's e-mail: refused until the documents are redacted.
    let zip = dir.path().join("incident.zip");
    tftsr(&data)
        .args(["issue", "export", short(&id), "-o", zip.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(has("email 1"));
    assert!(!zip.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tftsr-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let tgz = dir.path().join("incident.tar.gz");
    for path in [&zip, &tgz] {
        let r = out_json(
            tftsr(&data)
                .args(["issue", "export", short(&id), "-o", path.to_str().unwrap()])
                .args(["--redact-documents", "--json"])
                .assert()
                .success(),
        );
        assert_eq!(r["sha256"].as_str().unwrap(), sha256_file(path));
        assert_eq!(r["logs"], 1);
        assert_eq!(r["documents"], 1);
        let m = members(path);
        let names: Vec<&str> = m.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[0], "manifest.json", "{names:?}");
        assert!(names.contains(&"logs/sshd.log"), "{names:?}");
        assert!(names.iter().any(|n| n.ends_with(".md")), "{names:?}");
        assert!(names.iter().any(|n| n.ends_with(".html")), "{names:?}");
        for (n, b) in &m {
            no_plant(n, b);
        }
        // The cleaned log is the store's cleaned copy, redactions in place.
        let log = &m.iter().find(|(n, _)| n == "logs/sshd.log").unwrap().1;
        let text = String::from_utf8_lossy(log);
        assert!(text.contains("user=[Email]"), "{text}");
        assert!(text.lines().count() == 30);
        // The manifest lists every other member with its SHA-256 and size.
        let manifest: Value = serde_json::from_slice(&m[0].1).unwrap();
        assert_eq!(manifest["format"], "tftsr-bundle/1");
        assert_eq!(manifest["issue_id"], id.as_str());
        let files = manifest["files"].as_array().unwrap();
        assert_eq!(files.len(), m.len() - 1);
        for (n, b) in &m[1..] {
            let e = files.iter().find(|f| f["path"] == n.as_str()).unwrap();
            assert_eq!(e["sha256"].as_str().unwrap(), sha256_hex(b), "{n}");
            assert_eq!(e["size"].as_u64().unwrap(), b.len() as u64, "{n}");
        }
        let le = files.iter().find(|f| f["kind"] == "log").unwrap();
        assert_eq!(le["log_file_id"], lf.as_str());
        assert_eq!(le["redacted_counts"]["github_token"], 1);
        // Read back: verify holds.
        tftsr(&data)
            .args(["issue", "verify-bundle", path.to_str().unwrap()])
            .assert()
            .success()
            .stdout(has("bundle ok"));
        // An existing target is refused and left as it was.
        let before = std::fs::read(path).unwrap();
        tftsr(&data)
            .args(["issue", "export", short(&id), "-o", path.to_str().unwrap()])
            .arg("--redact-documents")
            .assert()
            .code(2)
            .stderr(has("already exists"));
        assert_eq!(std::fs::read(path).unwrap(), before);
    }

    // The audit: one issue_export and one export_redacted per bundle, with the bundle's hash.
    let audits = out_json(
        tftsr(&data)
            .args([
                "audit",
                "--issue",
                short(&id),
                "--action",
                "export_redacted",
                "--json",
            ])
            .assert()
            .success(),
    );
    let mut shas: Vec<String> = audits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["entity_id"], lf.as_str());
            e["details"]["bundle_sha256"].as_str().unwrap().to_string()
        })
        .collect();
    shas.sort();
    let mut want = vec![sha256_file(&zip), sha256_file(&tgz)];
    want.sort();
    assert_eq!(shas, want);
    let ie = out_json(
        tftsr(&data)
            .args(["audit", "--action", "issue_export", "--json"])
            .assert()
            .success(),
    );
    assert_eq!(ie.as_array().unwrap().len(), 2, "{ie}");
    tftsr(&data).args(["audit", "verify"]).assert().success();

    // A tampered bundle: the same members with one byte of the log changed.
    let m = members(&tgz);
    let bad = dir.path().join("tampered.tar.gz");
    {
        let f = std::fs::File::create(&bad).unwrap();
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        let mut t = tar::Builder::new(gz);
        for (n, b) in &m {
            let mut b = b.clone();
            if n == "logs/sshd.log" {
                b[0] ^= 0x20;
            }
            let mut h = tar::Header::new_gnu();
            h.set_size(b.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, n, &b[..]).unwrap();
        }
        t.into_inner().unwrap().finish().unwrap();
    }
    tftsr(&data)
        .args(["issue", "verify-bundle", bad.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(has("logs/sshd.log does not match its SHA-256"));
}

#[test]
fn bundle_bad_inputs_are_clear_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (id, _) = incident(&data, dir.path());

    // Unknown extension.
    let rar = dir.path().join("incident.rar");
    tftsr(&data)
        .args(["issue", "export", short(&id), "-o", rar.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(has("must end in .zip, .tar.gz or .tgz"));
    assert!(!rar.exists());

    // A directory that does not exist / cannot be written.
    let nowhere = dir.path().join("no-such-dir").join("b.zip");
    tftsr(&data)
        .args([
            "issue",
            "export",
            short(&id),
            "-o",
            nowhere.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(has("no-such-dir"));

    // An unknown id prefix.
    tftsr(&data)
        .args(["issue", "export", "ffffffff", "-o"])
        .arg(dir.path().join("x.zip"))
        .assert()
        .code(2)
        .stderr(has("ffffffff"));

    // A log attached without its cleaned copy (through the API, as an older client would):
    // the bundle is refused, naming the log.
    let issue2 = out_text(
        &tftsr(&data)
            .args(["issue", "new", "--title", "raw", "--severity", "low"])
            .assert()
            .success(),
    )
    .trim()
    .to_string();
    let store = tftsr::store::Store::open(&tftsr::store::OpenOptions {
        db_path: Some(db_in(&data)),
        encryption: Some(tftsr::store::Encryption::On),
        key: Some(key(&data)),
    })
    .unwrap();
    let lf = store
        .attach_log(
            &issue2,
            tftsr::store::NewLogFile {
                file_name: "raw.log".into(),
                file_path: "/var/log/raw.log".into(),
                file_size: 10,
                mime_type: None,
                content_hash: "0".repeat(64),
                spans: Vec::new(),
            },
        )
        .unwrap();
    drop(store);
    let z = dir.path().join("raw.zip");
    tftsr(&data)
        .args(["issue", "export", short(&issue2), "-o", z.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(has(format!("log {} (raw.log) is not redacted yet", lf.id)));
    assert!(!z.exists());
}
