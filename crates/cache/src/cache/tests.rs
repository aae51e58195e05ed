//! Unit tests of `ResultCache` internals: the leader's second look, stats arithmetic, `Lookup` accessors.

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use pattern_core::CacheTier;
use serde_json::json;

use super::*;
use crate::shared::{SharedEntry, SharedTier, TierFuture};

/// An entry whose result is `{"v": value}`.
fn entry(value: serde_json::Value) -> Arc<CachedResult> {
    Arc::new(CachedResult::new(serde_json::Map::from_iter([("v".to_owned(), value)])))
}

/// A shared tier that, while answering a miss, lets an identical
/// computation finish and store its value in the local tier: the race
/// between a caller's lookup and its join.
#[derive(Default)]
struct RacingTier {
    cache: OnceLock<Weak<ResultCache>>,
}

impl SharedTier for RacingTier {
    fn get<'a>(&'a self, key: &'a str) -> TierFuture<'a, Option<SharedEntry>> {
        Box::pin(async move {
            if let Some(cache) = self.cache.get().and_then(Weak::upgrade) {
                cache.local.insert(key, entry(json!("raced")), Duration::from_secs(60));
            }
            Ok(None)
        })
    }

    fn put<'a>(
        &'a self,
        _key: &'a str,
        _value: Arc<CachedResult>,
        _ttl: Duration,
    ) -> TierFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn remove<'a>(&'a self, _key: &'a str) -> TierFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn clear(&self) -> TierFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    fn is_available(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn value_stored_between_lookup_and_join_is_taken_not_recomputed() {
    let tier = Arc::new(RacingTier::default());
    let cache = Arc::new(ResultCache::with_shared_tier(CacheConfig::default(), tier.clone()));
    tier.cache.set(Arc::downgrade(&cache)).unwrap();

    let lookup = cache
        .get_or_compute("k", Duration::from_secs(60), || async {
            Err::<(Arc<CachedResult>, bool), String>("must not run".into())
        })
        .await
        .unwrap();
    assert_eq!(lookup, Lookup::Coalesced(entry(json!("raced"))));
    let stats = cache.stats();
    assert_eq!((stats.local.misses, stats.redis.misses, stats.coalesced), (1, 1, 1));
    assert_eq!(cache.inflight.len(), 0);
}

#[tokio::test]
async fn hit_rate_counts_hits_of_both_tiers_over_lookups() {
    let cache = ResultCache::new(CacheConfig::default());
    cache.counters.local_hits.store(3, Ordering::Relaxed);
    cache.counters.local_misses.store(5, Ordering::Relaxed);
    cache.counters.shared_hits.store(1, Ordering::Relaxed);
    assert_eq!(cache.stats().hit_rate, 0.5);
}

#[test]
fn lookup_reports_tier_and_label() {
    let value = entry(json!(1));
    let hit = Lookup::Hit(Cached { value: Arc::clone(&value), tier: CacheTier::Redis });
    assert_eq!((hit.tier(), hit.is_hit(), hit.as_str()), (Some(CacheTier::Redis), true, "hit"));
    assert_eq!(hit.value(), &value);
    let coalesced = Lookup::Coalesced(Arc::clone(&value));
    assert_eq!(
        (coalesced.tier(), coalesced.is_hit(), coalesced.as_str()),
        (None, false, "coalesced")
    );
    let computed = Lookup::Computed(Arc::clone(&value));
    assert_eq!((computed.as_str(), computed.into_value()), ("computed", value));
}

#[test]
fn ttl_for_caps_by_the_longest_configured_tier() {
    let local_only = ResultCache::new(CacheConfig::default());
    assert_eq!(local_only.ttl_for(None), Duration::from_secs(60));
    assert_eq!(local_only.ttl_for(Some(5)), Duration::from_secs(5));
    let two_tiers =
        ResultCache::with_shared_tier(CacheConfig::default(), Arc::new(RacingTier::default()));
    assert_eq!(two_tiers.ttl_for(None), Duration::from_secs(300));
    assert_eq!(two_tiers.ttl_for(Some(120)), Duration::from_secs(120));
}

#[test]
fn default_config_matches_the_design() {
    let config = CacheConfig::default();
    assert_eq!(config.local_ttl, Duration::from_secs(60));
    assert_eq!(config.shared_ttl, Duration::from_secs(300));
    assert_eq!(config.local_capacity, 10_000);
}
