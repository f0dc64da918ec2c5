//! `ai_conversations` and `ai_messages`: AI conversations per issue, and the `ai_send` audit of
//! each request (hash and counts of what was sent, never the content).

use rusqlite::{params, Row};
use serde_json::json;

use super::audit::{check_hash, safe_counts};
use super::error::{Result, StoreError};
use super::models::{
    AiConversation, AiMessage, AuditAction, AuditEntry, ConversationDetail, Counts,
};
use super::rows::FromRow;
use super::{ids::Entity, new_id, now_text, Store};

impl FromRow for AiConversation {
    const COLS: &'static str = "id, issue_id, provider, model, created_at, title";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(AiConversation {
            id: r.get(0)?,
            issue_id: r.get(1)?,
            provider: r.get(2)?,
            model: r.get(3)?,
            created_at: r.get(4)?,
            title: r.get(5)?,
        })
    }
}

impl FromRow for AiMessage {
    const COLS: &'static str = "id, conversation_id, role, content, token_count, created_at";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(AiMessage {
            id: r.get(0)?,
            conversation_id: r.get(1)?,
            role: r.get(2)?,
            content: r.get(3)?,
            token_count: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
            created_at: r.get(5)?,
        })
    }
}

/// The roles `ai_messages.role` allows (the seed's CHECK constraint).
pub const ROLES: [&str; 3] = ["system", "user", "assistant"];

fn check_name(field: &'static str, v: &str) -> Result<()> {
    if v.trim().is_empty() {
        return Err(StoreError::Invalid {
            field,
            message: "must not be empty".into(),
        });
    }
    Ok(())
}

impl Store {
    /// Starts a conversation about an issue (`provider`, `model` as configured; `title` optional).
    pub fn create_conversation(
        &self,
        issue_id: &str,
        provider: &str,
        model: &str,
        title: Option<&str>,
    ) -> Result<AiConversation> {
        check_name("provider", provider)?;
        check_name("model", model)?;
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let issue_id = self.resolve_in(&tx, Entity::Issue, issue_id)?;
        let conv = AiConversation {
            id: new_id(),
            issue_id,
            provider: provider.into(),
            model: model.into(),
            created_at: now_text(),
            title: title.map(Into::into),
        };
        tx.execute(
            &format!(
                "INSERT INTO ai_conversations ({}) VALUES (?1,?2,?3,?4,?5,?6)",
                AiConversation::COLS
            ),
            params![
                conv.id,
                conv.issue_id,
                conv.provider,
                conv.model,
                conv.created_at,
                conv.title
            ],
        )
        .map_err(self.err("storing a conversation"))?;
        // The provider and model names are configuration, not values, but free-form: only the
        // issue goes into the details.
        self.insert_audit(
            &tx,
            AuditAction::ConversationCreate,
            &conv.id,
            &json!({"issue_id": conv.issue_id}),
        )?;
        tx.commit().map_err(self.err("committing a conversation"))?;
        Ok(conv)
    }

    /// An issue's conversations, oldest first.
    pub fn list_conversations(&self, issue_id: &str) -> Result<Vec<AiConversation>> {
        let c = self.conn();
        let issue_id = self.resolve_in(&c, Entity::Issue, issue_id)?;
        self.select(
            &c,
            "ai_conversations",
            "WHERE issue_id = ?1 ORDER BY created_at, rowid",
            [issue_id],
            "listing conversations",
        )
    }

    /// A conversation with its messages in the order they were appended.
    pub fn get_conversation(&self, id: &str) -> Result<ConversationDetail> {
        let c = self.conn();
        let id = self.resolve_in(&c, Entity::Conversation, id)?;
        let conversation = self.select_by_id(
            &c,
            "ai_conversations",
            "conversation",
            &id,
            "reading a conversation",
        )?;
        let messages = self.select(
            &c,
            "ai_messages",
            "WHERE conversation_id = ?1 ORDER BY rowid",
            [&id],
            "reading messages",
        )?;
        Ok(ConversationDetail {
            conversation,
            messages,
        })
    }

    /// Appends a message: `content` exactly as sent (already redacted) or as received,
    /// `token_count` from the provider's usage (0 if unknown).
    pub fn append_message(
        &self,
        conversation_id: &str,
        role: &str,
        content: &str,
        token_count: i64,
    ) -> Result<AiMessage> {
        if !ROLES.contains(&role) {
            return Err(StoreError::Invalid {
                field: "role",
                message: format!("`{role}` (expected one of {})", ROLES.join(", ")),
            });
        }
        if token_count < 0 {
            return Err(StoreError::Invalid {
                field: "token_count",
                message: "must not be negative".into(),
            });
        }
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let conversation_id = self.resolve_in(&tx, Entity::Conversation, conversation_id)?;
        let m = AiMessage {
            id: new_id(),
            conversation_id,
            role: role.into(),
            content: content.into(),
            token_count,
            created_at: now_text(),
        };
        tx.execute(
            &format!(
                "INSERT INTO ai_messages ({}) VALUES (?1,?2,?3,?4,?5,?6)",
                AiMessage::COLS
            ),
            params![
                m.id,
                m.conversation_id,
                m.role,
                m.content,
                m.token_count,
                m.created_at
            ],
        )
        .map_err(self.err("storing a message"))?;
        tx.commit().map_err(self.err("committing a message"))?;
        Ok(m)
    }

    /// Deletes a conversation and (by cascade) its messages.
    pub fn delete_conversation(&self, id: &str) -> Result<AiConversation> {
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let id = self.resolve_in(&tx, Entity::Conversation, id)?;
        let conv: AiConversation = self.select_by_id(
            &tx,
            "ai_conversations",
            "conversation",
            &id,
            "reading a conversation",
        )?;
        let n: i64 = tx
            .query_row(
                "SELECT count(*) FROM ai_messages WHERE conversation_id = ?1",
                [&id],
                |r| r.get(0),
            )
            .map_err(self.err("counting messages"))?;
        tx.execute("DELETE FROM ai_conversations WHERE id = ?1", [&id])
            .map_err(self.err("deleting a conversation"))?;
        self.insert_audit(
            &tx,
            AuditAction::ConversationDelete,
            &id,
            &json!({"issue_id": conv.issue_id, "messages": n}),
        )?;
        tx.commit().map_err(self.err("committing a delete"))?;
        Ok(conv)
    }

    /// Audits one send to an AI provider (`ai_send`, entity: the issue): the SHA-256 of the exact
    /// request body, its size and the finding counts by type that redaction replaced in it —
    /// never a value.
    pub fn record_ai_send(
        &self,
        conversation_id: &str,
        body_sha256: &str,
        body_bytes: u64,
        counts: &Counts,
    ) -> Result<AuditEntry> {
        check_hash("body_sha256", body_sha256)?;
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let conversation_id = self.resolve_in(&tx, Entity::Conversation, conversation_id)?;
        let issue_id: String = tx
            .query_row(
                "SELECT issue_id FROM ai_conversations WHERE id = ?1",
                [&conversation_id],
                |r| r.get(0),
            )
            .map_err(self.err("reading a conversation"))?;
        let e = self.insert_audit(
            &tx,
            AuditAction::AiSend,
            &issue_id,
            &json!({
                "issue_id": issue_id,
                "conversation_id": conversation_id,
                "body_sha256": body_sha256,
                "body_bytes": body_bytes,
                "counts": safe_counts(counts),
            }),
        )?;
        tx.commit().map_err(self.err("committing an audit entry"))?;
        Ok(e)
    }
}
