//! `resolution_steps`: the 5-Whys of an issue (`step_order` 1–5).

use rusqlite::{params, Row};

use super::error::{Result, StoreError};
use super::models::ResolutionStep;
use super::rows::FromRow;
use super::{new_id, now_text, Store};

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

impl Store {
    /// Adds a 5-Whys step (`step_order` 1..=5) to an issue.
    pub fn add_resolution_step(
        &self,
        issue_id: &str,
        step_order: i64,
        why_question: &str,
        answer: Option<&str>,
        evidence: Option<&str>,
    ) -> Result<ResolutionStep> {
        if !(1..=5).contains(&step_order) {
            return Err(StoreError::Invalid {
                field: "step_order",
                message: "must be 1 to 5".into(),
            });
        }
        let st = ResolutionStep {
            id: new_id(),
            issue_id: issue_id.into(),
            step_order,
            why_question: why_question.into(),
            answer: answer.map(Into::into),
            evidence: evidence.map(Into::into),
            created_at: now_text(),
        };
        let mut c = self.conn();
        let tx = self.write_tx(&mut c)?;
        self.issue_in(&tx, issue_id)?;
        tx.execute(
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
        tx.commit()
            .map_err(self.err("committing a resolution step"))?;
        Ok(st)
    }
}
