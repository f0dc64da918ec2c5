//! `documents`: RCA and post-mortem write-ups (Markdown, INTEGER millisecond timestamps).

use rusqlite::{params, Row};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::error::{Result, StoreError};
use super::models::{AuditAction, Document, DocumentUpdate};
use super::rows::FromRow;
use super::{ids::Entity, new_id, now_ms, Store};

/// The document kinds of the seed.
pub const DOC_TYPES: [&str; 2] = ["rca", "postmortem"];

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn check_title(t: &str) -> Result<()> {
    if t.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "title",
            message: "must not be empty".into(),
        });
    }
    Ok(())
}

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
        check_title(title)?;
        if !DOC_TYPES.contains(&doc_type) {
            return Err(StoreError::Invalid {
                field: "doc_type",
                message: format!("`{doc_type}` (expected rca or postmortem)"),
            });
        }
        let now = now_ms();
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let issue_id = self.resolve_in(&tx, Entity::Issue, issue_id)?;
        let d = Document {
            id: new_id(),
            issue_id,
            doc_type: doc_type.into(),
            title: title.into(),
            content_md: content_md.into(),
            created_at: now,
            updated_at: now,
        };
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
            &json!({
                "issue_id": d.issue_id,
                "doc_type": d.doc_type,
                "content_sha256": sha256_hex(&d.content_md),
            }),
        )?;
        tx.commit().map_err(self.err("committing a document"))?;
        Ok(d)
    }

    /// One document by id (or unique prefix).
    pub fn get_document(&self, id: &str) -> Result<Document> {
        let c = self.conn();
        let id = self.resolve_in(&c, Entity::Document, id)?;
        self.select_by_id(&c, "documents", "document", &id, "reading a document")
    }

    /// An issue's documents, oldest first.
    pub fn list_documents(&self, issue_id: &str) -> Result<Vec<Document>> {
        let c = self.conn();
        let issue_id = self.resolve_in(&c, Entity::Issue, issue_id)?;
        self.select(
            &c,
            "documents",
            "WHERE issue_id = ?1 ORDER BY created_at, rowid",
            [issue_id],
            "listing documents",
        )
    }

    /// Edits a document's title and/or Markdown; `updated_at` moves forward (ms, never back).
    pub fn update_document(&self, id: &str, upd: DocumentUpdate) -> Result<Document> {
        if upd.title.is_none() && upd.content_md.is_none() {
            return Err(StoreError::Invalid {
                field: "update",
                message: "nothing to update".into(),
            });
        }
        if let Some(t) = &upd.title {
            check_title(t)?;
        }
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let id = self.resolve_in(&tx, Entity::Document, id)?;
        let mut d: Document =
            self.select_by_id(&tx, "documents", "document", &id, "reading a document")?;
        let mut fields = Vec::new();
        if let Some(t) = upd.title {
            d.title = t;
            fields.push("title");
        }
        if let Some(m) = upd.content_md {
            d.content_md = m;
            fields.push("content_md");
        }
        d.updated_at = now_ms().max(d.updated_at);
        tx.execute(
            "UPDATE documents SET title = ?2, content_md = ?3, updated_at = ?4 WHERE id = ?1",
            params![d.id, d.title, d.content_md, d.updated_at],
        )
        .map_err(self.err("updating a document"))?;
        self.insert_audit(
            &tx,
            AuditAction::DocumentUpdate,
            &d.id,
            &json!({
                "issue_id": d.issue_id,
                "fields": fields,
                "content_sha256": sha256_hex(&d.content_md),
            }),
        )?;
        tx.commit().map_err(self.err("committing a document"))?;
        Ok(d)
    }

    /// Deletes a document (audited with the hash of what it held).
    pub fn delete_document(&self, id: &str) -> Result<Document> {
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let id = self.resolve_in(&tx, Entity::Document, id)?;
        let d: Document =
            self.select_by_id(&tx, "documents", "document", &id, "reading a document")?;
        tx.execute("DELETE FROM documents WHERE id = ?1", [&d.id])
            .map_err(self.err("deleting a document"))?;
        self.insert_audit(
            &tx,
            AuditAction::DocumentDelete,
            &d.id,
            &json!({
                "issue_id": d.issue_id,
                "doc_type": d.doc_type,
                "content_sha256": sha256_hex(&d.content_md),
            }),
        )?;
        tx.commit().map_err(self.err("committing a delete"))?;
        Ok(d)
    }
}
