//! Per-entry TTLs, on tokio's clock (paused here).

use std::time::Duration;

use pattern_cache::{CacheConfig, Lookup, ResultCache};
use pattern_core::CacheTier;
use serde_json::json;

use crate::support::{entry, held};

fn cache() -> ResultCache {
    ResultCache::new(CacheConfig { local_ttl: Duration::from_secs(60), ..CacheConfig::default() })
}

#[tokio::test(start_paused = true)]
async fn entry_expires_after_its_ttl() {
    let cache = cache();
    cache.put("k", entry(json!({"time": "12:00"})), Duration::from_secs(5)).await;

    tokio::time::advance(Duration::from_millis(4_999)).await;
    let hit = cache.get("k").await.expect("fresh entry");
    assert_eq!((hit.value.as_ref(), hit.tier), (&held(json!({"time": "12:00"})), CacheTier::Local));

    tokio::time::advance(Duration::from_millis(1)).await;
    assert_eq!(cache.get("k").await, None);
}

#[tokio::test(start_paused = true)]
async fn entry_lives_at_most_the_local_tier_ttl() {
    let cache = cache();
    cache.put("k", entry(json!(1)), Duration::from_secs(3_600)).await;
    tokio::time::advance(Duration::from_secs(59)).await;
    assert!(cache.get("k").await.is_some());
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(cache.get("k").await, None);
}

#[tokio::test(start_paused = true)]
async fn computed_value_is_kept_for_the_ttl_asked() {
    let cache = cache();
    let ttl = cache.ttl_for(Some(10));
    assert_eq!(ttl, Duration::from_secs(10));
    let first = cache
        .get_or_compute("k", ttl, || async { Ok::<_, String>((entry(json!("v")), true)) })
        .await
        .unwrap();
    assert_eq!(first.as_str(), "computed");

    tokio::time::advance(Duration::from_secs(9)).await;
    let second =
        cache.get_or_compute("k", ttl, || async { Err("must not run".to_owned()) }).await.unwrap();
    assert_eq!(second.tier(), Some(CacheTier::Local));

    tokio::time::advance(Duration::from_secs(1)).await;
    let third = cache
        .get_or_compute("k", ttl, || async { Ok::<_, String>((entry(json!("w")), true)) })
        .await
        .unwrap();
    assert!(matches!(&third, Lookup::Computed(v) if **v == held(json!("w"))), "{third:?}");
}

#[tokio::test(start_paused = true)]
async fn zero_ttl_put_stores_nothing() {
    let cache = cache();
    cache.put("k", entry(json!(1)), Duration::ZERO).await;
    assert_eq!(cache.get("k").await, None);
    assert_eq!(cache.stats().local.entries, 0);
}
