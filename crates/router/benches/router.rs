//! Criterion benchmarks of the router: one decision per iteration.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pattern_core::{ExecutionMode, MemoryAvailability};
use pattern_router::{DownstreamState, Router, RouterConfig};

struct WithData;

impl MemoryAvailability for WithData {
    fn has_memories(&self, _namespace: &str) -> bool {
        true
    }
}

/// Servers configured and connected: the routes stay as classified.
const CONNECTED: DownstreamState = DownstreamState::Connected;

/// About 100 characters, live and stored-knowledge cues mixed.
const QUERY: &str = "check the current disk usage on db-primary and compare it with the threshold we agreed last week";

/// More distinct queries than the router's verdict memo keeps, so that
/// cycling through them classifies every one afresh.
const DISTINCT: usize = 4 * pattern_router::VERDICT_CACHE_CAPACITY;

fn route(c: &mut Criterion) {
    let router = Router::new(RouterConfig::default());
    let mut group = c.benchmark_group("router/route");
    // A first decision on a query: the 100 characters, then a number that
    // makes each query new to the memo ("… last week 1234").
    let queries: Vec<String> = (0..DISTINCT).map(|n| format!("{QUERY} {n}")).collect();
    let mut next = 0;
    group.bench_function("balanced_100_chars", |b| {
        b.iter(|| {
            next = (next + 1) % DISTINCT;
            router.route(
                black_box(&queries[next]),
                ExecutionMode::Balanced,
                "default",
                None,
                &WithData,
                &CONNECTED,
            )
        })
    });
    // The same query again and again: its verdict comes from the memo.
    group.bench_function("balanced_100_chars_repeated", |b| {
        b.iter(|| {
            router.route(
                black_box(QUERY),
                ExecutionMode::Balanced,
                "default",
                None,
                &WithData,
                &CONNECTED,
            )
        })
    });
    group.bench_function("fast", |b| {
        b.iter(|| {
            router.route(
                black_box(QUERY),
                ExecutionMode::Fast,
                "default",
                None,
                &WithData,
                &CONNECTED,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, route);
criterion_main!(benches);
