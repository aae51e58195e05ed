//! Memory generations: a write makes every earlier recall unreachable.

use std::time::Duration;

use crate::support::{entry, held};
use pattern_cache::{
    CacheConfig, CacheKey, KeyParts, LOCAL_PRINCIPAL, Lookup, ResultCache, cache_key,
};
use pattern_core::ExecutionMode;
use serde_json::json;

fn recall_key(cache: &ResultCache, namespace: &str) -> CacheKey {
    cache_key(&KeyParts {
        query: "what did we decide about retries?",
        mode: ExecutionMode::Balanced,
        context: None,
        namespace,
        principal: LOCAL_PRINCIPAL,
        pattern_set_version: "v1",
        pattern: "recall_memory",
        generation: Some(cache.generation(namespace)),
    })
}

#[test]
fn generation_bump_changes_recall_key() {
    let cache = ResultCache::new(CacheConfig::default());
    assert_eq!(cache.generation("default"), 0);
    let before = recall_key(&cache, "default");
    assert_eq!(cache.bump_generation("default"), 1);
    let after = recall_key(&cache, "default");
    assert_ne!(before, after);
    assert_eq!(recall_key(&cache, "default"), after, "stable until the next write");
}

#[test]
fn a_write_moves_only_its_own_namespace() {
    let cache = ResultCache::new(CacheConfig::default());
    let other_before = recall_key(&cache, "other");
    cache.bump_generation("default");
    cache.bump_generation("default");
    assert_eq!(cache.generation("default"), 2);
    assert_eq!(cache.generation("other"), 0);
    assert_eq!(recall_key(&cache, "other"), other_before);
}

#[tokio::test]
async fn recall_cached_before_a_write_is_not_served_after_it() {
    let cache = ResultCache::new(CacheConfig::default());
    let ttl = Duration::from_secs(60);
    let before = cache
        .get_or_compute(&recall_key(&cache, "default"), ttl, || async {
            Ok::<_, String>((entry(json!({"memories": []})), true))
        })
        .await
        .unwrap();
    assert_eq!(before.as_str(), "computed");

    // store_memory ran in this namespace.
    cache.bump_generation("default");

    let after = cache
        .get_or_compute(&recall_key(&cache, "default"), ttl, || async {
            Ok::<_, String>((entry(json!({"memories": ["retry 3 times"]})), true))
        })
        .await
        .unwrap();
    assert!(
        matches!(&after, Lookup::Computed(v) if **v == held(json!({"memories": ["retry 3 times"]}))),
        "{after:?}"
    );
}

#[tokio::test]
async fn without_a_shared_tier_a_recorded_write_moves_the_key_generation() {
    let cache = ResultCache::new(CacheConfig::default());
    assert_eq!(cache.key_generation("ns").await, Some(0));
    assert_eq!(cache.record_memory_write("ns").await, 1);
    assert_eq!(cache.key_generation("ns").await, Some(1));
    assert_eq!(cache.generation("ns"), 1, "the same counter as bump_generation");
    assert_eq!(cache.key_generation("other").await, Some(0));
}
