//! `documents`: RCA and post-mortem write-ups (Markdown, INTEGER millisecond timestamps).

use rusqlite::{params, Row};
use serde_json::json;

use super::error::{Result, StoreError};
use super::models::{AuditAction, Document};
use super::rows::FromRow;
use super::{new_id, now_ms, Store};

impl FromRow for Document {
    const COLS: &'static str = "id, issue_id, doc_type, title, content_md, created_at, updated_at";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Document {
            id: r.get(0)?,
            issue_id: r.get(1)?,
            doc_type: r.get(2)?,
            title: r.get(3)?,
            content_md: r.get(4)?,
            created_at: r.get(5)?,
            updated_at: r.get(6)?,
        })
    }
}

impl Store {
    /// Adds an RCA / post-mortem document (`documents`, INTEGER ms timestamps), audited as
    /// `document_create`.
    pub fn create_document(
        &self,
        issue_id: &str,
        doc_type: &str,
        title: &str,
        content_md: &str,
    ) -> Result<Document> {
        if !["rca", "postmortem"].contains(&doc_type) {
            return Err(StoreError::Invalid {
                field: "doc_type",
                message: format!("`{doc_type}` (expected rca or postmortem)"),
            });
        }
        let now = now_ms();
        let d = Document {
            id: new_id(),
            issue_id: issue_id.into(),
            doc_type: doc_type.into(),
            title: title.into(),
            content_md: content_md.into(),
            created_at: now,
            updated_at: now,
        };
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        self.issue_in(&tx, issue_id)?;
        tx.execute(
            &format!(
                "INSERT INTO documents ({}) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                Document::COLS
            ),
            params![
                d.id,
                d.issue_id,
                d.doc_type,
                d.title,
                d.content_md,
                d.created_at,
                d.updated_at
            ],
        )
        .map_err(self.err("storing a document"))?;
        self.insert_audit(
            &tx,
            AuditAction::DocumentCreate,
            &d.id,
            &json!({"issue_id": d.issue_id, "doc_type": d.doc_type}),
        )?;
        tx.commit().map_err(self.err("committing a document"))?;
        Ok(d)
    }
}
