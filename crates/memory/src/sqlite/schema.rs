//! The SQLite schema, its migrations (versioned by `PRAGMA user_version`), and the full-text index of each namespace.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::{BACKEND, sqlite_error};
use crate::MemoryError;

/// Migrations in order; migration `i` brings the schema to version `i + 1`.
///
/// Version 1: memories, the (namespace, created_at) index for `recent`, and
/// a small id for each namespace, which names its full-text index table
/// (see [`index_table`]).
///
/// Version 2: the caller's idempotency key of a memory, unique within its
/// namespace (memories written without one have none).
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE memories (
        id          INTEGER PRIMARY KEY,
        namespace   TEXT    NOT NULL,
        content     TEXT    NOT NULL,
        tags        TEXT    NOT NULL DEFAULT '[]',   -- JSON array of strings
        importance  REAL    NOT NULL DEFAULT 0.5,
        metadata    TEXT    NOT NULL DEFAULT '{}',   -- JSON object
        created_at  INTEGER NOT NULL                 -- unix milliseconds
    );
    CREATE INDEX memories_namespace_created_at
        ON memories (namespace, created_at DESC, id DESC);
    CREATE TABLE namespaces (
        id    INTEGER PRIMARY KEY,
        name  TEXT NOT NULL UNIQUE
    );
",
    "
    ALTER TABLE memories ADD COLUMN idempotency_key TEXT;
    CREATE UNIQUE INDEX memories_namespace_idempotency_key
        ON memories (namespace, idempotency_key) WHERE idempotency_key IS NOT NULL;
",
];

/// The schema version this build writes.
pub(super) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`VERSION`], one transaction per migration.
/// A database written by a newer build is refused rather than misread.
/// Each step re-reads the version under the write lock, so two processes
/// opening a new file at once do not both migrate it.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), MemoryError> {
    loop {
        let tx =
            conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite_error)?;
        let current: i64 =
            tx.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(sqlite_error)?;
        if current > VERSION {
            return Err(MemoryError::Unavailable {
                backend: BACKEND,
                reason: format!(
                    "the database has schema version {current}, newer than this build knows ({VERSION}); upgrade pattern-mcp"
                ),
            });
        }
        let Some(sql) = MIGRATIONS.get(current as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql).map_err(sqlite_error)?;
        tx.pragma_update(None, "user_version", current + 1).map_err(sqlite_error)?;
        tx.commit().map_err(sqlite_error)?;
        tracing::info!(backend = BACKEND, version = current + 1, "memory schema migrated");
    }
}

/// The full-text index table of a namespace: `memories_fts_<id>`.
///
/// Each namespace has its own FTS5 table (rowid = memory id, columns `body`
/// and `tags`), created with its first memory. A search then reads only that
/// namespace's postings, and bm25's statistics (how rare a word is, how long
/// a memory is on average) are the namespace's own: one tenant's words
/// neither slow down nor skew another's ranking. The table is contentless:
/// the store writes each memory's index text (content and tags, CJK runs
/// segmented into bigrams) in the same transaction as the memory; deleting a
/// memory must likewise delete its index row (`DELETE FROM memories_fts_<id>
/// WHERE rowid = ?`, which `contentless_delete` allows). Only the integer id
/// ever goes into the table name.
pub(super) fn index_table(namespace_id: i64) -> String {
    format!("memories_fts_{namespace_id}")
}

/// The id of a namespace, if it ever held a memory.
pub(super) fn namespace_id(conn: &Connection, namespace: &str) -> Result<Option<i64>, MemoryError> {
    conn.prepare_cached("SELECT id FROM namespaces WHERE name = ?1")
        .and_then(|mut s| s.query_row([namespace], |r| r.get(0)).optional())
        .map_err(sqlite_error)
}

/// The id of a namespace, registering it and creating its index table on
/// its first memory. Runs inside the writer's transaction.
pub(super) fn ensure_namespace(conn: &Connection, namespace: &str) -> Result<i64, MemoryError> {
    if let Some(id) = namespace_id(conn, namespace)? {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO namespaces (name) VALUES (?1)")
        .and_then(|mut s| s.execute([namespace]))
        .map_err(sqlite_error)?;
    let id = conn.last_insert_rowid();
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE IF NOT EXISTS {} USING fts5(
             body, tags,
             content = '',
             contentless_delete = 1,
             tokenize = 'porter unicode61 remove_diacritics 2'
         );",
        index_table(id)
    ))
    .map_err(sqlite_error)?;
    Ok(id)
}

#[cfg(test)]
mod tests;
