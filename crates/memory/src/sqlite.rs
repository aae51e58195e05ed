//! The embedded SQLite memory store: FTS5 full-text search in one file (or in memory), worked on dedicated threads.
//!
//! A file database runs in WAL mode with one writer thread and a few reader
//! threads, so searches go on while a memory is written; an in-memory
//! database is one connection on one thread. No SQLite call ever runs on the
//! async runtime.

use std::num::NonZero;
use std::path::Path;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use pattern_core::{Memory, MemoryAvailability, NewMemory, SearchQuery};
use rusqlite::ffi::ErrorCode;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::counters::Counters;
use super::{BoxFuture, MemoryError, MemoryStore, Stored, validate};

mod fts;
mod row;
mod schema;
mod search;
mod worker;

use worker::Lane;

/// The backend name in errors, `stats` and metrics.
pub(crate) const BACKEND: &str = "sqlite";

/// How long a write waits for another process's write lock before failing
/// with [`MemoryError::Timeout`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection: the fixed statements plus the
/// shapes of scan searches seen recently.
const STATEMENT_CACHE: usize = 64;

/// Page cache per connection, in KiB (a file store has up to five
/// connections): enough to keep the indexes of a 100,000-memory store hot.
const CACHE_KIB: i64 = 16 * 1024;

/// The embedded memory store (the default backend).
#[derive(Debug)]
pub struct SqliteStore {
    writer: Lane,
    /// The same lane as `writer` for an in-memory database.
    readers: Lane,
    counters: Arc<Counters>,
}

impl SqliteStore {
    /// Opens (creating it and its parent directories if needed) the database
    /// file at `path`, in WAL mode, migrated to the current schema, and loads
    /// the per-namespace counts once.
    pub async fn open(path: &Path) -> Result<Self, MemoryError> {
        let file = path.to_owned();
        let writer =
            Lane::start("pattern-sqlite-writer", 1, Arc::new(move || open_file(&file, true)))
                .await?;
        let file = path.to_owned();
        let readers = Lane::start(
            "pattern-sqlite-reader",
            reader_threads(),
            Arc::new(move || open_file(&file, false)),
        )
        .await?;
        tracing::info!(backend = BACKEND, path = %path.display(), "memory store opened");
        Self::with_lanes(writer, readers).await
    }

    /// A private, empty in-memory database (tests, `sqlite::memory:`); its
    /// memories are gone when the store is dropped.
    pub async fn open_in_memory() -> Result<Self, MemoryError> {
        let lane = Lane::start(
            "pattern-sqlite-memory",
            1,
            Arc::new(|| {
                let mut conn = Connection::open_in_memory().map_err(sqlite_error)?;
                configure(&conn)?;
                schema::migrate(&mut conn)?;
                Ok(conn)
            }),
        )
        .await?;
        Self::with_lanes(lane.clone(), lane).await
    }

    async fn with_lanes(writer: Lane, readers: Lane) -> Result<Self, MemoryError> {
        let counts = writer.run(load_counts).await?;
        Ok(Self { writer, readers, counters: Arc::new(Counters::loaded(counts)) })
    }

    /// Writes many memories in one transaction (imports, benchmarks): far
    /// faster than one `store` each. All or none are written.
    pub async fn store_batch(&self, memories: Vec<NewMemory>) -> Result<Vec<Memory>, MemoryError> {
        let memories = validate::new_batch(memories)?;
        let counters = Arc::clone(&self.counters);
        let stored = self.writer.run(move |conn| insert(conn, memories, &counters)).await?;
        Ok(stored.into_iter().map(|s| s.memory).collect())
    }
}

impl MemoryAvailability for SqliteStore {
    fn has_memories(&self, namespace: &str) -> bool {
        self.counters.has(namespace)
    }
}

impl MemoryStore for SqliteStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn store(&self, memory: NewMemory) -> BoxFuture<'_, Result<Stored, MemoryError>> {
        Box::pin(async move {
            let memory = validate::new_memory(memory)?;
            let counters = Arc::clone(&self.counters);
            let stored = self.writer.run(move |conn| insert(conn, vec![memory], &counters)).await?;
            validate::stored_one(BACKEND, stored)
        })
    }

    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>> {
        Box::pin(async move {
            let Some(query) = validate::search_query(query)? else { return Ok(Vec::new()) };
            let hits = self.readers.run(move |conn| search::search(conn, &query)).await?;
            Ok(crate::relative_scores(hits))
        })
    }

    fn recent(
        &self,
        namespace: &str,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>> {
        let namespace = namespace.to_owned();
        Box::pin(async move {
            validate::namespace(&namespace)?;
            let limit = validate::limit(limit) as i64;
            self.readers
                .run(move |conn| {
                    static SQL: LazyLock<String> = LazyLock::new(|| {
                        format!(
                            "SELECT {} FROM memories AS m WHERE m.namespace = ?1 \
                             ORDER BY m.created_at DESC, m.id DESC LIMIT ?2",
                            row::COLUMNS
                        )
                    });
                    let mut stmt = conn.prepare_cached(&SQL).map_err(sqlite_error)?;
                    let rows = stmt
                        .query_map(rusqlite::params![namespace, limit], |r| row::memory(r, false))
                        .map_err(sqlite_error)?;
                    rows.collect::<Result<_, _>>().map_err(sqlite_error)
                })
                .await
        })
    }

    fn count(&self, namespace: Option<&str>) -> BoxFuture<'_, Result<u64, MemoryError>> {
        let namespace = namespace.map(str::to_owned);
        Box::pin(async move {
            if let Some(namespace) = &namespace {
                validate::namespace(namespace)?;
            }
            self.readers
                .run(move |conn| {
                    let count: i64 = match &namespace {
                        None => conn
                            .prepare_cached("SELECT count(*) FROM memories")
                            .and_then(|mut s| s.query_row([], |r| r.get(0))),
                        Some(namespace) => conn
                            .prepare_cached("SELECT count(*) FROM memories WHERE namespace = ?1")
                            .and_then(|mut s| s.query_row([namespace], |r| r.get(0))),
                    }
                    .map_err(sqlite_error)?;
                    Ok(count.max(0) as u64)
                })
                .await
        })
    }

    fn total(&self) -> u64 {
        self.counters.total()
    }

    fn health(&self) -> BoxFuture<'_, Result<(), MemoryError>> {
        Box::pin(async move {
            self.readers
                .run(|conn| {
                    conn.prepare_cached("SELECT count(*) FROM sqlite_schema")
                        .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
                        .map(drop)
                        .map_err(sqlite_error)
                })
                .await
        })
    }
}

/// Writes memories and their index entries in one transaction, then counts
/// them (after the commit, so the counters never run ahead of the data).
/// A memory whose idempotency key its namespace already holds is not
/// written: the earlier memory is its answer. The transaction holds the
/// write lock from its start, so no other writer, in this process or
/// another, can store the same key between the look-up and the insert.
fn insert(
    conn: &mut Connection,
    memories: Vec<NewMemory>,
    counters: &Counters,
) -> Result<Vec<Stored>, MemoryError> {
    let now = chrono::Utc::now().timestamp_millis();
    let created_at = row::timestamp(now).ok_or_else(|| MemoryError::Internal {
        backend: BACKEND,
        reason: "the system clock is out of range".into(),
    })?;
    // Immediate: take the write lock up front, waiting (busy timeout) for
    // another process's writer. A read transaction upgraded later would
    // fail at once instead.
    let tx =
        conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite_error)?;
    let keyed = memories.iter().any(|m| m.idempotency_key.is_some());
    let mut stored = Vec::with_capacity(memories.len());
    {
        let mut insert_memory = tx
            .prepare_cached(
                "INSERT INTO memories \
                 (namespace, content, tags, importance, metadata, created_at, idempotency_key) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(sqlite_error)?;
        let mut namespace_ids: Vec<(String, i64)> = Vec::new();
        for memory in memories {
            if let Some(key) = &memory.idempotency_key
                && let Some(earlier) = stored_under(&tx, &memory.namespace, key)?
            {
                stored.push(validate::replayed(&memory, earlier)?);
                continue;
            }
            let namespace_id = match namespace_ids.iter().find(|(ns, _)| *ns == memory.namespace) {
                Some((_, id)) => *id,
                None => {
                    let id = schema::ensure_namespace(&tx, &memory.namespace)?;
                    namespace_ids.push((memory.namespace.clone(), id));
                    id
                }
            };
            let tags = serde_json::to_string(&memory.tags).map_err(json_error)?;
            let metadata = serde_json::to_string(&memory.metadata).map_err(json_error)?;
            insert_memory
                .execute(rusqlite::params![
                    memory.namespace,
                    memory.content,
                    tags,
                    memory.importance,
                    metadata,
                    now,
                    memory.idempotency_key
                ])
                .map_err(sqlite_error)?;
            let id = tx.last_insert_rowid();
            tx.prepare_cached(&format!(
                "INSERT INTO {} (rowid, body, tags) VALUES (?1, ?2, ?3)",
                schema::index_table(namespace_id)
            ))
            .and_then(|mut s| {
                s.execute(rusqlite::params![
                    id,
                    fts::body_text(&memory.content),
                    fts::tags_text(&memory.tags)
                ])
            })
            .map_err(sqlite_error)?;
            let memory = Memory {
                id,
                namespace: memory.namespace,
                content: memory.content,
                tags: memory.tags,
                importance: memory.importance,
                metadata: memory.metadata,
                created_at,
                score: None,
            };
            stored.push(Stored { memory, replayed: false });
        }
    }
    // A commit that fails may still have reached the file (an I/O error
    // after the log was written): only the caller's key can tell.
    tx.commit().map_err(|e| commit_error(e, keyed))?;
    let mut added: Vec<(&str, u64)> = Vec::new();
    for memory in stored.iter().filter(|s| !s.replayed).map(|s| &s.memory) {
        match added.iter_mut().find(|(ns, _)| *ns == memory.namespace) {
            Some((_, n)) => *n += 1,
            None => added.push((&memory.namespace, 1)),
        }
    }
    for (namespace, n) in added {
        counters.add(namespace, n);
    }
    Ok(stored)
}

/// The memory a namespace holds under an idempotency key.
fn stored_under(
    conn: &Connection,
    namespace: &str,
    key: &str,
) -> Result<Option<Memory>, MemoryError> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {} FROM memories AS m WHERE m.namespace = ?1 AND m.idempotency_key = ?2",
            row::COLUMNS
        )
    });
    let mut stmt = conn.prepare_cached(&SQL).map_err(sqlite_error)?;
    stmt.query_row(rusqlite::params![namespace, key], |r| row::memory(r, false))
        .optional()
        .map_err(sqlite_error)
}

/// Memories per namespace, read once at open.
fn load_counts(conn: &mut Connection) -> Result<Vec<(String, u64)>, MemoryError> {
    let mut stmt = conn
        .prepare("SELECT namespace, count(*) FROM memories GROUP BY namespace")
        .map_err(sqlite_error)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
        .map_err(sqlite_error)?;
    rows.collect::<Result<_, _>>().map_err(sqlite_error)
}

/// Opens one connection to a database file. The writer creates the parent
/// directories, switches the file to WAL and migrates the schema; readers
/// open it afterwards, read-only.
fn open_file(path: &Path, writer: bool) -> Result<Connection, MemoryError> {
    if writer && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| MemoryError::Unavailable {
            backend: BACKEND,
            reason: format!("cannot create the directory of the database file: {e}"),
        })?;
    }
    let mut conn = Connection::open(path).map_err(sqlite_error)?;
    configure(&conn)?;
    if writer {
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(sqlite_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(backend = BACKEND, mode, "the database file cannot use WAL mode");
        }
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(sqlite_error)?;
        schema::migrate(&mut conn)?;
    } else {
        conn.pragma_update(None, "query_only", true).map_err(sqlite_error)?;
    }
    Ok(conn)
}

/// Settings of every connection.
fn configure(conn: &Connection) -> Result<(), MemoryError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_error)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "cache_size", -CACHE_KIB).map_err(sqlite_error)?;
    Ok(())
}

/// Readers for a file database: one per core, at least two, at most four.
fn reader_threads() -> usize {
    std::thread::available_parallelism().map_or(2, NonZero::get).clamp(2, 4)
}

/// Turns a SQLite error into what a caller acts on. The detail (which may
/// quote SQL or search text) goes to the log, not into the error.
pub(crate) fn sqlite_error(error: rusqlite::Error) -> MemoryError {
    let unavailable =
        |reason: &str| MemoryError::Unavailable { backend: BACKEND, reason: reason.into() };
    let err = match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            return MemoryError::Timeout { backend: BACKEND };
        }
        Some(ErrorCode::CannotOpen) => unavailable("cannot open the database file"),
        Some(ErrorCode::NotADatabase) => unavailable("the file is not a SQLite database"),
        Some(ErrorCode::DatabaseCorrupt) => unavailable("the database file is corrupt"),
        Some(ErrorCode::DiskFull) => unavailable("the disk is full"),
        Some(ErrorCode::PermissionDenied) => unavailable("permission denied"),
        Some(ErrorCode::ReadOnly) => unavailable("the database file is read-only"),
        Some(ErrorCode::SystemIoFailure) => unavailable("disk I/O error"),
        Some(code) => MemoryError::Internal {
            backend: BACKEND,
            reason: format!("unexpected database error ({code:?})"),
        },
        None => {
            MemoryError::Internal { backend: BACKEND, reason: "unexpected database error".into() }
        }
    };
    tracing::warn!(backend = BACKEND, error = %error, "memory store error");
    err
}

/// A failed commit. Busy means the transaction is still open and nothing
/// was written; after an I/O error the log may or may not hold the write.
fn commit_error(error: rusqlite::Error, keyed: bool) -> MemoryError {
    match sqlite_error(error) {
        MemoryError::Unavailable { reason, .. } | MemoryError::Internal { reason, .. } => {
            MemoryError::OutcomeUnknown { backend: BACKEND, reason, keyed }
        }
        other => other,
    }
}

fn json_error(error: serde_json::Error) -> MemoryError {
    MemoryError::Internal { backend: BACKEND, reason: format!("cannot encode a memory: {error}") }
}
