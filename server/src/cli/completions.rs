//! `tftsr completions SHELL` and `tftsr man`: shell completions and manual pages generated from
//! the same clap definition as the parser (clap_complete, clap_mangen), so they never drift from
//! the real options.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  tftsr completions bash > ~/.local/share/bash-completion/completions/tftsr
  tftsr completions zsh > \"${fpath[1]}/_tftsr\"        (a directory on $fpath)
  tftsr completions fish > ~/.config/fish/completions/tftsr.fish
  tftsr completions powershell >> $PROFILE
  tftsr completions elvish > ~/.config/elvish/lib/tftsr.elv

The script completes every command, option and fixed value (formats, styles, type ids are
typed freely) of this version of tftsr: regenerate it after an upgrade.";

const MAN_EXAMPLES: &str = "\
Examples:
  tftsr man | man -l -                 read tftsr(1) now
  tftsr man > ~/.local/share/man/man1/tftsr.1
  tftsr man --out-dir ~/.local/share/man/man1   tftsr.1 and one page per command
                                                (tftsr-scan.1, tftsr-issue-new.1 …)";

#[derive(clap::Args, Debug)]
#[command(after_long_help = COMPLETIONS_EXAMPLES)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
#[command(after_long_help = MAN_EXAMPLES)]
pub struct ManArgs {
    /// Write tftsr.1 and a page per command (tftsr-scan.1 …) into this directory instead of
    /// printing tftsr.1 to stdout
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> anyhow::Result<i32> {
    let mut cmd = super::help::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "tftsr", &mut buf);
    // Written here, not by clap_complete (which panics on a closed stdout).
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(0)
}

pub fn man(args: ManArgs) -> anyhow::Result<i32> {
    let cmd = super::help::command();
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write the pages into {}", dir.display()))?;
            eprintln!(
                "tftsr: manual pages written into {}",
                super::escape::name(&dir.display().to_string())
            );
        }
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    Ok(0)
}
