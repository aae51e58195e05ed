//! The Redis tier through Redis Sentinel: a `redis-server` and a sentinel monitoring it, both started by the test, and a `redis-sentinel://` URL.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pattern_cache::Lookup;
use pattern_core::CacheTier;
use serde_json::json;

use crate::redis_support::{
    Instance, OwnRedis, cache_config, closed_port, recall_now, test_config,
};
use crate::support::{entry, held};

/// A sentinel (`redis-server CONFIG --sentinel`), killed when dropped.
struct Sentinel {
    child: Child,
    port: u16,
}

impl Sentinel {
    /// Starts a sentinel monitoring the master on `master_port` as `service`,
    /// and waits until it answers with that master's address.
    fn start(dir: &std::path::Path, service: &str, master_port: u16) -> Self {
        let port = closed_port();
        let config = dir.join("sentinel.conf");
        // The sentinel rewrites this file as it learns the topology.
        std::fs::write(
            &config,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\nsentinel monitor {service} 127.0.0.1 {master_port} 1\n",
                dir.display()
            ),
        )
        .unwrap();
        let child = Command::new("redis-server")
            .arg(&config)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server can run as a sentinel");
        let sentinel = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let asked = Command::new("redis-cli")
                .args(["-p", &port.to_string(), "sentinel", "get-master-addr-by-name", service])
                .output()
                .expect("redis-cli is installed with redis-server");
            if String::from_utf8_lossy(&asked.stdout).contains(&master_port.to_string()) {
                return sentinel;
            }
            assert!(Instant::now() < deadline, "the sentinel on {port} did not learn the master");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_url_shares_entries_and_keeps_recalls_strict() {
    let dir = tempfile::tempdir().unwrap();
    let master = OwnRedis::start("--port", &[], dir.path());
    let sentinel = Sentinel::start(dir.path(), "pmcp", master.port);
    let url = format!("redis-sentinel://127.0.0.1:{}/0?sentinelServiceName=pmcp", sentinel.port);
    let config = test_config(&url, "sentinel:");
    let a = Instance::new(&config, cache_config()).ready().await;
    let b = Instance::new(&config, cache_config()).ready().await;

    let ttl = a.cache.ttl_for(None);
    a.cache.put("k", entry(json!("through the sentinel")), ttl).await;
    let hit = b.cache.get("k").await.expect("B reads A's entry");
    assert_eq!((hit.tier, &*hit.value), (CacheTier::Redis, &held(json!("through the sentinel"))));
    // The entry is on the master the sentinel named.
    let keys = Command::new("redis-cli")
        .args(["-p", &master.port.to_string(), "--scan", "--pattern", "sentinel:*"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&keys.stdout).contains("sentinel:v1:r:k"));

    recall_now(&b.cache, "ns", json!("before")).await;
    a.cache.record_memory_write("ns").await;
    let recall = recall_now(&b.cache, "ns", json!("after")).await;
    assert!(matches!(recall, Lookup::Computed(ref v) if **v == held(json!("after"))), "{recall:?}");
}
