//! Benchmarks of the local tier: a hit, a miss, and building a key (group `cache/local`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use pattern_cache::{CacheConfig, KeyParts, LOCAL_PRINCIPAL, ResultCache, cache_key};
use pattern_core::ExecutionMode;
use serde_json::{Map, Value, json};

fn context() -> Map<String, Value> {
    match json!({
        "tool": "time.get_current_time",
        "arguments": {"timezone": "Europe/Paris", "format": {"clock": "24h", "seconds": false}}
    }) {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

fn local(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let cache = ResultCache::new(CacheConfig::default());
    let context = context();
    let parts = KeyParts {
        query: "  What time is it in Europe/Paris?  ",
        mode: ExecutionMode::Balanced,
        context: Some(&context),
        namespace: "default",
        principal: LOCAL_PRINCIPAL,
        pattern_set_version: "9b1c2d",
        pattern: "current_time",
        generation: None,
    };
    let key = cache_key(&parts);
    let value =
        Arc::new(json!({"timezone": "Europe/Paris", "datetime": "2026-04-20T12:00:00+02:00"}));
    // Enough entries that the lookup is not into a near-empty table.
    rt.block_on(async {
        for i in 0..5_000 {
            cache.put(&format!("{i:032x}"), Arc::clone(&value), Duration::from_secs(600)).await;
        }
        cache.put(&key, Arc::clone(&value), Duration::from_secs(600)).await;
    });
    let absent = format!("{:032x}", u128::MAX);

    let mut group = c.benchmark_group("cache/local");
    group.bench_function("hit", |b| {
        b.to_async(&rt).iter(|| async { black_box(cache.get(black_box(&key)).await) });
    });
    group.bench_function("miss", |b| {
        b.to_async(&rt).iter(|| async { black_box(cache.get(black_box(&absent)).await) });
    });
    group.bench_function("key", |b| {
        b.iter(|| black_box(cache_key(black_box(&parts))));
    });
    group.finish();
}

criterion_group!(benches, local);
criterion_main!(benches);
