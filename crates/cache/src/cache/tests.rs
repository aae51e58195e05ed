//! Unit tests of `ResultCache` internals: the leader's second look, stats arithmetic, `Lookup` accessors.

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use pattern_core::CacheTier;
use serde_json::json;

use super::*;
use crate::key::{Dependency, KeyRef};
use crate::shared::{SharedEntry, SharedTier, TierFuture};

/// An entry whose result is `{"v": value}`.
fn entry(value: serde_json::Value) -> Arc<CachedResult> {
    Arc::new(CachedResult::new(serde_json::Map::from_iter([("v".to_owned(), value)])))
}

/// The `SharedTier` methods of a test tier that is always up and keeps
/// nothing: what it stores is dropped.
macro_rules! stores_nothing {
    () => {
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
    };
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

    stores_nothing!();
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

/// A strict shared tier whose generation reads (`fetch`) wait for `release`;
/// the round trip of a local miss (`get_checked`) answers at once. Every
/// read sees generation 5.
#[derive(Default)]
struct GatedGenerations {
    fetches: AtomicU64,
    checked: AtomicU64,
    release: tokio::sync::Notify,
}

impl SharedTier for GatedGenerations {
    fn get<'a>(&'a self, _key: &'a str) -> TierFuture<'a, Option<SharedEntry>> {
        Box::pin(async { Ok(None) })
    }

    fn get_checked<'a>(
        &'a self,
        _key: &'a str,
        _namespace: &'a str,
    ) -> TierFuture<'a, (Option<SharedEntry>, u64)> {
        Box::pin(async {
            self.checked.fetch_add(1, Ordering::SeqCst);
            Ok((None, 5))
        })
    }

    stores_nothing!();

    fn generations(&self) -> Option<&dyn crate::shared::SharedGenerations> {
        Some(self)
    }
}

impl crate::shared::SharedGenerations for GatedGenerations {
    fn known(&self, _namespace: &str) -> Option<u64> {
        None
    }

    fn fetch<'a>(&'a self, _namespace: &'a str) -> TierFuture<'a, u64> {
        Box::pin(async {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            self.release.notified().await;
            Ok(5)
        })
    }

    fn bump<'a>(&'a self, _namespace: &'a str) -> TierFuture<'a, crate::Bumped> {
        Box::pin(async { Ok(crate::Bumped { generation: 6, write: 1 }) })
    }
}

#[tokio::test]
async fn a_local_miss_answers_the_local_hits_queued_for_a_generation_read() {
    let tier = Arc::new(GatedGenerations::default());
    // Long enough that no read gives up on a slow host: the test is about who answers.
    let config = CacheConfig { shared_timeout: Duration::from_secs(30), ..CacheConfig::default() };
    let cache = Arc::new(ResultCache::with_shared_tier(config, tier.clone()));
    let recall = Dependency { namespace: "ns".into(), generation: 5 };
    cache.local.insert("held", entry(json!("recalled")), Duration::from_secs(60));
    let lookup = |digest: &'static str| {
        let (cache, recall) = (Arc::clone(&cache), recall.clone());
        tokio::spawn(async move {
            cache.get(KeyRef { digest, reads: Some(&recall) }).await.map(|hit| hit.value)
        })
    };
    let yield_a_while = || async {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    };

    // A local hit reads the generation; a second one queues behind that read.
    let first = lookup("held");
    yield_a_while().await;
    assert_eq!(tier.fetches.load(Ordering::SeqCst), 1);
    let second = lookup("held");
    yield_a_while().await;
    assert!(!second.is_finished(), "it waits for a read sent after it began");

    // A local miss of the namespace reads the generation in its own round trip,
    // sent after the second lookup began: that answers it.
    assert!(cache.get(KeyRef { digest: "absent", reads: Some(&recall) }).await.is_none());
    assert_eq!(tier.checked.load(Ordering::SeqCst), 1);
    let second = tokio::time::timeout(Duration::from_secs(10), second)
        .await
        .expect("answered by the local miss's round trip, not by a read of its own");
    assert_eq!(second.unwrap(), Some(entry(json!("recalled"))));
    assert_eq!(tier.fetches.load(Ordering::SeqCst), 1, "no generation read of its own");

    tier.release.notify_one();
    assert_eq!(first.await.unwrap(), Some(entry(json!("recalled"))));
}
