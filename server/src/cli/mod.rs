//! The `tftsr` command line: thin translation from arguments to the operations of `app` (and the
//! store and server), and from their results to output.

use clap::{Parser, Subcommand};

pub mod ai;
pub mod audit;
pub mod bug;
pub mod confirm;
pub mod db;
pub mod doc;
pub mod issue;
pub mod lsp;
pub mod output;
pub mod redact;
pub mod redact_jsonl;
pub mod scan;
pub mod select;
pub mod types;
pub mod walk;
pub mod why;

#[derive(Parser, Debug)]
#[command(
    name = "tftsr",
    version,
    about = "Find and redact PII and secrets in log files",
    long_about = "TFTSR finds e-mail addresses, IPs, card numbers, tokens, passwords and private keys \
                  in log files, redacts them, and files cleaned logs against incidents in a local, \
                  encrypted store."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Report PII and secrets in files, directories or stdin (exit 0 none, 1 findings, 2 error)
    Scan(scan::Args),
    /// Write a redacted copy of a log (streaming, bounded memory)
    Redact(redact::Args),
    /// Incidents in the encrypted store: new, list, show, update, search, attach, delete
    #[command(subcommand)]
    Issue(issue::Command),
    /// The 5-Whys of an incident: add, list, edit, move, delete
    #[command(subcommand)]
    Why(why::Command),
    /// RCA and post-mortem documents: generate, list, show, edit, export, delete
    #[command(subcommand)]
    Doc(doc::Command),
    /// The audit trail of the store (filters; `verify` checks its hash chain)
    Audit(audit::Args),
    /// The store itself: path, check, encrypt, rekey, export
    #[command(subcommand)]
    Db(db::Command),
    /// AI assistance on an incident; every request redacted first: ask, list, show, delete …
    #[command(subcommand)]
    Ai(ai::Command),
    /// Run the language server on stdio
    Lsp(lsp::Args),
    /// The built-in finding types: id, family, severity, tag, label
    Types(types::Args),
}

/// Entry point: parses arguments, runs the command, maps errors to exit status 2.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Scan(a) => scan::run(a),
        Command::Redact(a) => redact::run(a),
        Command::Issue(c) => issue::run(c),
        Command::Why(c) => why::run(c),
        Command::Doc(c) => doc::run(c),
        Command::Audit(a) => audit::run(a),
        Command::Db(c) => db::run(c),
        Command::Ai(c) => ai::run(c),
        Command::Lsp(a) => lsp::run(a),
        Command::Types(a) => types::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tftsr: error: {e:#}");
            2
        }
    }
}
