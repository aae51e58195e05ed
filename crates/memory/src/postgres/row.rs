//! Reading memories back from PostgreSQL rows.

use pattern_core::Memory;
use tokio_postgres::Row;
use tokio_postgres::types::Json;

/// The columns [`memory`] reads, in order, from a `memories AS m` row.
pub(super) const COLUMNS: &str =
    "m.id, m.namespace, m.content, m.tags, m.importance, m.metadata, m.created_at";

/// A memory from a row starting with [`COLUMNS`]; the relevance score, when
/// the query has one, is the next column (`float8`).
pub(super) fn memory(row: &Row, with_score: bool) -> Result<Memory, tokio_postgres::Error> {
    let metadata: Json<serde_json::Map<String, serde_json::Value>> = row.try_get(5)?;
    Ok(Memory {
        id: row.try_get(0)?,
        namespace: row.try_get(1)?,
        content: row.try_get(2)?,
        tags: row.try_get(3)?,
        importance: row.try_get(4)?,
        metadata: metadata.0,
        created_at: row.try_get(6)?,
        score: if with_score { Some(row.try_get(7)?) } else { None },
    })
}
