//! The SQLite memory store: the shared suite (in memory and on disk) and what only a file database shows.

use std::sync::Arc;

use pattern_core::{Memory, MemoryAvailability, NewMemory};
use pattern_memory::{MemoryError, MemoryStore, SqliteStore};

use crate::guarded::Guarded;
use crate::store_suite::{memory_store_suite, query};

async fn in_memory() -> Arc<dyn MemoryStore> {
    Arc::new(SqliteStore::open_in_memory().await.expect("open in-memory store"))
}

async fn on_disk() -> Arc<dyn MemoryStore> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("memory.db")).await.expect("open file store");
    Arc::new(Guarded { store: Arc::new(store), _guard: dir })
}

mod in_memory {
    super::memory_store_suite!(super::in_memory);
}

mod on_disk {
    super::memory_store_suite!(super::on_disk);
}

#[tokio::test]
async fn sqlite_path_creates_parent_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c/memory.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.store(NewMemory::new("default", "kept in a nested directory")).await.unwrap();
    assert!(path.is_file(), "{} must exist", path.display());
    assert_eq!(store.backend(), "sqlite");
    assert_eq!(store.count(Some("default")).await.unwrap(), 1);
}

#[tokio::test]
async fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.db");
    let mut new = NewMemory::new("team", "the staging database listens on port 5433");
    new.tags = vec!["db".into()];
    new.importance = 0.75;
    new.metadata.insert("by".into(), serde_json::json!("alice"));
    let stored = {
        let store = SqliteStore::open(&path).await.unwrap();
        store.store(new).await.unwrap().memory
    };

    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.total(), 1);
    assert_eq!(store.count(None).await.unwrap(), 1);
    let hits = store.search(query("team", "staging port")).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(Memory { score: None, ..hits[0].clone() }, stored);
    assert_eq!(store.recent("team", 5).await.unwrap(), std::slice::from_ref(&stored));
    let next = store.store(NewMemory::new("team", "second")).await.unwrap().memory;
    assert!(next.id > stored.id);
}

#[tokio::test]
async fn availability_is_loaded_once_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.store(NewMemory::new("written", "before the restart")).await.unwrap();
        store.store(NewMemory::new("written", "also before")).await.unwrap();
    }

    let store = SqliteStore::open(&path).await.unwrap();
    // Known from the counts read at open, without any search.
    assert!(store.has_memories("written"));
    assert!(!store.has_memories("never"));
    assert_eq!(store.total(), 2);

    // A row written behind the store's back is not seen: availability is
    // answered from the counters, never from a query per request.
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute(
            "INSERT INTO memories (namespace, content, created_at) VALUES ('sideways', 'x', 0)",
            [],
        )
        .unwrap();
    assert!(!store.has_memories("sideways"));
    assert_eq!(store.count(Some("sideways")).await.unwrap(), 1);

    store.store(NewMemory::new("sideways", "through the store")).await.unwrap();
    assert!(store.has_memories("sideways"));
    assert_eq!(store.total(), 3);
}

/// If SQLite work ran on the (single-threaded) runtime, the store call below
/// would block the only thread while another connection holds the write
/// lock, the lock holder could never release it, and the call would time
/// out. Off the runtime, the lock holder runs, commits, and the write lands.
#[tokio::test(flavor = "current_thread")]
async fn store_work_runs_off_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.db");
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());

    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let pending = tokio::spawn({
        let store = Arc::clone(&store);
        async move { store.store(NewMemory::new("locked", "written after the lock")).await }
    });
    // Let the spawned write reach the database and wait for the lock.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!pending.is_finished(), "the write must wait for the lock");
    holder.execute_batch("COMMIT").unwrap();

    let stored = pending.await.unwrap().unwrap().memory;
    assert_eq!(stored.content, "written after the lock");

    // Many tasks at once on the one runtime thread: all served.
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store.store(NewMemory::new("locked", format!("concurrent note {i}"))).await?;
                store.search(query("locked", "concurrent note")).await
            })
        })
        .collect();
    for task in tasks {
        assert!(!task.await.unwrap().unwrap().is_empty());
    }
    assert_eq!(store.count(Some("locked")).await.unwrap(), 21);
}

#[tokio::test]
async fn write_lock_held_too_long_is_a_retryable_timeout() {
    // Waits out SQLite's real busy timeout (5 s) on the writer thread.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store.store(NewMemory::new("locked", "never written")).await.unwrap_err();
    assert!(matches!(err, MemoryError::Timeout { backend: "sqlite" }), "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.to_string(), "memory store `sqlite` timed out");
    holder.execute_batch("ROLLBACK").unwrap();
    assert!(!store.has_memories("locked"));
}

#[tokio::test]
async fn file_that_is_not_a_database_is_unavailable_without_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret-name.db");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert!(matches!(err, MemoryError::Unavailable { backend: "sqlite", .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("not a SQLite database"), "{text}");
    assert!(!text.contains("secret-name"), "{text}");
}

#[tokio::test]
async fn store_batch_writes_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("memory.db")).await.unwrap());
    store.store(NewMemory::new("ops", "the staging database listens on port 5433")).await.unwrap();

    let mut refused: Vec<NewMemory> =
        (0..10).map(|i| NewMemory::new("bulk", format!("imported fact number {i}"))).collect();
    refused.push(NewMemory::new("bulk", " "));
    let err = store.store_batch(refused).await.unwrap_err();
    assert!(matches!(err, MemoryError::InvalidInput(_)), "{err}");
    assert_eq!(store.count(Some("bulk")).await.unwrap(), 0);
    assert!(!store.has_memories("bulk"));

    let batch: Vec<NewMemory> =
        (0..5_000).map(|i| NewMemory::new("bulk", format!("imported fact number {i}"))).collect();
    let writing = tokio::spawn({
        let store = Arc::clone(&store);
        async move { store.store_batch(batch).await }
    });
    let hits = store.search(query("ops", "staging port")).await.unwrap();
    assert_eq!(hits.len(), 1);
    let written = writing.await.unwrap().unwrap();
    assert_eq!(written.len(), 5_000);
    assert_eq!(written[4_999].content, "imported fact number 4999");
    assert_eq!(store.count(Some("bulk")).await.unwrap(), 5_000);
    assert_eq!(store.total(), 5_001);
    assert!(store.has_memories("bulk"));
    let found = store.search(query("bulk", "fact 4999")).await.unwrap();
    assert_eq!(found[0].id, written[4_999].id);
}

fn keyed(namespace: &str, content: &str, key: &str) -> NewMemory {
    NewMemory { idempotency_key: Some(key.into()), ..NewMemory::new(namespace, content) }
}

#[tokio::test]
async fn an_idempotency_key_still_replays_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.db");
    let first = {
        let store = SqliteStore::open(&path).await.unwrap();
        store.store(keyed("team", "the staging port is 5433", "k-1")).await.unwrap()
    };
    assert!(!first.replayed);
    let store = SqliteStore::open(&path).await.unwrap();
    let again = store.store(keyed("team", "the staging port is 5433", "k-1")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.memory, first.memory);
    assert_eq!(store.count(Some("team")).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_write_one_idempotency_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.db");
    let a = Arc::new(SqliteStore::open(&path).await.unwrap());
    let b = Arc::new(SqliteStore::open(&path).await.unwrap());
    let writers: Vec<_> = (0..20)
        .map(|i| {
            let store = if i % 2 == 0 { Arc::clone(&a) } else { Arc::clone(&b) };
            tokio::spawn(async move { store.store(keyed("team", "one note", "same")).await })
        })
        .collect();
    let mut answers = Vec::new();
    for writer in writers {
        answers.push(writer.await.unwrap().unwrap());
    }
    assert_eq!(answers.iter().filter(|s| !s.replayed).count(), 1);
    assert!(answers.iter().all(|s| s.memory.id == answers[0].memory.id));
    assert_eq!(a.count(Some("team")).await.unwrap(), 1);
}

#[tokio::test]
async fn a_version_1_database_is_migrated_and_keeps_its_memories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.db");
    {
        // The schema of version 1 as its build wrote it, with one memory.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE memories (
                 id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, content TEXT NOT NULL,
                 tags TEXT NOT NULL DEFAULT '[]', importance REAL NOT NULL DEFAULT 0.5,
                 metadata TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL);
             CREATE INDEX memories_namespace_created_at
                 ON memories (namespace, created_at DESC, id DESC);
             CREATE TABLE namespaces (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
             INSERT INTO memories (namespace, content, created_at)
                 VALUES ('team', 'written by version 1', 1700000000000);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.recent("team", 5).await.unwrap()[0].content, "written by version 1");
    let first = store.store(keyed("team", "written by version 2", "k")).await.unwrap();
    let again = store.store(keyed("team", "written by version 2", "k")).await.unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(store.count(Some("team")).await.unwrap(), 2);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, 2);
}
