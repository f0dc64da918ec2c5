//! Shared helpers of the `cli_*` integration tests: the real `tftsr` binary, real loghub lines,
//! and an independent oracle for positions (so a test does not reuse the code it checks).
#![allow(dead_code)]

#[path = "../../../tests/common/child_env.rs"]
pub mod child_env;
#[path = "../../../tests/common/corpus.rs"]
pub mod corpus;
#[path = "../../../tests/common/peak_rss.rs"]
pub mod peak_rss;
#[path = "../../../tests/common/progress.rs"]
pub mod progress;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The real binary, with the store pointed into `data_dir` so no test touches the user's data,
/// and none of the caller's own `TFTSR_*` settings.
pub fn tftsr(data_dir: &Path) -> Command {
    Command::from_std(tftsr_std(data_dir))
}

/// [`tftsr`] as a `std::process::Command`, for [`progress::output`] and `spawn`.
pub fn tftsr_std(data_dir: &Path) -> std::process::Command {
    child_env::assert_no_config_above_temp();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("tftsr"));
    child_env::scrub(&mut cmd)
        .env("TFTSR_DATA_DIR", data_dir)
        .current_dir(data_dir);
    cmd
}

/// `shared/corpus/loghub` beside the checkout (CI lays `shared/` next to the clone).
pub fn corpus_dir() -> PathBuf {
    corpus::loghub_dir()
}

/// The first `n` lines of a loghub log, without their line ends.
pub fn corpus_lines(file: &str, n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(corpus_dir().join(file)).expect("corpus file");
    text.lines().take(n).map(str::to_owned).collect()
}

/// 1-based (line, column in chars) of a byte offset, computed the slow obvious way.
pub fn pos_of(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() as u64 + 1;
    (line, column)
}

/// A log built from real loghub lines (OpenSSH, Apache, HDFS) with e-mail addresses planted at
/// the start, middle and end of lines, after accented, CJK and emoji text. Returns the text and
/// each planted value with its byte offset.
pub fn planted_log() -> (String, Vec<(String, usize)>) {
    let mut lines: Vec<String> = Vec::new();
    lines.extend(corpus_lines("OpenSSH_2k.log", 20));
    lines.extend(corpus_lines("Apache_2k.log", 20));
    lines.extend(corpus_lines("HDFS_2k.log", 20));
    let plants: [(usize, &str, &str); 6] = [
        (0, "user=", "alice.smith@example.com"),
        (7, "notify ", "ops-team+alerts@corp.example.org"),
        (15, "é café 日本語 😀 contact ", "bob@example.net"),
        (26, "", "zoe.o@example.co.uk"),
        (41, "reply-to: ", "carol_99@mail.example.com"),
        (59, "last ", "dave@example.io"),
    ];
    let mut text = String::new();
    let mut planted = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let plant = plants.iter().find(|p| p.0 == i);
        match plant {
            // Planted after a third of the original line, so it sits mid-line.
            Some((_, prefix, value)) => {
                let cut = line
                    .char_indices()
                    .nth(line.chars().count() / 3)
                    .map_or(line.len(), |(b, _)| b);
                text.push_str(&line[..cut]);
                text.push(' ');
                text.push_str(prefix);
                planted.push((value.to_string(), text.len()));
                text.push_str(value);
                text.push(' ');
                text.push_str(&line[cut..]);
            }
            None => text.push_str(line),
        }
        text.push('\n');
    }
    (text, planted)
}

pub fn parse_jsonl(stdout: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(stdout)
        .expect("jsonl is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// The fingerprint of `value` under the user key the binary created in `data_dir`
/// (`fingerprint.key`), computed here with the engine's keyed function.
pub fn user_fingerprint(data_dir: &Path, value: &str) -> String {
    let hex_key = std::fs::read_to_string(data_dir.join("fingerprint.key")).expect("user key");
    let mut key = [0u8; 32];
    hex::decode_to_slice(hex_key.trim(), &mut key).expect("64 hex digits");
    tftsr::engine::FingerprintKey::new(key).fingerprint(value)
}
