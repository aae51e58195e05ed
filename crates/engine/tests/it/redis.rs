//! Two engines (two instances of pattern-mcp) over one memory file and one Redis: a write on one is seen by the
//! other's next recall, never answered from a cache entry made before it.
//!
//! Needs the Redis at `PATTERN_MCP_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`): without it the test fails
//! saying how to start one, it never skips.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pattern_cache::{RedisConfig, RedisTier, SharedTier as _};
use pattern_core::{CacheTier, ExecuteRequest};
use pattern_engine::{Engine, EngineConfig, Principal};
use pattern_memory::SqliteStore;
use pattern_registry::Registry;

fn redis_url() -> String {
    let url = std::env::var("PATTERN_MCP_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let addr = url.trim_start_matches("redis://").trim_end_matches('/');
    let reachable = addr
        .parse::<SocketAddr>()
        .map(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok())
        .unwrap_or(true);
    assert!(
        reachable,
        "Redis is not reachable at {url}: start it with `redis-server --daemonize yes` \
         (tools/test.sh does this), or point PATTERN_MCP_TEST_REDIS_URL at one"
    );
    url
}

/// The invalidation link's heartbeat; five of them make the staleness bound.
const HEARTBEAT: Duration = Duration::from_millis(20);

async fn instance(path: &std::path::Path, prefix: &str) -> Engine {
    let store = Arc::new(SqliteStore::open(path).await.unwrap());
    let config = RedisConfig {
        key_prefix: prefix.into(),
        timeout: Duration::from_millis(500),
        heartbeat: HEARTBEAT,
        ..RedisConfig::new(redis_url())
    };
    let tier = Arc::new(RedisTier::connect(&config).unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !tier.is_available() {
        assert!(Instant::now() < deadline, "the Redis tier did not come up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Engine::new(Arc::new(Registry::with_builtins()), store, EngineConfig::default())
        .with_shared_tier(tier)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_instance_is_in_the_next_recall_of_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.db");
    let prefix =
        format!("pattern-engine-test:{}-{:?}:", std::process::id(), std::time::SystemTime::now());
    let local = Principal::local();
    let a = instance(&path, &prefix).await;
    let first = a.execute(&ExecuteRequest::new("remember that backups run at 02:00"), &local).await;
    assert!(first.success, "{:?}", first.error);
    let b = instance(&path, &prefix).await;

    let ask = ExecuteRequest::new("what did we note about backups?");
    let recalled = b.execute(&ask, &local).await;
    assert_eq!(recalled.result["count"], 1, "{:?}", recalled.result);
    // A's own repeat is answered by the shared tier, which B filled.
    let repeat = a.execute(&ask, &local).await;
    assert_eq!(repeat.cache_tier, Some(CacheTier::Redis), "{:?}", repeat.metadata);

    let second = a
        .execute(&ExecuteRequest::new("remember that backups of billing run at 03:00"), &local)
        .await;
    assert!(second.success, "{:?}", second.error);
    // The guarantee is bounded: B may serve its old recall for at most the
    // staleness bound after A's write completed (ARCHITECTURE.md), not longer.
    tokio::time::sleep(
        RedisConfig { heartbeat: HEARTBEAT, ..RedisConfig::new(redis_url()) }.staleness_bound(),
    )
    .await;
    let after = b.execute(&ask, &local).await;
    assert!(
        !after.cache_hit,
        "B answered a recall cached before A's write, past the staleness bound"
    );
    assert_eq!(after.result["count"], 2, "{:?}", after.result);

    // A namespace A writes to after B opened its store: B's own counters do not
    // know it, the generation in Redis does, so B answers a plain question from
    // memory instead of saying there is nothing to answer.
    let mut note = ExecuteRequest::new("remember that Alice owns the billing service");
    note.namespace = "team".into();
    assert!(a.execute(&note, &local).await.success);
    let mut who = ExecuteRequest::new("who owns billing?");
    who.namespace = "team".into();
    let answered = b.execute(&who, &local).await;
    assert!(answered.success, "{:?}", answered.error);
    assert_eq!(answered.result["memories"][0]["content"], "Alice owns the billing service");
}
