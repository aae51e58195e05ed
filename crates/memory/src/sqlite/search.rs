//! Ranked search in SQLite: bm25 over the full-text index, and a scan for what the index cannot find.
//!
//! Most searches run in the namespace's FTS5 index alone: every hit is
//! scored with bm25 there, and only the best few are read from `memories`
//! (with their importance and age when scores tie).
//! A search with tags joins every hit to check them. A search with a term
//! the index cannot hold (a single CJK character, an emoji, bare
//! punctuation) or made only of exclusions scans the namespace instead:
//! indexable terms are still looked up in the index, the others matched as
//! substrings, and memories are ranked by how many terms they match.

use std::collections::HashMap;
use std::sync::LazyLock;

use pattern_core::{Memory, SearchQuery};
use rusqlite::Connection;
use rusqlite::types::Value;

use super::fts::{self, Unit};
use super::{row, schema, sqlite_error};
use crate::validate::unique;
use crate::{MemoryError, SearchTerms};

/// Runs a search whose namespace is valid and whose limit is at least one.
pub(super) fn search(conn: &Connection, query: &SearchQuery) -> Result<Vec<Memory>, MemoryError> {
    let terms = SearchTerms::parse(&query.text);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let Some(namespace_id) = schema::namespace_id(conn, &query.namespace)? else {
        return Ok(Vec::new()); // no memory was ever stored there
    };
    let any: Vec<Unit> = terms.any.iter().map(|t| fts::free_term(t)).collect();
    let required: Vec<Unit> = terms.phrases.iter().map(|t| fts::strict_term(t)).collect();
    let excluded: Vec<Unit> = terms.excluded.iter().map(|t| fts::strict_term(t)).collect();
    let scope = Scope {
        namespace: &query.namespace,
        index: schema::index_table(namespace_id),
        tags: unique(query.tags.clone()),
        limit: query.limit,
    };

    if let (Some(any), Some(required), Some(excluded)) =
        (indexed(&any), indexed(&required), indexed(&excluded))
        && let Some(expression) = fts::combine(&required, &any, &excluded)
    {
        return if scope.tags.is_empty() {
            ranked_in_index(conn, &scope, &fts::in_text(&expression))
        } else {
            ranked_with_tags(conn, &scope, &fts::with_tags(&expression, &scope.tags))
        };
    }
    by_scan(conn, &scope, &any, &required, &excluded)
}

/// Where and how much to search.
struct Scope<'a> {
    namespace: &'a str,
    /// The namespace's full-text index table.
    index: String,
    /// Memories must carry every one of these.
    tags: Vec<String>,
    limit: usize,
}

impl Scope<'_> {
    fn tags_json(&self) -> String {
        serde_json::to_string(&self.tags).unwrap_or_else(|_| "[]".into())
    }
}

/// The FTS expressions of the units, if the index can find them all.
fn indexed(units: &[Unit]) -> Option<Vec<String>> {
    units
        .iter()
        .map(|unit| match unit {
            Unit::Fts(expression) => Some(expression.clone()),
            Unit::Substring(_) => None,
        })
        .collect()
}

/// Every hit of the namespace, scored in the index; the best are read.
fn ranked_in_index(
    conn: &Connection,
    scope: &Scope<'_>,
    expression: &str,
) -> Result<Vec<Memory>, MemoryError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT rowid, -bm25({index}, 1.0, 0.5) FROM {index} WHERE {index} MATCH ?1",
            index = scope.index
        ))
        .map_err(sqlite_error)?;
    let mut hits: Vec<(i64, f64)> = stmt
        .query_map([expression], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?)))
        .map_err(sqlite_error)?
        .collect::<Result<_, _>>()
        .map_err(sqlite_error)?;
    if hits.is_empty() {
        return Ok(Vec::new());
    }
    hits.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    let k = scope.limit.min(hits.len());
    // The best k, plus everything tied with the k-th: importance and age
    // decide among equal scores, so they must all be looked at.
    let cutoff = hits[k - 1].1;
    let candidates = &hits[..hits.partition_point(|&(_, score)| score >= cutoff)];
    let tied = candidates.len() > k || candidates.windows(2).any(|w| w[0].1 == w[1].1);
    let best: Vec<(i64, f64)> = if tied {
        let keys = tie_breakers(conn, candidates)?;
        let key = |id: &i64| keys.get(id).copied().unwrap_or((0.0, 0));
        let mut ordered = candidates.to_vec();
        ordered.sort_by(|a, b| {
            let ((ia, ca), (ib, cb)) = (key(&a.0), key(&b.0));
            b.1.total_cmp(&a.1).then(ib.total_cmp(&ia)).then(cb.cmp(&ca)).then(b.0.cmp(&a.0))
        });
        ordered.truncate(k);
        ordered
    } else {
        candidates[..k].to_vec()
    };
    read_in_order(conn, &best)
}

/// Importance and creation time of memories, by id.
fn tie_breakers(
    conn: &Connection,
    hits: &[(i64, f64)],
) -> Result<HashMap<i64, (f64, i64)>, MemoryError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, importance, created_at FROM memories \
             WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .map_err(sqlite_error)?;
    let rows = stmt
        .query_map([ids_json(hits)], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .map_err(sqlite_error)?;
    rows.collect::<Result<_, _>>().map_err(sqlite_error)
}

/// The memories of `hits`, in that order, each with its score.
fn read_in_order(conn: &Connection, hits: &[(i64, f64)]) -> Result<Vec<Memory>, MemoryError> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {} FROM memories AS m WHERE m.id IN (SELECT value FROM json_each(?1))",
            row::COLUMNS
        )
    });
    let mut stmt = conn.prepare_cached(&SQL).map_err(sqlite_error)?;
    let mut found: HashMap<i64, Memory> = stmt
        .query_map([ids_json(hits)], |r| row::memory(r, false).map(|m| (m.id, m)))
        .map_err(sqlite_error)?
        .collect::<Result<_, _>>()
        .map_err(sqlite_error)?;
    Ok(hits
        .iter()
        .filter_map(|&(id, score)| {
            found.remove(&id).map(|memory| Memory { score: Some(score), ..memory })
        })
        .collect())
}

fn ids_json(hits: &[(i64, f64)]) -> String {
    let ids: Vec<i64> = hits.iter().map(|&(id, _)| id).collect();
    serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into())
}

/// Hits joined to their memories to check the tags, ranked in SQL.
fn ranked_with_tags(
    conn: &Connection,
    scope: &Scope<'_>,
    expression: &str,
) -> Result<Vec<Memory>, MemoryError> {
    let sql = format!(
        "SELECT {cols}, -bm25({index}, 1.0, 0.5) AS score \
         FROM {index} CROSS JOIN memories AS m ON m.id = {index}.rowid \
         WHERE {index} MATCH ?1 \
         AND (SELECT count(DISTINCT t.value) FROM json_each(m.tags) AS t \
              WHERE t.value IN (SELECT value FROM json_each(?2))) = ?3 \
         ORDER BY score DESC, m.importance DESC, m.created_at DESC, m.id DESC LIMIT ?4",
        cols = row::COLUMNS,
        index = scope.index
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(sqlite_error)?;
    let rows = stmt
        .query_map(
            rusqlite::params![
                expression,
                scope.tags_json(),
                scope.tags.len() as i64,
                scope.limit as i64
            ],
            |r| row::memory(r, true),
        )
        .map_err(sqlite_error)?;
    rows.collect::<Result<_, _>>().map_err(sqlite_error)
}

/// The namespace's memories, each `any` unit adding one to the score.
/// Parameters: `?1` namespace, `?2`/`?3` tags, `?4` limit, then one per unit.
fn by_scan(
    conn: &Connection,
    scope: &Scope<'_>,
    any: &[Unit],
    required: &[Unit],
    excluded: &[Unit],
) -> Result<Vec<Memory>, MemoryError> {
    let mut params: Vec<Value> = vec![
        Value::Text(scope.namespace.to_owned()),
        Value::Integer(scope.tags.len() as i64),
        Value::Text(scope.tags_json()),
        Value::Integer(scope.limit as i64),
    ];
    let mut predicate = |unit: &Unit| -> String {
        match unit {
            Unit::Fts(expression) => {
                params.push(Value::Text(fts::in_text(expression)));
                format!(
                    "m.id IN (SELECT rowid FROM {index} WHERE {index} MATCH ?{})",
                    params.len(),
                    index = scope.index
                )
            }
            Unit::Substring(text) => {
                // SQLite's lower() folds ASCII only; fold the term the same way.
                params.push(Value::Text(text.to_ascii_lowercase()));
                format!("instr(lower(m.content), ?{}) > 0", params.len())
            }
        }
    };

    let mut score = String::from("0");
    for unit in any {
        score.push_str(&format!(" + ({})", predicate(unit)));
    }
    let mut conditions = String::from(
        "m.namespace = ?1 AND (?2 = 0 OR (SELECT count(DISTINCT t.value) \
         FROM json_each(m.tags) AS t WHERE t.value IN (SELECT value FROM json_each(?3))) = ?2)",
    );
    for unit in required {
        conditions.push_str(&format!(" AND {}", predicate(unit)));
    }
    for unit in excluded {
        conditions.push_str(&format!(" AND NOT {}", predicate(unit)));
    }
    // Optional words must match somewhere when nothing else is required.
    let must_score = if !any.is_empty() && required.is_empty() { "WHERE score > 0" } else { "" };
    let sql = format!(
        "SELECT * FROM (SELECT {cols}, {score} AS score FROM memories AS m WHERE {conditions}) \
         {must_score} ORDER BY score DESC, importance DESC, created_at DESC, id DESC LIMIT ?4",
        cols = row::COLUMNS
    );

    let mut stmt = conn.prepare_cached(&sql).map_err(sqlite_error)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params), |r| row::memory(r, true))
        .map_err(sqlite_error)?;
    rows.collect::<Result<_, _>>().map_err(sqlite_error)
}
