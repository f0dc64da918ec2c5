//! `ai_conversations` and `ai_messages`: AI conversations per issue.

use rusqlite::Row;

use super::models::{AiConversation, AiMessage};
use super::rows::FromRow;

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
