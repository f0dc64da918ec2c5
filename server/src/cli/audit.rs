//! `tftsr audit`: the store's append-only audit trail, newest first.

use std::io::Write;

use super::db::open_store;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// At most this many entries (0 = all)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let s = open_store()?;
    let v = s.audit_log(args.limit)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else if v.is_empty() {
        eprintln!("the audit log is empty");
    } else {
        for e in &v {
            writeln!(
                out,
                "{}  {:<18} {:<9} {}  {}",
                e.timestamp,
                e.action,
                e.entity_type,
                e.entity_id,
                e.details
                    .as_ref()
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            )?;
        }
    }
    Ok(0)
}
