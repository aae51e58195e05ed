//! Helpers for the tests against a real Redis: its URL, unique key prefixes, instances of the tier, and a `redis-server` of the test's own.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fred::prelude::{Builder, Client, ClientLike, Config};
use pattern_cache::CachedResult;
use pattern_cache::{
    CacheConfig, CacheKey, KeyParts, LOCAL_PRINCIPAL, Lookup, RedisConfig, RedisTier, ResultCache,
    cache_key,
};
use pattern_core::ExecutionMode;
use serde_json::Value;

/// The Redis the tests share: `PATTERN_MCP_TEST_REDIS_URL`, else the local one.
pub fn redis_url() -> String {
    std::env::var("PATTERN_MCP_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Fails the test, never skips it, when the shared Redis is not there.
pub fn require_redis() -> String {
    let url = redis_url();
    let config = Config::from_url(&url).unwrap_or_else(|e| panic!("bad Redis URL {url}: {e}"));
    let fred::prelude::ServerConfig::Centralized { server } = &config.server else {
        return url;
    };
    let addr = format!("{}:{}", server.host, server.port);
    let reachable = addr
        .parse::<SocketAddr>()
        .map(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok())
        .unwrap_or(false);
    assert!(
        reachable,
        "Redis is not reachable at {url}: these tests need a real Redis. Start one with \
         `redis-server --daemonize yes` (or point PATTERN_MCP_TEST_REDIS_URL at one)."
    );
    url
}

/// A key prefix no other test (or run) uses, so tests share one Redis in parallel.
pub fn unique_prefix(test: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("pattern-cache-test:{test}:{}-{nanos}-{n}:", std::process::id())
}

/// Tier settings for tests: timeouts generous enough for a loaded CI
/// machine (a hit asserted must not turn into a timeout), a fast heartbeat.
pub fn test_config(url: &str, prefix: &str) -> RedisConfig {
    RedisConfig {
        key_prefix: prefix.into(),
        timeout: Duration::from_millis(500),
        heartbeat: Duration::from_millis(20),
        ..RedisConfig::new(url)
    }
}

pub fn cache_config() -> CacheConfig {
    CacheConfig { shared_timeout: Duration::from_secs(1), ..CacheConfig::default() }
}

/// One "instance": a result cache in front of its own connection to Redis.
pub struct Instance {
    pub tier: Arc<RedisTier>,
    pub cache: ResultCache,
}

impl Instance {
    pub fn new(config: &RedisConfig, cache: CacheConfig) -> Self {
        let tier = Arc::new(RedisTier::connect(config).expect("tier settings are valid"));
        let cache = ResultCache::with_shared_tier(cache, Arc::clone(&tier) as _);
        Self { tier, cache }
    }

    /// Waits until the tier is connected and its invalidation link trusted.
    /// Trust is a matter of time (a heartbeat must come back), with nothing
    /// to await, so this looks every few milliseconds, for at most 10 s.
    pub async fn ready(self) -> Self {
        use pattern_cache::SharedTier;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(self.tier.is_available() && self.tier.link_trusted()) {
            assert!(
                Instant::now() < deadline,
                "the Redis tier did not connect within 10 s (available: {}, link trusted: {}; \
                 is Redis at {} up? `redis-server --daemonize yes`)",
                self.tier.is_available(),
                self.tier.link_trusted(),
                redis_url()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self
    }
}

/// A plain client for looking at Redis from the outside.
pub async fn admin(url: &str) -> Client {
    let client = Builder::from_config(Config::from_url(url).unwrap()).build().unwrap();
    client.init().await.unwrap_or_else(|e| panic!("Redis at {url}: {e}"));
    client
}

/// A TCP port nobody listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A `redis-server` started by the test, killed when dropped.
pub struct OwnRedis {
    child: Child,
    pub port: u16,
}

impl OwnRedis {
    /// Starts `redis-server` with `args` after the port and persistence
    /// flags; waits until it accepts connections.
    pub fn start(port_flag: &str, args: &[&str], dir: &Path) -> Self {
        Self::start_on(closed_port(), port_flag, args, dir)
    }

    /// [`start`](Self::start) on a given port: a restart where the last one ran.
    pub fn start_on(port: u16, port_flag: &str, args: &[&str], dir: &Path) -> Self {
        let mut command = Command::new("redis-server");
        if port_flag != "--port" {
            command.args(["--port", "0"]);
        }
        command
            .args([port_flag, &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = command.spawn().unwrap_or_else(|e| {
            panic!("could not start redis-server (install Redis; `redis-server --daemonize yes` must work): {e}")
        });
        let mut own = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            if let Ok(Some(status)) = own.child.try_wait() {
                panic!("redis-server {args:?} exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "redis-server did not listen on {port} within 10 s");
            std::thread::sleep(Duration::from_millis(10));
        }
        own
    }
}

impl OwnRedis {
    /// Sends `signal` (`STOP`, `CONT`) to the server.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }
}

/// Polls `condition` every few milliseconds for at most `limit`: for
/// states that change with time and have no event to await.
pub async fn eventually(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The key of a recall in `namespace` at `generation`, as the engine builds it.
pub fn recall_key(namespace: &str, generation: u64) -> CacheKey {
    cache_key(&KeyParts {
        query: "what do we know about deploys",
        mode: ExecutionMode::Balanced,
        context: None,
        namespace,
        principal: LOCAL_PRINCIPAL,
        pattern_set_version: "v-test",
        pattern: "recall",
        generation: Some(generation),
    })
}

pub async fn compute(value: Value) -> Result<(Arc<CachedResult>, bool), String> {
    Ok((crate::support::entry(value), true))
}

/// A recall the way the engine runs it: the generation from
/// `key_generation`, the key, then the lookup (computing `value` on a miss).
pub async fn recall_now(cache: &ResultCache, ns: &str, value: Value) -> Lookup<Arc<CachedResult>> {
    let generation = cache.key_generation(ns).await.expect("Redis is up");
    let ttl = cache.ttl_for(None);
    cache.get_or_compute(&recall_key(ns, generation), ttl, || compute(value)).await.unwrap()
}
