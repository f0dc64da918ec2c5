//! `audit_log`: the append-only trail of what was done to protected data. Entries hold counts,
//! identifiers, ids and SHA-256 hashes only — the API refuses anything shaped like a value.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, Row};
use serde_json::Value;

use super::error::{Result, StoreError};
use super::models::{AuditAction, AuditEntry, Counts};
use super::rows::{json_col, FromRow};
use super::{new_id, now_text, Store};

impl FromRow for AuditEntry {
    const COLS: &'static str = "id, timestamp, action, entity_type, entity_id, user_id, details";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(AuditEntry {
            id: r.get(0)?,
            timestamp: r.get(1)?,
            action: r.get(2)?,
            entity_type: r.get(3)?,
            entity_id: r.get(4)?,
            user_id: r
                .get::<_, Option<String>>(5)?
                .unwrap_or_else(|| "local".into()),
            details: json_col(r, 6)?,
        })
    }
}

pub(crate) fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

pub(crate) fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    let shape = s.len() <= 64
        && b.first().is_some_and(|c| c.is_ascii_alphabetic())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-');
    // camelCase names are fine; upper case *and* digits together is what keys and tokens look
    // like (`AKIA…`, `ghp_…`), so that mix is refused.
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let digit = b.iter().any(u8::is_ascii_digit);
    shape && !(upper && digit)
}

/// Audit details may hold numbers, booleans, identifiers (type ids, field names), UUIDs and SHA-256
/// hex — nothing shaped like a matched value (no `@`, dots, colons, digits-first strings, or
/// upper case mixed with digits). Defence in depth: callers are expected to pass only those anyway.
pub(crate) fn details_are_safe(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
        Value::String(s) => is_hex64(s) || uuid::Uuid::parse_str(s).is_ok() || is_ident(s),
        Value::Array(a) => a.iter().all(details_are_safe),
        Value::Object(o) => o.iter().all(|(k, v)| is_ident(k) && details_are_safe(v)),
    }
}

/// Per-type counts fit for audit details: custom rule ids are free-form, so only
/// identifier-shaped ones are kept.
pub(crate) fn safe_counts(counts: &Counts) -> BTreeMap<&str, usize> {
    counts
        .iter()
        .filter(|(k, _)| is_ident(k))
        .map(|(k, v)| (k.as_str(), *v))
        .collect()
}

pub(crate) fn check_hash(field: &'static str, s: &str) -> Result<()> {
    if is_hex64(s) {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field,
            message: "expected 64 lowercase hex digits (SHA-256)".into(),
        })
    }
}

impl Store {
    /// Writes one audit row inside the caller's transaction (so the entry and the change it
    /// records commit together or not at all).
    pub(crate) fn insert_audit(
        &self,
        tx: &Connection,
        action: AuditAction,
        entity_id: &str,
        details: &Value,
    ) -> Result<AuditEntry> {
        if !details_are_safe(details) {
            return Err(StoreError::Invalid {
                field: "audit details",
                message:
                    "may hold only numbers, identifiers, ids and SHA-256 hashes (never values)"
                        .into(),
            });
        }
        let e = AuditEntry {
            id: new_id(),
            timestamp: now_text(),
            action: action.as_str().into(),
            entity_type: action.entity_type().into(),
            entity_id: entity_id.into(),
            user_id: "local".into(),
            details: Some(details.clone()),
        };
        tx.execute(
            &format!(
                "INSERT INTO audit_log ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                AuditEntry::COLS
            ),
            params![
                e.id,
                e.timestamp,
                e.action,
                e.entity_type,
                e.entity_id,
                e.user_id,
                details.to_string()
            ],
        )
        .map_err(self.err("writing the audit log"))?;
        Ok(e)
    }

    /// Appends an audit entry. `entity_type` must be the one DESIGN.md gives the action; `details`
    /// may hold only counts, identifiers, ids and SHA-256 hashes (checked: values are refused).
    pub fn audit(
        &self,
        action: AuditAction,
        entity_type: &str,
        entity_id: &str,
        details: Value,
    ) -> Result<AuditEntry> {
        if entity_type != action.entity_type() {
            return Err(StoreError::Invalid {
                field: "audit entity_type",
                message: format!(
                    "`{}` takes entity type `{}`",
                    action.as_str(),
                    action.entity_type()
                ),
            });
        }
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let e = self.insert_audit(&tx, action, entity_id, &details)?;
        tx.commit().map_err(self.err("committing an audit entry"))?;
        Ok(e)
    }

    /// The newest `limit` audit entries (0 = all), newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let limit = if limit == 0 { -1 } else { limit as i64 };
        self.select(
            &self.conn(),
            "audit_log",
            "ORDER BY timestamp DESC, id DESC LIMIT ?1",
            [limit],
            "reading the audit log",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn audit_details_allow_counts_ids_and_hashes_only() {
        let ok = [
            json!({"counts": {"email": 3, "credit_card": 1}, "style": "pseudonym"}),
            json!({"before_sha256": "ab".repeat(32), "log_file_id": uuid::Uuid::now_v7().to_string()}),
            json!({"via": "codeAction", "whole": true, "n": 1.5, "none": null}),
            json!({"fields": ["status", "assigned_to"]}),
        ];
        for v in ok {
            assert!(details_are_safe(&v), "{v}");
        }
        let bad = [
            json!({"v": "alice@example.com"}),
            json!({"v": "10.1.2.3"}),
            json!({"v": "AKIAIOSFODNN7EXAMPLE"}),
            json!({"v": "password=hunter2"}),
            json!({"v": "A1".repeat(32)}),
            json!({"v": "x".repeat(65)}),
            json!({"v": "4111 1111 1111 1111"}),
            json!({"10.0.0.1": 1}),
            json!([{"deep": ["ok", "+1-202-555-0143"]}]),
        ];
        for v in bad {
            assert!(!details_are_safe(&v), "{v}");
        }
    }
}
