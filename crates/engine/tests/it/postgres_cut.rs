//! A PostgreSQL store cut off mid-write, through the engine: the result says the outcome is unknown, and a retry with
//! the same idempotency key replays the write.
//!
//! The server and the cutting proxy are the memory crate's own test support, included rather than repeated.

use std::sync::Arc;

use pattern_core::NewMemory;
use pattern_engine::{EngineConfig, Principal};
use pattern_memory::open_store;

use crate::idempotency::{engine, keyed};

#[path = "../../../memory/tests/it/postgres/cut.rs"]
mod cut;
#[allow(dead_code)] // this binary uses part of it
#[path = "../../../memory/tests/it/postgres/server.rs"]
mod server;

use cut::CutProxy;
use server::{DropSchema, fresh_schema, server_addr, through_port};

#[tokio::test]
async fn through_the_engine_a_cut_store_reports_outcome_unknown_and_its_retry_a_replay() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let proxy = CutProxy::open(server_addr()).await;
    let store = open_store(&through_port(proxy.port(), &schema, "&sslmode=disable")).await.unwrap();
    store.store(NewMemory::new("default", "warm-up")).await.unwrap();
    let e = engine(Arc::clone(&store), EngineConfig::default());
    let local = Principal::local();
    let note = "remember that the staging database listens on port 5433";

    proxy.arm();
    let lost = e.execute(&keyed(note, "standup-7"), &local).await;
    proxy.cut().await;
    assert!(!lost.success);
    assert_eq!(lost.metadata["error_reason"], "outcome_unknown");
    assert_eq!(lost.metadata["retryable"], true);
    let text = lost.error.unwrap();
    assert!(text.contains("retry with the same idempotency_key"), "{text}");

    let retry = e.execute(&keyed(note, "standup-7"), &local).await;
    assert!(retry.success, "{:?}", retry.error);
    assert_eq!(retry.metadata["idempotent_replay"], true);
    assert_eq!(store.count(Some("default")).await.unwrap(), 2);
}
