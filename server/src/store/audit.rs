//! `audit_log`: the append-only trail of what was done to protected data. Entries hold counts,
//! identifiers, ids and SHA-256 hashes only — the API refuses anything shaped like a value.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::{Result, StoreError};
use super::models::{AuditAction, AuditEntry, AuditFilter, AuditVerification, BrokenLink, Counts};
use super::rows::{json_col, FromRow};
use super::{ids::Entity, new_id, now_text, Store};

/// The `prev_hash` of the first link.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit row exactly as stored (`details` as its TEXT, not re-serialized), for hashing.
struct RawAudit([Option<String>; 7]);

const RAW_SQL: &str = "SELECT id, timestamp, action, entity_type, entity_id, user_id, details \
                       FROM audit_log";

fn raw_from_row(r: &Row<'_>) -> rusqlite::Result<RawAudit> {
    Ok(RawAudit([
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ]))
}

/// One link: SHA-256 over the previous link's hash, a newline, and the row's canonical content
/// (a JSON array of its seven columns in schema order, NULL as null).
fn link_hash(prev: &str, row: &RawAudit) -> String {
    let canonical = serde_json::to_string(&row.0).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

/// Appends the link for audit row `audit_id` (inside the caller's transaction).
fn append_link(c: &Connection, audit_id: &str) -> rusqlite::Result<()> {
    let (seq, prev): (i64, String) = c
        .query_row(
            "SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, GENESIS.into()));
    let row = c.query_row(
        &format!("{RAW_SQL} WHERE id = ?1"),
        [audit_id],
        raw_from_row,
    )?;
    c.execute(
        "INSERT INTO audit_chain (seq, audit_id, prev_hash, hash) VALUES (?1, ?2, ?3, ?4)",
        params![seq + 1, audit_id, prev, link_hash(&prev, &row)],
    )?;
    Ok(())
}

/// Migration 011: chains the entries written before the chain existed, oldest first.
pub(crate) fn chain_existing(c: &Connection) -> rusqlite::Result<()> {
    let ids: Vec<String> = {
        let mut st = c.prepare(
            "SELECT id FROM audit_log WHERE id NOT IN (SELECT audit_id FROM audit_chain)
             ORDER BY timestamp, rowid",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for id in ids {
        append_link(c, &id)?;
    }
    Ok(())
}

/// Parses `AuditFilter::since` into the seed's timestamp text (UTC) to compare with.
fn since_text(since: &str) -> Result<String> {
    let bad = || StoreError::Invalid {
        field: "since",
        message: "expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (UTC), or a span like 30m, 12h, 7d"
            .into(),
    };
    let s = since.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if let Some(unit) = s.chars().last().filter(|c| "smhdw".contains(*c)) {
        let n = &s[..s.len() - 1];
        if digits(n) {
            let n: i64 = n.parse().map_err(|_| bad())?;
            let secs = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => 7 * 86_400,
            };
            let t = time::OffsetDateTime::now_utc()
                - time::Duration::seconds(n.checked_mul(secs).ok_or_else(bad)?);
            let fmt =
                time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            return t.format(&fmt).map_err(|_| bad());
        }
    }
    let shape = |t: &str, pat: &str| {
        t.len() == pat.len()
            && t.bytes().zip(pat.bytes()).all(|(c, p)| {
                if p == b'9' {
                    c.is_ascii_digit()
                } else {
                    c == p
                }
            })
    };
    let t = s.replace('T', " ").trim_end_matches('Z').to_string();
    if shape(&t, "9999-99-99") {
        Ok(format!("{t} 00:00:00"))
    } else if shape(&t, "9999-99-99 99:99:99") {
        Ok(t)
    } else if shape(&t, "9999-99-99 99:99") {
        Ok(format!("{t}:00"))
    } else {
        Err(bad())
    }
}

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
        append_link(tx, &e.id).map_err(self.err("chaining the audit log"))?;
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

    /// Appends several audit entries in one transaction (an export that covers several logs and
    /// documents): all of them or none. Each `(action, entity_id, details)` is checked as in
    /// `audit`.
    pub fn audit_all(&self, entries: &[(AuditAction, String, Value)]) -> Result<Vec<AuditEntry>> {
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let mut out = Vec::with_capacity(entries.len());
        for (action, entity_id, details) in entries {
            out.push(self.insert_audit(&tx, *action, entity_id, details)?);
        }
        tx.commit().map_err(self.err("committing audit entries"))?;
        Ok(out)
    }

    /// Audits a file redacted outside any issue with a secret the store holds (the pseudonym
    /// style): `redact_file`, entity = the SHA-256 of the input as read, with the output's hash
    /// and the counts by type.
    pub fn record_file_redaction(
        &self,
        input_sha256: &str,
        output_sha256: &str,
        counts: &Counts,
    ) -> Result<AuditEntry> {
        check_hash("input_sha256", input_sha256)?;
        check_hash("output_sha256", output_sha256)?;
        self.audit(
            AuditAction::RedactFile,
            "file",
            input_sha256,
            serde_json::json!({
                "after_sha256": output_sha256,
                "style": "pseudonym",
                "counts": safe_counts(counts),
            }),
        )
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

    /// Audit entries matching `filter`, newest first. An issue filter takes an id or a unique
    /// prefix; the id of a deleted issue still finds its entries.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let c = self.conn();
        let issue = match &filter.issue_id {
            None => None,
            Some(p) => Some(match self.resolve_in(&c, Entity::Issue, p) {
                Ok(id) => id,
                // Deleted issues stay in the audit: match their id as given.
                Err(StoreError::NotFound { .. }) => p.trim().to_ascii_lowercase(),
                Err(e) => return Err(e),
            }),
        };
        let since = filter.since.as_deref().map(since_text).transpose()?;
        let limit = if filter.limit == 0 {
            -1
        } else {
            filter.limit as i64
        };
        self.select(
            &c,
            "audit_log",
            "WHERE (?1 IS NULL OR entity_id = ?1 OR json_extract(details, '$.issue_id') = ?1
                    OR (entity_type = 'log_file'
                        AND entity_id IN (SELECT id FROM log_files WHERE issue_id = ?1))
                    OR (entity_type = 'document'
                        AND entity_id IN (SELECT id FROM documents WHERE issue_id = ?1))
                    OR (entity_type = 'resolution_step'
                        AND entity_id IN (SELECT id FROM resolution_steps WHERE issue_id = ?1))
                    OR (entity_type = 'conversation'
                        AND entity_id IN (SELECT id FROM ai_conversations WHERE issue_id = ?1)))
               AND (?2 IS NULL OR action = ?2)
               AND (?3 IS NULL OR timestamp >= ?3)
             ORDER BY timestamp DESC, id DESC LIMIT ?4",
            params![issue, filter.action.map(|a| a.as_str()), since, limit],
            "reading the audit log",
        )
    }

    /// Walks the audit chain from the first link and names the first one that does not hold:
    /// an edited entry (or link), a deleted entry or link, links reordered or inserted, or an
    /// entry written behind the store's back (in no link). Read-only.
    pub fn verify_audit(&self) -> Result<AuditVerification> {
        let mut c = self.conn();
        let what = "verifying the audit chain";
        // One snapshot for the whole walk; rows are streamed, never all in memory.
        let c = c.transaction().map_err(self.err(what))?;
        let entries: i64 = c
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .map_err(self.err(what))?;
        let head: Option<String> = c
            .query_row(
                "SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err(what))?;
        let mut prev = GENESIS.to_string();
        let mut broken = None;
        let mut checked = 0;
        {
            let mut st = c
                .prepare(
                    "SELECT c.seq, c.audit_id, c.prev_hash, c.hash, a.id IS NOT NULL,
                            a.id, a.timestamp, a.action, a.entity_type, a.entity_id, a.user_id,
                            a.details
                     FROM audit_chain c LEFT JOIN audit_log a ON a.id = c.audit_id
                     ORDER BY c.seq",
                )
                .map_err(self.err(what))?;
            let mut rows = st.query([]).map_err(self.err(what))?;
            let mut expected = 0i64;
            while let Some(r) = rows.next().map_err(self.err(what))? {
                expected += 1;
                let read = |r: &Row<'_>| -> rusqlite::Result<_> {
                    let link: (i64, String, String, String, bool) =
                        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                    let raw = RawAudit([
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                        r.get(10)?,
                        r.get(11)?,
                    ]);
                    Ok((link, raw))
                };
                let ((seq, audit_id, prev_hash, hash, present), row) =
                    read(r).map_err(self.err(what))?;
                let at = |problem: String| {
                    Some(BrokenLink {
                        seq: Some(seq),
                        audit_id: Some(audit_id.clone()),
                        problem,
                    })
                };
                if seq != expected {
                    broken = Some(BrokenLink {
                        seq: Some(expected),
                        audit_id: None,
                        problem: format!(
                            "missing: the chain goes from link {} to link {seq} (a link was deleted)",
                            expected - 1
                        ),
                    });
                    break;
                }
                if prev_hash != prev {
                    broken = at(format!(
                        "does not follow link {} (links were removed, inserted or reordered)",
                        seq - 1
                    ));
                    break;
                }
                if !present {
                    broken = at("its audit entry was deleted".into());
                    break;
                }
                if link_hash(&prev_hash, &row) != hash {
                    broken = at("the audit entry (or its link) was edited".into());
                    break;
                }
                prev = hash;
                checked += 1;
            }
        }
        if broken.is_none() {
            let stray: Option<String> = c
                .query_row(
                    "SELECT id FROM audit_log WHERE id NOT IN (SELECT audit_id FROM audit_chain)
                     ORDER BY timestamp, rowid LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(self.err(what))?;
            broken = stray.map(|id| BrokenLink {
                seq: None,
                audit_id: Some(id),
                problem: "is in no link of the chain (written behind the store's back)".into(),
            });
        }
        Ok(AuditVerification {
            ok: broken.is_none(),
            links: checked,
            entries,
            head,
            first_broken: broken,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn since_takes_dates_times_and_spans() {
        assert_eq!(since_text("2026-03-01").unwrap(), "2026-03-01 00:00:00");
        assert_eq!(
            since_text("2026-03-01T12:30:00Z").unwrap(),
            "2026-03-01 12:30:00"
        );
        assert_eq!(
            since_text("2026-03-01 12:30").unwrap(),
            "2026-03-01 12:30:00"
        );
        let d = since_text("7d").unwrap();
        assert_eq!(d.len(), 19);
        assert!(d < now_text());
        for bad in [
            "",
            "yesterday",
            "7x",
            "2026-3-1",
            "d",
            "99999999999999999999d",
        ] {
            assert!(since_text(bad).is_err(), "{bad:?}");
        }
    }

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
