//! The `cache` section of `stats`, and invalidation.

use std::sync::Arc;
use std::time::Duration;

use crate::support::{entry, held};
use pattern_cache::{CacheConfig, ResultCache};
use pattern_core::{CacheStats, LocalCacheStats, RedisCacheStats};
use serde_json::json;

const TTL: Duration = Duration::from_secs(30);

#[tokio::test]
async fn stats_count_hits_misses_and_entries() {
    let cache = ResultCache::new(CacheConfig::default());
    assert_eq!(cache.get("a").await, None);
    cache.put("a", entry(json!(1)), TTL).await;
    cache.put("b", entry(json!(2)), TTL).await;
    assert!(cache.get("a").await.is_some());
    assert!(cache.get("a").await.is_some());
    assert_eq!(cache.get("c").await, None);

    assert_eq!(
        cache.stats(),
        CacheStats {
            local: LocalCacheStats { hits: 2, misses: 2, entries: 2 },
            redis: RedisCacheStats { hits: 0, misses: 0, errors: 0, available: false },
            hit_rate: 0.5,
            coalesced: 0,
        }
    );
}

#[test]
fn fresh_cache_reports_zero_and_redis_unavailable() {
    let stats = ResultCache::new(CacheConfig::default()).stats();
    assert_eq!(stats, CacheStats::default());
    assert!(!stats.redis.available);
}

#[tokio::test]
async fn invalidate_all_empties_the_cache() {
    let cache = ResultCache::new(CacheConfig::default());
    for key in ["a", "b", "c"] {
        cache.put(key, entry(json!(key)), TTL).await;
    }
    assert_eq!(cache.stats().local.entries, 3);
    cache.invalidate_all().await;
    assert_eq!(cache.get("a").await, None);
    assert_eq!(cache.stats().local.entries, 0);
}

#[tokio::test]
async fn invalidate_drops_one_key() {
    let cache = ResultCache::new(CacheConfig::default());
    cache.put("a", entry(json!(1)), TTL).await;
    cache.put("b", entry(json!(2)), TTL).await;
    cache.invalidate("a").await;
    assert_eq!(cache.get("a").await, None);
    assert_eq!(cache.get("b").await.map(|hit| hit.value), Some(entry(json!(2))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_cache_serves_every_worker_thread() {
    let cache = Arc::new(ResultCache::new(CacheConfig::default()));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move {
                let key = format!("k{}", i % 4);
                let lookup = cache
                    .get_or_compute(&key, TTL, || async move {
                        Ok::<_, String>((entry(json!(i % 4)), true))
                    })
                    .await
                    .unwrap();
                (i % 4, lookup.into_value())
            })
        })
        .collect();
    for task in tasks {
        let (expected, value) = task.await.unwrap();
        assert_eq!(*value, held(json!(expected)));
    }
    assert_eq!(cache.stats().local.entries, 4);
}
