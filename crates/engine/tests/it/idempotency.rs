//! `execute_pattern`'s `idempotency_key` through the engine: a repeated store answers the first memory with `metadata.idempotent_replay`, and a store cut short says its outcome is unknown.

use std::sync::Arc;
use std::time::Duration;

use pattern_core::{ExecuteRequest, Memory, MemoryAvailability, NewMemory, SearchQuery};
use pattern_engine::{Engine, EngineConfig, Principal, Timeouts};
use pattern_memory::{BoxFuture, MemoryError, MemoryStore, SqliteStore, Stored};
use pattern_registry::{LoadOptions, Registry};
use serde_json::json;

pub fn engine(store: Arc<dyn MemoryStore>, config: EngineConfig) -> Engine {
    let loaded =
        Registry::load(&LoadOptions { files: vec![], builtins: true, strict: true }).unwrap();
    Engine::new(Arc::new(loaded.registry), store, config)
}

pub fn keyed(query: &str, key: &str) -> ExecuteRequest {
    let mut req = ExecuteRequest::new(query);
    req.idempotency_key = Some(key.into());
    req
}

#[tokio::test]
async fn a_repeated_store_with_one_key_answers_the_first_memory_as_a_replay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.db");
    let local = Principal::local();
    let note = "remember that the staging database listens on port 5433";
    let first = {
        let store = Arc::new(SqliteStore::open(&path).await.unwrap());
        let e = engine(store, EngineConfig::default());
        let first = e.execute(&keyed(note, "standup-1"), &local).await;
        assert!(first.success, "{:?}", first.error);
        assert_eq!(first.metadata.get("idempotent_replay"), None);
        let again = e.execute(&keyed(note, "standup-1"), &local).await;
        assert!(again.success, "{:?}", again.error);
        assert_eq!(again.metadata["idempotent_replay"], json!(true));
        assert_eq!(again.result["idempotent_replay"], json!(true));
        assert_eq!(again.result["stored"], first.result["stored"]);
        first
    };
    // Another process, later: the key still names that memory.
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());
    let e = engine(store.clone(), EngineConfig::default());
    let later = e.execute(&keyed(note, "standup-1"), &local).await;
    assert_eq!(later.metadata["idempotent_replay"], json!(true));
    assert_eq!(later.result["stored"]["id"], first.result["stored"]["id"]);
    let other = e.execute(&keyed("remember that lunch is at noon", "standup-1"), &local).await;
    assert!(!other.success);
    assert_eq!(other.metadata["error_reason"], json!("idempotency_conflict"));
    assert_eq!(other.metadata["retryable"], json!(false));
    assert_eq!(store.count(None).await.unwrap(), 1);
}

/// A store whose writes never answer (reads go to SQLite).
struct Unanswered(SqliteStore);

impl MemoryAvailability for Unanswered {
    fn has_memories(&self, namespace: &str) -> bool {
        self.0.has_memories(namespace)
    }
}

impl MemoryStore for Unanswered {
    fn backend(&self) -> &'static str {
        "unanswered"
    }
    fn store(&self, _memory: NewMemory) -> BoxFuture<'_, Result<Stored, MemoryError>> {
        Box::pin(std::future::pending())
    }
    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>> {
        self.0.search(query)
    }
    fn recent(
        &self,
        namespace: &str,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>> {
        self.0.recent(namespace, limit)
    }
    fn count(&self, namespace: Option<&str>) -> BoxFuture<'_, Result<u64, MemoryError>> {
        self.0.count(namespace)
    }
    fn total(&self) -> u64 {
        self.0.total()
    }
    fn health(&self) -> BoxFuture<'_, Result<(), MemoryError>> {
        self.0.health()
    }
}

#[tokio::test(start_paused = true)]
async fn a_store_that_times_out_is_of_unknown_outcome_never_not_written() {
    let store = Unanswered(SqliteStore::open_in_memory().await.unwrap());
    let timeouts = Timeouts {
        fast: Duration::from_millis(100),
        balanced: Duration::from_millis(200),
        comprehensive: Duration::from_millis(300),
    };
    let e = engine(Arc::new(store), EngineConfig { timeouts, ..EngineConfig::default() });
    let local = Principal::local();
    let note = "remember that the staging database listens on port 5433";

    let r = e.execute(&keyed(note, "k"), &local).await;
    assert!(!r.success);
    assert_eq!(r.metadata["error_reason"], json!("outcome_unknown"));
    assert_eq!(r.metadata["retryable"], json!(true));
    let text = r.error.unwrap();
    assert!(text.contains("retry with the same idempotency_key"), "{text}");
    assert!(text.contains("timed out after 200 ms"), "{text}");

    let r = e.execute(&ExecuteRequest::new(note), &local).await;
    assert_eq!(r.metadata["error_reason"], json!("outcome_unknown"));
    assert_eq!(r.metadata["retryable"], json!(false));
    let text = r.error.unwrap();
    assert!(text.contains("may or may not have been stored"), "{text}");

    // Reads are untouched: they answer from the store as ever. SQLite answers
    // from a thread of its own, which paused time would not wait for: the
    // clock would jump past the timeout while the runtime waits on it.
    tokio::time::resume();
    let r = e.execute(&ExecuteRequest::new("what did we note about the port?"), &local).await;
    assert!(r.success, "{:?}", r.error);
    assert_eq!(r.result["count"], json!(0));
}
