//! `tftsr why …`: the 5-Whys of an incident (`resolution_steps`), at most five, in order.

use std::io::Write;

use super::confirm::confirm;
use super::db::open_store;
use super::escape::{name, text};
use crate::app::incident;
use crate::store::ResolutionStep;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Add a why after the last one (at most five)
    Add(AddArgs),
    /// List an incident's whys in order
    List(ListArgs),
    /// Change a why's question, answer or evidence (an empty value clears answer or evidence)
    Edit(EditArgs),
    /// Move a why to another position (1-5); the others keep their order
    Move(MoveArgs),
    /// Delete a why; the ones after it move up
    Delete(DeleteArgs),
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// The incident's id (or a unique prefix)
    pub id: String,
    #[arg(long)]
    pub question: String,
    #[arg(long)]
    pub answer: Option<String>,
    /// log:<log file id>:<first line>-<last line>, or finding:<fingerprint>
    #[arg(long)]
    pub evidence: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// The incident's id (or a unique prefix)
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct EditArgs {
    /// The why's id (or a unique prefix), as `why list` shows it
    pub step_id: String,
    #[arg(long)]
    pub question: Option<String>,
    #[arg(long)]
    pub answer: Option<String>,
    #[arg(long)]
    pub evidence: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct MoveArgs {
    /// The why's id (or a unique prefix)
    pub step_id: String,
    /// The new position, 1 to the number of whys
    pub position: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// The why's id (or a unique prefix)
    pub step_id: String,
    /// Do not ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn print_steps(steps: &[ResolutionStep]) {
    for st in steps {
        println!(
            "{}. {}  {}",
            st.step_order,
            name(&st.id),
            name(&st.why_question)
        );
        if let Some(a) = &st.answer {
            println!("   answer:   {}", block(a));
        }
        if let Some(e) = &st.evidence {
            println!("   evidence: {}", block(e));
        }
    }
}

/// An answer or evidence a user wrote: its lines stay, indented under the field, so none can
/// start a line of its own (`2. forged question`); control characters are escaped.
fn block(s: &str) -> String {
    text(s).replace('\n', "\n             ")
}

pub fn run(cmd: Command) -> anyhow::Result<i32> {
    let s = open_store()?;
    match cmd {
        Command::Add(a) => {
            let st = incident::why_add(
                &s,
                &a.id,
                &a.question,
                a.answer.as_deref(),
                a.evidence.as_deref(),
            )?;
            if a.json {
                print_json(&st)?;
            } else {
                println!("{}", name(&st.id));
                eprintln!(
                    "added why {} to issue {}",
                    st.step_order,
                    name(&st.issue_id)
                );
            }
        }
        Command::List(a) => {
            let steps = incident::why_list(&s, &a.id)?;
            if a.json {
                print_json(&steps)?;
            } else if steps.is_empty() {
                eprintln!("no whys yet");
            } else {
                print_steps(&steps);
            }
        }
        Command::Edit(a) => {
            let st = incident::why_edit(
                &s,
                &a.step_id,
                a.question.as_deref(),
                a.answer.as_deref(),
                a.evidence.as_deref(),
            )?;
            if a.json {
                print_json(&st)?;
            } else {
                print_steps(std::slice::from_ref(&st));
            }
        }
        Command::Move(a) => {
            let steps = incident::why_move(&s, &a.step_id, a.position)?;
            if a.json {
                print_json(&steps)?;
            } else {
                print_steps(&steps);
            }
        }
        Command::Delete(a) => {
            let st = s.get_why(&a.step_id)?;
            if !confirm(
                &format!(
                    "delete why {} of issue {}",
                    st.step_order,
                    name(&st.issue_id)
                ),
                a.yes,
            )? {
                eprintln!("nothing deleted");
                return Ok(1);
            }
            let st = incident::why_delete(&s, &st.id)?;
            if a.json {
                print_json(&st)?;
            } else {
                println!("deleted why {} ({})", st.step_order, name(&st.id));
            }
        }
    }
    Ok(0)
}
