//! The Redis tier against a real Redis: two `ResultCache` instances sharing it, coherence of recalls across them, leases, degradation and TLS.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fred::prelude::{ClientLike, KeysInterface};
use pattern_cache::{
    CacheConfig, Coherence, Lookup, RedisConfig, RedisTier, SharedGenerations, SharedTier,
};
use pattern_core::CacheTier;
use serde_json::json;

use crate::redis_support::{
    Instance, OwnRedis, admin, cache_config, closed_port, compute, eventually, recall_key,
    recall_now, require_redis, test_config, unique_prefix,
};
use crate::support::{entry, held};
use pattern_cache::CachedResult;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeat_on_another_instance_is_a_redis_hit_that_fills_its_local_tier() {
    let url = require_redis();
    let config = test_config(&url, &unique_prefix("l2-hit"));
    let a = Instance::new(&config, cache_config()).ready().await;
    let b = Instance::new(&config, cache_config()).ready().await;

    let ttl = a.cache.ttl_for(None);
    let first = a.cache.get_or_compute("k", ttl, || compute(json!({"answer": 42}))).await.unwrap();
    assert_eq!(first.as_str(), "computed");

    let second = b
        .cache
        .get_or_compute("k", ttl, || async {
            Err::<(Arc<CachedResult>, bool), _>("must not run".to_owned())
        })
        .await
        .unwrap();
    assert_eq!(second.tier(), Some(CacheTier::Redis));
    assert_eq!(**second.value(), held(json!({"answer": 42})));
    let third = b.cache.get("k").await.expect("promoted");
    assert_eq!(third.tier, CacheTier::Local);

    let stats = b.cache.stats();
    assert_eq!((stats.redis.hits, stats.local.hits, stats.redis.errors), (1, 1, 0));
    assert!(stats.redis.available);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_keeps_an_entry_for_the_shorter_of_its_ttl_and_the_results() {
    let url = require_redis();
    let prefix = unique_prefix("ttl");
    let a = Instance::new(&test_config(&url, &prefix), cache_config()).ready().await;
    let admin = admin(&url).await;

    a.cache.put("short", entry(json!(1)), a.cache.ttl_for(Some(7))).await;
    a.cache.put("long", entry(json!(2)), a.cache.ttl_for(Some(3600))).await;
    let short: i64 = admin.pttl(format!("{prefix}v1:r:short")).await.unwrap();
    let long: i64 = admin.pttl(format!("{prefix}v1:r:long")).await.unwrap();
    assert!((6_000..=7_000).contains(&short), "short: {short} ms");
    assert!((299_000..=300_000).contains(&long), "long: {long} ms");

    // The promotion into another instance's local tier never outlives it.
    let b = Instance::new(&test_config(&url, &prefix), cache_config()).ready().await;
    let _: () = admin.pexpire(format!("{prefix}v1:r:short"), 300, None).await.unwrap();
    assert_eq!(b.cache.get("short").await.map(|hit| hit.tier), Some(CacheTier::Redis));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(b.cache.get("short").await, None, "expired in Redis and in the promoted copy");
    admin.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_coherence_serves_a_recall_from_before_a_write_only_within_the_bound() {
    let url = require_redis();
    let config = RedisConfig {
        coherence: Coherence::Bounded,
        ..test_config(&url, &unique_prefix("coherence"))
    };
    let a = Instance::new(&config, cache_config()).ready().await;
    let b = Instance::new(&config, cache_config()).ready().await;
    let ns = "team";

    let g0 = b.cache.key_generation(ns).await.expect("Redis is up");
    let old_key = recall_key(ns, g0);
    let ttl = b.cache.ttl_for(None);
    b.cache.get_or_compute(&old_key, ttl, || compute(json!("before the write"))).await.unwrap();
    assert_eq!(b.cache.get(&old_key).await.map(|hit| hit.tier), Some(CacheTier::Local));
    // B now knows the generation without asking Redis.
    assert_eq!(b.tier.known(ns), Some(g0));

    a.cache.record_memory_write(ns).await;
    // The writer itself never computes the old key again. The generation
    // only has to move: a write whose INCR timed out after Redis applied it
    // may move it twice (see redis_cluster.rs).
    let g1 = a.cache.key_generation(ns).await.expect("A reads the generation");
    assert!(g1 > g0, "the generation moved from {g0} to {g1}");

    // B learns of it through the invalidation link. Until then it may
    // still compute the old key, but never for a call that starts more than
    // the staleness bound after the write completed.
    let written = Instant::now();
    let bound = config.staleness_bound();
    let seen = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let asked = Instant::now();
            let generation = b.cache.key_generation(ns).await;
            if generation != Some(g0) {
                return generation;
            }
            let late = asked.duration_since(written);
            assert!(late < bound, "old generation served {late:?} after the write");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("B learns of the write");
    assert_eq!(seen, Some(g1));

    let new_key = recall_key(ns, g1);
    assert_ne!(new_key, old_key);
    let recall = b.cache.get_or_compute(&new_key, ttl, || compute(json!("after the write"))).await;
    assert!(matches!(recall, Ok(Lookup::Computed(ref v)) if **v == held(json!("after the write"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_recall_right_after_a_write_on_another_instance_is_never_stale() {
    let url = require_redis();
    let config = test_config(&url, &unique_prefix("strict"));
    assert_eq!(config.coherence, Coherence::Strict, "strict is the default");
    let a = Instance::new(&config, cache_config()).ready().await;
    // B holds the recall in its local tier; C only knows the generation, so
    // its lookup goes to Redis (the entry and the generation in one trip).
    let b = Instance::new(&config, cache_config()).ready().await;
    let c = Instance::new(&config, cache_config()).ready().await;
    let ns = "team";

    let mut current = json!("before any write");
    recall_now(&b.cache, ns, current.clone()).await;
    for round in 0..20 {
        let hit = recall_now(&b.cache, ns, json!("must not run")).await;
        assert_eq!((hit.tier(), &**hit.value()), (Some(CacheTier::Local), &held(current.clone())));
        c.cache.key_generation(ns).await.unwrap();

        // No pause between the write and the recalls.
        a.cache.record_memory_write(ns).await;
        let after = json!(format!("after write {round}"));
        for (name, instance) in [("B", &b), ("C", &c)] {
            // Computed, or B's result of the line above, from Redis: never
            // what was cached before the write.
            let recall = recall_now(&instance.cache, ns, after.clone()).await;
            assert_eq!(
                **recall.value(),
                held(after.clone()),
                "round {round}: {name} served {recall:?}"
            );
        }
        // Once the write is seen, the new recall is cached again (by the
        // recall above, or by this one when the one above found its key
        // outdated and could not store).
        assert_eq!(**recall_now(&b.cache, ns, after.clone()).await.value(), held(after.clone()));
        current = after;
    }
    let stats = b.cache.stats();
    assert_eq!(stats.redis.errors, 0);
}

/// `config` reconnecting only after 30 s: a link killed stays down for a test.
fn slow_to_reconnect(config: RedisConfig) -> RedisConfig {
    let reconnect = Duration::from_secs(30);
    RedisConfig { reconnect_min: reconnect, reconnect_max: reconnect, ..config }
}

/// Kills the invalidation link (the pub/sub connection) of `instance`, and
/// only that one, and waits until it noticed.
async fn kill_link(url: &str, instance: &Instance) {
    let admin = admin(url).await;
    let clients: String =
        admin.custom(fred::cmd!("CLIENT"), vec!["LIST", "TYPE", "pubsub"]).await.unwrap();
    let name = instance.tier.link_name();
    let id = clients
        .lines()
        .find(|line| line.split(' ').any(|field| field == format!("name={name}")))
        .and_then(|line| line.split(' ').find_map(|field| field.strip_prefix("id=")))
        .unwrap_or_else(|| panic!("no pubsub client named {name} in {clients}"))
        .to_owned();
    let mut resets = instance.tier.link_resets();
    resets.mark_unchanged();
    let killed: i64 =
        admin.custom(fred::cmd!("CLIENT"), vec!["KILL", "ID", id.as_str()]).await.unwrap();
    assert_eq!(killed, 1);
    tokio::time::timeout(Duration::from_secs(5), resets.changed())
        .await
        .expect("the instance noticed its lost link within 5 s")
        .unwrap();
    admin.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_write_settles_on_the_acknowledgements_of_its_peers() {
    let url = require_redis();
    let config = test_config(&url, &unique_prefix("settle"));
    let a = Instance::new(&config, cache_config()).ready().await;
    let b = Instance::new(&config, cache_config()).ready().await;
    let c = Instance::new(&config, cache_config()).ready().await;
    let ns = "team";
    recall_now(&b.cache, ns, json!("before")).await;
    recall_now(&c.cache, ns, json!("before")).await;
    // B and C are ready once they heard a heartbeat of their own, published
    // after A subscribed: A heard it too, and waits for their acknowledgements.
    // A write within a window of A's subscription waits for its deadline
    // (heartbeats may have been missed before it): let that pass.
    tokio::time::sleep(config.staleness_bound() * 2).await;
    for round in 0..5 {
        a.cache.record_memory_write(ns).await;
        for instance in [&b, &c] {
            let after = json!(format!("after {round}"));
            let recall = recall_now(&instance.cache, ns, after.clone()).await;
            assert_eq!(**recall.value(), held(after));
        }
    }
    assert_eq!(
        a.tier.writes_waited_out(),
        0,
        "every write settled on B's and C's acknowledgements"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_write_waits_out_a_peer_that_cannot_hear_it() {
    let url = require_redis();
    let prefix = unique_prefix("deaf-peer");
    let a = Instance::new(&test_config(&url, &prefix), cache_config()).ready().await;
    // B reconnects its link only after 30 s: it goes on publishing heartbeats
    // (A hears it alive) but hears nothing, A's write included.
    let b_config = slow_to_reconnect(test_config(&url, &prefix));
    let b = Instance::new(&b_config, cache_config()).ready().await;
    let ns = "team";
    recall_now(&b.cache, ns, json!("before")).await;
    let window = b_config.staleness_bound();
    // Past the window of A's own subscription, a write of A settles early
    // on the acknowledgements of the peers it heard.
    tokio::time::sleep(window * 2).await;
    kill_link(&url, &b).await;

    let started = Instant::now();
    a.cache.record_memory_write(ns).await;
    let took = started.elapsed();
    assert!(took >= window, "the write waited {took:?}, less than B's window {window:?}");
    assert_eq!(a.tier.writes_waited_out(), 1);
    // By then B's link no longer vouches for the old generation.
    assert!(!b.tier.link_trusted());
    let recall = recall_now(&b.cache, ns, json!("after")).await;
    assert_eq!(**recall.value(), held(json!("after")));
}

/// Calls of one command `redis-server` has run, from `INFO commandstats`.
fn command_calls(port: u16, command: &str) -> u64 {
    let out = std::process::Command::new("redis-cli")
        .args(["-p", &port.to_string(), "info", "commandstats"])
        .output()
        .expect("redis-cli is installed with redis-server");
    let text = String::from_utf8_lossy(&out.stdout);
    let prefix = format!("cmdstat_{command}:calls=");
    text.lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |calls| calls.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_local_hits_read_no_generation_while_the_link_vouches_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = OwnRedis::start("--port", &[], dir.path());
    let url = format!("redis://127.0.0.1:{}", server.port);
    // A heartbeat a second (a window of 5 s): the link stays trusted through
    // the test even on a loaded machine.
    let config = RedisConfig { heartbeat: Duration::from_secs(1), ..test_config(&url, "free:") };
    let a = Instance::new(&config, cache_config()).ready().await;
    let ttl = a.cache.ttl_for(None);
    a.cache.put("plain", entry(json!(1)), ttl).await;
    recall_now(&a.cache, "ns", json!("recall")).await;

    let gets = command_calls(server.port, "get");
    for _ in 0..100 {
        let hit = a.cache.get("plain").await.expect("a local hit");
        assert_eq!((hit.tier, &*hit.value), (CacheTier::Local, &held(json!(1))));
        let hit = recall_now(&a.cache, "ns", json!("must not run")).await;
        assert_eq!((hit.tier(), &**hit.value()), (Some(CacheTier::Local), &held(json!("recall"))));
    }
    assert_eq!(command_calls(server.port, "get"), gets, "no Redis call for a local hit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_recall_runs_uncached_while_redis_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = OwnRedis::start("--port", &[], dir.path());
    let url = format!("redis://127.0.0.1:{}", server.port);
    let config = RedisConfig { timeout: Duration::from_millis(200), ..test_config(&url, "s:") };
    let a = Instance::new(&config, cache_config()).ready().await;
    let ns = "team";
    recall_now(&a.cache, ns, json!("cached")).await;
    let generation = a.cache.key_generation(ns).await.unwrap();
    let key = recall_key(ns, generation);
    let ttl = a.cache.ttl_for(None);
    a.cache.put("plain", entry(json!("plain")), ttl).await;

    server.signal("STOP");
    // No heartbeat comes back: within its window the link no longer vouches
    // for the generation, and a write announced meanwhile could not have
    // reached this instance.
    eventually(Duration::from_secs(5), "the link lost its trust", || !a.tier.link_trusted()).await;
    // The local tier holds the recall, but its generation cannot be read.
    let recall = a.cache.get_or_compute(&key, ttl, || compute(json!("fresh"))).await.unwrap();
    assert!(matches!(recall, Lookup::Computed(ref v) if **v == held(json!("fresh"))), "{recall:?}");
    // An entry that reads no memory is still served by the local tier.
    assert_eq!(a.cache.get("plain").await.map(|hit| hit.tier), Some(CacheTier::Local));
    server.signal("CONT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_invalidation_link_makes_bounded_recalls_read_their_generation_from_redis() {
    let url = require_redis();
    let prefix = unique_prefix("link-lost");
    let a = Instance::new(&test_config(&url, &prefix), cache_config()).ready().await;
    // B reconnects only after 30 s, so its link stays down for the test.
    let b_config = slow_to_reconnect(RedisConfig {
        coherence: Coherence::Bounded,
        ..test_config(&url, &prefix)
    });
    let b = Instance::new(&b_config, cache_config()).ready().await;
    let ns = "team";
    let g0 = b.cache.key_generation(ns).await.unwrap();
    let old_key = recall_key(ns, g0);
    let ttl = b.cache.ttl_for(None);
    b.cache.get_or_compute(&old_key, ttl, || compute(json!("before"))).await.unwrap();
    assert_eq!(b.tier.known(ns), Some(g0));

    kill_link(&url, &b).await;
    assert!(!b.tier.link_trusted());
    assert_eq!(b.tier.known(ns), None, "nothing remembered is trusted any more");

    // A's announcement cannot reach B; B reads the generation instead.
    a.cache.record_memory_write(ns).await;
    let g1 = b.cache.key_generation(ns).await.expect("B reads the generation");
    assert!(g1 > g0, "the generation moved from {g0} to {g1}");
    assert_eq!(b.tier.known(ns), None, "and does not remember it while the link is down");
    let recall = b.cache.get(&recall_key(ns, g1)).await;
    assert_eq!(recall, None, "the recall cached before the write is not served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_makes_every_request_a_miss_that_still_succeeds() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let config = RedisConfig { timeout: Duration::from_millis(5), ..RedisConfig::new(url) };
    let tier = Arc::new(RedisTier::connect(&config).unwrap());
    let cache = pattern_cache::ResultCache::with_shared_tier(
        CacheConfig::default(),
        Arc::clone(&tier) as _,
    );

    let ttl = cache.ttl_for(None);
    let started = Instant::now();
    let first = cache.get_or_compute("k", ttl, || compute(json!("fresh"))).await.unwrap();
    assert!(matches!(first, Lookup::Computed(ref v) if **v == held(json!("fresh"))));
    let again = cache.get_or_compute("k", ttl, || compute(json!("recomputed"))).await.unwrap();
    assert_eq!(again.tier(), Some(CacheTier::Local), "the local tier still serves");
    assert_eq!(cache.get("other").await, None);

    // Recalls cannot know the generation: they run without the cache.
    assert_eq!(cache.key_generation("ns").await, None);
    cache.record_memory_write("ns").await;
    assert_eq!(cache.key_generation("ns").await, None);
    assert!(started.elapsed() < Duration::from_secs(5), "nothing waited on the dead Redis");

    let stats = cache.stats();
    assert!(!stats.redis.available);
    assert!(stats.redis.errors >= 4, "every shared call counted: {}", stats.redis.errors);
    assert_eq!(stats.redis.hits, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_misses_on_two_instances_compute_once() {
    let url = require_redis();
    let config = test_config(&url, &unique_prefix("lease"));
    let cache = CacheConfig { lease_wait: Duration::from_secs(10), ..cache_config() };
    let a = Arc::new(Instance::new(&config, cache.clone()).ready().await);
    let b = Instance::new(&config, cache).ready().await;
    let runs = Arc::new(AtomicUsize::new(0));

    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
    let holder = {
        let (a, runs) = (Arc::clone(&a), Arc::clone(&runs));
        tokio::spawn(async move {
            let ttl = a.cache.ttl_for(None);
            a.cache
                .get_or_compute("slow", ttl, || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    started_tx.send(()).unwrap();
                    finish_rx.await.unwrap();
                    compute(json!("from A")).await
                })
                .await
        })
    };
    started_rx.await.unwrap();

    let waiter = {
        let runs = Arc::clone(&runs);
        let ttl = b.cache.ttl_for(None);
        async move {
            b.cache
                .get_or_compute("slow", ttl, || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    compute(json!("from B")).await
                })
                .await
        }
    };
    let (waited, ()) = tokio::join!(waiter, async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        finish_tx.send(()).unwrap();
    });
    assert_eq!(holder.await.unwrap().unwrap().as_str(), "computed");
    let waited = waited.unwrap();
    assert_eq!(waited.tier(), Some(CacheTier::Redis));
    assert_eq!(**waited.value(), held(json!("from A")));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_holder_that_stores_nothing_delays_others_only_by_the_wait_bound() {
    let url = require_redis();
    let config = test_config(&url, &unique_prefix("lease-bound"));
    let wait = Duration::from_millis(200);
    let cache = CacheConfig { lease_wait: wait, ..cache_config() };
    let a = Arc::new(Instance::new(&config, cache.clone()).ready().await);
    let b = Instance::new(&config, cache).ready().await;

    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let stuck = {
        let a = Arc::clone(&a);
        tokio::spawn(async move {
            let ttl = a.cache.ttl_for(None);
            a.cache
                .get_or_compute("stuck", ttl, || async move {
                    started_tx.send(()).unwrap();
                    std::future::pending::<Result<(Arc<CachedResult>, bool), String>>().await
                })
                .await
        })
    };
    started_rx.await.unwrap();

    let started = Instant::now();
    let ttl = b.cache.ttl_for(None);
    let lookup = b.cache.get_or_compute("stuck", ttl, || compute(json!("from B"))).await.unwrap();
    assert!(matches!(lookup, Lookup::Computed(ref v) if **v == held(json!("from B"))));
    assert!(started.elapsed() >= wait, "B waited for A first: {:?}", started.elapsed());
    stuck.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_with_a_private_ca_shares_entries() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

    let dir = tempfile::tempdir().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(path("server.pem"), server_cert.pem()).unwrap();
    std::fs::write(path("server.key"), server_key.serialize_pem()).unwrap();

    let (cert, key, ca) = (path("server.pem"), path("server.key"), path("ca.pem"));
    let server = OwnRedis::start(
        "--tls-port",
        &[
            "--tls-cert-file",
            cert.to_str().unwrap(),
            "--tls-key-file",
            key.to_str().unwrap(),
            "--tls-ca-cert-file",
            ca.to_str().unwrap(),
            "--tls-auth-clients",
            "no",
        ],
        dir.path(),
    );
    let url = format!("rediss://127.0.0.1:{}", server.port);
    let config = RedisConfig { tls_ca: Some(ca), ..test_config(&url, "tls:") };
    let a = Instance::new(&config, cache_config()).ready().await;
    let b = Instance::new(&config, cache_config()).ready().await;

    a.cache.put("k", entry(json!("over TLS")), Duration::from_secs(30)).await;
    let hit = b.cache.get("k").await.expect("shared over TLS");
    assert_eq!((hit.tier, hit.value.as_ref()), (CacheTier::Redis, &held(json!("over TLS"))));

    // Without the CA the server's certificate is not trusted: no connection.
    let untrusted = RedisTier::connect(&test_config(&url, "tls:")).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!untrusted.is_available());
}

#[test]
fn bad_settings_are_refused_with_the_reason() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _guard = runtime.enter();
    let error = RedisTier::connect(&RedisConfig::new("http://example.com")).unwrap_err();
    assert_eq!(error.reason(), "config", "{error}");
    let plain_with_ca = RedisConfig {
        tls_ca: Some("/nonexistent/ca.pem".into()),
        ..RedisConfig::new("redis://127.0.0.1:6379")
    };
    let error = RedisTier::connect(&plain_with_ca).unwrap_err();
    assert!(error.to_string().contains("rediss://"), "{error}");
    let missing_ca = RedisConfig {
        tls_ca: Some("/nonexistent/ca.pem".into()),
        ..RedisConfig::new("rediss://127.0.0.1:6379")
    };
    let error = RedisTier::connect(&missing_ca).unwrap_err();
    assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_comes_back_without_a_restart_of_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let server = OwnRedis::start("--port", &[], dir.path());
    let port = server.port;
    let url = format!("redis://127.0.0.1:{port}");
    let config = RedisConfig {
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(200),
        ..test_config(&url, "restart:")
    };
    let a = Instance::new(&config, cache_config()).ready().await;
    let ttl = a.cache.ttl_for(None);
    a.cache.get_or_compute("k", ttl, || compute(json!(1))).await.unwrap();

    drop(server);
    eventually(Duration::from_secs(5), "the tier notices Redis is gone", || !a.tier.is_available())
        .await;
    let during = a.cache.get_or_compute("k2", ttl, || compute(json!(2))).await.unwrap();
    assert_eq!(during.as_str(), "computed", "requests still succeed");
    // A write while Redis is down: recalls in that namespace bypass the
    // cache until the write is counted in Redis.
    a.cache.record_memory_write("ns").await;
    assert_eq!(a.cache.key_generation("ns").await, None);

    let _server = OwnRedis::start_on(port, "--port", &[], dir.path());
    let a = a.ready().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while a.cache.key_generation("ns").await != Some(1) {
        assert!(Instant::now() < deadline, "the write made while Redis was down was never counted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let b = Instance::new(&config, cache_config()).ready().await;
    a.cache.put("after", entry(json!("back")), ttl).await;
    assert_eq!(b.cache.get("after").await.map(|hit| hit.tier), Some(CacheTier::Redis));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_lookups_timing_out_together_leaves_the_tier_on() {
    // A saturated host answers a handful of calls in flight late, all in the
    // same moment: one event, not a failing Redis (`BREAKER_SPAN`).
    let dir = tempfile::tempdir().unwrap();
    let server = OwnRedis::start("--port", &[], dir.path());
    let url = format!("redis://127.0.0.1:{}", server.port);
    let config = RedisConfig { timeout: Duration::from_millis(50), ..test_config(&url, "burst:") };
    let a = Instance::new(&config, cache_config()).ready().await;

    server.signal("STOP");
    let burst = 3 * pattern_cache::BREAKER_THRESHOLD;
    let lookups = (0..burst).map(|i| {
        let cache = &a.cache;
        async move { cache.get(&format!("k{i}")).await }
    });
    let answers = futures::future::join_all(lookups).await;
    server.signal("CONT");
    assert!(answers.iter().all(Option::is_none));
    let stats = a.cache.stats();
    assert_eq!(stats.redis.errors, u64::from(burst), "every lookup of the burst timed out");
    assert!(stats.redis.available, "one burst of timeouts opened the breaker");

    // And the tier still serves: another instance finds what this one stores.
    a.cache.put("after", entry(json!("kept")), Duration::from_secs(30)).await;
    let b = Instance::new(&config, cache_config()).ready().await;
    assert_eq!(b.cache.get("after").await.map(|hit| hit.tier), Some(CacheTier::Redis));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_redis_trips_the_breaker_so_requests_stop_waiting_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = OwnRedis::start("--port", &[], dir.path());
    let url = format!("redis://127.0.0.1:{}", server.port);
    // Long enough that an answer within it cannot be a lucky Redis reply.
    let config =
        RedisConfig { timeout: Duration::from_millis(200), ..test_config(&url, "paused:") };
    let a = Instance::new(&config, cache_config()).ready().await;

    server.signal("STOP");
    for i in 0..pattern_cache::BREAKER_THRESHOLD {
        assert_eq!(a.cache.get(&format!("k{i}")).await, None);
    }
    let stats = a.cache.stats();
    assert_eq!(stats.redis.errors, u64::from(pattern_cache::BREAKER_THRESHOLD));
    assert!(!stats.redis.available, "the breaker is open");
    // Open breaker: the next calls do not touch the network at all.
    let started = Instant::now();
    assert_eq!(a.cache.get("k").await, None);
    assert!(started.elapsed() < config.timeout, "answered without waiting for Redis");

    server.signal("CONT");
    tokio::time::sleep(pattern_cache::BREAKER_COOLDOWN).await;
    let a = a.ready().await;
    a.cache.put("k", entry(json!("resumed")), Duration::from_secs(30)).await;
    let b = Instance::new(&config, cache_config()).ready().await;
    assert_eq!(b.cache.get("k").await.map(|hit| hit.tier), Some(CacheTier::Redis));
}
