//! `tftsr fingerprint`: the fingerprint of values read from stdin, as `scan` would report them
//! (keyed, see `app::fingerprint`): to allowlist a value without writing it into `.tftsr.toml`.
//! Values come from stdin, never from arguments, so they stay out of shell history and `ps`.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::bail;

use crate::app::engines::Engines;
use crate::app::fingerprint::KeySource;
use crate::app::input::Source;
use crate::app::trust::TrustContext;

const EXAMPLES: &str = "\
Examples:
  printf '%s\\n' noreply@example.com | tftsr fingerprint      one line, one fingerprint
  tftsr fingerprint --whole < key.pem                       the whole input is one value

The key: TFTSR_FINGERPRINT_KEY, else .tftsr.key beside the configuration in use, else your own
key in the data directory (see docs/cli.md, \"Fingerprints\").";

#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// All of stdin is one value (default: each line is a value, its line end not included)
    #[arg(long)]
    pub whole: bool,

    /// Configuration whose key applies (default: the nearest .tftsr.toml above the current directory)
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if io::stdin().is_terminal() {
        bail!("give the values on stdin (`printf '%s\\n' VALUE | tftsr fingerprint`)");
    }
    // The key of the project tftsr runs in: stdin brings no configuration of its own.
    let mut engines = Engines::new(args.config, TrustContext::for_inputs(false, &[]));
    let cfg = engines.config_path_for(&Source::Stdin)?;
    let engine = engines.engine(&cfg)?;
    if let Some(KeySource::Ephemeral { why }) = engines.key_sources.first() {
        bail!("no fingerprint key ({why}): set TFTSR_FINGERPRINT_KEY or create .tftsr.key");
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut stdin = io::stdin().lock();
    if args.whole {
        let mut v = Vec::new();
        stdin.read_to_end(&mut v)?;
        writeln!(out, "{}", engine.fingerprint(&String::from_utf8_lossy(&v)))?;
        return Ok(0);
    }
    let mut line = Vec::new();
    while stdin.read_until(b'\n', &mut line)? > 0 {
        let v = line.strip_suffix(b"\n").unwrap_or(&line);
        let v = v.strip_suffix(b"\r").unwrap_or(v);
        writeln!(out, "{}", engine.fingerprint(&String::from_utf8_lossy(v)))?;
        line.clear();
    }
    Ok(0)
}
