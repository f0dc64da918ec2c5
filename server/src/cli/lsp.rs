//! `tftsr lsp`.

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`tftsr lsp` is not implemented yet")
}
