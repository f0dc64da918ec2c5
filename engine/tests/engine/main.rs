//! The engine's integration tests, one binary: detectors (table-driven), the API contract,
//! configuration, recall on planted values, precision on the loghub corpus, redaction styles.

#[path = "../../../tests/common/engine_plant.rs"]
mod engine_plant;

mod api;
mod bytes;
mod catalog;
mod config;
mod memory;
mod purity;
mod real_logs;
mod recall;
mod redact;
