//! The engine's fuzz targets (`fuzz/`: scan, redact, config) replayed on their committed seeds
//! and on every crash they ever found, with the fuzzers' own invariants.

use crate::fuzz_engine::{check_config, check_redact, check_scan};
use crate::fuzz_replay::replay;

#[test]
fn scan_seeds_and_regressions_hold_the_invariants() {
    assert!(replay("scan", check_scan) >= 5);
}

#[test]
fn redact_seeds_and_regressions_hold_the_invariants() {
    assert!(replay("redact", check_redact) >= 5);
}

#[test]
fn config_seeds_and_regressions_hold_the_invariants() {
    assert!(replay("config", check_config) >= 5);
}
