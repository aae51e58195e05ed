//! Identical concurrent misses run once; failures are shared, never stored; a lost leader never strands its waiters.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::{entry, held};
use pattern_cache::CachedResult;
use pattern_cache::{CacheConfig, Lookup, ResultCache};
use pattern_core::CacheTier;
use serde_json::json;

const TTL: Duration = Duration::from_secs(30);

type Outcome = Result<(Arc<CachedResult>, bool), String>;

fn cache() -> Arc<ResultCache> {
    Arc::new(ResultCache::new(CacheConfig::default()))
}

/// A computation that counts its runs and takes 100 ms (paused clock).
fn slow_compute(
    calls: &Arc<AtomicUsize>,
    outcome: Outcome,
) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Outcome> + Send>> + Send + 'static {
    let calls = Arc::clone(calls);
    move || {
        Box::pin(async move {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            outcome
        })
    }
}

#[tokio::test(start_paused = true)]
async fn identical_concurrent_misses_run_once() {
    let cache = cache();
    let calls = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let cache = Arc::clone(&cache);
            let compute = slow_compute(&calls, Ok((entry(json!({"answer": 42})), true)));
            tokio::spawn(async move { cache.get_or_compute("k", TTL, compute).await })
        })
        .collect();

    let (mut computed, mut coalesced) = (0, 0);
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Lookup::Computed(value) => {
                assert_eq!(*value, held(json!({"answer": 42})));
                computed += 1;
            }
            Lookup::Coalesced(value) => {
                assert_eq!(*value, held(json!({"answer": 42})));
                coalesced += 1;
            }
            Lookup::Hit(hit) => panic!("nothing was cached yet: {hit:?}"),
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!((computed, coalesced), (1, 49));
    let stats = cache.stats();
    assert_eq!((stats.coalesced, stats.local.misses), (49, 50));
    assert_eq!(cache.get("k").await.map(|hit| hit.tier), Some(CacheTier::Local));
}

#[tokio::test(start_paused = true)]
async fn different_keys_do_not_coalesce() {
    let cache = cache();
    let calls = Arc::new(AtomicUsize::new(0));
    let a = cache.get_or_compute("a", TTL, slow_compute(&calls, Ok((entry(json!(1)), true))));
    let b = cache.get_or_compute("b", TTL, slow_compute(&calls, Ok((entry(json!(2)), true))));
    let (a, b) = tokio::join!(a, b);
    assert_eq!((a.unwrap().as_str(), b.unwrap().as_str()), ("computed", "computed"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(cache.stats().coalesced, 0);
}

#[tokio::test(start_paused = true)]
async fn failed_computation_is_not_cached() {
    let cache = cache();
    let calls = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let cache = Arc::clone(&cache);
            let compute =
                slow_compute(&calls, Err("downstream server `time` not connected".into()));
            tokio::spawn(async move { cache.get_or_compute("k", TTL, compute).await })
        })
        .collect();
    for task in tasks {
        let error = task.await.unwrap().unwrap_err();
        assert_eq!(error, "downstream server `time` not connected");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "waiters share the failure");
    assert_eq!(cache.get("k").await, None);
    assert_eq!(cache.stats().local.entries, 0);

    // The next request runs again, and its success is cached.
    let retry = cache
        .get_or_compute("k", TTL, slow_compute(&calls, Ok((entry(json!("ok")), true))))
        .await
        .unwrap();
    assert_eq!((retry.as_str(), retry.value().as_ref()), ("computed", &held(json!("ok"))));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn value_refused_for_storage_is_shared_but_not_cached() {
    let cache = cache();
    let calls = Arc::new(AtomicUsize::new(0));
    let unstored = Ok((entry(json!({"success": false})), false));
    let first = cache.get_or_compute("k", TTL, slow_compute(&calls, unstored.clone()));
    let second = cache.get_or_compute("k", TTL, slow_compute(&calls, unstored));
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.unwrap().into_value(), entry(json!({"success": false})));
    assert_eq!(second.unwrap().as_str(), "coalesced");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(cache.get("k").await, None);
}

#[tokio::test(start_paused = true)]
async fn cancelled_computation_does_not_hang_waiters() {
    let cache = cache();
    let leader = tokio::spawn({
        let cache = Arc::clone(&cache);
        async move {
            cache
                .get_or_compute("k", TTL, || {
                    std::future::pending::<Result<(Arc<CachedResult>, bool), String>>()
                })
                .await
        }
    });
    // On the paused clock, a sleep returns only once every task is idle: the
    // leader is computing.
    tokio::time::sleep(Duration::from_millis(1)).await;
    let waiter = tokio::spawn({
        let cache = Arc::clone(&cache);
        async move {
            cache
                .get_or_compute("k", TTL, || async { Ok::<_, String>((entry(json!(7)), true)) })
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert!(!waiter.is_finished(), "the waiter waits for the leader");

    leader.abort();
    assert!(leader.await.unwrap_err().is_cancelled());
    let outcome = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("the waiter must not hang")
        .unwrap()
        .unwrap();
    // The waiter started over and computed itself.
    assert!(matches!(&outcome, Lookup::Computed(v) if **v == held(json!(7))), "{outcome:?}");
    assert_eq!(cache.get("k").await.map(|hit| hit.value), Some(entry(json!(7))));
}

fn engine_bug() -> Outcome {
    panic!("engine bug")
}

#[tokio::test(start_paused = true)]
async fn panicked_computation_does_not_hang_waiters() {
    let cache = cache();
    let leader = tokio::spawn({
        let cache = Arc::clone(&cache);
        async move {
            cache
                .get_or_compute("k", TTL, || async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    engine_bug()
                })
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(1)).await;
    let waiter = tokio::spawn({
        let cache = Arc::clone(&cache);
        async move {
            cache
                .get_or_compute("k", TTL, || async { Ok::<_, String>((entry(json!(8)), true)) })
                .await
        }
    });
    assert!(leader.await.unwrap_err().is_panic());
    let outcome = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("the waiter must not hang")
        .unwrap()
        .unwrap();
    assert!(matches!(&outcome, Lookup::Computed(v) if **v == held(json!(8))), "{outcome:?}");
}

#[tokio::test]
async fn hit_skips_the_computation() {
    let cache = cache();
    cache.put("k", entry(json!("cached")), TTL).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let lookup =
        cache.get_or_compute("k", TTL, slow_compute(&calls, Err("must not run".into()))).await;
    let lookup = lookup.unwrap();
    assert_eq!((lookup.is_hit(), lookup.tier()), (true, Some(CacheTier::Local)));
    assert_eq!(*lookup.into_value(), held(json!("cached")));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
