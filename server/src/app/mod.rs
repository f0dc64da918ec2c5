//! The use-case layer: synchronous operations that the CLI and the language server both need,
//! written once here. No clap, LSP or tokio types: callers translate their arguments in and the
//! results out.

pub mod config;
