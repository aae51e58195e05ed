//! The memory path alone, against an in-memory SQLite store: no engine, no cache, no router.

use std::sync::Arc;

use pattern_core::{Captures, ExecuteRequest};
use pattern_memory::SqliteStore;
use pattern_registry::Registry;
use serde_json::json;

use super::*;

fn builtin(name: &str) -> Arc<PatternDefinition> {
    Registry::with_builtins().get(name).unwrap()
}

fn captured(pairs: &[(&str, &str)]) -> Captures {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn a_store_then_a_keyed_replay_then_a_search_and_the_recent_ones() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let mut req = ExecuteRequest::new("remember that backups run at 02:00");
    req.idempotency_key = Some("backups".into());
    req.context = Some(json!({"tags": ["ops"], "importance": 0.9}).as_object().unwrap().clone());
    let content = captured(&[("content", "backups run at 02:00")]);

    let first = run(&store, &builtin("store_memory"), &content, &req).await.unwrap();
    assert!(first.wrote());
    assert!(first.metadata().is_empty());
    let MemoryOutcome::Stored { memory, .. } = &first else { panic!("{first:?}") };
    assert_eq!((memory.tags.as_slice(), memory.importance), (&["ops".to_owned()][..], 0.9));
    assert_eq!(memory.metadata["pattern"], "store_memory");

    let again = run(&store, &builtin("store_memory"), &content, &req).await.unwrap();
    assert!(!again.wrote(), "a replay writes nothing");
    assert_eq!(again.metadata()["idempotent_replay"], true);
    assert_eq!(again.into_result("default")["idempotent_replay"], true);

    let subject = captured(&[("subject", "backups")]);
    let ask = ExecuteRequest::new("what did we note about backups?");
    let found = run(&store, &builtin("recall_memory"), &subject, &ask).await.unwrap();
    let result = found.into_result("default");
    assert_eq!((result["count"].clone(), result["query"].clone()), (json!(1), json!("backups")));
    assert_eq!(result["memories"][0]["score"], 1.0);

    let recent = ExecuteRequest::new("last 5 memories");
    let count = captured(&[("count", "5")]);
    let listed = run(&store, &builtin("recent_memories"), &count, &recent).await.unwrap();
    assert_eq!(listed.into_result("default")["count"], 1);
}

#[tokio::test]
async fn an_empty_text_to_store_is_refused_before_the_store_is_touched() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let req = ExecuteRequest::new("remember that");
    let blank = captured(&[("content", "   ")]);
    let err = run(&store, &builtin("store_memory"), &blank, &req).await.unwrap_err();
    assert_eq!(err.reason(), "empty_text");
    assert_eq!(store.total(), 0);
}
