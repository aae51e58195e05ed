//! Benchmarks of the tiers: the local tier's hit, miss and key (group `cache/local`), and the Redis tier's hit and miss on loopback (group `cache/redis`, against `PATTERN_MCP_TEST_REDIS_URL` or 127.0.0.1:6379).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use pattern_cache::{
    CacheConfig, KeyParts, LOCAL_PRINCIPAL, RedisConfig, RedisTier, ResultCache, SharedTier,
    cache_key,
};
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

/// A recall of five memories, the size the codec notes quote (about 1.9 kB
/// of JSON).
fn recall() -> Value {
    let memories: Vec<Value> = (0..5)
        .map(|i| {
            json!({
                "id": 1041 + i, "namespace": "team-platform",
                "content": format!("Memory {i}: the deploy pipeline for the billing service runs on CI and pushes images to the internal registry; staging is promoted by hand."),
                "tags": ["ops", "decision"], "importance": 0.5, "metadata": {"pattern": "remember_fact"},
                "created_at": "2026-11-02T09:10:17.123456Z", "score": 3.2,
            })
        })
        .collect();
    json!({"result": {"count": 5, "memories": memories, "query": "how do we deploy billing"}, "metadata": {}})
}

/// The Redis tier alone: what an L2 hit and an L2 miss cost a request.
fn redis(c: &mut Criterion) {
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let url = std::env::var("PATTERN_MCP_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let config = RedisConfig {
        key_prefix: format!("pattern-cache-bench:{}:", std::process::id()),
        // A loaded machine must not turn a measured call into an error.
        timeout: Duration::from_secs(1),
        ..RedisConfig::new(url.as_str())
    };
    let tier = rt.block_on(async {
        let tier = RedisTier::connect(&config).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !tier.is_available() {
            assert!(
                std::time::Instant::now() < deadline,
                "Redis is not reachable at {url}: start it with `redis-server --daemonize yes`"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tier.put("hit", Arc::new(recall()), Duration::from_secs(600)).await.unwrap();
        tier.put(
            "small",
            Arc::new(json!({"datetime": "2026-04-20T12:00:00+02:00"})),
            Duration::from_secs(600),
        )
        .await
        .unwrap();
        tier
    });

    let mut group = c.benchmark_group("cache/redis");
    group.bench_function("hit", |b| {
        b.to_async(&rt).iter(|| async { black_box(tier.get(black_box("hit")).await.unwrap()) });
    });
    group.bench_function("hit_small", |b| {
        b.to_async(&rt).iter(|| async { black_box(tier.get(black_box("small")).await.unwrap()) });
    });
    group.bench_function("miss", |b| {
        b.to_async(&rt).iter(|| async { black_box(tier.get(black_box("absent")).await.unwrap()) });
    });
    group.finish();
    rt.block_on(async { tier.remove("hit").await.unwrap() });
}

criterion_group!(benches, local, redis);
criterion_main!(benches);
