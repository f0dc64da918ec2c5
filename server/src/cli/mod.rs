//! The `tftsr` command line: thin translation from arguments to the operations of `app` (and the
//! store and server), and from their results to output.

use clap::{FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;

pub mod ai;
pub mod audit;
pub mod baseline;
pub mod bug;
pub mod completions;
pub mod config;
pub mod confirm;
pub mod db;
pub mod doc;
pub mod escape;
pub mod fingerprint;
pub mod help;
pub mod issue;
pub mod lsp;
pub mod output;
pub mod progress;
pub mod redact;
pub mod redact_diff;
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
    /// Where the store (tftsr.db), its key file and fingerprint.key live, for this run and every
    /// command (default: $TFTSR_DATA_DIR, else ~/.local/share/tftsr)
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

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
    /// Print the fingerprint of values read from stdin (for allowlists)
    Fingerprint(fingerprint::Args),
    /// The built-in finding types: id, family, severity, tag, label
    Types(types::Args),
    /// Record today's findings so `scan --baseline FILE` reports only new ones: create
    #[command(subcommand)]
    Baseline(baseline::Command),
    /// The effective configuration and where it came from (show), or validate a .tftsr.toml (check)
    #[command(subcommand)]
    Config(config::Command),
    /// Print a shell completion script: bash, zsh, fish, powershell, elvish
    Completions(completions::CompletionsArgs),
    /// Print the manual page tftsr(1) (or write a page per command with --out-dir)
    Man(completions::ManArgs),
}

/// Entry point: parses arguments, runs the command, maps errors to exit status 2.
pub fn main() -> i32 {
    bug::install_panic_hook();
    let parsed = help::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            if !e.use_stderr() {
                let _ = e.print(); // --help, --version
                return 0;
            }
            match without_values(&e) {
                Some(msg) => {
                    eprintln!("tftsr: error: {msg}\n\nFor more information, try '--help'.")
                }
                None => {
                    let _ = e.print();
                }
            }
            return 2;
        }
    };
    if let Some(dir) = &cli.data_dir {
        if let Err(e) = crate::store::set_data_dir(dir) {
            eprintln!("tftsr: error: --data-dir: {e}");
            return 2;
        }
    }
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
        Command::Fingerprint(a) => fingerprint::run(a),
        Command::Types(a) => types::run(a),
        Command::Config(c) => config::run(c),
        Command::Baseline(c) => baseline::run(c),
        Command::Completions(a) => completions::completions(a),
        Command::Man(a) => completions::man(a),
    };
    match result {
        Ok(code) => code,
        // The reader of our output went away (`tftsr redact app.log | head`): what it wanted it
        // got, and nobody is left to read an error. Quiet, status 0, as ripgrep does (`scan`
        // says 1 itself: it was printing findings).
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e) => {
            // Error messages name files and issues: escaped on one line, so a name can neither
            // drive the terminal nor start a line of its own.
            eprintln!("tftsr: error: {}", escape::name(&chain(&e)));
            2
        }
    }
}

/// Whether the error is, or was caused by, a write into a closed pipe (also inside a JSON
/// writer's error: `--json` output goes through serde_json, whose error wraps the io error
/// without exposing it as a cause).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(BrokenPipe))
    })
}

/// clap's message for a bad value or an unexpected argument quotes what was typed, which may be a
/// secret pasted into the wrong place (`tftsr issue new "password hunter2"`). This says which
/// argument was wrong and what it accepts, never what was in it. None: clap's message is safe.
fn without_values(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let arg = e
        .get(ContextKind::InvalidArg)
        .map_or_else(|| "an argument".to_owned(), |a| format!("`{a}`"));
    let valid = match e.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(v)) if !v.is_empty() => {
            format!(" (possible values: {})", v.join(", "))
        }
        _ => String::new(),
    };
    let suggestion = match e.get(ContextKind::SuggestedArg) {
        Some(ContextValue::String(s)) => format!(" (did you mean `{s}`?)"),
        _ => String::new(),
    };
    match e.kind() {
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            Some(format!("invalid value for {arg}{valid}"))
        }
        ErrorKind::UnknownArgument => Some(format!("unexpected argument{suggestion}")),
        ErrorKind::InvalidSubcommand => Some(format!("unknown command{suggestion}")),
        _ => None,
    }
}

/// The error and its causes, `: `-separated, without repeating a cause that a message already
/// ends with (errors that name their cause in their own text, as ours do).
fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
