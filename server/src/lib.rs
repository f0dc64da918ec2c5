//! TFTSR: find and redact PII and secrets in log files.
//!
//! - [`engine`]: pure detection and redaction (no I/O, no async, no database, no LSP types): the
//!   `tftsr-engine` crate of the workspace, re-exported here.
//! - [`app`]: the operations the CLI and the language server share (configuration files …).
//! - [`store`]: `tftsr.db`, the SQLCipher-encrypted incident store.
//! - [`lsp`]: the language server (`tftsr lsp`).
//! - [`cli`]: the `tftsr` command line.

pub mod app;
pub mod cli;
pub use tftsr_engine as engine;
pub mod lsp;
pub mod store;
