//! The use-case layer: synchronous operations that the CLI and the language server both need,
//! written once here. No clap, LSP or tokio types: callers translate their arguments in and the
//! results out.
//!
//! - `input`: opening an input (file, stdin, gzip) and scanning it as a stream of chunks;
//! - `engines`: which configuration and engine scan an input, and the type filter;
//! - `config`: `.tftsr.toml` files (discover, load, add an allowlist fingerprint);
//! - `fingerprint`: the key of value fingerprints (environment, workspace, user);
//! - `redact`: redacting an input into a stream or an atomically written file;
//! - `jsonl`: redacting fields of JSON lines (the log-shipper filter);
//! - `escape`: control characters in human-readable text (file names, titles) made visible;
//! - `output`: atomic file output (temp file, fsync, rename, permissions);
//! - `attach`: attaching a log to an issue;
//! - `review`: attach after a per-finding review (accept / reject), one transaction;
//! - `limits`: a size cap, progress and cancellation for the editor's long file commands;
//! - `keys`: opening the store, the secret a redaction style needs;
//! - `ai`: AI assistance (providers, the redaction guarantee, conversations, use-cases);
//! - `trust`: which parts of a configuration apply (a scanned tree must not weaken its scan);
//! - `bundle`: the shareable incident archive (export, verify);
//! - `documents`: RCA and post-mortem documents (generate, edit, export after a scan);
//! - `incident`: the incident workflow (attach with the cleaned copy, finalize, status, 5-Whys,
//!   audit filters and verification).

pub mod ai;
pub mod attach;
pub mod bundle;
pub mod config;
pub mod documents;
pub mod engines;
pub mod escape;
pub mod fingerprint;
pub mod incident;
pub mod input;
pub mod jsonl;
pub mod keys;
pub mod limits;
pub mod output;
pub mod redact;
pub mod review;
pub mod trust;
