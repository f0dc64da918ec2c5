//! `tftsr db …`.

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Placeholder
    Todo,
}

pub fn run(_cmd: Command) -> anyhow::Result<i32> {
    anyhow::bail!("`tftsr db` is not implemented yet")
}
