//! The `tftsr` command line, one binary: the real binary on real loghub lines (scan, redact and
//! its styles, SARIF, the bundled example, bounded memory), and configuration files on disk.

// Planted values for the property tests; it loads the corpus locator a second time.
#[allow(clippy::duplicate_mod)]
#[path = "../../../tests/common/engine_plant.rs"]
mod engine_plant;
#[path = "../common/fake_ai.rs"]
mod fake_ai;
#[path = "../../../tests/common/fuzz_engine.rs"]
mod fuzz_engine;
#[path = "../../../tests/common/fuzz_replay.rs"]
mod fuzz_replay;
#[path = "../../../tests/common/fuzz_server.rs"]
mod fuzz_server;
#[path = "../../../tests/common/planted_text.rs"]
mod planted_text;
#[path = "../common/cli_support.rs"]
mod support;

mod ai;
mod baseline;
mod binary;
mod broken_pipe;
mod completions;
mod config;
mod config_cmd;
mod data_dir;
mod errors;
mod escaping;
mod examples;
mod fingerprints;
mod fuzz_targets;
mod help;
mod precommit;
mod progress_bar;
mod properties;
mod redact;
mod redact_bytes;
mod redact_files;
mod redact_jsonl;
mod redact_memory;
mod redact_modes;
mod redact_preview;
mod redact_styles;
mod sarif;
mod scan;
mod scan_listing;
mod trust;
mod types;
