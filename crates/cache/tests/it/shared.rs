//! The tier walk with a shared tier plugged in, and degradation when it fails.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use pattern_cache::{CacheConfig, Lookup, ResultCache};
use pattern_core::CacheTier;
use serde_json::json;

use crate::support::FakeShared;
use crate::support::{entry, held};
use pattern_cache::CachedResult;

fn cache_with(shared: &Arc<FakeShared>) -> ResultCache {
    let config = CacheConfig {
        local_ttl: Duration::from_secs(60),
        shared_ttl: Duration::from_secs(300),
        shared_timeout: Duration::from_millis(100),
        ..CacheConfig::default()
    };
    ResultCache::with_shared_tier(config, Arc::clone(shared) as _)
}

#[tokio::test(start_paused = true)]
async fn local_miss_is_answered_by_the_shared_tier_and_promoted() {
    let shared = Arc::new(FakeShared::default());
    let cache = cache_with(&shared);
    shared.insert("k", json!("from another instance"), Duration::from_secs(200));

    let first = cache.get("k").await.expect("shared hit");
    assert_eq!(
        (first.tier, first.value.as_ref()),
        (CacheTier::Redis, &held(json!("from another instance")))
    );
    let second = cache.get("k").await.expect("local hit");
    assert_eq!(second.tier, CacheTier::Local);

    let stats = cache.stats();
    assert_eq!((stats.local.hits, stats.local.misses, stats.redis.hits), (1, 1, 1));
    assert_eq!(stats.hit_rate, 1.0);
    assert!(stats.redis.available);
}

#[tokio::test(start_paused = true)]
async fn promotion_never_outlives_the_shared_entry() {
    let shared = Arc::new(FakeShared::default());
    let cache = cache_with(&shared);
    shared.insert("k", json!(1), Duration::from_secs(2));
    assert_eq!(cache.get("k").await.map(|hit| hit.tier), Some(CacheTier::Redis));
    tokio::time::advance(Duration::from_secs(2)).await;
    // The promoted copy is gone; only the (never-expiring) fake still has it.
    assert_eq!(cache.get("k").await.map(|hit| hit.tier), Some(CacheTier::Redis));
}

#[tokio::test(start_paused = true)]
async fn put_writes_every_tier_with_its_own_ttl() {
    let shared = Arc::new(FakeShared::default());
    let cache = cache_with(&shared);
    let ttl = cache.ttl_for(None);
    assert_eq!(ttl, Duration::from_secs(300));
    let computed = cache
        .get_or_compute("k", ttl, || async { Ok::<_, String>((entry(json!("v")), true)) })
        .await
        .unwrap();
    assert_eq!(computed.as_str(), "computed");
    assert_eq!(shared.ttl("k"), Some(Duration::from_secs(300)));

    tokio::time::advance(Duration::from_secs(60)).await;
    assert_eq!(cache.get("k").await.map(|hit| hit.tier), Some(CacheTier::Redis));

    cache.put("short", entry(json!(1)), Duration::from_secs(5)).await;
    assert_eq!(shared.ttl("short"), Some(Duration::from_secs(5)));
}

#[tokio::test(start_paused = true)]
async fn shared_tier_down_serves_from_local_tier_and_source() {
    let shared = Arc::new(FakeShared::default());
    shared.down.store(true, Ordering::Relaxed);
    let cache = cache_with(&shared);

    let computed = cache
        .get_or_compute("k", Duration::from_secs(30), || async {
            Ok::<_, String>((entry(json!("fresh")), true))
        })
        .await
        .unwrap();
    assert!(matches!(&computed, Lookup::Computed(v) if **v == held(json!("fresh"))));
    assert_eq!(cache.get("k").await.map(|hit| hit.tier), Some(CacheTier::Local));

    let stats = cache.stats();
    assert_eq!((stats.redis.errors, stats.redis.available), (2, false), "get and put failed");
    assert_eq!(shared.len(), 0);
}

#[tokio::test(start_paused = true)]
async fn slow_shared_tier_times_out_as_a_miss() {
    let shared = Arc::new(FakeShared::default());
    shared.insert("k", json!(1), Duration::from_secs(60));
    shared.slow.store(true, Ordering::Relaxed);
    let cache = cache_with(&shared);

    let started = tokio::time::Instant::now();
    assert_eq!(cache.get("k").await, None);
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    assert_eq!(cache.stats().redis.errors, 1);
}

#[tokio::test]
async fn invalidate_all_clears_the_shared_tier_too() {
    let shared = Arc::new(FakeShared::default());
    let cache = cache_with(&shared);
    cache.put("a", entry(json!(1)), Duration::from_secs(30)).await;
    assert_eq!(shared.len(), 1);
    cache.invalidate_all().await;
    assert_eq!(shared.len(), 0);
    assert_eq!(cache.get("a").await, None);
}

#[tokio::test(start_paused = true)]
async fn lease_held_elsewhere_waits_for_the_holders_value() {
    let shared = Arc::new(FakeShared::default());
    shared.leased.store(true, Ordering::Relaxed);
    let cache = cache_with(&shared);
    let filler = {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            shared.insert("k", json!("from the holder"), Duration::from_secs(60));
        })
    };
    let lookup = cache
        .get_or_compute("k", Duration::from_secs(60), || async {
            Err::<(Arc<CachedResult>, bool), _>("must not run".to_owned())
        })
        .await
        .unwrap();
    assert_eq!(lookup.tier(), Some(CacheTier::Redis));
    assert_eq!(**lookup.value(), held(json!("from the holder")));
    assert_eq!(cache.get("k").await.map(|hit| hit.tier), Some(CacheTier::Local));
    filler.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn lease_held_elsewhere_without_a_value_computes_after_the_wait() {
    let shared = Arc::new(FakeShared::default());
    shared.leased.store(true, Ordering::Relaxed);
    let cache = cache_with(&shared);
    let started = tokio::time::Instant::now();
    let lookup = cache
        .get_or_compute("k", Duration::from_secs(60), || async {
            Ok::<_, String>((entry(json!("computed here")), true))
        })
        .await
        .unwrap();
    assert_eq!(lookup.as_str(), "computed");
    assert!(started.elapsed() >= cache.config().lease_wait);
    assert!(started.elapsed() < cache.config().lease_wait * 2);
}

#[tokio::test(start_paused = true)]
async fn unavailable_tier_is_not_waited_on_for_a_lease() {
    let shared = Arc::new(FakeShared::default());
    shared.leased.store(true, Ordering::Relaxed);
    shared.down.store(true, Ordering::Relaxed);
    let cache = cache_with(&shared);
    let started = tokio::time::Instant::now();
    let lookup = cache
        .get_or_compute("k", Duration::from_secs(60), || async {
            Ok::<_, String>((entry(json!(1)), true))
        })
        .await
        .unwrap();
    assert_eq!(lookup.as_str(), "computed");
    assert_eq!(started.elapsed(), Duration::ZERO, "an unavailable tier is not waited on");
}
