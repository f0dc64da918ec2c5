//! The language server, one binary: the real `tftsr lsp` over stdio (documents, diagnostics,
//! code actions, configuration, robustness, the store).

#[path = "../common/lsp_client.rs"]
mod lsp_client;

mod attach_parity;
mod basic;
mod config;
mod robust;
mod store;
