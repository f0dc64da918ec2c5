//! The `gzip_input` fuzz target (`fuzz/`) replayed on its committed seeds and on every crash it
//! ever found: the CLI's input path (gzip detection, decoding, chunked streaming).

use crate::fuzz_replay::replay;
use crate::fuzz_server::check_gzip;

#[test]
fn gzip_input_seeds_and_regressions_hold_the_invariants() {
    assert!(replay("gzip_input", check_gzip) >= 5);
}
