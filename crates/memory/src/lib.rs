//! The memory store: one `MemoryStore` trait, its backends, and `open_store` choosing one from a URL.
//!
//! Backends: [`SqliteStore`] (embedded, the default; FTS5 in one file under
//! the user's data directory) and [`PostgresStore`] (a shared server,
//! through a connection pool). Both read
//! the same natural-language queries ([`SearchTerms`]), apply the same input
//! rules and keep the same in-memory availability counters, and both run the
//! one shared test suite (`tests/it/store_suite.rs`).
//!
//! **Invariant:** user text reaches a database only as bound parameters; in
//! full-text expressions it appears only inside quoted strings.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use pattern_core::{Memory, MemoryAvailability, NewMemory, SearchQuery};

mod cjk;
mod counters;
mod error;
mod postgres;
mod query;
mod sqlite;
mod url;
mod validate;

pub use error::MemoryError;
pub use postgres::PostgresStore;
pub use query::{MAX_TERMS, STOP_WORDS, SearchTerms, is_stop_word};
pub use sqlite::SqliteStore;
pub use url::{PostgresUrl, SslMode, StoreUrl};
pub use validate::{MAX_CONTENT_BYTES, MAX_LIMIT};

/// What [`MemoryStore::store`] answers: the memory, and whether it was
/// stored earlier under the same idempotency key (nothing written now).
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub memory: Memory,
    pub replayed: bool,
}

/// The future every store operation returns (object-safe, `Send`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A long-term memory store, one namespace at a time.
///
/// Every implementation passes the shared suite in `tests/it/store_suite.rs`.
/// `has_memories` (from [`MemoryAvailability`]) answers from counters loaded
/// once at open and kept current by this process's writes, never from a
/// query per request.
pub trait MemoryStore: MemoryAvailability + Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`: the `backend` of `stats.memory`.
    fn backend(&self) -> &'static str;

    /// Writes a memory; the answer carries its id and creation time
    /// (millisecond precision, as it will be read back).
    ///
    /// With an `idempotency_key` already used in the namespace, nothing is
    /// written: the answer is the memory first stored with that key
    /// (`replayed`), or [`MemoryError::IdempotencyConflict`] if its content
    /// differs. The check and the write are one atomic step, also between
    /// processes. A write whose answer is lost after it was sent fails with
    /// [`MemoryError::OutcomeUnknown`], never as "not written".
    fn store(&self, memory: NewMemory) -> BoxFuture<'_, Result<Stored, MemoryError>>;

    /// Ranked full-text search in one namespace, best first, each hit with
    /// its `score` on the scale every backend shares (`relative_scores`).
    /// Stop words are dropped and the other words OR-ed; `"phrases"` are
    /// required and `-term`s excluded (see [`SearchTerms`]). Ties go to the
    /// more important memory, then to the newer. At most `limit` (capped at
    /// [`MAX_LIMIT`]) results; memories must carry every tag in `tags`.
    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>>;

    /// The newest memories of a namespace, newest first.
    fn recent(
        &self,
        namespace: &str,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>>;

    /// How many memories a namespace holds (all namespaces with `None`),
    /// counted by the store itself.
    fn count(&self, namespace: Option<&str>) -> BoxFuture<'_, Result<u64, MemoryError>>;

    /// Memories in all namespaces, from counters kept current on writes:
    /// free to call on every `stats` request.
    fn total(&self) -> u64;

    /// Whether the store answers right now.
    fn health(&self) -> BoxFuture<'_, Result<(), MemoryError>>;
}

/// Puts a search's scores on the one scale every backend shares: the best
/// hit is 1.0 and the others are in proportion to it, rounded to three
/// decimals. Each backend ranks with its own measure (SQLite's bm25,
/// PostgreSQL's `ts_rank_cd`, or a count of matched terms in the looser
/// tiers), whose raw values mean nothing across backends or even across
/// queries. Hits that all scored zero (only required phrases, no ranked
/// words) match equally: 1.0 each.
pub(crate) fn relative_scores(mut hits: Vec<Memory>) -> Vec<Memory> {
    let best = hits.iter().filter_map(|m| m.score).fold(0.0_f64, f64::max);
    for hit in &mut hits {
        let raw = hit.score.unwrap_or(0.0);
        let relative = if best > 0.0 { raw.max(0.0) / best } else { 1.0 };
        hit.score = Some((relative * 1000.0).round() / 1000.0);
    }
    hits
}

/// Where the default SQLite store lives: `pattern-mcp/memory.db` in the
/// user's data directory (`$XDG_DATA_HOME`, else `~/.local/share`, on Linux).
pub fn default_sqlite_path() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("pattern-mcp").join("memory.db"))
}

/// Opens the store a `--memory` URL names: `sqlite:PATH`, `sqlite://PATH`,
/// `sqlite::memory:`, or `postgres://…` (see [`PostgresUrl`] for its
/// options).
///
/// A PostgreSQL server that cannot be reached is not an error: the store
/// answers [`MemoryError::Unavailable`] until it reaches the server, so the
/// program starts and serves everything else meanwhile.
pub async fn open_store(url: &str) -> Result<Arc<dyn MemoryStore>, MemoryError> {
    match StoreUrl::parse(url)? {
        StoreUrl::SqliteMemory => Ok(Arc::new(SqliteStore::open_in_memory().await?)),
        StoreUrl::SqliteFile(path) => Ok(Arc::new(SqliteStore::open(&path).await?)),
        StoreUrl::Postgres(url) => Ok(Arc::new(PostgresStore::open(&url).await?)),
    }
}

#[cfg(test)]
mod tests;
