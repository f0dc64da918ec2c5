//! TFTSR: find and redact PII and secrets in log files.
//!
//! - [`engine`]: pure detection and redaction (no I/O, no async, no database, no LSP types).
//! - [`store`]: `tftsr.db`, the SQLCipher-encrypted incident store.
//! - [`lsp`]: the language server (`tftsr lsp`).
//! - [`cli`]: the `tftsr` command line.

pub mod cli;
pub mod engine;
pub mod lsp;
pub mod store;
