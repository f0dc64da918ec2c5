//! The store, one binary: the API on real SQLCipher files, the schema against the seed, crypto,
//! failures (wrong key, full disk, read-only), concurrency, SIGKILL mid-attach, the CLI.

#[path = "../common/store_helpers.rs"]
mod helpers;

mod api;
mod attach_kill;
mod cli;
mod concurrency;
mod crypto;
mod failures;
mod first_open;
mod schema;
mod smoke;
