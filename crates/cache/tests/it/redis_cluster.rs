//! The Redis tier on a three-node Redis Cluster the test starts (`redis-server --cluster-enabled yes`, `redis-cli --cluster create`): entries and writes shared through it, and a node killed under load.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pattern_cache::{Coherence, Lookup, RedisConfig, SharedGenerations};
use pattern_core::CacheTier;
use serde_json::json;

use crate::redis_support::{
    Instance, OwnRedis, cache_config, compute, eventually, recall_now, test_config,
};
use crate::support::{entry, held};

/// Three masters, no replicas, each in a directory of its own (where its
/// `nodes.conf` lets it rejoin after a restart).
struct Cluster {
    nodes: Vec<Option<OwnRedis>>,
    ports: Vec<u16>,
    dirs: Vec<PathBuf>,
    extra: Vec<String>,
}

impl Cluster {
    async fn start(dir: &Path, extra: &[&str]) -> Self {
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        let dirs: Vec<PathBuf> = (0..3).map(|i| dir.join(format!("node{i}"))).collect();
        let mut nodes = Vec::new();
        for node_dir in &dirs {
            std::fs::create_dir(node_dir).unwrap();
            nodes.push(Some(OwnRedis::start("--port", &Self::args(&extra), node_dir)));
        }
        let ports: Vec<u16> = nodes.iter().map(|n| n.as_ref().unwrap().port).collect();
        let cluster = Self { nodes, ports, dirs, extra };
        let created = std::process::Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(cluster.addrs())
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli is installed with redis-server");
        assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stdout));
        cluster.wait_ok().await;
        cluster
    }

    fn args(extra: &[String]) -> Vec<&str> {
        let mut args = vec!["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"];
        args.extend(extra.iter().map(String::as_str));
        args
    }

    fn addrs(&self) -> Vec<String> {
        self.ports.iter().map(|port| format!("127.0.0.1:{port}")).collect()
    }

    fn url(&self) -> String {
        let addrs = self.addrs();
        format!("redis-cluster://{}?node={}&node={}", addrs[0], addrs[1], addrs[2])
    }

    /// Waits until every node reports `cluster_state:ok`: the nodes agree on
    /// the slots a moment after `create` returns, or after a node rejoins.
    async fn wait_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in &self.ports {
            loop {
                let info = std::process::Command::new("redis-cli")
                    .args(["-p", &port.to_string(), "cluster", "info"])
                    .output()
                    .unwrap();
                if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
                    break;
                }
                assert!(Instant::now() < deadline, "the cluster is not ok on node {port}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// SIGKILL to node `i`.
    fn kill(&mut self, i: usize) {
        self.nodes[i] = None;
    }

    /// Starts node `i` again on its port, from its directory.
    fn restart(&mut self, i: usize) {
        let node =
            OwnRedis::start_on(self.ports[i], "--port", &Self::args(&self.extra), &self.dirs[i]);
        self.nodes[i] = Some(node);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_node_cluster_shares_entries_and_announces_writes() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path(), &[]).await;
    let addrs = cluster.addrs();
    let url = format!("redis-cluster://{}?node={}&node={}", addrs[0], addrs[1], addrs[2]);
    let config = test_config(&url, "cluster:");
    let a = Instance::new(&config, cache_config()).ready().await;
    let b = Instance::new(&config, cache_config()).ready().await;

    // Keys spread over the three nodes' slots.
    for i in 0..20 {
        a.cache.put(&format!("k{i}"), entry(json!(i)), Duration::from_secs(30)).await;
    }
    for i in 0..20 {
        let hit = b.cache.get(&format!("k{i}")).await.expect("shared through the cluster");
        assert_eq!((hit.tier, hit.value.as_ref()), (CacheTier::Redis, &held(json!(i))));
    }

    // Strict: the generation and the entry live on different nodes; the
    // check reads both.
    recall_now(&b.cache, "ns", json!("before")).await;
    assert_eq!(recall_now(&b.cache, "ns", json!("-")).await.tier(), Some(CacheTier::Local));
    a.cache.record_memory_write("ns").await;
    let recall = recall_now(&b.cache, "ns", json!("after")).await;
    assert!(matches!(recall, Lookup::Computed(ref v) if **v == held(json!("after"))), "{recall:?}");
    // What A answers now is in Redis (B's result, or A's own); a third
    // instance's lookup misses locally and reads entry and generation.
    let in_redis = recall_now(&a.cache, "ns", json!("from A")).await.into_value();
    let c = Instance::new(&config, cache_config()).ready().await;
    let shared = recall_now(&c.cache, "ns", json!("-")).await;
    assert_eq!((shared.tier(), shared.value()), (Some(CacheTier::Redis), &in_redis));

    // Bounded: the write is announced through the cluster's pub/sub.
    let bounded = RedisConfig { coherence: Coherence::Bounded, ..config.clone() };
    let d = Instance::new(&bounded, cache_config()).ready().await;
    let g0 = d.cache.key_generation("ns").await.unwrap();
    assert_eq!(d.tier.known("ns"), Some(g0));
    a.cache.record_memory_write("ns").await;
    eventually(config.staleness_bound() * 2, "D hears of A's write", || {
        d.tier.known("ns") != Some(g0)
    })
    .await;
    // At least one step: a write whose INCR timed out after Redis took it is
    // announced again by the heartbeat, and a generation only has to move.
    let now = d.cache.key_generation("ns").await.unwrap();
    assert!(now > g0, "the generation moved from {g0} to {now}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_node_killed_under_load_fails_no_request_and_the_tier_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = Cluster::start(dir.path(), &[]).await;
    let config = RedisConfig {
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(200),
        ..test_config(&cluster.url(), "cluster-kill:")
    };
    let a = Arc::new(Instance::new(&config, cache_config()).ready().await);

    // Load: four workers, each a stream of lookups over keys on every node
    // and of recalls, each timed; none may fail or hang.
    let stop = Arc::new(AtomicBool::new(false));
    let slowest_ms = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (a, stop, slowest_ms) =
                (Arc::clone(&a), Arc::clone(&stop), Arc::clone(&slowest_ms));
            tokio::spawn(async move {
                let mut done = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let key = format!("load{w}-{}", done % 50);
                    let ttl = a.cache.ttl_for(None);
                    let value = a.cache.get_or_compute(&key, ttl, || compute(json!(done))).await;
                    assert!(value.is_ok(), "a request failed: {value:?}");
                    if a.cache.key_generation("ns").await.is_some() {
                        recall_now(&a.cache, "ns", json!("recall")).await;
                    }
                    let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    slowest_ms.fetch_max(took, Ordering::Relaxed);
                    done += 1;
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                done
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.kill(1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    cluster.restart(1);
    cluster.wait_ok().await;

    // Every node's slots serve again: a fresh instance reads what A writes
    // now, on keys spread over the three nodes.
    let b = Instance::new(&config, cache_config()).ready().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut round = 0;
    loop {
        round += 1;
        let mut shared = 0;
        for i in 0..20 {
            let key = format!("after{round}-{i}");
            a.cache.put(&key, entry(json!(i)), Duration::from_secs(30)).await;
            if b.cache.get(&key).await.is_some_and(|hit| hit.tier == CacheTier::Redis) {
                shared += 1;
            }
        }
        if shared == 20 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {shared} of 20 keys shared 20 s after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    stop.store(true, Ordering::Relaxed);
    let mut requests = 0;
    for worker in workers {
        requests += worker.await.expect("no worker panicked: every request succeeded");
    }
    assert!(requests > 100, "the load ran: {requests} requests");
    // Each call is bounded by the tier's timeout; the slowest request waited
    // on a few of them, not on the node's absence.
    let slowest = slowest_ms.load(Ordering::Relaxed);
    assert!(slowest < 2_000, "slowest request: {slowest} ms");
}
