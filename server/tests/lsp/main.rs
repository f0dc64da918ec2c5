//! The language server, one binary: the real `tftsr lsp` over stdio (documents, diagnostics,
//! code actions, configuration, robustness, the store) and the document model it runs.

// (it brings its own copy of the corpus locator, as lsp_client does)
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
#[path = "../common/lsp_client.rs"]
mod lsp_client;
#[path = "../../../tests/common/planted_text.rs"]
mod planted_text;

mod ai;
mod attach_memory;
mod attach_parity;
mod basic;
mod commands;
mod config;
mod edit_model;
mod edits;
mod escaping;
mod file_commands;
mod fuzz_targets;
mod incident;
mod incremental;
mod properties;
mod robust;
mod store;
mod trust;
mod typing;
