//! Hit rate and CPU time per call of the result cache on a replay with Zipf popularity: one instance without Redis,
//! one with, and the same replay spread evenly over three instances with and without a shared Redis; then, with
//! Redis, the same replay as recalls (keys carrying a memory generation, each lookup checked under strict
//! coherence, none under bounded).
//!
//! CPU time is the process's (user + system, from `/proc/self/stat`, the counters `getrusage` reads; the workspace
//! forbids the `unsafe` a libc call needs), divided by the requests; Redis's own CPU is not in it. Linux only.
//!
//! Run: `cargo run --release -p pattern-cache --example hit_rate -- [REQUESTS] [DISTINCT] [REDIS_URL]`
//! (defaults: 100000 10000 redis://127.0.0.1:6379). Default cache sizes (10,000 local entries, 60 s local TTL,
//! 300 s in Redis); every value is a recall-sized result (about 1.8 KB of JSON). Each instance is a `ResultCache`
//! of its own; instances of one run share a fresh key prefix, so runs never see each other's entries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pattern_cache::{
    CacheConfig, CachedResult, Coherence, KeyParts, KeyRef, LOCAL_PRINCIPAL, Lookup, RedisConfig,
    RedisTier, ResultCache, SharedTier as _, cache_key,
};
use pattern_core::ExecutionMode;
use serde_json::{Value, json};

/// Zipf(s) over `n` ranks, drawn by inverting its cumulative distribution.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Self {
        let mut total = 0.0;
        let mut cdf: Vec<f64> = (1..=n)
            .map(|k| {
                total += 1.0 / (k as f64).powf(s);
                total
            })
            .collect();
        cdf.iter_mut().for_each(|c| *c /= total);
        Self { cdf }
    }

    fn sample(&self, uniform: f64) -> usize {
        self.cdf.partition_point(|&c| c < uniform).min(self.cdf.len() - 1)
    }
}

/// xorshift64*: reproducible draws without a dependency.
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn recall(rank: usize) -> Arc<CachedResult> {
    let memories: Vec<Value> = (0..5)
        .map(|i| {
            json!({"id": rank * 10 + i, "namespace": "default", "importance": 0.5, "tags": ["ops"],
                   "content": format!("note {i} about query {rank}: the staging database listens on port 5433"),
                   "metadata": {"pattern": "store_memory"}, "created_at": "2026-12-03T12:00:00Z", "score": 1.0})
        })
        .collect();
    let result = json!({"count": 5, "memories": memories, "query": format!("query {rank}")});
    let Value::Object(result) = result else { unreachable!("a JSON object") };
    Arc::new(CachedResult::new(result))
}

/// CPU time this process has used so far, user and system (Linux's `/proc/self/stat`, in clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux: /proc/self/stat");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').expect("a /proc stat line") + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the line, 12th and 13th after the name; USER_HZ is 100 on Linux.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

async fn instances(
    count: usize,
    redis: Option<(&str, &str)>,
    coherence: Coherence,
) -> Vec<ResultCache> {
    let mut caches = Vec::new();
    for _ in 0..count {
        caches.push(match redis {
            None => ResultCache::new(CacheConfig::default()),
            Some((url, prefix)) => {
                let config = RedisConfig {
                    key_prefix: prefix.into(),
                    timeout: Duration::from_millis(50),
                    coherence,
                    ..RedisConfig::new(url)
                };
                let tier = Arc::new(RedisTier::connect(&config).expect("a valid Redis URL"));
                let deadline = Instant::now() + Duration::from_secs(10);
                while !tier.is_available() {
                    assert!(Instant::now() < deadline, "Redis at {url} does not answer: start it with `redis-server --daemonize yes`");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                ResultCache::with_shared_tier(CacheConfig::default(), tier)
            }
        });
    }
    caches
}

/// Replays `requests` draws over `caches` in turn; the share of them answered by a tier, the wall time and the
/// CPU time. `recalls`: each key is built as a recall's, with the namespace's generation.
async fn replay(
    caches: &[ResultCache],
    requests: usize,
    distinct: usize,
    recalls: bool,
) -> (f64, Duration, Duration) {
    let zipf = Zipf::new(distinct, 1.1);
    let mut draws = Draws(0x9E37_79B9_7F4A_7C15);
    let ttl = Duration::from_secs(60);
    let mut hits = 0usize;
    let cpu = cpu_time();
    let started = Instant::now();
    for i in 0..requests {
        let rank = zipf.sample(draws.next());
        let cache = &caches[i % caches.len()];
        let (built, plain);
        let key: KeyRef<'_> = if recalls {
            let query = format!("what did we note about topic {rank}");
            let generation = cache.key_generation("default").await;
            built = cache_key(&KeyParts {
                query: &query,
                mode: ExecutionMode::Balanced,
                context: None,
                namespace: "default",
                principal: LOCAL_PRINCIPAL,
                pattern_set_version: "replay",
                pattern: "recall_memory",
                generation: Some(generation.expect("Redis answers")),
            });
            (&built).into()
        } else {
            plain = format!("{rank:08x}");
            (&plain).into()
        };
        let lookup = cache
            .get_or_compute(key, ttl, || async move { Ok::<_, ()>((recall(rank), true)) })
            .await
            .expect("the computation never fails");
        hits += usize::from(matches!(lookup, Lookup::Hit(_)));
    }
    (hits as f64 / requests as f64, started.elapsed(), cpu_time().saturating_sub(cpu))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let requests: usize =
        args.first().map_or(100_000, |a| a.parse().expect("REQUESTS is a number"));
    let distinct: usize = args.get(1).map_or(10_000, |a| a.parse().expect("DISTINCT is a number"));
    let url = args.get(2).cloned().unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    let run =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    println!("{requests} requests over {distinct} queries, Zipf(1.1), default cache sizes");
    println!("| instances | Redis | keys | hit rate | wall time | CPU time per call |");
    println!("|---|---|---|---|---|---|");
    let runs = [
        (1, false, None),
        (1, true, None),
        (3, false, None),
        (3, true, None),
        (1, true, Some(Coherence::Strict)),
        (3, true, Some(Coherence::Strict)),
        (1, true, Some(Coherence::Bounded)),
        (3, true, Some(Coherence::Bounded)),
    ];
    for (count, with_redis, recalls) in runs {
        let prefix = format!("pattern-hit-rate:{run}-{count}-{with_redis}-{recalls:?}:");
        let redis = with_redis.then_some((url.as_str(), prefix.as_str()));
        let caches = instances(count, redis, recalls.unwrap_or_default()).await;
        let (rate, took, cpu) = replay(&caches, requests, distinct, recalls.is_some()).await;
        let redis = if with_redis { "yes" } else { "no" };
        let keys = recalls.map_or("plain", Coherence::as_str);
        let per_call = cpu.as_secs_f64() * 1e6 / requests as f64;
        println!(
            "| {count} | {redis} | {keys} | {:.1} % | {:.2} s | {per_call:.1} µs |",
            rate * 100.0,
            took.as_secs_f64()
        );
    }
}
