//! The store, one binary: the API on real SQLCipher files, the schema against the seed, crypto,
//! failures (wrong key, full disk, read-only), concurrency, SIGKILL mid-attach, the CLI.

#[path = "../common/store_helpers.rs"]
mod helpers;

#[path = "../../../tests/common/corpus.rs"]
mod corpus;

mod api;
mod attach_kill;
mod attach_memory;
mod audit_chain;
mod cli;
mod cli_workflow;
mod concurrency;
mod crypto;
mod damage;
mod documents_bundle;
mod escaping;
mod failures;
mod first_open;
mod rekey_kill;
mod review;
mod schema;
mod search;
mod smoke;
mod workflow;
