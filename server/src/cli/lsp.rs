//! `tftsr lsp`: the language server on stdio.

use tracing_subscriber::prelude::*;
use tracing_subscriber::{reload, EnvFilter};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print the version and exit
    #[arg(long)]
    pub version: bool,
    /// Server log level on stderr (error, warn, info, debug, trace); the `logLevel` setting
    /// changes it at run time. The log never holds document text or matched values. The default,
    /// warn, keeps stderr quiet in normal work: clients file every stderr line as an error
    /// (Neovim's lsp.log under [ERROR]); what a user must see goes to window/showMessage.
    #[arg(long, value_name = "LEVEL", default_value = "warn", value_parser = ["error", "warn", "info", "debug", "trace"])]
    pub log_level: String,
    /// Accepted for editor clients that pass it (vscode-languageclient); stdio is the only transport.
    #[arg(long, hide = true)]
    pub stdio: bool,
}

fn filter(level: &str) -> EnvFilter {
    // Only our own crate logs at the chosen level; dependencies stay at warn.
    EnvFilter::new(format!("warn,tftsr={level}"))
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.version {
        println!("tftsr-lsp {}", env!("CARGO_PKG_VERSION"));
        return Ok(0);
    }
    let (layer, handle) = reload::Layer::new(filter(&args.log_level));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    // A second `tftsr lsp` in one process (tests) must not fail on the global subscriber.
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(fmt)
        .try_init();
    let reload: crate::lsp::LogReload = Box::new(move |level: &str| {
        let _ = handle.modify(|f| *f = filter(level));
    });
    crate::lsp::run_stdio(Some(reload))
}
