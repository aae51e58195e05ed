//! `tokens/*`: what counting a cached answer's tokens costs, side by side.
//!
//! Run: `cargo bench -p pattern-engine --bench tokens`. The text is a real
//! answer: a recall through `Engine::execute`, answered from the cache. Every
//! answer's `tokens_used` is the count of its own compact JSON; on a hit the
//! part kept with the cache entry (the result) is counted once, so what each
//! hit tokenises is the text around it (request id, timing, routing view,
//! metadata). `whole` counts all of it, `around` the text around the kept
//! part with one tokenizer call per side (what the engine does);
//! `whole_reference` counts the whole text with tiktoken-rs, the
//! implementation the counter replaced (and is tested against), side by
//! side. `execute_hit` is the whole cached `execute_pattern` in process, for
//! scale.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use pattern_core::ExecuteRequest;
use pattern_engine::{Engine, EngineConfig, Principal, TokenCounter};
use pattern_memory::SqliteStore;
use pattern_registry::{LoadOptions, Registry};

const RECALL: &str = "what do you remember about backups?";

async fn engine() -> Engine {
    let loaded = Registry::load(&LoadOptions { files: vec![], builtins: true, strict: true })
        .expect("the built-in patterns load");
    let store = Arc::new(SqliteStore::open_in_memory().await.expect("sqlite"));
    let engine = Engine::new(Arc::new(loaded.registry), store, EngineConfig::default());
    let stored = engine
        .execute(
            &ExecuteRequest::new(
                "remember that backups run nightly at 02:00 UTC and are kept for 30 days",
            ),
            &Principal::local(),
        )
        .await;
    assert!(stored.success, "{:?}", stored.error);
    engine
}

fn tokens(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let engine = rt.block_on(engine());
    let principal = Principal::local();
    let recall = ExecuteRequest::new(RECALL);
    let answer = rt.block_on(async {
        engine.execute(&recall, &principal).await;
        engine.execute(&recall, &principal).await
    });
    assert!(answer.cache_hit, "the second recall is a cache hit");
    let text = serde_json::to_string(&answer).expect("an answer serialises");
    let start = text.find(",\"result\":").expect("a result field");
    let end = text.find(",\"error\":null,\"execution_time_ms\":").expect("an error field")
        + ",\"error\":null,\"execution_time_ms\":".len();
    let (head, tail) = (&text[..start], &text[end..]);
    println!(
        "answer {} bytes, {} of them around the kept part",
        text.len(),
        head.len() + tail.len()
    );

    let counter = TokenCounter::new();
    let mut group = c.benchmark_group("tokens");
    group.bench_function("whole", |b| b.iter(|| counter.count(&text)));
    let reference = tiktoken_rs::o200k_base().expect("o200k_base is embedded in tiktoken-rs");
    assert_eq!(reference.encode_ordinary(&text).len() as u64, counter.count(&text));
    group.bench_function("whole_reference", |b| b.iter(|| reference.encode_ordinary(&text).len()));
    group.bench_function("around", |b| b.iter(|| counter.count(head) + counter.count(tail)));
    group.bench_function("execute_hit", |b| {
        b.to_async(&rt).iter(|| async {
            let answer = engine.execute(&recall, &principal).await;
            assert!(answer.cache_hit);
        })
    });
    group.finish();
}

criterion_group!(benches, tokens);
criterion_main!(benches);
