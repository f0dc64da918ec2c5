//! The AI operations, for the CLI and the server alike: prepare a request (everything redacted,
//! the body checked), send it (the user's turn stored first, the send audited, the reply stored
//! only once it is complete), list, show, delete, and accept a reply as a why or a document.

use std::ops::RangeInclusive;
use std::path::Path;

use super::config::{AiConfig, ConfigError, ProviderKind};
use super::excerpt::{self, Excerpt, ExcerptOptions};
use super::guard::{Checked, Guard, GuardError};
use super::prompts::{self, UseCase, WhyProposal};
use super::provider::{self, Message, ProviderError, Reply, Role};
use crate::app::input::Source;
use crate::store::{
    AiConversation, ConversationDetail, Counts, Document, IssueDetail, ResolutionStep, Store,
    StoreError,
};

/// Which conversation a request goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A new conversation, created when the request is sent.
    New,
    /// The issue's most recent conversation (a new one if it has none).
    Latest,
    /// This conversation (id or unique prefix); it must belong to the issue.
    Id(String),
}

/// The log a request is about.
#[derive(Clone, Debug)]
pub enum LogInput<'a> {
    /// A file (plain or gzip), scanned as a stream.
    File(&'a Path),
    /// An editor's document; `lines` (1-based, inclusive) is the selection, if any.
    Text {
        name: &'a str,
        text: &'a str,
        lines: Option<RangeInclusive<u64>>,
    },
}

/// What the user asks.
#[derive(Clone, Debug)]
pub struct AskRequest<'a> {
    pub issue_id: &'a str,
    pub target: Target,
    pub use_case: UseCase,
    /// None (with no log, for `Ask`): send the conversation again as it is (a retry after a
    /// failed send).
    pub question: Option<&'a str>,
    pub log: Option<LogInput<'a>>,
    pub excerpt: ExcerptOptions,
}

/// A request ready to send: exactly what will go out, and what is stored with it.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub issue_id: String,
    /// None: a new conversation is created by [`send`].
    pub conversation_id: Option<String>,
    /// The title a new conversation gets (redacted).
    pub title: String,
    /// The new user turn as sent (redacted); None for a retry.
    pub user_message: Option<String>,
    pub messages: Vec<Message>,
    /// The exact request, checked by the guard (the only kind [`provider::send`] takes).
    pub request: Checked,
    /// Findings redacted in this request, by type.
    pub counts: Counts,
    pub provider: ProviderKind,
    pub model: String,
    /// The excerpt's own facts (lines kept, left out), if a log was given.
    pub excerpt: Option<ExcerptFacts>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ExcerptFacts {
    pub lines_kept: usize,
    pub total_lines: u64,
    pub omitted: usize,
    pub tail: bool,
}

/// A completed send.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Sent {
    pub conversation_id: String,
    pub user_message_id: Option<String>,
    pub reply_message_id: String,
    pub reply: Reply,
    pub body_sha256: String,
    pub body_bytes: u64,
    pub counts: Counts,
}

#[derive(Debug, thiserror::Error)]
pub enum AiError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Guard(#[from] GuardError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read the log {name}: {source}")]
    Log {
        name: String,
        source: std::io::Error,
    },
    #[error("nothing to ask: give a question (or a log), or continue a conversation whose last message is yours")]
    NothingToAsk,
    #[error("conversation {conversation} belongs to another issue")]
    OtherIssue { conversation: String },
    #[error("{source}; your message is kept in conversation {conversation_id}")]
    Provider {
        source: ProviderError,
        conversation_id: String,
    },
    #[error("conversation {0} has no reply to accept")]
    NoReply(String),
    #[error("message {0} is not a reply of this conversation")]
    NoSuchReply(String),
    #[error("the reply has no `Why:` line: give the question to file it under")]
    NoQuestion,
}

impl AiError {
    /// A stable name for editors and `--json`.
    pub fn kind(&self) -> &'static str {
        match self {
            AiError::Config(ConfigError::NotConfigured) => "not_configured",
            AiError::Config(_) => "config",
            AiError::Guard(GuardError::Refused { .. }) => "refused",
            AiError::Guard(_) => "style",
            AiError::Store(_) => "store",
            AiError::Log { .. } => "log",
            AiError::NothingToAsk => "nothing_to_ask",
            AiError::OtherIssue { .. } => "other_issue",
            AiError::Provider { source, .. } => source.kind(),
            AiError::NoReply(_) | AiError::NoSuchReply(_) => "no_reply",
            AiError::NoQuestion => "no_question",
        }
    }

    /// The conversation that holds the user's message, when a send failed after storing it.
    pub fn conversation_id(&self) -> Option<&str> {
        match self {
            AiError::Provider {
                conversation_id, ..
            } => Some(conversation_id),
            _ => None,
        }
    }
}

fn title_of(text: &str, use_case: UseCase) -> String {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    match (use_case, first) {
        (UseCase::NextWhy, _) => "Suggest the next why".into(),
        (UseCase::DraftRca, _) => "Draft the RCA".into(),
        (UseCase::Ask, Some(l)) => {
            let t: String = l.chars().take(60).collect();
            if t.len() < l.len() {
                format!("{t}…")
            } else {
                t
            }
        }
        (UseCase::Ask, None) => "Question".into(),
    }
}

/// Builds the request: the issue's context, the history and the new turn, each redacted by
/// `guard`; the body checked. Nothing is written to the store.
pub fn prepare(
    store: &Store,
    cfg: &AiConfig,
    guard: &mut Guard<'_>,
    req: &AskRequest<'_>,
) -> Result<Prepared, AiError> {
    let detail: IssueDetail = store.get_issue(req.issue_id)?;
    let issue_id = detail.issue.id.clone();
    let conversation: Option<ConversationDetail> = match &req.target {
        Target::New => None,
        Target::Latest => match detail.conversations.last() {
            Some(c) => Some(store.get_conversation(&c.id)?),
            None => None,
        },
        Target::Id(id) => {
            let c = store.get_conversation(id)?;
            if c.conversation.issue_id != issue_id {
                return Err(AiError::OtherIssue {
                    conversation: c.conversation.id,
                });
            }
            Some(c)
        }
    };
    let mut messages = vec![Message {
        role: Role::System,
        content: guard.redact(&prompts::system(&detail)),
    }];
    if let Some(c) = &conversation {
        // Stored content is what was sent, already redacted; redacted again because the
        // configuration may have changed since, and replies were stored as received.
        for m in &c.messages {
            let Some(role) = Role::parse(&m.role).filter(|r| *r != Role::System) else {
                continue;
            };
            messages.push(Message {
                role,
                content: guard.redact(&m.content),
            });
        }
    }
    let mut facts = None;
    let excerpt: Option<(String, Excerpt)> = match &req.log {
        None => None,
        Some(log) => {
            let (name, e) = build_excerpt(guard, log, &req.excerpt)?;
            facts = Some(ExcerptFacts {
                lines_kept: e.lines_kept,
                total_lines: e.total_lines,
                omitted: e.omitted,
                tail: e.tail,
            });
            guard.add_counts(&e.counts);
            Some((guard.redact(&name), e))
        }
    };
    let has_question = req.question.is_some_and(|q| !q.trim().is_empty());
    let user_message = if req.use_case == UseCase::Ask && !has_question && excerpt.is_none() {
        // A retry: the conversation must end with the user's turn.
        let last = conversation.as_ref().and_then(|c| c.messages.last());
        if last.is_none_or(|m| m.role != "user") {
            return Err(AiError::NothingToAsk);
        }
        None
    } else {
        let turn = prompts::user_turn(
            req.use_case,
            req.question,
            excerpt.as_ref().map(|(n, e)| (n.as_str(), e)),
            &detail,
        );
        let turn = guard.redact(&turn);
        messages.push(Message {
            role: Role::User,
            content: turn.clone(),
        });
        Some(turn)
    };
    let request = guard.check(provider::build_request(cfg, &messages), &messages)?;
    let title = title_of(
        req.question
            .map(|q| guard.redact(q))
            .as_deref()
            .unwrap_or(""),
        req.use_case,
    );
    Ok(Prepared {
        issue_id,
        conversation_id: conversation.map(|c| c.conversation.id),
        title,
        user_message,
        messages,
        request,
        counts: guard.counts().clone(),
        provider: cfg.provider,
        model: cfg.model.clone(),
        excerpt: facts,
    })
}

fn build_excerpt(
    guard: &Guard<'_>,
    log: &LogInput<'_>,
    opts: &ExcerptOptions,
) -> Result<(String, Excerpt), AiError> {
    match log {
        LogInput::File(p) => {
            let name = p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let err = |source| AiError::Log {
                name: p.display().to_string(),
                source,
            };
            let mut opened = Source::File(p.to_path_buf()).open().map_err(err)?;
            let e = excerpt::excerpt(&mut opened.reader, guard.scanner(), guard.redactor(), opts)
                .map_err(err)?;
            Ok((name, e))
        }
        LogInput::Text { name, text, lines } => {
            let mut opts = opts.clone();
            if let Some(l) = lines {
                opts.lines = Some(l.clone());
                // A selection is what the user chose: a larger budget than the automatic pick.
                opts.max_bytes = opts.max_bytes.max(32 << 10);
            }
            let mut reader = text.as_bytes();
            let e = excerpt::excerpt(&mut reader, guard.scanner(), guard.redactor(), &opts)
                .map_err(|source| AiError::Log {
                    name: name.to_string(),
                    source,
                })?;
            Ok((name.to_string(), e))
        }
    }
}

/// Sends a prepared request: creates the conversation if it is new, stores the user's turn,
/// audits the send (`ai_send`: the SHA-256 and size of the exact body, counts by type), sends,
/// and stores the reply once it is complete. `on_delta` sees the reply as it streams (return
/// false to cancel); `scrub` cleans a provider's error message.
pub fn send(
    store: &Store,
    cfg: &AiConfig,
    p: &Prepared,
    on_delta: &mut dyn FnMut(&str) -> bool,
    scrub: &dyn Fn(&str) -> String,
) -> Result<Sent, AiError> {
    let conversation_id = match &p.conversation_id {
        Some(id) => id.clone(),
        None => {
            store
                .create_conversation(&p.issue_id, p.provider.as_str(), &p.model, Some(&p.title))?
                .id
        }
    };
    let user_message_id = match &p.user_message {
        Some(text) => Some(store.append_message(&conversation_id, "user", text, 0)?.id),
        None => None,
    };
    let body_bytes = p.request.body().len() as u64;
    store.record_ai_send(&conversation_id, p.request.sha256(), body_bytes, &p.counts)?;
    let reply =
        provider::send(cfg, &p.request, on_delta, scrub).map_err(|source| AiError::Provider {
            source,
            conversation_id: conversation_id.clone(),
        })?;
    let tokens = reply.output_tokens.unwrap_or(0).min(i64::MAX as u64) as i64;
    let reply_message_id = store
        .append_message(&conversation_id, "assistant", &reply.text, tokens)?
        .id;
    Ok(Sent {
        conversation_id,
        user_message_id,
        reply_message_id,
        reply,
        body_sha256: p.request.sha256().to_owned(),
        body_bytes,
        counts: p.counts.clone(),
    })
}

/// The conversations of one issue, or of every issue (oldest first within an issue).
pub fn list(store: &Store, issue_id: Option<&str>) -> Result<Vec<AiConversation>, StoreError> {
    match issue_id {
        Some(id) => store.list_conversations(id),
        None => {
            let mut out = Vec::new();
            let issues = store.list_issues(&crate::store::IssueFilter::default())?;
            for i in issues {
                out.extend(store.list_conversations(&i.id)?);
            }
            out.sort_by(|a, b| a.created_at.cmp(&b.created_at));
            Ok(out)
        }
    }
}

pub fn show(store: &Store, conversation_id: &str) -> Result<ConversationDetail, StoreError> {
    store.get_conversation(conversation_id)
}

pub fn delete(store: &Store, conversation_id: &str) -> Result<AiConversation, StoreError> {
    store.delete_conversation(conversation_id)
}

/// The reply to accept: `message_id` (a full id or unique prefix among the conversation's
/// replies), else the last reply.
fn reply_of(
    store: &Store,
    conversation_id: &str,
    message_id: Option<&str>,
) -> Result<(ConversationDetail, crate::store::AiMessage), AiError> {
    let c = store.get_conversation(conversation_id)?;
    let mut replies = c.messages.iter().filter(|m| m.role == "assistant");
    let m = match message_id.map(str::trim).filter(|m| !m.is_empty()) {
        Some(id) => {
            let id = id.to_ascii_lowercase();
            let hits: Vec<_> = replies.filter(|m| m.id.starts_with(&id)).collect();
            match hits.as_slice() {
                [one] => (*one).clone(),
                _ => return Err(AiError::NoSuchReply(id)),
            }
        }
        None => replies
            .next_back()
            .cloned()
            .ok_or_else(|| AiError::NoReply(c.conversation.id.clone()))?,
    };
    Ok((c, m))
}

/// The proposal a reply makes for the 5-Whys (for an editor to show before accepting).
pub fn why_proposal(
    store: &Store,
    conversation_id: &str,
    message_id: Option<&str>,
) -> Result<WhyProposal, AiError> {
    let (_, m) = reply_of(store, conversation_id, message_id)?;
    Ok(prompts::parse_why(&m.content))
}

/// Accepts a reply as the issue's next why: the question and answer given, else those of the
/// reply's `Why:` / `Answer:` lines (the whole reply as the answer when it has none).
pub fn accept_why(
    store: &Store,
    conversation_id: &str,
    message_id: Option<&str>,
    question: Option<&str>,
    answer: Option<&str>,
) -> Result<ResolutionStep, AiError> {
    let (c, m) = reply_of(store, conversation_id, message_id)?;
    let p = prompts::parse_why(&m.content);
    let given = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let question = given(question).or(p.question).ok_or(AiError::NoQuestion)?;
    let answer = given(answer)
        .or(p.answer)
        .unwrap_or_else(|| m.content.trim().to_owned());
    Ok(crate::app::incident::why_add(
        store,
        &c.conversation.issue_id,
        &question,
        Some(&answer),
        None,
    )?)
}

/// Accepts a reply as a document draft of the issue (`rca` or `postmortem`).
pub fn accept_document(
    store: &Store,
    conversation_id: &str,
    message_id: Option<&str>,
    kind: &str,
    title: Option<&str>,
) -> Result<Document, AiError> {
    let (c, m) = reply_of(store, conversation_id, message_id)?;
    let issue = store.get_issue(&c.conversation.issue_id)?.issue;
    let title = title
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let what = if kind == "postmortem" {
                "Post-mortem"
            } else {
                "RCA"
            };
            format!("{what} (AI draft): {}", issue.title)
        });
    Ok(store.create_document(&issue.id, kind, &title, &m.content)?)
}
