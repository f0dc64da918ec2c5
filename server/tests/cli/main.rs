//! The `tftsr` command line, one binary: the real binary on real loghub lines (scan, redact and
//! its styles, SARIF, the bundled example, bounded memory), and configuration files on disk.

#[path = "../common/cli_support.rs"]
mod support;

mod config;
mod examples;
mod redact;
mod redact_bytes;
mod redact_jsonl;
mod redact_memory;
mod redact_styles;
mod sarif;
mod scan;
mod types;
