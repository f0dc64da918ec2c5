//! `tftsr audit`: the store's append-only audit trail, newest first, filtered; `tftsr audit
//! verify` checks its hash chain.

use std::io::Write;

use super::db::open_store;
use super::escape::name;
use crate::app::incident;

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Entries about this incident (id or unique prefix; a deleted incident's id works too)
    #[arg(long)]
    pub issue: Option<String>,
    /// Entries with this action (e.g. log_attach, db_export, ai_send)
    #[arg(long)]
    pub action: Option<String>,
    /// Entries since YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (UTC), or a span back from now: 30m, 12h, 7d
    #[arg(long)]
    pub since: Option<String>,
    /// At most this many entries (0 = all)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Check the audit chain: exit 0 when it holds, 1 with the first broken link named
    Verify(VerifyArgs),
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let s = open_store()?;
    if let Some(Command::Verify(v)) = args.command {
        let r = incident::audit_verify(&s)?;
        let mut out = std::io::stdout().lock();
        if v.json {
            serde_json::to_writer_pretty(&mut out, &r)?;
            writeln!(out)?;
        } else if r.ok {
            writeln!(
                out,
                "audit chain ok: {} link(s); head {}",
                r.links,
                name(r.head.as_deref().unwrap_or("(empty)"))
            )?;
        } else if let Some(b) = &r.first_broken {
            writeln!(out, "audit chain BROKEN at {}", name(&b.to_string()))?;
            writeln!(out, "{} link(s) verified before it", r.links)?;
        }
        return Ok(if r.ok { 0 } else { 1 });
    }
    let v = incident::audit_query(
        &s,
        args.issue.as_deref(),
        args.action.as_deref(),
        args.since.as_deref(),
        args.limit,
    )?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else if v.is_empty() {
        eprintln!("no audit entries");
    } else {
        for e in &v {
            // One entry, one line: the ids and details come from the store (an extension or a
            // damaged file may have put anything there); JSON escapes only C0 controls.
            let details = e
                .details
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default();
            writeln!(
                out,
                "{}  {:<19} {:<15} {}  {}",
                name(&e.timestamp),
                name(&e.action),
                name(&e.entity_type),
                name(&e.entity_id),
                name(&details)
            )?;
        }
    }
    Ok(0)
}
