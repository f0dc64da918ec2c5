//! One row mapper per table: each model says which columns it reads ([`FromRow::COLS`]) and how a
//! row of them becomes the model ([`FromRow::from_row`]), so no query repeats a mapping closure.

use rusqlite::Row;

/// A model read from one table's row. `COLS` lists the columns in the order `from_row` reads
/// them; a query selects `COLS` (optionally prefixed by a table alias) and may add columns after.
pub(crate) trait FromRow: Sized {
    const COLS: &'static str;
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self>;
}

/// `COLS` with every column qualified by `alias` (`i.id, i.title, …`), for joins.
pub(crate) fn qualified(cols: &str, alias: &str) -> String {
    cols.split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a JSON TEXT column (`issues.tags`, `audit_log.details`); NULL is `None`.
pub(crate) fn json_col<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    match row.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(s) => serde_json::from_str(&s).map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        }),
    }
}
