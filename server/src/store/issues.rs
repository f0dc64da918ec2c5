//! `issues` and their full-text index `issues_fts`: create, list, get (with children), update,
//! delete (cascading), search.

use rusqlite::{params, Connection, Row};
use serde_json::json;

use super::error::{Result, StoreError};
use super::models::{
    validate_severity, validate_status, AiConversation, AuditAction, Issue, IssueDetail,
    IssueFilter, IssueUpdate, LogFile, NewIssue, ResolutionStep, SearchHit,
};
use super::rows::{json_col, qualified, FromRow};
use super::{ids::Entity, new_id, now_text, Store};

impl FromRow for Issue {
    const COLS: &'static str = "id, title, description, severity, status, category, source, \
                                created_at, updated_at, resolved_at, assigned_to, tags";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Issue {
            id: r.get(0)?,
            title: r.get(1)?,
            description: r.get(2)?,
            severity: r.get(3)?,
            status: r.get(4)?,
            category: r.get(5)?,
            source: r.get(6)?,
            created_at: r.get(7)?,
            updated_at: r.get(8)?,
            resolved_at: r.get(9)?,
            assigned_to: r.get(10)?,
            tags: json_col::<Vec<String>>(r, 11)?.unwrap_or_default(),
        })
    }
}

/// The `tags` column: a JSON array as TEXT (the seed's choice).
fn tags_text(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

/// Tags are trimmed, de-duplicated (first occurrence kept) and must be short single-line words
/// without commas (the CLI's list separator).
fn clean_tags(tags: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().to_string();
        if t.is_empty()
            || t.chars().count() > 64
            || t.contains(',')
            || t.chars().any(char::is_control)
        {
            return Err(StoreError::Invalid {
                field: "tag",
                message: "tags are 1 to 64 characters, with no comma or control character".into(),
            });
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// Quotes user text for FTS5 MATCH: every whitespace-separated word becomes a string literal
/// (so `AND`, `-`, `:`, `"`, `*`, `(` are just characters), the words are ANDed, and the last one
/// matches as a prefix so a half-typed word already finds something.
pub fn fts_query(user: &str) -> Option<String> {
    fts_phrases(user).map(|p| p.join(" "))
}

/// The phrases of [`fts_query`], one per word (the last one a prefix); None for no word.
fn fts_phrases(user: &str) -> Option<Vec<String>> {
    // NUL ends an FTS5 string early ("unterminated string"): control characters become spaces.
    let cleaned: String = user
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut words: Vec<String> = cleaned
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    words.last_mut()?.push('*');
    Some(words)
}

/// Where snippet() marks a match: control characters, which the snippet's text (a title or a
/// description, as typed) practically never holds; one that does only shifts a highlight.
const HIT_OPEN: char = '\u{1}';
const HIT_CLOSE: char = '\u{2}';

/// A snippet with [`HIT_OPEN`]/[`HIT_CLOSE`] marks: its plain text and the marked ranges, in
/// characters.
fn split_snippet(marked: &str) -> (String, Vec<[usize; 2]>) {
    let mut text = String::with_capacity(marked.len());
    let mut ranges = Vec::new();
    let (mut at, mut open) = (0usize, None);
    for c in marked.chars() {
        match c {
            HIT_OPEN => open = Some(at),
            HIT_CLOSE => {
                if let Some(start) = open.take() {
                    ranges.push([start, at]);
                }
            }
            c => {
                text.push(c);
                at += 1;
            }
        }
    }
    (text, ranges)
}

/// FTS5's bm25() takes a term's IDF as ln((N - n + 0.5) / (n + 0.5)) and, where that is not
/// positive (a term in half the rows or more: every term of a small store), 1e-6: every score
/// then prints as -0.00. This is that IDF, to take it back out of a bm25() value.
fn fts5_idf(rows: f64, hits: f64) -> f64 {
    let idf = ((rows - hits + 0.5) / (hits + 0.5)).ln();
    if idf <= 0.0 {
        1e-6
    } else {
        idf
    }
}

/// The IDF the scores use instead (Lucene's BM25): ln(1 + (N - n + 0.5) / (n + 0.5)), always
/// positive, so a common word still counts, a rare one more.
fn score_idf(rows: f64, hits: f64) -> f64 {
    (1.0 + (rows - hits + 0.5) / (hits + 0.5)).ln()
}

impl Store {
    /// The issue `id`, read on `c` (inside the caller's transaction when it is one).
    pub(crate) fn issue_in(&self, c: &Connection, id: &str) -> Result<Issue> {
        self.select_by_id(c, "issues", "issue", id, "reading an issue")
    }

    pub fn create_issue(&self, new: NewIssue) -> Result<Issue> {
        if new.title.trim().is_empty() {
            return Err(StoreError::Invalid {
                field: "title",
                message: "must not be empty".into(),
            });
        }
        validate_severity(&new.severity)?;
        let tags = clean_tags(new.tags)?;
        let now = now_text();
        let issue = Issue {
            id: new_id(),
            title: new.title,
            description: new.description,
            severity: new.severity,
            status: "open".into(),
            category: new.category,
            source: new.source,
            created_at: now.clone(),
            updated_at: now,
            resolved_at: None,
            assigned_to: new.assigned_to,
            tags,
        };
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        tx.execute(
            &format!(
                "INSERT INTO issues ({}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
                Issue::COLS
            ),
            params![
                issue.id,
                issue.title,
                issue.description,
                issue.severity,
                issue.status,
                issue.category,
                issue.source,
                issue.created_at,
                issue.updated_at,
                issue.resolved_at,
                issue.assigned_to,
                tags_text(&issue.tags),
            ],
        )
        .map_err(self.err("creating an issue"))?;
        self.insert_audit(
            &tx,
            AuditAction::IssueCreate,
            &issue.id,
            &json!({"severity": issue.severity, "tag_count": issue.tags.len()}),
        )?;
        tx.commit().map_err(self.err("committing an issue"))?;
        Ok(issue)
    }

    /// Issues, newest first, filtered by status, severity and tag (each optional); `limit` 0 =
    /// all.
    pub fn list_issues(&self, filter: &IssueFilter) -> Result<Vec<Issue>> {
        if let Some(s) = &filter.status {
            validate_status(s)?;
        }
        if let Some(s) = &filter.severity {
            validate_severity(s)?;
        }
        let limit = if filter.limit == 0 {
            -1
        } else {
            filter.limit as i64
        };
        self.select(
            &self.conn(),
            "issues",
            "WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR severity = ?2)
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(issues.tags) WHERE value = ?3))
             ORDER BY created_at DESC, id DESC LIMIT ?4",
            params![
                filter.status,
                filter.severity,
                filter.tag.as_deref().map(str::trim),
                limit
            ],
            "listing issues",
        )
    }

    /// An issue with its logs, 5-Whys and conversations; `id` may be a unique prefix.
    pub fn get_issue(&self, id: &str) -> Result<IssueDetail> {
        let c = self.conn();
        let id = &self.resolve_in(&c, Entity::Issue, id)?;
        let issue = self.issue_in(&c, id)?;
        let log_files = self.select::<LogFile, _>(
            &c,
            "log_files",
            "WHERE issue_id = ?1 ORDER BY uploaded_at, id",
            [id],
            "reading log files",
        )?;
        let resolution_steps = self.select::<ResolutionStep, _>(
            &c,
            "resolution_steps",
            "WHERE issue_id = ?1 ORDER BY step_order, id",
            [id],
            "reading resolution steps",
        )?;
        let conversations = self.select::<AiConversation, _>(
            &c,
            "ai_conversations",
            "WHERE issue_id = ?1 ORDER BY created_at, id",
            [id],
            "reading conversations",
        )?;
        Ok(IssueDetail {
            issue,
            log_files,
            resolution_steps,
            conversations,
        })
    }

    /// Applies a partial update. Any change sets `updated_at`; becoming `resolved` sets
    /// `resolved_at`, going back to `open`/`investigating` clears it (`closed` keeps it).
    pub fn update_issue(&self, id: &str, upd: IssueUpdate) -> Result<Issue> {
        let fields = upd.fields();
        if fields.is_empty() {
            return Err(StoreError::Invalid {
                field: "update",
                message: "nothing to update".into(),
            });
        }
        if let Some(s) = &upd.severity {
            validate_severity(s)?;
        }
        if let Some(s) = &upd.status {
            validate_status(s)?;
        }
        if let Some(t) = &upd.title {
            if t.trim().is_empty() {
                return Err(StoreError::Invalid {
                    field: "title",
                    message: "must not be empty".into(),
                });
            }
        }
        let tags = upd.tags.map(clean_tags).transpose()?;
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let id = &self.resolve_in(&tx, Entity::Issue, id)?;
        let mut i = self.issue_in(&tx, id)?;
        let old_status = i.status.clone();
        let now = now_text();
        if let Some(v) = upd.title {
            i.title = v;
        }
        if let Some(v) = upd.severity {
            i.severity = v;
        }
        if let Some(v) = upd.description {
            i.description = v;
        }
        if let Some(v) = upd.category {
            i.category = v;
        }
        if let Some(v) = upd.source {
            i.source = v;
        }
        if let Some(v) = upd.assigned_to {
            i.assigned_to = v;
        }
        if let Some(v) = tags {
            i.tags = v;
        }
        if let Some(v) = upd.status {
            if v != old_status {
                match v.as_str() {
                    "resolved" => i.resolved_at = Some(now.clone()),
                    "open" | "investigating" => i.resolved_at = None,
                    _ => {}
                }
            }
            i.status = v;
        }
        i.updated_at = now;
        tx.execute(
            "UPDATE issues SET title=?2, description=?3, severity=?4, status=?5, category=?6,
             source=?7, updated_at=?8, resolved_at=?9, assigned_to=?10, tags=?11 WHERE id=?1",
            params![
                i.id,
                i.title,
                i.description,
                i.severity,
                i.status,
                i.category,
                i.source,
                i.updated_at,
                i.resolved_at,
                i.assigned_to,
                tags_text(&i.tags),
            ],
        )
        .map_err(self.err("updating an issue"))?;
        let mut details = json!({ "fields": fields });
        if old_status != i.status {
            details["from_status"] = json!(old_status);
            details["to_status"] = json!(i.status);
        }
        self.insert_audit(&tx, AuditAction::IssueUpdate, id, &details)?;
        tx.commit().map_err(self.err("committing an update"))?;
        Ok(i)
    }

    /// Deletes an issue and (by cascade) its logs, spans, steps, conversations and documents.
    /// The audit entry stays: the audit log is never deleted from.
    pub fn delete_issue(&self, id: &str) -> Result<()> {
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let id = &self.resolve_in(&tx, Entity::Issue, id)?;
        self.issue_in(&tx, id)?;
        let logs: i64 = tx
            .query_row(
                "SELECT count(*) FROM log_files WHERE issue_id = ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(self.err("counting log files"))?;
        tx.execute("DELETE FROM issues WHERE id = ?1", [id])
            .map_err(self.err("deleting an issue"))?;
        self.insert_audit(
            &tx,
            AuditAction::IssueDelete,
            id,
            &json!({"log_files": logs}),
        )?;
        tx.commit().map_err(self.err("committing a delete"))
    }

    /// Moves an issue along its lifecycle (open → investigating → resolved → closed; reopening
    /// is allowed): `update_issue` with the status alone, so `resolved_at` follows the same rule.
    pub fn set_issue_status(&self, id: &str, status: &str) -> Result<Issue> {
        self.update_issue(
            id,
            IssueUpdate {
                status: Some(status.into()),
                ..Default::default()
            },
        )
    }

    /// Adds tags (those already there are kept once).
    pub fn add_tags(&self, id: &str, tags: &[String]) -> Result<Issue> {
        let add = clean_tags(tags.to_vec())?;
        self.edit_tags(id, |t| t.extend(add))
    }

    /// Removes tags (absent ones are ignored).
    pub fn remove_tags(&self, id: &str, tags: &[String]) -> Result<Issue> {
        let gone: Vec<String> = tags.iter().map(|t| t.trim().to_string()).collect();
        self.edit_tags(id, |t| t.retain(|x| !gone.contains(x)))
    }

    fn edit_tags(&self, id: &str, f: impl FnOnce(&mut Vec<String>)) -> Result<Issue> {
        // Read and write under one lock, so a concurrent tag edit is not lost.
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let id = self.resolve_in(&tx, Entity::Issue, id)?;
        let mut tags = self.issue_in(&tx, &id)?.tags;
        f(&mut tags);
        let tags = clean_tags(tags)?;
        tx.execute(
            "UPDATE issues SET tags = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, tags_text(&tags), now_text()],
        )
        .map_err(self.err("updating tags"))?;
        self.insert_audit(
            &tx,
            AuditAction::IssueUpdate,
            &id,
            &json!({"fields": ["tags"], "tag_count": tags.len()}),
        )?;
        let i = self.issue_in(&tx, &id)?;
        tx.commit().map_err(self.err("committing tags"))?;
        Ok(i)
    }

    /// Full-text search over titles and descriptions, best first (BM25, titles weigh 4 times a
    /// description). The query is plain words (quoted for FTS5, so no input is a syntax error),
    /// all of which must match; `limit` 0 = 50.
    ///
    /// The score is BM25 with an IDF that stays positive ([`score_idf`]), computed from FTS5's
    /// own bm25() of each word on its own: that is IDF × the word's term-frequency part (FTS5's
    /// k1, b, column weights and lengths), and its IDF is known ([`fts5_idf`]), so the part is
    /// exact whatever IDF FTS5 clamped.
    pub fn search_issues(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(phrases) = fts_phrases(query) else {
            return Ok(Vec::new());
        };
        let q = phrases.join(" ");
        let limit = if limit == 0 { 50 } else { limit };
        let c = self.conn();
        let ranked = "SELECT rowid, bm25(issues_fts, 0.0, 4.0, 1.0) FROM issues_fts \
                      WHERE issues_fts MATCH ?1";
        let read = |r: &Row<'_>| Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?));
        // The rows that match every word: the hits.
        let hits = self.query_all(&c, ranked, params![q], "searching", read)?;
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        let rows: f64 = c
            .query_row("SELECT count(*) FROM issues", [], |r| r.get::<_, i64>(0))
            .map_err(self.err("searching"))? as f64;
        let mut score: std::collections::HashMap<i64, f64> =
            hits.iter().map(|&(rid, _)| (rid, 0.0)).collect();
        for phrase in &phrases {
            // One word alone is the query itself: its rows are read already.
            let alone = if phrases.len() == 1 {
                hits.clone()
            } else {
                self.query_all(&c, ranked, params![phrase], "searching", read)?
            };
            // A word with no token (punctuation only) matches as nothing in FTS5: no part.
            if alone.is_empty() {
                continue;
            }
            let n = alone.len() as f64;
            let (fts, ours) = (fts5_idf(rows, n), score_idf(rows, n));
            for (rid, bm25) in alone {
                if let Some(s) = score.get_mut(&rid) {
                    *s += ours * (-bm25 / fts);
                }
            }
        }
        let mut top: Vec<(i64, f64)> = score.into_iter().collect();
        // Best first; equal scores newest first (ids are time-ordered, as rowids are).
        top.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        top.truncate(limit);
        // Snippets for the rows shown only: snippet() per match would cost as much as the
        // whole search on a common word.
        let cols = qualified(Issue::COLS, "i");
        let sql = format!(
            "SELECT {cols}, snippet(issues_fts, -1, ?3, ?4, '…', 12)
             FROM issues_fts JOIN issues i ON i.rowid = issues_fts.rowid
             WHERE issues_fts MATCH ?1 AND issues_fts.rowid = ?2"
        );
        let (open, close) = (HIT_OPEN.to_string(), HIT_CLOSE.to_string());
        let mut out = Vec::with_capacity(top.len());
        for (rid, score) in top {
            let found =
                self.query_all(&c, &sql, params![q, rid, open, close], "searching", |r| {
                    let marked = r.get::<_, Option<String>>(12)?.unwrap_or_default();
                    Ok((Issue::from_row(r)?, marked))
                })?;
            for (issue, marked) in found {
                let (snippet, highlights) = split_snippet(&marked);
                out.push(SearchHit {
                    issue,
                    snippet,
                    highlights,
                    score,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_into_text_and_character_ranges() {
        let marked = "\u{1}Checkout\u{2} 502s for \u{1}café\u{2}…";
        let (text, ranges) = split_snippet(marked);
        assert_eq!(text, "Checkout 502s for café…");
        assert_eq!(ranges, vec![[0, 8], [18, 22]]);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[18..22].iter().collect::<String>(), "café");
        // An unmatched mark is dropped, not an error.
        assert_eq!(split_snippet("a\u{2}b"), ("ab".to_owned(), vec![]));
    }

    #[test]
    fn idfs_fts5_clamps_and_ours_does_not() {
        // One row, the word in it: FTS5's IDF is its floor, ours stays positive.
        assert_eq!(fts5_idf(1.0, 1.0), 1e-6);
        assert!(score_idf(1.0, 1.0) > 0.2);
        // A rare word weighs more than a common one.
        assert!(score_idf(1000.0, 1.0) > score_idf(1000.0, 600.0));
        assert!((fts5_idf(1000.0, 1.0) - (999.5f64 / 1.5).ln()).abs() < 1e-12);
    }

    #[test]
    fn fts_query_quotes_every_word_and_prefixes_the_last() {
        let cases: [(&str, Option<&str>); 6] = [
            ("checkout", Some("\"checkout\"*")),
            ("checkout timeout", Some("\"checkout\" \"timeout\"*")),
            ("say \"hi\"", Some("\"say\" \"\"\"hi\"\"\"*")),
            ("AND OR NOT", Some("\"AND\" \"OR\" \"NOT\"*")),
            ("a\u{0}b", Some("\"a\" \"b\"*")),
            ("  \t ", None),
        ];
        for (input, want) in cases {
            assert_eq!(fts_query(input).as_deref(), want, "{input:?}");
        }
    }
}
