//! `tftsr types`: the built-in finding types, from the engine's catalog.

use std::io::Write;

use crate::engine::{PiiType, RULES};

const EXAMPLES: &str = "\
Examples:
  tftsr types                      id, family, severity, tag and label of every type
  tftsr types --json               the same as a JSON array (for scripts and editor settings)
  tftsr types --markdown           the README's type table

Type ids are stable: they are the diagnostic code in editors, `type` in JSONL and SARIF, and
the keys of --types, --exclude-types, [types] and [severity] in .tftsr.toml.";

#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// A JSON array of objects: id, label, family, severity, tag, checks
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// A Markdown table (what the README shows)
    #[arg(long)]
    pub markdown: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &json())?;
        writeln!(out)?;
    } else if args.markdown {
        out.write_all(markdown().as_bytes())?;
    } else {
        let w = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for r in &RULES {
            writeln!(
                out,
                "{:<w$}  {:<14}  {:<11}  {:<15}  {}",
                r.id,
                r.family.id(),
                r.severity.as_str(),
                r.tag,
                r.label
            )?;
        }
    }
    out.flush()?;
    Ok(0)
}

/// Every built-in type as JSON objects (the `tftsr types --json` contract: at least `id`,
/// `label`, `family`, `severity`, `tag`).
pub fn json() -> serde_json::Value {
    RULES
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "label": r.label,
                "family": r.family.id(),
                "severity": r.severity.as_str(),
                "tag": r.tag,
                "checks": r.checks,
            })
        })
        .collect()
}

/// The README's type table.
pub fn markdown() -> String {
    let mut s = String::from(
        "| id | label | family | default severity | tag | what is checked |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for r in &RULES {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | `{}` | {} |\n",
            r.id,
            r.label,
            r.family.id(),
            r.severity.as_str(),
            r.tag,
            r.checks.replace('|', "\\|")
        ));
    }
    s
}

/// The type ids for the `--types` help, wrapped to `width` columns.
pub fn ids_help(width: usize) -> String {
    let mut lines = vec![String::new()];
    for t in PiiType::ALL {
        let line = lines.last_mut().expect("a line");
        if !line.is_empty() && line.len() + 1 + t.id().len() > width {
            lines.push(t.id().to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(t.id());
        }
    }
    lines.join("\n")
}
