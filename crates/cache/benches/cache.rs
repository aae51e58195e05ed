//! Benchmarks of the tiers: the local tier's hit, miss and key (group `cache/local`), and the Redis tier on loopback (group `cache/redis`, against `PATTERN_MCP_TEST_REDIS_URL` or 127.0.0.1:6379): a hit and a miss of the tier alone, what an L2 miss adds to a request, what strict coherence adds to a recall, and what it adds to a memory write.
//!
//! Run: `cargo bench -p pattern-cache --bench cache -- cache/redis`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use pattern_cache::{
    CacheConfig, CacheKey, CachedResult, Coherence, KeyParts, LOCAL_PRINCIPAL, RedisConfig,
    RedisTier, ResultCache, SharedTier, cache_key,
};
use pattern_core::ExecutionMode;
use serde_json::{Map, Value, json};

/// A cache entry of `result`, a JSON object.
fn entry(result: Value) -> CachedResult {
    let Value::Object(result) = result else { unreachable!("a JSON object") };
    CachedResult::new(result)
}

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
    let value = Arc::new(entry(
        json!({"timezone": "Europe/Paris", "datetime": "2026-04-20T12:00:00+02:00"}),
    ));
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
fn recall() -> CachedResult {
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
    entry(json!({"count": 5, "memories": memories, "query": "how do we deploy billing"}))
}

fn redis_url() -> String {
    std::env::var("PATTERN_MCP_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A connected tier under a prefix of this run's own.
async fn connected(coherence: Coherence, run: &str) -> RedisTier {
    let url = redis_url();
    let config = RedisConfig {
        key_prefix: format!("pattern-cache-bench:{}:{run}:", std::process::id()),
        // A loaded machine must not turn a measured call into an error.
        timeout: Duration::from_secs(1),
        coherence,
        ..RedisConfig::new(url.as_str())
    };
    let tier = RedisTier::connect(&config).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !(tier.is_available() && tier.link_trusted()) {
        assert!(
            std::time::Instant::now() < deadline,
            "Redis is not reachable at {url}: start it with `redis-server --daemonize yes`"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tier
}

/// The key of a recall in namespace `bench`, as the engine builds it.
fn recall_key(generation: u64) -> CacheKey {
    cache_key(&KeyParts {
        query: "how do we deploy billing",
        mode: ExecutionMode::Balanced,
        context: None,
        namespace: "bench",
        principal: LOCAL_PRINCIPAL,
        pattern_set_version: "9b1c2d",
        pattern: "recall",
        generation: Some(generation),
    })
}

/// The Redis tier: what an L2 hit and an L2 miss cost a request, and what
/// strict coherence adds to a recall.
fn redis(c: &mut Criterion) {
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (tier, strict, bounded) = rt.block_on(async {
        let tier = connected(Coherence::Strict, "tier").await;
        tier.put("hit", Arc::new(recall()), Duration::from_secs(600)).await.unwrap();
        tier.put(
            "small",
            Arc::new(entry(json!({"datetime": "2026-04-20T12:00:00+02:00"}))),
            Duration::from_secs(600),
        )
        .await
        .unwrap();
        let caches = [Coherence::Strict, Coherence::Bounded].map(|coherence| async move {
            let tier = Arc::new(connected(coherence, coherence.as_str()).await);
            let cache = ResultCache::with_shared_tier(CacheConfig::default(), tier);
            let generation = cache.key_generation("bench").await.unwrap();
            let key = recall_key(generation);
            cache.put(&key, Arc::new(recall()), Duration::from_secs(600)).await;
            (cache, key)
        });
        let [strict, bounded] = caches;
        (tier, strict.await, bounded.await)
    });
    let without_redis = ResultCache::new(CacheConfig::default());
    let plain = ResultCache::with_shared_tier(
        CacheConfig::default(),
        Arc::new(rt.block_on(connected(Coherence::Strict, "plain"))),
    );

    let mut group = c.benchmark_group("cache/redis");
    // The tier alone: one pipelined round trip (GET, PTTL) and the decoding.
    group.bench_function("hit", |b| {
        b.to_async(&rt).iter(|| async { black_box(tier.get(black_box("hit")).await.unwrap()) });
    });
    group.bench_function("hit_small", |b| {
        b.to_async(&rt).iter(|| async { black_box(tier.get(black_box("small")).await.unwrap()) });
    });
    group.bench_function("miss", |b| {
        b.to_async(&rt).iter(|| async { black_box(tier.get(black_box("absent")).await.unwrap()) });
    });
    // A strict lookup whose local tier missed: the same round trip with the
    // generation's GET in it.
    group.bench_function("hit_checked", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(tier.get_checked(black_box("hit"), "bench").await.unwrap())
        });
    });
    // A request whose key no tier holds, computed (trivially) and stored:
    // without Redis, and with it (lookup, lease, store, release).
    for (name, cache) in [("miss_request_local_only", &without_redis), ("miss_request", &plain)] {
        let next = std::sync::atomic::AtomicU64::new(0);
        let value = Arc::new(recall());
        group.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let key = format!("miss-{n}");
                let value = Arc::clone(&value);
                let lookup = cache
                    .get_or_compute(&key, Duration::from_secs(30), || async move {
                        Ok::<_, ()>((value, true))
                    })
                    .await
                    .unwrap();
                black_box(lookup)
            });
        });
    }
    // A recall found in the local tier: strict checks its generation in
    // Redis, bounded trusts the invalidation link.
    for (name, (cache, key)) in
        [("recall_local_hit_strict", &strict), ("recall_local_hit_bounded", &bounded)]
    {
        group.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                let generation = cache.key_generation("bench").await.unwrap();
                let built = recall_key(generation);
                assert_eq!(&built, key, "no write happens during the benchmark");
                black_box(cache.get(&built).await.expect("a local hit"))
            });
        });
    }
    // A memory write: strict waits until it has settled (its announcement
    // back, and the acknowledgement of every other instance listening),
    // bounded does not wait.
    let (writers, _peers) = rt.block_on(async {
        let shared = |coherence, run| async move {
            ResultCache::with_shared_tier(
                CacheConfig::default(),
                Arc::new(connected(coherence, run).await),
            )
        };
        let writers = [
            ("write_strict_alone", shared(Coherence::Strict, "write-alone").await),
            ("write_strict_two_peers", shared(Coherence::Strict, "write-peers").await),
            ("write_bounded", shared(Coherence::Bounded, "write-bounded").await),
        ];
        let peers = [
            shared(Coherence::Strict, "write-peers").await,
            shared(Coherence::Strict, "write-peers").await,
        ];
        // A write settles early only past the trust window of the writer's
        // own subscription.
        tokio::time::sleep(RedisConfig::new("redis://unused").staleness_bound() * 2).await;
        (writers, peers)
    });
    for (name, cache) in &writers {
        group.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| async { black_box(cache.record_memory_write("bench").await) });
        });
    }
    group.finish();
    rt.block_on(async {
        tier.remove("hit").await.unwrap();
        tier.remove("small").await.unwrap();
    });
}

criterion_group!(benches, local, redis);
criterion_main!(benches);
