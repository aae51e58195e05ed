//! Reading memories back from SQLite rows.

use chrono::{DateTime, Utc};
use pattern_core::Memory;
use rusqlite::Row;
use rusqlite::types::Type;

/// The columns [`memory`] reads, in order, from a `memories AS m` row.
pub(super) const COLUMNS: &str =
    "m.id, m.namespace, m.content, m.tags, m.importance, m.metadata, m.created_at";

/// A memory from a row starting with [`COLUMNS`]; the relevance score, when
/// the query has one, is the next column.
pub(super) fn memory(row: &Row<'_>, with_score: bool) -> rusqlite::Result<Memory> {
    let tags: String = row.get(3)?;
    let metadata: String = row.get(5)?;
    let created_at: i64 = row.get(6)?;
    Ok(Memory {
        id: row.get(0)?,
        namespace: row.get(1)?,
        content: row.get(2)?,
        tags: serde_json::from_str(&tags).map_err(|e| invalid(3, e))?,
        importance: row.get(4)?,
        metadata: serde_json::from_str(&metadata).map_err(|e| invalid(5, e))?,
        created_at: timestamp(created_at).ok_or_else(|| invalid(6, "timestamp out of range"))?,
        score: if with_score { Some(row.get(7)?) } else { None },
    })
}

/// Unix milliseconds to a time; `None` outside chrono's range.
pub(super) fn timestamp(millis: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis)
}

fn invalid(
    column: usize,
    error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, Type::Text, error.into())
}
