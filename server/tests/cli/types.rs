//! `tftsr types` on the real binary, and every other place that lists type ids agrees with the
//! engine's catalog: the `scan --help` list, the README's type table, the VS Code extension's
//! settings enums and its list of finding types.

use crate::support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use support::*;
use tftsr::engine::{PiiType, RULES};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn catalog_ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.id).collect()
}

fn run(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = tftsr(dir.path()).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn types_json_lists_the_catalog() {
    let v: serde_json::Value = serde_json::from_str(&run(&["types", "--json"])).unwrap();
    let arr = v.as_array().expect("a JSON array");
    assert_eq!(arr.len(), RULES.len());
    for (o, r) in arr.iter().zip(RULES.iter()) {
        assert_eq!(o["id"], r.id);
        assert_eq!(o["label"], r.label);
        assert_eq!(o["family"], r.family.id());
        assert_eq!(o["severity"], r.severity.as_str());
        assert_eq!(o["tag"], r.tag);
        for k in ["id", "label", "family", "severity", "tag"] {
            assert!(!o[k].as_str().unwrap().is_empty(), "{}: {k}", r.id);
        }
    }
    let families: BTreeSet<&str> = arr.iter().map(|o| o["family"].as_str().unwrap()).collect();
    assert_eq!(
        families,
        BTreeSet::from(["credential", "network", "pii", "provider_token"])
    );
}

#[test]
fn types_text_has_one_line_per_type() {
    let out = run(&["types"]);
    let ids: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(ids, catalog_ids());
    assert!(out.contains("[Email]") && out.contains("Email address"));
}

#[test]
fn readme_type_table_is_the_generated_one() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let begin = readme.find("<!-- types:begin").expect("types:begin marker");
    let begin = begin + readme[begin..].find('\n').unwrap() + 1;
    let end = readme.find("<!-- types:end -->").expect("types:end marker");
    let want = run(&["types", "--markdown"]);
    assert_eq!(
        &readme[begin..end],
        want,
        "README.md's type table: regenerate it with `tftsr types --markdown`"
    );
}

#[test]
fn scan_help_lists_every_type() {
    let help = run(&["scan", "--help"]);
    let tail = &help[help.find("Types (").expect("a Types section")..];
    let listed: BTreeSet<&str> = tail
        .lines()
        .skip(1)
        .flat_map(str::split_whitespace)
        .collect();
    for t in PiiType::ALL {
        assert!(listed.contains(t.id()), "`scan --help` lacks {}", t.id());
    }
}

/// Every enum of type ids in the extension's manifest (the `enabledTypes` / `disabledTypes`
/// settings) and its `FINDING_TYPES` list hold exactly the catalog's ids.
#[test]
fn vscode_extension_lists_the_catalog_ids() {
    let want: BTreeSet<&str> = catalog_ids().into_iter().collect();
    let manifest = std::fs::read_to_string(repo().join("vscode-extension/package.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let mut enums = Vec::new();
    fn walk<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a Vec<serde_json::Value>>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if let (true, Some(a)) = (k == "enum", x.as_array()) {
                        out.push(a);
                    }
                    walk(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&v, &mut enums);
    let type_enums: Vec<BTreeSet<&str>> = enums
        .iter()
        .filter(|a| a.iter().any(|x| x == "email"))
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .collect();
    for e in &type_enums {
        assert_eq!(
            e, &want,
            "vscode-extension/package.json: a type enum differs"
        );
    }
    let ts = repo().join("vscode-extension/src/settings.ts");
    if let Ok(src) = std::fs::read_to_string(&ts) {
        if let Some(p) = src.find("FINDING_TYPES = [") {
            let body = &src[p..p + src[p..].find(']').unwrap()];
            let listed: BTreeSet<&str> = body
                .split('\'')
                .skip(1)
                .step_by(2)
                .filter(|s| !s.is_empty())
                .collect();
            assert_eq!(
                listed, want,
                "vscode-extension/src/settings.ts FINDING_TYPES"
            );
        }
    }
}
