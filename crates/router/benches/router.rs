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

fn route(c: &mut Criterion) {
    let router = Router::new(RouterConfig::default());
    let mut group = c.benchmark_group("router/route");
    group.bench_function("balanced_100_chars", |b| {
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
