//! `resolution_steps`: the 5-Whys of an issue. Steps are numbered 1..=n without gaps (`step_order`
//! 1–5, the seed's range): adding appends, deleting and moving renumber, a sixth is refused.
//! Evidence is a reference ([`Evidence`]) — a log's line range or a finding's fingerprint —
//! checked on the way in, never free text, so no value can be parked there.

use rusqlite::{params, Connection, Row};
use serde_json::json;

use super::error::{Result, StoreError};
use super::models::{AuditAction, Evidence, NewWhy, ResolutionStep, WhyUpdate};
use super::rows::FromRow;
use super::{ids::Entity, new_id, now_text, Store};

/// The 5-Whys stop at five (the seed's `step_order` range).
pub const MAX_WHYS: i64 = 5;

impl FromRow for ResolutionStep {
    const COLS: &'static str =
        "id, issue_id, step_order, why_question, answer, evidence, created_at";
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ResolutionStep {
            id: r.get(0)?,
            issue_id: r.get(1)?,
            step_order: r.get(2)?,
            why_question: r.get(3)?,
            answer: r.get(4)?,
            evidence: r.get(5)?,
            created_at: r.get(6)?,
        })
    }
}

fn check_question(q: &str) -> Result<()> {
    if q.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "question",
            message: "must not be empty".into(),
        });
    }
    Ok(())
}

fn too_many(issue_id: &str) -> StoreError {
    StoreError::Invalid {
        field: "5-Whys",
        message: format!(
            "issue {issue_id} already has {MAX_WHYS} whys, the most a 5-Whys holds; edit or delete one \
             instead of adding a sixth"
        ),
    }
}

impl Store {
    /// Checks a reference against the store: a log must be attached to `issue_id` (a prefix of
    /// its id is resolved); returns the canonical text stored in `evidence`.
    fn evidence_text(&self, c: &Connection, issue_id: &str, ev: &Evidence) -> Result<String> {
        Ok(match ev {
            Evidence::Log {
                log_file_id,
                first_line,
                last_line,
            } => {
                let id = self.resolve_in(c, Entity::LogFile, log_file_id)?;
                let owner: String = c
                    .query_row("SELECT issue_id FROM log_files WHERE id = ?1", [&id], |r| {
                        r.get(0)
                    })
                    .map_err(self.err("reading a log file"))?;
                if owner != issue_id {
                    return Err(StoreError::Invalid {
                        field: "evidence",
                        message: format!("log file {id} is attached to another issue"),
                    });
                }
                Evidence::Log {
                    log_file_id: id,
                    first_line: *first_line,
                    last_line: *last_line,
                }
                .to_string()
            }
            Evidence::Finding { .. } => ev.to_string(),
        })
    }

    fn steps_in(&self, c: &Connection, issue_id: &str) -> Result<Vec<ResolutionStep>> {
        self.select(
            c,
            "resolution_steps",
            "WHERE issue_id = ?1 ORDER BY step_order, created_at, id",
            [issue_id],
            "reading resolution steps",
        )
    }

    /// Renumbers an issue's steps 1..=n in the order given.
    fn renumber(&self, c: &Connection, ids: &[String]) -> Result<()> {
        for (i, id) in ids.iter().enumerate() {
            c.execute(
                "UPDATE resolution_steps SET step_order = ?2 WHERE id = ?1",
                params![id, i as i64 + 1],
            )
            .map_err(self.err("renumbering resolution steps"))?;
        }
        Ok(())
    }

    fn step_in(&self, c: &Connection, step_id: &str) -> Result<ResolutionStep> {
        let id = self.resolve_in(c, Entity::Step, step_id)?;
        self.select_by_id(c, "resolution_steps", "5-Whys step", &id, "reading a step")
    }

    /// An issue's 5-Whys in order.
    pub fn whys(&self, issue_id: &str) -> Result<Vec<ResolutionStep>> {
        let c = self.conn();
        let issue_id = self.resolve_in(&c, Entity::Issue, issue_id)?;
        self.steps_in(&c, &issue_id)
    }

    /// One step by id (or unique prefix).
    pub fn get_why(&self, step_id: &str) -> Result<ResolutionStep> {
        self.step_in(&self.conn(), step_id)
    }

    /// Appends a why after the last one (`step_order` = n + 1); a sixth is refused.
    pub fn add_why(&self, issue_id: &str, new: NewWhy) -> Result<ResolutionStep> {
        check_question(&new.question)?;
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let issue_id = self.resolve_in(&tx, Entity::Issue, issue_id)?;
        let n = self.steps_in(&tx, &issue_id)?.len() as i64;
        if n >= MAX_WHYS {
            return Err(too_many(&issue_id));
        }
        let evidence = new
            .evidence
            .as_ref()
            .map(|e| self.evidence_text(&tx, &issue_id, e))
            .transpose()?;
        let st = ResolutionStep {
            id: new_id(),
            issue_id,
            step_order: n + 1,
            why_question: new.question,
            answer: new.answer,
            evidence,
            created_at: now_text(),
        };
        self.insert_step(&tx, &st)?;
        tx.commit()
            .map_err(self.err("committing a resolution step"))?;
        Ok(st)
    }

    fn insert_step(&self, c: &Connection, st: &ResolutionStep) -> Result<()> {
        c.execute(
            &format!(
                "INSERT INTO resolution_steps ({}) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                ResolutionStep::COLS
            ),
            params![
                st.id,
                st.issue_id,
                st.step_order,
                st.why_question,
                st.answer,
                st.evidence,
                st.created_at
            ],
        )
        .map_err(self.err("storing a resolution step"))?;
        self.insert_audit(
            c,
            AuditAction::WhyAdd,
            &st.id,
            &json!({
                "issue_id": st.issue_id,
                "step_order": st.step_order,
                "has_answer": st.answer.is_some(),
                "has_evidence": st.evidence.is_some(),
            }),
        )?;
        Ok(())
    }

    /// Adds a 5-Whys step at `step_order` (1..=5), inserting it there: the steps from that
    /// position on move down one; a position past the end appends. A sixth step is refused.
    /// `evidence` must be a reference (`log:<id>:<first>-<last>` or `finding:<sha256>`).
    pub fn add_resolution_step(
        &self,
        issue_id: &str,
        step_order: i64,
        why_question: &str,
        answer: Option<&str>,
        evidence: Option<&str>,
    ) -> Result<ResolutionStep> {
        if !(1..=MAX_WHYS).contains(&step_order) {
            return Err(StoreError::Invalid {
                field: "step_order",
                message: "must be 1 to 5".into(),
            });
        }
        check_question(why_question)?;
        let evidence: Option<Evidence> = evidence.map(str::parse).transpose()?;
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let issue_id = self.resolve_in(&tx, Entity::Issue, issue_id)?;
        let mut ids: Vec<String> = self
            .steps_in(&tx, &issue_id)?
            .into_iter()
            .map(|s| s.id)
            .collect();
        if ids.len() as i64 >= MAX_WHYS {
            return Err(too_many(&issue_id));
        }
        let evidence = evidence
            .as_ref()
            .map(|e| self.evidence_text(&tx, &issue_id, e))
            .transpose()?;
        let at = (step_order as usize - 1).min(ids.len());
        let st = ResolutionStep {
            id: new_id(),
            issue_id,
            step_order: at as i64 + 1,
            why_question: why_question.into(),
            answer: answer.map(Into::into),
            evidence,
            created_at: now_text(),
        };
        self.insert_step(&tx, &st)?;
        ids.insert(at, st.id.clone());
        self.renumber(&tx, &ids)?;
        tx.commit()
            .map_err(self.err("committing a resolution step"))?;
        Ok(st)
    }

    /// Edits a step's question, answer or evidence.
    pub fn update_why(&self, step_id: &str, upd: WhyUpdate) -> Result<ResolutionStep> {
        if upd.question.is_none() && upd.answer.is_none() && upd.evidence.is_none() {
            return Err(StoreError::Invalid {
                field: "update",
                message: "nothing to update".into(),
            });
        }
        if let Some(q) = &upd.question {
            check_question(q)?;
        }
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let mut st = self.step_in(&tx, step_id)?;
        let mut fields = Vec::new();
        if let Some(q) = upd.question {
            st.why_question = q;
            fields.push("why_question");
        }
        if let Some(a) = upd.answer {
            st.answer = a;
            fields.push("answer");
        }
        if let Some(e) = upd.evidence {
            st.evidence = e
                .as_ref()
                .map(|e| self.evidence_text(&tx, &st.issue_id, e))
                .transpose()?;
            fields.push("evidence");
        }
        tx.execute(
            "UPDATE resolution_steps SET why_question = ?2, answer = ?3, evidence = ?4 WHERE id = ?1",
            params![st.id, st.why_question, st.answer, st.evidence],
        )
        .map_err(self.err("updating a resolution step"))?;
        self.insert_audit(
            &tx,
            AuditAction::WhyUpdate,
            &st.id,
            &json!({"issue_id": st.issue_id, "fields": fields}),
        )?;
        tx.commit()
            .map_err(self.err("committing a resolution step"))?;
        Ok(st)
    }

    /// Moves a step to position `to` (1..=n); the others keep their relative order.
    pub fn move_why(&self, step_id: &str, to: i64) -> Result<Vec<ResolutionStep>> {
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let st = self.step_in(&tx, step_id)?;
        let mut ids: Vec<String> = self
            .steps_in(&tx, &st.issue_id)?
            .into_iter()
            .map(|s| s.id)
            .collect();
        if !(1..=ids.len() as i64).contains(&to) {
            return Err(StoreError::Invalid {
                field: "position",
                message: format!(
                    "must be 1 to {} (the issue has {} whys)",
                    ids.len(),
                    ids.len()
                ),
            });
        }
        let from = ids.iter().position(|i| *i == st.id).unwrap_or(0);
        let id = ids.remove(from);
        ids.insert(to as usize - 1, id);
        self.renumber(&tx, &ids)?;
        self.insert_audit(
            &tx,
            AuditAction::WhyUpdate,
            &st.id,
            &json!({"issue_id": st.issue_id, "fields": ["step_order"], "from": from + 1, "to": to}),
        )?;
        let all = self.steps_in(&tx, &st.issue_id)?;
        tx.commit()
            .map_err(self.err("committing a resolution step"))?;
        Ok(all)
    }

    /// Deletes a step; the ones after it move up.
    pub fn delete_why(&self, step_id: &str) -> Result<ResolutionStep> {
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        let st = self.step_in(&tx, step_id)?;
        tx.execute("DELETE FROM resolution_steps WHERE id = ?1", [&st.id])
            .map_err(self.err("deleting a resolution step"))?;
        let ids: Vec<String> = self
            .steps_in(&tx, &st.issue_id)?
            .into_iter()
            .map(|s| s.id)
            .collect();
        self.renumber(&tx, &ids)?;
        self.insert_audit(
            &tx,
            AuditAction::WhyDelete,
            &st.id,
            &json!({"issue_id": st.issue_id, "step_order": st.step_order}),
        )?;
        tx.commit()
            .map_err(self.err("committing a resolution step"))?;
        Ok(st)
    }
}
