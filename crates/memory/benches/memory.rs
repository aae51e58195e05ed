//! Benchmarks of the memory store (group `memory/sqlite`): search and store over 100,000 realistic memories.
//!
//! The corpus (`support/corpus.rs`, shared with `benches/postgres.rs`) is
//! generated once per run and written in one transaction into a temporary
//! database file. Besides
//! criterion's estimates, the per-call latency percentiles of the search
//! queries are printed, since the target is a p50 of at most 2 ms.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use pattern_core::{NewMemory, SearchQuery};
use pattern_memory::{MemoryStore, SqliteStore};

#[path = "support/corpus.rs"]
mod corpus;

use corpus::{MEMORIES, NAMESPACES, corpus, query, search_latencies};

/// Per-call latency of every query in every namespace, printed as
/// percentiles, with the slowest queries by their median.
async fn print_search_percentiles(store: &dyn MemoryStore) {
    let (mut micros, empty, medians) = search_latencies(store).await;
    micros.sort_unstable();
    let at = |p: f64| micros[((micros.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    eprintln!(
        "memory/sqlite search over {MEMORIES} memories, {} calls: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({empty} without hits)",
        micros.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        at(1.0)
    );
    for (median, text) in medians.iter().take(3) {
        eprintln!("  slowest: {:.3} ms median for {text:?}", *median as f64 / 1000.0);
    }
}

fn memory_sqlite(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<SqliteStore> = runtime.block_on(async {
        let store = SqliteStore::open(&dir.path().join("memory.db")).await.unwrap();
        let memories = corpus();
        let start = Instant::now();
        store.store_batch(memories).await.unwrap();
        eprintln!("seeded {MEMORIES} memories in {:.1} s", start.elapsed().as_secs_f64());
        Arc::new(store)
    });
    runtime.block_on(print_search_percentiles(&*store));

    let mut group = c.benchmark_group("memory/sqlite");
    group.measurement_time(Duration::from_secs(5));

    let next = AtomicUsize::new(0);
    group.bench_function("search", |b| {
        b.to_async(&runtime).iter(|| {
            let q = query(next.fetch_add(1, Ordering::Relaxed));
            let store = Arc::clone(&store);
            async move { black_box(store.search(q).await.unwrap()) }
        })
    });

    // A term the index cannot hold (an emoji) makes the search scan the
    // namespace: the slow path, measured so that it stays bounded.
    let next = AtomicUsize::new(0);
    group.bench_function("search_substring", |b| {
        b.to_async(&runtime).iter(|| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let q = SearchQuery { text: "🔥 gateway timeout".to_owned(), ..query(i) };
            let store = Arc::clone(&store);
            async move { black_box(store.search(q).await.unwrap()) }
        })
    });

    let next = AtomicUsize::new(0);
    group.bench_function("store", |b| {
        b.to_async(&runtime).iter(|| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let memory = NewMemory::new(
                format!("team-{}", i % NAMESPACES),
                format!("benchmark note {i}: the staging gateway restarted after a config change"),
            );
            let store = Arc::clone(&store);
            async move { black_box(store.store(memory).await.unwrap()) }
        })
    });

    group.bench_function("recent", |b| {
        b.to_async(&runtime).iter(|| {
            let store = Arc::clone(&store);
            async move { black_box(store.recent("team-3", 10).await.unwrap()) }
        })
    });
    group.finish();
}

criterion_group!(benches, memory_sqlite);
criterion_main!(benches);
