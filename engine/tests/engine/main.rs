//! The engine's integration tests, one binary: detectors (table-driven), the API contract,
//! configuration, recall on planted values, precision on the loghub corpus, redaction styles.

#[path = "../../../tests/common/engine_plant.rs"]
mod engine_plant;
#[path = "../../../tests/common/fuzz_engine.rs"]
mod fuzz_engine;
#[path = "../../../tests/common/fuzz_replay.rs"]
mod fuzz_replay;
#[path = "../../../tests/common/peak_rss.rs"]
mod peak_rss;
#[path = "../../../tests/common/planted_text.rs"]
mod planted_text;

mod api;
mod bytes;
mod catalog;
mod config;
mod fuzz_targets;
mod memory;
mod peer_suites;
mod properties;
mod purity;
mod real_logs;
mod recall;
mod redact;
