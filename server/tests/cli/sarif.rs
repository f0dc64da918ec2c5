//! `tftsr scan --format sarif` validates against the official SARIF 2.1.0 JSON schema.
//!
//! The schema (`tests/data/sarif-schema-2.1.0.json`) is vendored unchanged from the npm package
//! `@microsoft/jest-sarif` (see tests/data/README.md); validation uses Python's `jsonschema`
//! package (a draft-04 validator), which the project's machines have installed.

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::*;

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json")
}

/// Validates `doc` with Python `jsonschema`; Ok(()) or the validator's message.
pub fn validate(doc: &serde_json::Value, dir: &Path) -> Result<(), String> {
    let file = dir.join("candidate.sarif");
    fs::write(&file, serde_json::to_vec(doc).unwrap()).unwrap();
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  doc = json.load(open(sys.argv[2]))\n\
                  jsonschema.validators.validator_for(schema).check_schema(schema)\n\
                  errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=str)\n\
                  [print(e.message, list(e.absolute_path)) for e in errors]\n\
                  sys.exit(1 if errors else 0)\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(schema())
        .arg(&file)
        .output()
        .expect("python3 is needed to validate SARIF (pip install jsonschema)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "Python's jsonschema is needed: pip install jsonschema\n{stderr}"
    );
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}{stderr}", String::from_utf8_lossy(&out.stdout)))
    }
}

#[test]
fn sarif_output_validates_and_matches_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, planted) = planted_log();
    fs::create_dir_all(d.join("logs/sub dir")).unwrap();
    fs::write(d.join("logs/app.log"), &text).unwrap();
    fs::write(d.join("logs/sub dir/other.log"), "second ops@example.org\n").unwrap();
    let args = ["logs", "missing.log"];

    let sarif = tftsr(d)
        .args(["scan", "-f", "sarif"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(sarif.status.code(), Some(2), "the missing file is an error");
    let doc: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("one JSON document");
    validate(&doc, d).unwrap_or_else(|e| panic!("SARIF does not validate:\n{e}"));

    // The validator is not a rubber stamp: a broken copy fails.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    broken["runs"][0]["results"][1]["level"] = "info".into();
    let err = validate(&broken, d).expect_err("startLine 0 and level info are invalid");
    assert!(
        err.contains("minimum") || err.contains("less than"),
        "{err}"
    );

    let run = &doc["runs"][0];
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), 21, "one rule per built-in type");
    for id in ["email", "credit_card", "private_key", "aws_secret_key"] {
        assert!(rules.contains(&id));
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(note.contains("missing.log"));

    // Same findings as JSONL, same positions, same fingerprints.
    let jsonl = tftsr(d)
        .args(["scan", "-f", "jsonl"])
        .args(args)
        .output()
        .unwrap();
    let records = parse_jsonl(&jsonl.stdout);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), records.len());
    assert!(records.len() > planted.len());
    for (res, rec) in results.iter().zip(&records) {
        assert!(rules.contains(&res["ruleId"].as_str().unwrap()));
        assert_eq!(res["ruleId"], rec["type"]);
        let loc = &res["locations"][0]["physicalLocation"];
        let region = &loc["region"];
        assert_eq!(region["startLine"], rec["line"]);
        assert_eq!(region["startColumn"], rec["column"]);
        assert_eq!(region["endLine"], rec["end_line"]);
        assert_eq!(region["endColumn"], rec["end_column"]);
        assert_eq!(region["byteOffset"], rec["start"]);
        assert_eq!(
            region["byteLength"].as_u64().unwrap(),
            rec["end"].as_u64().unwrap() - rec["start"].as_u64().unwrap()
        );
        assert_eq!(
            res["partialFingerprints"]["tftsrValueHmac/v1"],
            rec["fingerprint"]
        );
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(uri.replace("%20", " "), rec["path"].as_str().unwrap());
        if res["ruleId"] == "email" {
            assert_eq!(res["level"], "warning");
        }
    }
    assert!(results.iter().any(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "logs/sub%20dir/other.log"
    ));
}

#[test]
fn empty_sarif_run_validates_too() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("clean.log"), "nothing here\n").unwrap();
    let out = tftsr(dir.path())
        .args(["scan", "-f", "sarif", "clean.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    validate(&doc, dir.path()).unwrap();
}
