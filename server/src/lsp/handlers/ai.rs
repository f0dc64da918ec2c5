//! The AI commands (`tftsr.ai*`, docs/lsp-protocol.md): thin translation to `app::ai`, which
//! redacts and checks every request (`app::ai::guard`). The provider comes from the server's
//! environment (`TFTSR_AI_*`) or the store's settings. A reply is returned whole, once complete.

use std::ops::RangeInclusive;

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::Uri;

use std::sync::Arc;

use crate::app::ai::config::process_env;
use crate::app::ai::conversation::{self, AiError};
use crate::app::ai::excerpt::ExcerptOptions;
use crate::app::ai::{self as ai, AskRequest, Guard, LogInput, Overrides, Sources, Target};
use crate::lsp::protocol::{err, failed};
use crate::lsp::session::{file_name, lock, Session};
use crate::lsp::storage;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AskArgs {
    issue_id: String,
    question: Option<String>,
    /// An open document to include (its redacted excerpt).
    uri: Option<Uri>,
    /// 1-based first and last line of a selection in `uri`.
    lines: Option<[u64; 2]>,
    /// `ask` (default), `next-why`, `draft-rca`.
    use_case: Option<String>,
    conversation_id: Option<String>,
    /// Continue the issue's latest conversation.
    #[serde(default, rename = "continue")]
    continue_latest: bool,
    /// `pseudonym` (default), `tag`, `mask`.
    style: Option<String>,
    /// Return the exact request body, send nothing (the preview).
    #[serde(default)]
    dry_run: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(Default)]
pub struct IssueArgs {
    issue_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationArgs {
    conversation_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptWhyArgs {
    conversation_id: String,
    message_id: Option<String>,
    question: Option<String>,
    answer: Option<String>,
}

/// An app error as a reply: its message names fields and kinds, never values or the key;
/// `data.kind` is the stable name (`not_configured`, `refused`, `timeout` …) and
/// `data.conversationId` where the question was kept.
fn ai_error(cmd: &str, e: &AiError) -> tower_lsp_server::jsonrpc::Error {
    let mut x = failed(format!("{cmd}: {e}"));
    x.data = Some(json!({"kind": e.kind(), "conversationId": e.conversation_id()}));
    x
}

fn style_of(s: Option<&str>) -> Result<crate::engine::redact::Style> {
    match s {
        None => Ok(ai::DEFAULT_STYLE),
        Some(s) => s
            .parse()
            .map_err(|_| err("tftsr.aiAsk: `style` must be pseudonym, tag or mask")),
    }
}

pub async fn ask(s: &Arc<Session>, a: AskArgs) -> Result<Value> {
    const CMD: &str = "tftsr.aiAsk";
    let style = style_of(a.style.as_deref())?;
    let use_case = match a.use_case.as_deref() {
        None => ai::UseCase::Ask,
        Some(u) => u
            .parse()
            .map_err(|_| err("tftsr.aiAsk: `useCase` must be ask, next-why or draft-rca"))?,
    };
    let lines: Option<RangeInclusive<u64>> = match a.lines {
        None => None,
        Some([f, l]) if f >= 1 && l >= f => Some(f..=l),
        Some(_) => return Err(err("tftsr.aiAsk: `lines` must be [first, last], 1-based")),
    };
    let doc = match &a.uri {
        None => None,
        Some(uri) => {
            let text = lock(&s.docs)
                .get(uri)
                .map(|d| d.rope.to_string())
                .ok_or_else(|| err("tftsr.aiAsk: the document `uri` is not open"))?;
            Some((file_name(uri), text))
        }
    };
    let key = storage::key_for(s, style).await.map_err(failed)?;
    let scanner = s.scanner();
    let store = storage::store(s).await.map_err(failed)?;
    let target = match (a.conversation_id, a.continue_latest) {
        (Some(id), _) => Target::Id(id),
        (None, true) => Target::Latest,
        (None, false) => Target::New,
    };
    let dry_run = a.dry_run;
    let issue_id = a.issue_id;
    let question = a.question;
    let r = tokio::task::spawn_blocking(move || -> std::result::Result<Value, AiError> {
        let overrides = Overrides::default();
        let cfg = Sources {
            overrides: &overrides,
            env: &process_env,
            store: Some(&store),
        }
        .resolve()?;
        let mut guard = Guard::new(&scanner, style, key)?;
        let req = AskRequest {
            issue_id: &issue_id,
            target,
            use_case,
            question: question.as_deref(),
            log: doc.as_ref().map(|(name, text)| LogInput::Text {
                name,
                text,
                lines: lines.clone(),
            }),
            excerpt: ExcerptOptions::default(),
        };
        let p = conversation::prepare(&store, &cfg, &mut guard, &req)?;
        if dry_run {
            let body: Value = serde_json::from_slice(p.request.body()).unwrap_or_default();
            return Ok(json!({
                "dryRun": true,
                "url": p.request.url(),
                "body": body,
                "bodyText": String::from_utf8_lossy(p.request.body()),
                "bodySha256": p.request.sha256(),
                "counts": p.counts,
            }));
        }
        let scrub = ai::scrubber(&scanner, &cfg);
        let sent = conversation::send(&store, &cfg, &p, &mut |_| true, &scrub)?;
        Ok(json!({
            "conversationId": sent.conversation_id,
            "reply": sent.reply.text,
            "replyMessageId": sent.reply_message_id,
            "userMessageId": sent.user_message_id,
            "inputTokens": sent.reply.input_tokens,
            "outputTokens": sent.reply.output_tokens,
            "stopReason": sent.reply.stop_reason,
            "bodySha256": sent.body_sha256,
            "counts": sent.counts,
        }))
    })
    .await
    .map_err(|_| failed(format!("{CMD}: the task failed")))?;
    r.map_err(|e| {
        tracing::warn!(kind = e.kind(), "AI request failed");
        ai_error(CMD, &e)
    })
}

pub async fn list(s: &Arc<Session>, a: IssueArgs) -> Result<Value> {
    let store = storage::store(s).await.map_err(failed)?;
    let r = tokio::task::spawn_blocking(move || conversation::list(&store, a.issue_id.as_deref()))
        .await
        .map_err(|_| failed("tftsr.aiListConversations: the task failed"))?;
    r.map(|v| serde_json::to_value(v).unwrap_or_default())
        .map_err(|e| ai_error("tftsr.aiListConversations", &AiError::Store(e)))
}

pub async fn get(s: &Arc<Session>, a: ConversationArgs) -> Result<Value> {
    let store = storage::store(s).await.map_err(failed)?;
    let r = tokio::task::spawn_blocking(move || conversation::show(&store, &a.conversation_id))
        .await
        .map_err(|_| failed("tftsr.aiGetConversation: the task failed"))?;
    r.map(|v| serde_json::to_value(v).unwrap_or_default())
        .map_err(|e| ai_error("tftsr.aiGetConversation", &AiError::Store(e)))
}

pub async fn delete(s: &Arc<Session>, a: ConversationArgs) -> Result<Value> {
    let store = storage::store(s).await.map_err(failed)?;
    let r = tokio::task::spawn_blocking(move || conversation::delete(&store, &a.conversation_id))
        .await
        .map_err(|_| failed("tftsr.aiDeleteConversation: the task failed"))?;
    r.map(|v| serde_json::to_value(v).unwrap_or_default())
        .map_err(|e| ai_error("tftsr.aiDeleteConversation", &AiError::Store(e)))
}

pub async fn accept_why(s: &Arc<Session>, a: AcceptWhyArgs) -> Result<Value> {
    let store = storage::store(s).await.map_err(failed)?;
    let r = tokio::task::spawn_blocking(move || {
        conversation::accept_why(
            &store,
            &a.conversation_id,
            a.message_id.as_deref(),
            a.question.as_deref(),
            a.answer.as_deref(),
        )
    })
    .await
    .map_err(|_| failed("tftsr.aiAcceptWhy: the task failed"))?;
    r.map(|v| serde_json::to_value(v).unwrap_or_default())
        .map_err(|e| ai_error("tftsr.aiAcceptWhy", &e))
}
