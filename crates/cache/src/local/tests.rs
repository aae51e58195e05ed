//! Unit tests of the local tier: per-entry TTL on tokio's clock, clamping, zero TTL.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::*;

/// An entry whose result is `{"v": value}`.
fn entry(value: serde_json::Value) -> Arc<CachedResult> {
    Arc::new(CachedResult::new(serde_json::Map::from_iter([("v".to_owned(), value)])))
}

#[tokio::test(start_paused = true)]
async fn ttl_is_clamped_to_the_tier_ttl() {
    let tier = LocalTier::new(100, Duration::from_secs(60));
    tier.insert("k", entry(json!(1)), Duration::from_secs(3600));
    tokio::time::advance(Duration::from_secs(59)).await;
    assert_eq!(tier.get("k").as_deref(), Some(&*entry(json!(1))));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(tier.get("k"), None);
}

#[tokio::test(start_paused = true)]
async fn overwrite_restarts_the_ttl() {
    let tier = LocalTier::new(100, Duration::from_secs(60));
    tier.insert("k", entry(json!("old")), Duration::from_secs(10));
    tokio::time::advance(Duration::from_secs(8)).await;
    tier.insert("k", entry(json!("new")), Duration::from_secs(10));
    tokio::time::advance(Duration::from_secs(8)).await;
    assert_eq!(tier.get("k").as_deref(), Some(&*entry(json!("new"))));
}

#[test]
fn zero_ttl_stores_nothing() {
    let tier = LocalTier::new(100, Duration::from_secs(60));
    tier.insert("k", entry(json!(1)), Duration::ZERO);
    assert_eq!(tier.get("k"), None);
    assert_eq!(tier.entry_count(), 0);
}

#[test]
fn huge_ttl_is_held_for_the_tier_ttl() {
    let tier = LocalTier::new(100, Duration::MAX);
    tier.insert("k", entry(json!(1)), Duration::MAX);
    assert_eq!(tier.get("k").as_deref(), Some(&*entry(json!(1))));
}

#[test]
fn moka_expires_entries_in_real_time_too() {
    // The tokio deadline is checked on read; moka's own expiry is what frees
    // the memory. Both must agree in real time. (moka's timer wheel removes
    // the entry up to about a second later, so `entry_count` lags; its reads
    // already refuse it.) moka's clock is `std::time::Instant`: no pause.
    let tier = LocalTier::new(100, Duration::from_secs(60));
    tier.insert("k", entry(json!(1)), Duration::from_millis(30));
    assert_eq!(tier.entry_count(), 1);
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(tier.cache.get("k").map(|entry| entry.value), None);
}

#[test]
fn capacity_bounds_the_entries() {
    let tier = LocalTier::new(10, Duration::from_secs(60));
    for i in 0..100 {
        tier.insert(&format!("k{i}"), entry(json!(i)), Duration::from_secs(60));
    }
    assert!(tier.entry_count() <= 10, "entries: {}", tier.entry_count());
}
