//! The language server, one binary: the real `tftsr lsp` over stdio (documents, diagnostics,
//! code actions, configuration, robustness, the store) and the document model it runs.

// (it brings its own copy of the corpus locator, as lsp_client does)
#[allow(clippy::duplicate_mod)]
#[path = "../../../tests/common/engine_plant.rs"]
mod engine_plant;
#[path = "../common/lsp_client.rs"]
mod lsp_client;

mod attach_parity;
mod basic;
mod commands;
mod config;
mod edit_model;
mod edits;
mod incremental;
mod robust;
mod store;
mod typing;
