//! The server's fuzz targets (`fuzz/`: position, lsp_document, lsp_transport) replayed on their
//! committed seeds and on every crash they ever found, with the fuzzers' own invariants. The
//! transport sessions go to the real `tftsr lsp` over stdio (the fuzzer runs the same server
//! in its own process).

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use crate::fuzz_replay::{inputs, replay};
use crate::fuzz_server::{check_document, check_position, lsp_session, verify_session};

#[test]
fn position_seeds_and_regressions_hold_the_invariants() {
    assert!(replay("position", check_position) >= 5);
}

#[test]
fn document_seeds_and_regressions_hold_the_invariants() {
    assert!(replay("lsp_document", check_document) >= 5);
}

#[test]
fn transport_seeds_and_regressions_hold_the_invariants_on_the_real_server() {
    let data_dir = tempfile::tempdir().unwrap();
    let sessions: Vec<_> = inputs("lsp_transport")
        .into_iter()
        .filter_map(|(path, bytes)| lsp_session(&bytes).map(|s| (path, s)))
        .collect();
    assert!(sessions.len() >= 5, "{} sessions", sessions.len());
    // All servers at once: each one's shutdown grace period then overlaps the others'.
    let runs: Vec<_> = sessions
        .into_iter()
        .map(|(path, s)| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_tftsr"));
            let mut child = crate::lsp_client::child_env::scrub(&mut child)
                .arg("lsp")
                .env("TFTSR_DATA_DIR", data_dir.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let input = s.input.clone();
            // The server may stop reading (`exit` inside the bytes): a write error is fine.
            let writer = std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
            (path, s, child, writer)
        })
        .collect();
    let mut failed = Vec::new();
    for (path, s, mut child, writer) in runs {
        let mut out = Vec::new();
        child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
        writer.join().unwrap();
        let status = child.wait().unwrap();
        let ok = status.code().is_some()
            && std::panic::catch_unwind(|| verify_session(&s, &out)).is_ok();
        if !ok {
            failed.push(format!("{} ({status})", path.display()));
        }
    }
    assert!(
        failed.is_empty(),
        "sessions that break the invariants: {failed:#?}"
    );
}
