//! Ids by unique prefix: every API that takes an id takes any unique prefix of it (like git's
//! object names), resolved inside the same lock or transaction as the operation.

use rusqlite::Connection;

use super::error::{Result, StoreError};
use super::Store;

/// The kinds of row an id can name.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Entity {
    Issue,
    LogFile,
    Step,
    Document,
    Conversation,
}

impl Entity {
    fn table(self) -> &'static str {
        match self {
            Entity::Issue => "issues",
            Entity::LogFile => "log_files",
            Entity::Step => "resolution_steps",
            Entity::Document => "documents",
            Entity::Conversation => "ai_conversations",
        }
    }

    /// The name errors use.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Issue => "issue",
            Entity::LogFile => "log file",
            Entity::Step => "5-Whys step",
            Entity::Document => "document",
            Entity::Conversation => "conversation",
        }
    }
}

/// How many candidates an ambiguity error lists.
const SHOWN: usize = 5;

impl Store {
    /// The full id of the `entity` whose id starts with `prefix` (case-insensitive; a full id is
    /// a prefix of itself). Unknown: `NotFound`; several: `AmbiguousId` listing some of them.
    pub fn resolve_id(&self, entity: Entity, prefix: &str) -> Result<String> {
        self.resolve_in(&self.conn(), entity, prefix)
    }

    pub(crate) fn resolve_in(
        &self,
        c: &Connection,
        entity: Entity,
        prefix: &str,
    ) -> Result<String> {
        let p = prefix.trim().to_ascii_lowercase();
        if p.is_empty() {
            return Err(StoreError::Invalid {
                field: "id",
                message: format!("the {} id is empty", entity.name()),
            });
        }
        let not_found = || StoreError::NotFound {
            entity: entity.name(),
            id: prefix.trim().into(),
        };
        // Ids are UUIDs: anything else cannot start one (and must not reach LIKE as a pattern).
        if !p.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(not_found());
        }
        let found: Vec<String> = self.query_all(
            c,
            &format!(
                "SELECT id FROM {} WHERE id LIKE ?1 || '%' ORDER BY id LIMIT {}",
                entity.table(),
                SHOWN + 1
            ),
            [&p],
            "resolving an id",
            |r| r.get(0),
        )?;
        if found.contains(&p) {
            return Ok(p);
        }
        match found.len() {
            0 => Err(not_found()),
            1 => Ok(found.into_iter().next().unwrap_or_default()),
            n => Err(StoreError::AmbiguousId {
                entity: entity.name(),
                prefix: p,
                candidates: found
                    .into_iter()
                    .take(SHOWN)
                    .chain((n > SHOWN).then(|| "…".to_string()))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}
