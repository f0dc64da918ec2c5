//! `tftsr ai …`: AI assistance on an incident. Every request is redacted by the engine and checked
//! again before it leaves (see `app::ai::guard`); `--dry-run` prints the exact body instead.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use super::confirm::confirm;
use super::db::open_store;
use super::select::Selection;
use crate::app::ai::config::{self, process_env};
use crate::app::ai::conversation::{self, AiError};
use crate::app::ai::excerpt::ExcerptOptions;
use crate::app::ai::{
    self as ai, AskRequest, Guard, LogInput, Overrides, Sources, Target, UseCase,
};
use crate::app::input::Source;
use crate::engine::redact::Style;
use crate::store::Store;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Ask about an incident (a new conversation unless --continue or --conversation)
    Ask(AskArgs),
    /// List the conversations of an incident (of every incident without an id)
    List(ListArgs),
    /// Show a conversation with its messages (as sent: redacted)
    Show(IdArgs),
    /// Delete a conversation and its messages
    Delete(DeleteArgs),
    /// Accept a reply as the incident's next why (its `Why:`/`Answer:` lines)
    AcceptWhy(AcceptWhyArgs),
    /// Accept a reply as a document draft of the incident (rca or postmortem)
    AcceptDoc(AcceptDocArgs),
    /// The provider settings: show (key hidden), set or unset them in the store
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(clap::Args, Debug)]
pub struct AskArgs {
    /// The incident's id (or a unique prefix)
    pub issue_id: String,
    /// The question (optional with --log or a use-case other than ask; none with --continue
    /// resends a conversation whose last message is yours)
    pub question: Option<String>,
    /// A log to include: a redacted excerpt around its findings and error lines
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Only these lines of the log (1-based, inclusive): `120-180`
    #[arg(long, value_name = "FIRST-LAST", requires = "log")]
    pub lines: Option<String>,
    /// ask (default), next-why (suggest the next 5-Whys step) or draft-rca
    #[arg(long = "use-case", default_value = "ask")]
    pub use_case: UseCase,
    /// Continue the incident's most recent conversation
    #[arg(long = "continue", conflicts_with = "conversation")]
    pub continue_latest: bool,
    /// Continue this conversation (id or unique prefix)
    #[arg(long, value_name = "ID")]
    pub conversation: Option<String>,
    /// Redaction style of what is sent: pseudonym (default), tag or mask
    #[arg(long, default_value = "pseudonym")]
    pub style: Style,
    /// Print the exact request body that would be sent, and send nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub select: Selection,
    /// Print the conversation id and the reply as JSON (no streaming)
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// The incident's id (or a unique prefix); all incidents without it
    pub issue_id: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct IdArgs {
    /// The conversation's id (or a unique prefix)
    pub conversation_id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// The conversation's id (or a unique prefix)
    pub conversation_id: String,
    /// Do not ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct AcceptWhyArgs {
    /// The conversation's id (or a unique prefix)
    pub conversation_id: String,
    /// The reply to accept (id or prefix; default: the last reply)
    #[arg(long)]
    pub message: Option<String>,
    /// The why's question (default: the reply's `Why:` line)
    #[arg(long)]
    pub question: Option<String>,
    /// The answer (default: the reply's `Answer:` line, else the whole reply)
    #[arg(long)]
    pub answer: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct AcceptDocArgs {
    /// The conversation's id (or a unique prefix)
    pub conversation_id: String,
    /// The reply to accept (id or prefix; default: the last reply)
    #[arg(long)]
    pub message: Option<String>,
    /// rca or postmortem
    #[arg(long, default_value = "rca")]
    pub kind: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum ConfigCommand {
    /// Each setting, where it comes from (editor, environment, store), the key hidden
    Show(ConfigShowArgs),
    /// Keep a setting in the encrypted store; without VALUE it is read from stdin (for the key,
    /// so it stays out of the shell history)
    Set(ConfigSetArgs),
    /// Remove a setting from the store
    Unset(ConfigUnsetArgs),
}

#[derive(clap::Args, Debug)]
pub struct ConfigShowArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ConfigSetArgs {
    /// TFTSR_AI_PROVIDER, TFTSR_AI_BASE_URL, TFTSR_AI_MODEL, TFTSR_AI_API_KEY or TFTSR_AI_TIMEOUT
    pub name: String,
    pub value: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ConfigUnsetArgs {
    pub name: String,
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn sources(store: &Store) -> Sources<'_> {
    static NO_OVERRIDES: Overrides = Overrides {
        provider: None,
        base_url: None,
        model: None,
        api_key: None,
        timeout_secs: None,
    };
    Sources {
        overrides: &NO_OVERRIDES,
        env: &process_env,
        store: Some(store),
    }
}

fn parse_lines(s: &str) -> anyhow::Result<std::ops::RangeInclusive<u64>> {
    let bad = || anyhow::anyhow!("--lines: expected FIRST-LAST, 1-based (e.g. 120-180)");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (a, b): (u64, u64) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a == 0 || b < a {
        return Err(bad());
    }
    Ok(a..=b)
}

pub fn run(cmd: Command) -> anyhow::Result<i32> {
    let s = open_store()?;
    match cmd {
        Command::Ask(a) => ask(&s, a),
        Command::List(a) => {
            let v = conversation::list(&s, a.issue_id.as_deref())?;
            if a.json {
                print_json(&v)?;
            } else if v.is_empty() {
                eprintln!("no conversations");
            } else {
                for c in &v {
                    println!(
                        "{}  {}  {}  {}/{}  {}",
                        c.id,
                        c.issue_id,
                        c.created_at,
                        c.provider,
                        c.model,
                        c.title.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(0)
        }
        Command::Show(a) => {
            let d = conversation::show(&s, &a.conversation_id)?;
            if a.json {
                print_json(&d)?;
            } else {
                let c = &d.conversation;
                println!("{}  {}", c.id, c.title.as_deref().unwrap_or(""));
                println!(
                    "  issue: {}   {}/{}   created: {}",
                    c.issue_id, c.provider, c.model, c.created_at
                );
                for m in &d.messages {
                    println!("\n--- {} {} ({}) ---", m.role, m.id, m.created_at);
                    println!("{}", m.content.trim_end());
                }
            }
            Ok(0)
        }
        Command::Delete(a) => {
            let d = conversation::show(&s, &a.conversation_id)?;
            let c = &d.conversation;
            if !confirm(
                &format!(
                    "delete conversation {} ({} messages) of issue {}",
                    c.id,
                    d.messages.len(),
                    c.issue_id
                ),
                a.yes,
            )? {
                eprintln!("nothing deleted");
                return Ok(1);
            }
            let c = conversation::delete(&s, &c.id)?;
            if a.json {
                print_json(&c)?;
            } else {
                println!("deleted conversation {}", c.id);
            }
            Ok(0)
        }
        Command::AcceptWhy(a) => {
            let st = conversation::accept_why(
                &s,
                &a.conversation_id,
                a.message.as_deref(),
                a.question.as_deref(),
                a.answer.as_deref(),
            )?;
            if a.json {
                print_json(&st)?;
            } else {
                println!("{}", st.id);
                eprintln!("added why {} to issue {}", st.step_order, st.issue_id);
            }
            Ok(0)
        }
        Command::AcceptDoc(a) => {
            let d = conversation::accept_document(
                &s,
                &a.conversation_id,
                a.message.as_deref(),
                &a.kind,
                a.title.as_deref(),
            )?;
            if a.json {
                print_json(&d)?;
            } else {
                println!("{}", d.id);
                eprintln!(
                    "added {} draft {:?} to issue {}",
                    d.doc_type, d.title, d.issue_id
                );
            }
            Ok(0)
        }
        Command::Config(c) => config_cmd(&s, c),
    }
}

fn config_cmd(s: &Store, c: ConfigCommand) -> anyhow::Result<i32> {
    match c {
        ConfigCommand::Show(a) => {
            let v = sources(s).describe()?;
            if a.json {
                print_json(&v)?;
            } else {
                for r in &v {
                    let origin = r
                        .origin
                        .map(|o| format!("  ({})", serde_json::to_value(o).unwrap_or_default()))
                        .unwrap_or_default()
                        .replace('"', "");
                    println!(
                        "{} = {}{origin}",
                        r.name,
                        r.value.as_deref().unwrap_or("(not set)")
                    );
                }
            }
            Ok(0)
        }
        ConfigCommand::Set(a) => {
            let value = match a.value {
                Some(v) => v,
                None => {
                    if std::io::stdin().is_terminal() {
                        eprint!("{}: ", a.name);
                    }
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            if value.trim().is_empty() {
                anyhow::bail!(
                    "{}: the value is empty (use `tftsr ai config unset`)",
                    a.name
                );
            }
            config::store_setting(s, &a.name, Some(&value))?;
            eprintln!("stored {} in the store", a.name.to_ascii_uppercase());
            Ok(0)
        }
        ConfigCommand::Unset(a) => {
            config::store_setting(s, &a.name, None)?;
            eprintln!("removed {} from the store", a.name.to_ascii_uppercase());
            Ok(0)
        }
    }
}

fn ask(s: &Store, a: AskArgs) -> anyhow::Result<i32> {
    let cfg = sources(s).resolve()?;
    let source = match &a.log {
        Some(p) => Source::File(p.clone()),
        None => Source::Stdin,
    };
    // The workspace configuration: the log's nearest .tftsr.toml (the current directory's
    // without a log), or --config; the type filter of --types/--exclude-types.
    let (scanner, _) = a.select.scanner_for(&source)?;
    let key = ai::style_key(s, a.style)?;
    let mut guard = Guard::new(&scanner, a.style, key)?;
    let target = match (&a.conversation, a.continue_latest) {
        (Some(id), _) => Target::Id(id.clone()),
        (None, true) => Target::Latest,
        (None, false) => Target::New,
    };
    let mut excerpt = ExcerptOptions::default();
    if let Some(l) = &a.lines {
        excerpt.lines = Some(parse_lines(l)?);
        excerpt.max_bytes = excerpt.max_bytes.max(32 << 10);
    }
    let req = AskRequest {
        issue_id: &a.issue_id,
        target,
        use_case: a.use_case,
        question: a.question.as_deref(),
        log: a.log.as_deref().map(LogInput::File),
        excerpt,
    };
    let prepared = conversation::prepare(s, &cfg, &mut guard, &req)?;
    if a.dry_run {
        let body = prepared.request.body();
        if a.json {
            let body: serde_json::Value = serde_json::from_slice(body)?;
            print_json(&serde_json::json!({
                "dry_run": true,
                "url": prepared.request.url(),
                "body": body,
                "body_sha256": prepared.request.sha256(),
                "counts": prepared.counts,
            }))?;
        } else {
            let mut out = std::io::stdout().lock();
            out.write_all(body)?;
            writeln!(out)?;
            eprintln!(
                "dry run: nothing sent; {} bytes to {} (sha256 {}), redacted: {}",
                body.len(),
                prepared.request.url(),
                prepared.request.sha256(),
                counts_text(&prepared.counts)
            );
        }
        return Ok(0);
    }
    let scrub = ai::scrubber(&scanner, &cfg);
    let stream = !a.json;
    let mut out = std::io::stdout().lock();
    let mut on_delta = |t: &str| {
        if stream {
            // A closed stdout (`| head`) cancels the request.
            out.write_all(t.as_bytes()).is_ok() && out.flush().is_ok()
        } else {
            true
        }
    };
    let result = conversation::send(s, &cfg, &prepared, &mut on_delta, &scrub);
    match result {
        Ok(sent) => {
            if a.json {
                print_json(&serde_json::json!({
                    "conversation_id": sent.conversation_id,
                    "reply": sent.reply.text,
                    "reply_message_id": sent.reply_message_id,
                    "user_message_id": sent.user_message_id,
                    "input_tokens": sent.reply.input_tokens,
                    "output_tokens": sent.reply.output_tokens,
                    "stop_reason": sent.reply.stop_reason,
                    "body_sha256": sent.body_sha256,
                    "counts": sent.counts,
                }))?;
            } else {
                if !sent.reply.text.ends_with('\n') {
                    writeln!(out)?;
                }
                if sent.reply.hit_limit() {
                    eprintln!("note: the reply stopped at the model's token limit");
                }
                eprintln!(
                    "conversation {} (redacted before sending: {})",
                    sent.conversation_id,
                    counts_text(&sent.counts)
                );
            }
            Ok(0)
        }
        Err(e) => {
            if stream {
                let _ = writeln!(out);
            }
            if a.json {
                print_json(&serde_json::json!({
                    "error": e.kind(),
                    "message": e.to_string(),
                    "conversation_id": e.conversation_id(),
                }))?;
            }
            Err(anyhow_of(e))
        }
    }
}

fn anyhow_of(e: AiError) -> anyhow::Error {
    anyhow::Error::new(e)
}

fn counts_text(c: &crate::store::Counts) -> String {
    if c.is_empty() {
        return "nothing".into();
    }
    c.iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
