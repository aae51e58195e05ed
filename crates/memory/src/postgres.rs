//! The PostgreSQL memory store: tokio-postgres through one deadpool pool, migrations at open, full-text search ranked with `ts_rank_cd`.
//!
//! The pool lives here and nowhere else; an operation holds one connection
//! only for its own statements. Connections are checked before reuse
//! (`RecyclingMethod::Verified`), statements are prepared once per
//! connection (`prepare_cached`), and every statement has a deadline both
//! on the server (`statement_timeout`) and here, so a server that stops
//! answering fails requests instead of hanging them.
//!
//! A server that cannot be reached when the store opens does not stop the
//! program: the store opens "not ready", every operation answers
//! [`MemoryError::Unavailable`], and it finishes opening (migrations,
//! counters) by itself on the first operation or background retry that
//! reaches the server.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use pattern_core::{Memory, MemoryAvailability, NewMemory, SearchQuery};
use tokio::sync::OnceCell;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Json;

use super::counters::Counters;
use super::url::PostgresUrl;
use super::{BoxFuture, MemoryError, MemoryStore, Stored, cjk, validate};

mod error;
mod row;
mod schema;
mod search;
mod tls;
mod tsquery;

use error::{pg_error, pool_error, sent_error, unavailable};

/// The backend name in errors, `stats` and metrics.
pub(crate) const BACKEND: &str = "postgres";

/// Most bytes of a memory's text that go into its full-text entry: a
/// `tsvector` is limited to 1 MiB, and pairs of CJK characters take several
/// times their text. Longer memories are found by their first
/// `INDEX_BYTES` (and by substring and trigram searches over all of it).
const INDEX_BYTES: usize = 128 * 1024;

/// Memories written per statement by [`PostgresStore::store_batch`].
const BATCH_ROWS: usize = 1000;

/// How long the background task waits between attempts to finish opening
/// a store whose server was unreachable: doubling from the first to the last.
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_LAST: Duration = Duration::from_secs(2);

/// The PostgreSQL memory store.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pool: Pool,
    schema: String,
    /// Longest a whole operation may take: a free connection (or a new
    /// one), then its statements.
    deadline: Duration,
    /// Set once the schema is migrated and the counters loaded.
    ready: OnceCell<()>,
    counters: Counters,
    /// What the server made of each word searched for, so that a search
    /// binds finished `tsquery`s (see `tsquery.rs`).
    words: tsquery::Words,
}

impl PostgresStore {
    /// Builds the pool and tries to finish opening the store (migrations,
    /// per-namespace counts). An unreachable server is not an error here:
    /// the store answers [`MemoryError::Unavailable`] until it reaches the
    /// server, which a background task keeps trying. Only a URL the driver
    /// cannot read fails.
    pub async fn open(url: &PostgresUrl) -> Result<Self, MemoryError> {
        let store = Self::connect_lazily(url)?;
        match store.inner.ensure_ready().await {
            Ok(()) => {
                tracing::info!(backend = BACKEND, schema = %url.schema, memories = store.total(), "memory store opened");
            }
            Err(err) => {
                tracing::warn!(backend = BACKEND, error = %err, "memory store not reachable yet; retrying in the background");
                tokio::spawn(retry_until_ready(Arc::downgrade(&store.inner)));
            }
        }
        Ok(store)
    }

    /// Like [`PostgresStore::open`], but only fails when the server cannot
    /// be reached or migrated (tests, tools).
    pub async fn open_ready(url: &PostgresUrl) -> Result<Self, MemoryError> {
        let store = Self::connect_lazily(url)?;
        store.inner.ensure_ready().await?;
        Ok(store)
    }

    fn connect_lazily(url: &PostgresUrl) -> Result<Self, MemoryError> {
        let mut config = tokio_postgres::Config::from_str(url.connection()).map_err(|_| {
            MemoryError::InvalidInput(
                "the postgres URL cannot be read: expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE".into(),
            )
        })?;
        config
            .ssl_mode(tls::driver_mode(url.ssl_mode))
            .connect_timeout(url.connect_timeout)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .options(session_options(url));
        if config.get_application_name().is_none() {
            config.application_name("pattern-mcp");
        }
        let manager = Manager::from_config(
            config,
            tls::MakeRustlsConnect::new(url)?,
            ManagerConfig { recycling_method: RecyclingMethod::Verified },
        );
        let pool = Pool::builder(manager)
            .max_size(url.pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(url.connect_timeout))
            .create_timeout(Some(url.connect_timeout))
            .recycle_timeout(Some(url.connect_timeout.min(url.statement_timeout)))
            .build()
            .map_err(|_| unavailable("cannot build the connection pool"))?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                schema: url.schema.clone(),
                deadline: url.connect_timeout + url.statement_timeout * 2,
                ready: OnceCell::new(),
                counters: Counters::default(),
                words: tsquery::Words::default(),
            }),
        })
    }

    /// The schema the store's tables live in.
    pub fn schema(&self) -> &str {
        &self.inner.schema
    }

    /// Whether the store's connections to the server are encrypted, as the
    /// server sees a connection of the pool (`pg_stat_ssl`).
    pub async fn encrypted(&self) -> Result<bool, MemoryError> {
        self.inner
            .run(async {
                let client = self.inner.client().await?;
                let row = client
                    .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
                    .await
                    .map_err(pg_error)?;
                Ok(row.get(0))
            })
            .await
    }

    /// Whether the store has reached the server once and is migrated.
    pub fn is_ready(&self) -> bool {
        self.inner.ready.initialized()
    }

    /// Writes many memories in one transaction (imports, benchmarks), a
    /// thousand per statement. All or none are written.
    pub async fn store_batch(&self, memories: Vec<NewMemory>) -> Result<Vec<Memory>, MemoryError> {
        let memories = validate::new_batch(memories)?;
        let memories = memories.into_iter().map(checked).collect::<Result<Vec<_>, _>>()?;
        let sent = AtomicBool::new(false);
        let stored = self.inner.run(insert(&self.inner, memories, &sent)).await?;
        Ok(stored.into_iter().map(|s| s.memory).collect())
    }
}

impl Inner {
    /// Migrates and loads the counters once; concurrent callers wait for
    /// the one attempt, and a failed attempt leaves the next caller to try.
    async fn ensure_ready(&self) -> Result<(), MemoryError> {
        self.ready
            .get_or_try_init(|| async {
                let attempt = async {
                    let mut client = self.pool.get().await.map_err(pool_error)?;
                    schema::migrate(&mut client, &self.schema).await?;
                    let rows = client
                        .query("SELECT namespace, count(*) FROM memories GROUP BY namespace", &[])
                        .await
                        .map_err(pg_error)?;
                    self.counters.load(
                        rows.iter()
                            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1).max(0) as u64)),
                    );
                    tokio::spawn(refresh_statistics(self.pool.clone(), None));
                    Ok(())
                };
                // Migrations may take longer than one request.
                tokio::time::timeout(self.deadline * 10, attempt)
                    .await
                    .unwrap_or(Err(MemoryError::Timeout { backend: BACKEND }))
            })
            .await
            .map(drop)
    }

    /// Runs one operation once the store is ready, within the deadline.
    async fn run<T>(
        &self,
        operation: impl Future<Output = Result<T, MemoryError>>,
    ) -> Result<T, MemoryError> {
        self.ensure_ready().await?;
        tokio::time::timeout(self.deadline, operation)
            .await
            .unwrap_or(Err(MemoryError::Timeout { backend: BACKEND }))
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, MemoryError> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// Tries to finish opening a store until it succeeds or the store is dropped.
async fn retry_until_ready(inner: Weak<Inner>) {
    let mut wait = RETRY_FIRST;
    loop {
        tokio::time::sleep(wait).await;
        let Some(inner) = inner.upgrade() else { return };
        if inner.ensure_ready().await.is_ok() {
            tracing::info!(
                backend = BACKEND,
                memories = inner.counters.total(),
                "memory store reachable again"
            );
            return;
        }
        wait = (wait * 2).min(RETRY_LAST);
    }
}

impl MemoryAvailability for PostgresStore {
    fn has_memories(&self, namespace: &str) -> bool {
        self.inner.counters.has(namespace)
    }
}

impl MemoryStore for PostgresStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn store(&self, memory: NewMemory) -> BoxFuture<'_, Result<Stored, MemoryError>> {
        Box::pin(async move {
            let memory = checked(memory)?;
            let keyed = memory.idempotency_key.is_some();
            let sent = AtomicBool::new(false);
            let stored = match self.inner.run(insert(&self.inner, vec![memory], &sent)).await {
                // The deadline passed with the write on its way: it may
                // have been committed.
                Err(MemoryError::Timeout { .. }) if sent.load(Ordering::Acquire) => {
                    Err(MemoryError::OutcomeUnknown {
                        backend: BACKEND,
                        reason: "the database server did not answer in time".into(),
                        keyed,
                    })
                }
                other => other,
            }?;
            validate::stored_one(BACKEND, stored)
        })
    }

    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>> {
        Box::pin(async move {
            let Some(query) = validate::search_query(query)? else { return Ok(Vec::new()) };
            let hits = self
                .inner
                .run(async {
                    let client = self.inner.client().await?;
                    search::search(&client, &self.inner.words, &query).await
                })
                .await?;
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
            self.inner
                .run(async {
                    let client = self.inner.client().await?;
                    let stmt = client
                        .prepare_cached(&format!(
                            "SELECT {} FROM memories AS m WHERE m.namespace = $1 \
                             ORDER BY m.created_at DESC, m.id DESC LIMIT $2",
                            row::COLUMNS
                        ))
                        .await
                        .map_err(pg_error)?;
                    let rows =
                        client.query(&stmt, &[&namespace, &limit]).await.map_err(pg_error)?;
                    rows.iter()
                        .map(|r| row::memory(r, false))
                        .collect::<Result<_, _>>()
                        .map_err(pg_error)
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
            self.inner
                .run(async {
                    let client = self.inner.client().await?;
                    let row = match &namespace {
                        None => {
                            let stmt = client
                                .prepare_cached("SELECT count(*) FROM memories")
                                .await
                                .map_err(pg_error)?;
                            client.query_one(&stmt, &[]).await
                        }
                        Some(namespace) => {
                            let stmt = client
                                .prepare_cached(
                                    "SELECT count(*) FROM memories WHERE namespace = $1",
                                )
                                .await
                                .map_err(pg_error)?;
                            client.query_one(&stmt, &[namespace]).await
                        }
                    }
                    .map_err(pg_error)?;
                    Ok(row.get::<_, i64>(0).max(0) as u64)
                })
                .await
        })
    }

    fn total(&self) -> u64 {
        self.inner.counters.total()
    }

    fn health(&self) -> BoxFuture<'_, Result<(), MemoryError>> {
        Box::pin(async move {
            self.inner
                .run(async {
                    let client = self.inner.client().await?;
                    let stmt = client.prepare_cached("SELECT 1").await.map_err(pg_error)?;
                    client.query_one(&stmt, &[]).await.map(drop).map_err(pg_error)
                })
                .await
        })
    }
}

/// Settings of every connection, sent when it opens (no extra round trip).
/// The schema name needs no quoting (`url.rs` checks it).
///
/// Every statement is prepared once per connection and its plan kept
/// (`plan_cache_mode`): the namespace's partition is then chosen as the
/// statement starts instead of by planning it afresh on every call, which
/// cost more than running most searches.
fn session_options(url: &PostgresUrl) -> String {
    let mut options = format!(
        "-c search_path={} -c statement_timeout={} -c lock_timeout={} \
         -c plan_cache_mode=force_generic_plan",
        url.schema,
        url.statement_timeout.as_millis(),
        url.statement_timeout.as_millis()
    );
    if let Some(mode) = &url.synchronous_commit {
        options.push_str(&format!(" -c synchronous_commit={mode}"));
    }
    options
}

/// The shared input rules, plus PostgreSQL's own: its text cannot hold NUL.
fn checked(memory: NewMemory) -> Result<NewMemory, MemoryError> {
    let memory = validate::new_memory(memory)?;
    let nul = memory.content.contains('\0')
        || memory.tags.iter().any(|t| t.contains('\0'))
        || serde_json::to_string(&memory.metadata).is_ok_and(|m| m.contains("\\u0000"));
    if nul {
        return Err(MemoryError::InvalidInput(
            "memory content, tags and metadata must not contain NUL characters".into(),
        ));
    }
    Ok(memory)
}

/// What the full-text index holds for a memory's content: `None` when it is
/// the content itself (no CJK, not too long).
fn index_body(content: &str) -> Option<String> {
    let text = cjk::segment(content);
    if text.len() <= INDEX_BYTES {
        return (text != content).then_some(text);
    }
    let mut end = INDEX_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(text[..end].to_owned())
}

/// What the full-text index holds for a memory's tags.
fn index_tags(tags: &[String]) -> String {
    cjk::segment(&tags.join(" "))
}

/// Writes memories in one transaction, registering new namespaces (each
/// gets its partition) first, then counts them after the commit, so the
/// counters never run ahead of the data.
///
/// A memory whose idempotency key its namespace already holds is not
/// written (`ON CONFLICT DO NOTHING`, which waits for a concurrent writer
/// of the same key to finish): the memory stored with the key, read by a
/// statement of its own that sees that writer's commit, is the answer.
///
/// `sent` is set just before the statement that commits goes out: a
/// connection lost after that leaves the outcome unknown.
async fn insert(
    inner: &Inner,
    memories: Vec<NewMemory>,
    sent: &AtomicBool,
) -> Result<Vec<Stored>, MemoryError> {
    let mut client = inner.client().await?;
    let mut namespaces: Vec<&str> = memories.iter().map(|m| m.namespace.as_str()).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    for namespace in namespaces.iter().filter(|ns| !inner.counters.has(ns)) {
        let stmt =
            client.prepare_cached("SELECT memory_add_namespace($1)").await.map_err(pg_error)?;
        client.execute(&stmt, &[namespace]).await.map_err(pg_error)?;
    }

    let keyed = memories.iter().any(|m| m.idempotency_key.is_some());
    let lost = |error| sent_error(error, keyed);
    // One statement is atomic by itself: a transaction only for several.
    let mut stored = Vec::with_capacity(memories.len());
    if memories.len() <= BATCH_ROWS {
        let stmt = client.prepare_cached(INSERT).await.map_err(pg_error)?;
        let columns = Columns::of(&memories);
        sent.store(true, Ordering::Release);
        let rows = client.query(&stmt, &columns.params()).await.map_err(lost)?;
        match (memories.as_slice(), rows.as_slice()) {
            ([memory], []) if memory.idempotency_key.is_some() => {
                let earlier = keyed_memory(&client, memory).await.map_err(pg_error)?;
                stored.push(validate::replayed(memory, earlier)?);
            }
            _ => written(&memories, &rows, &mut stored)?,
        }
    } else {
        let tx = client.transaction().await.map_err(pg_error)?;
        let stmt = tx.prepare_cached(INSERT).await.map_err(pg_error)?;
        for chunk in memories.chunks(BATCH_ROWS) {
            let columns = Columns::of(chunk);
            let rows = tx.query(&stmt, &columns.params()).await.map_err(insert_error)?;
            written(chunk, &rows, &mut stored)?;
        }
        sent.store(true, Ordering::Release);
        tx.commit().await.map_err(lost)?;
    }

    let mut added: Vec<(&str, u64)> = Vec::new();
    for memory in stored.iter().filter(|s| !s.replayed).map(|s| &s.memory) {
        match added.iter_mut().find(|(ns, _)| *ns == memory.namespace) {
            Some((_, n)) => *n += 1,
            None => added.push((&memory.namespace, 1)),
        }
    }
    for (namespace, n) in added {
        let now = inner.counters.add(namespace, n);
        if crosses_refresh(now - n, now) {
            tokio::spawn(refresh_statistics(inner.pool.clone(), Some(namespace.to_owned())));
        }
    }
    Ok(stored)
}

/// The memory stored earlier under `memory`'s idempotency key. Rows are
/// never deleted, so one that blocked the insert is still there.
async fn keyed_memory(
    client: &deadpool_postgres::Client,
    memory: &NewMemory,
) -> Result<Memory, tokio_postgres::Error> {
    let stmt = client
        .prepare_cached(&format!(
            "SELECT {} FROM memories AS m WHERE m.namespace = $1 AND m.idempotency_key = $2",
            row::COLUMNS
        ))
        .await?;
    let row = client.query_one(&stmt, &[&memory.namespace, &memory.idempotency_key]).await?;
    row::memory(&row, false)
}

/// Writes the memories of the bound arrays, in their order; a memory whose
/// idempotency key is taken in its namespace is left out.
const INSERT: &str = "
    INSERT INTO memories (namespace, content, tags, importance, metadata, index_body, index_tags,
                          idempotency_key)
    SELECT m.namespace, m.content, ARRAY(SELECT jsonb_array_elements_text(m.tags)),
           m.importance, m.metadata, m.index_body, m.index_tags, m.idempotency_key
    FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::float8[], $5::jsonb[], $6::text[], $7::text[],
                $8::text[])
         WITH ORDINALITY AS m (namespace, content, tags, importance, metadata, index_body, index_tags,
                               idempotency_key, n)
    ORDER BY m.n
    ON CONFLICT (namespace, idempotency_key) DO NOTHING
    RETURNING id, created_at";

/// The columns of memories to write, as the arrays [`INSERT`] binds.
struct Columns<'a> {
    namespaces: Vec<&'a str>,
    contents: Vec<&'a str>,
    tags: Vec<Json<&'a Vec<String>>>,
    importance: Vec<f64>,
    metadata: Vec<Json<&'a serde_json::Map<String, serde_json::Value>>>,
    bodies: Vec<Option<String>>,
    tag_texts: Vec<String>,
    keys: Vec<Option<&'a str>>,
}

impl<'a> Columns<'a> {
    fn of(memories: &'a [NewMemory]) -> Self {
        Columns {
            namespaces: memories.iter().map(|m| m.namespace.as_str()).collect(),
            contents: memories.iter().map(|m| m.content.as_str()).collect(),
            tags: memories.iter().map(|m| Json(&m.tags)).collect(),
            importance: memories.iter().map(|m| m.importance).collect(),
            metadata: memories.iter().map(|m| Json(&m.metadata)).collect(),
            bodies: memories.iter().map(|m| index_body(&m.content)).collect(),
            tag_texts: memories.iter().map(|m| index_tags(&m.tags)).collect(),
            keys: memories.iter().map(|m| m.idempotency_key.as_deref()).collect(),
        }
    }

    fn params(&self) -> [&(dyn tokio_postgres::types::ToSql + Sync); 8] {
        [
            &self.namespaces,
            &self.contents,
            &self.tags,
            &self.importance,
            &self.metadata,
            &self.bodies,
            &self.tag_texts,
            &self.keys,
        ]
    }
}

/// The stored memories: what was written, with the ids and times the
/// server gave them (RETURNING follows the insertion order of [`INSERT`]).
fn written(
    memories: &[NewMemory],
    rows: &[tokio_postgres::Row],
    stored: &mut Vec<Stored>,
) -> Result<(), MemoryError> {
    if rows.len() != memories.len() {
        return Err(MemoryError::Internal {
            backend: BACKEND,
            reason: "not every memory was written".into(),
        });
    }
    for (memory, row) in memories.iter().zip(rows) {
        let memory = Memory {
            id: row.get(0),
            namespace: memory.namespace.clone(),
            content: memory.content.clone(),
            tags: memory.tags.clone(),
            importance: memory.importance,
            metadata: memory.metadata.clone(),
            created_at: row.get(1),
            score: None,
        };
        stored.push(Stored { memory, replayed: false });
    }
    Ok(())
}

fn insert_error(error: tokio_postgres::Error) -> MemoryError {
    match error.code() {
        Some(code) if *code == SqlState::CHECK_VIOLATION => MemoryError::Internal {
            backend: BACKEND,
            reason: "a namespace has no partition (was it dropped?)".into(),
        },
        _ => pg_error(error),
    }
}

/// Whether a namespace growing from `before` to `after` memories reaches a
/// size at which the planner's statistics of its partition are refreshed:
/// 64, 128, 256, … (a refresh per doubling costs little, and autovacuum,
/// which would otherwise do it, may be off).
fn crosses_refresh(before: u64, after: u64) -> bool {
    after >= 64 && (before < 64 || before.ilog2() != after.ilog2())
}

/// Analyses a namespace's partition, or (`None`) every partition never
/// analysed, on a connection of its own, in the background.
async fn refresh_statistics(pool: Pool, namespace: Option<String>) {
    let result = async {
        let mut client = pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(pg_error)?;
        tx.batch_execute("SET LOCAL statement_timeout = '5min'").await.map_err(pg_error)?;
        tx.execute("SELECT memory_analyze($1)", &[&namespace]).await.map_err(pg_error)?;
        tx.commit().await.map_err(pg_error)
    }
    .await;
    if let Err(err) = result {
        tracing::warn!(backend = BACKEND, error = %err, "cannot refresh the planner's statistics");
    }
}

#[cfg(test)]
mod tests;
