//! Replays fuzz inputs through the fuzzers' own checks in the normal test suite: the committed
//! seeds (`fuzz/seeds/<target>/`) and every crash the fuzzer found (`fuzz/regressions/<target>/`,
//! named for what broke). A crash file added there stays a test for good.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `fuzz/` of this repository (tests run with the crate directory as `CARGO_MANIFEST_DIR`).
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The seed and regression files of a target, sorted; the seeds must exist.
pub fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for kind in ["seeds", "regressions"] {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(rd) = std::fs::read_dir(&dir) else {
            assert!(kind == "regressions", "{} is missing", dir.display());
            continue;
        };
        let mut files: Vec<PathBuf> = rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            out.push((f, bytes));
        }
    }
    assert!(!out.is_empty(), "no inputs for fuzz target {target}");
    out
}

/// Runs `check` on every input of `target`; fails naming each input that broke an invariant.
pub fn replay(target: &str, check: impl Fn(&[u8]) + std::panic::RefUnwindSafe) -> usize {
    let all = inputs(target);
    let mut failed = Vec::new();
    for (path, bytes) in &all {
        if std::panic::catch_unwind(|| check(bytes)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "fuzz target {target}: inputs that break its invariants: {failed:#?}"
    );
    all.len()
}
