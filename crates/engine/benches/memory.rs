//! Benchmarks of the memory store (group `memory/sqlite`): search and store over 100,000 realistic memories.
//!
//! The corpus is generated once per run from word lists (services, hosts,
//! ports, people, decisions, preferences, incidents) across 10 namespaces and
//! written in one transaction into a temporary database file. Besides
//! criterion's estimates, the per-call latency percentiles of the search
//! queries are printed, since the target is a p50 of at most 2 ms.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use pattern_core::{NewMemory, SearchQuery};
use pattern_engine::memory::{MemoryStore, SqliteStore};

const MEMORIES: usize = 100_000;
const NAMESPACES: usize = 10;

const SERVICES: &[&str] = &[
    "billing",
    "checkout",
    "search",
    "auth",
    "payments",
    "inventory",
    "notifications",
    "reporting",
    "gateway",
    "ledger",
    "catalog",
    "shipping",
    "recommendations",
    "analytics",
    "profile",
    "sessions",
    "media",
    "export",
    "scheduler",
    "mailer",
    "webhooks",
    "pricing",
    "invoicing",
    "onboarding",
    "audit",
    "metrics",
    "logging",
    "queue",
    "identity",
    "storage",
];
const ENVS: &[&str] = &["staging", "production", "dev", "qa", "sandbox"];
const TECHS: &[&str] = &[
    "postgres",
    "redis",
    "kafka",
    "rabbitmq",
    "nginx",
    "envoy",
    "kubernetes",
    "terraform",
    "ansible",
    "grafana",
    "prometheus",
    "elasticsearch",
    "clickhouse",
    "mongodb",
    "mysql",
    "sqlite",
    "vault",
    "consul",
    "nomad",
    "docker",
    "helm",
    "argo",
    "jenkins",
    "sentry",
    "datadog",
    "cloudflare",
    "minio",
    "memcached",
    "haproxy",
    "cassandra",
];
const PEOPLE: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara", "zoe", "omar",
    "priya", "chen", "kenji", "fatima", "lucas", "sofia", "mateo", "amara", "noah",
];
const DAYS: &[&str] =
    &["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const PREFERENCES: &[&str] = &[
    "tabs over spaces",
    "dark mode everywhere",
    "short standups",
    "async code reviews",
    "squash merges",
    "rebasing over merging",
    "small pull requests",
    "typed languages",
    "vim keybindings",
    "early morning meetings",
    "written proposals",
    "feature flags for rollouts",
    "trunk based development",
    "pairing on incidents",
    "blue green deploys",
];
const REASONS: &[&str] = &[
    "latency was too high",
    "the license changed",
    "costs doubled",
    "it lacked replication",
    "the team knows it well",
    "it scales horizontally",
    "the vendor was unresponsive",
    "we needed strong consistency",
    "memory usage was too high",
    "the migration was simpler",
    "disk filled up",
    "a certificate expired",
    "the connection pool was exhausted",
    "a config typo",
    "an upstream outage",
];
const COMPONENTS: &[&str] = &[
    "connection pool",
    "load balancer",
    "cron job",
    "message queue",
    "read replica",
    "cdn",
    "tls certificate",
    "dns record",
    "firewall rule",
    "backup job",
    "feature flag",
    "rate limiter",
    "circuit breaker",
    "search index",
    "dashboard",
    "alert rule",
];
const ROLES: &[&str] = &["db", "web", "api", "cache", "queue", "worker", "bastion", "etl"];
const REGIONS: &[&str] = &["eu-west", "us-east", "ap-south", "eu-central"];
const PORTS: &[u32] = &[5432, 5433, 6379, 9092, 8080, 8443, 3000, 9090, 27017, 3306, 5672, 11211];

/// Natural-language questions of 3 to 6 words after the stop words are dropped.
const QUERIES: &[&str] = &[
    "what port does the staging billing database use",
    "who owns the checkout service",
    "why did we choose kafka",
    "which host runs the auth gateway",
    "when are payments deploys frozen",
    "what does alice prefer",
    "incident in production search because of latency",
    "where is the webhooks api key stored",
    "how long are ledger backups kept",
    "who reviews the inventory load balancer",
    "redis restart schedule on cache hosts",
    "p99 latency of the notifications service in production",
    "did we migrate reporting from mysql to postgres",
    "timeout for shipping in qa",
    "who is on call on friday",
    "tls certificate rotation for mailer",
];

/// SplitMix64: a deterministic corpus without a random-number dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

fn sentence(rng: &mut Rng) -> (String, Vec<String>) {
    let service = rng.pick(SERVICES);
    let env = rng.pick(ENVS);
    let tech = rng.pick(TECHS);
    let tech2 = rng.pick(TECHS);
    let person = rng.pick(PEOPLE);
    let person2 = rng.pick(PEOPLE);
    let day = rng.pick(DAYS);
    let reason = rng.pick(REASONS);
    let component = rng.pick(COMPONENTS);
    let host = format!("{}-{:02}.{}", rng.pick(ROLES), 1 + rng.below(12), rng.pick(REGIONS));
    let port = if rng.below(3) == 0 {
        1024 + rng.below(60_000) as u32
    } else {
        PORTS[rng.below(PORTS.len())]
    };
    let n = 2 + rng.below(89);
    let (text, tags): (String, &[&str]) = match rng.below(18) {
        0 => (format!("the {env} {service} database listens on port {port}"), &["infra"]),
        1 => (format!("{service} runs on {host} behind the {component}"), &["infra"]),
        2 => (format!("we decided to use {tech} for {service} because {reason}"), &["decision"]),
        3 => (format!("{person} prefers {}", rng.pick(PREFERENCES)), &["preference", "people"]),
        4 => (format!("{person} owns the {service} service and is on call on {day}"), &["people"]),
        5 => (format!("deploys of {service} to {env} are frozen until {day}"), &["release"]),
        6 => (format!("the {component} for {service} in {env} was rotated by {person}"), &[]),
        7 => (format!("{tech} on {host} needs a restart every {n} days"), &["infra", "todo"]),
        8 => (format!("incident: {service} in {env} failed because {reason}"), &["incident"]),
        9 => (format!("the {env} {tech} cluster uses port {port} and lives on {host}"), &["infra"]),
        10 => (format!("remember to renew the {component} for {service} before {day}"), &["todo"]),
        11 => (format!("{person} said the {service} {component} should move to {tech}"), &[]),
        12 => (format!("backups of {service} run nightly on {host} and are kept {n} days"), &[]),
        13 => (
            format!("the api key for {service} is stored in {tech} under {env}/{service}"),
            &["secrets"],
        ),
        14 => (
            format!(
                "{person} and {person2} agreed that {service} should migrate from {tech} to {tech2}"
            ),
            &["decision"],
        ),
        15 => (
            format!("meeting notes: {person} will review the {service} {component} on {day}"),
            &["meeting"],
        ),
        16 => (format!("the {service} dashboard shows p99 latency of {n}0 ms in {env}"), &[]),
        _ => (format!("{service} {env} timeout is {n} seconds since the {component} change"), &[]),
    };
    (text, tags.iter().map(|t| t.to_string()).collect())
}

fn corpus() -> Vec<NewMemory> {
    let mut rng = Rng(0x5EED);
    (0..MEMORIES)
        .map(|i| {
            let (content, tags) = sentence(&mut rng);
            let mut memory = NewMemory::new(format!("team-{}", i % NAMESPACES), content);
            memory.tags = tags;
            memory.importance = rng.below(101) as f64 / 100.0;
            memory
        })
        .collect()
}

fn query(i: usize) -> SearchQuery {
    SearchQuery {
        namespace: format!("team-{}", i % NAMESPACES),
        text: QUERIES[i % QUERIES.len()].to_owned(),
        limit: 10,
        tags: Vec::new(),
    }
}

/// Per-call latency of every query in every namespace, printed as
/// percentiles, with the slowest queries by their median.
async fn print_search_percentiles(store: &dyn MemoryStore) {
    let mut micros = Vec::new();
    let mut by_query = vec![Vec::new(); QUERIES.len()];
    let mut empty = 0;
    for round in 0..5 {
        for i in 0..QUERIES.len() * NAMESPACES {
            let q =
                SearchQuery { namespace: format!("team-{}", (i + round) % NAMESPACES), ..query(i) };
            let start = Instant::now();
            let hits = store.search(q).await.expect("search");
            let took = start.elapsed().as_micros() as u64;
            micros.push(took);
            by_query[i % QUERIES.len()].push(took);
            empty += usize::from(hits.is_empty());
        }
    }
    micros.sort_unstable();
    let at = |p: f64| micros[((micros.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    eprintln!(
        "memory/sqlite search over {MEMORIES} memories, {} calls: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({empty} without hits)",
        micros.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        at(1.0)
    );
    let mut medians: Vec<(u64, &str)> = by_query
        .iter_mut()
        .zip(QUERIES)
        .map(|(times, text)| {
            times.sort_unstable();
            (times[times.len() / 2], *text)
        })
        .collect();
    medians.sort_unstable_by(|a, b| b.cmp(a));
    for (median, text) in medians.iter().take(3) {
        eprintln!("  slowest: {:.3} ms median for {text:?}", *median as f64 / 1000.0);
    }
}

fn memory_sqlite(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<SqliteStore> = runtime.block_on(async {
        let store = SqliteStore::open(&dir.path().join("memory.db")).await.unwrap();
        let memories = corpus();
        let start = Instant::now();
        store.store_batch(memories).await.unwrap();
        eprintln!("seeded {MEMORIES} memories in {:.1} s", start.elapsed().as_secs_f64());
        Arc::new(store)
    });
    runtime.block_on(print_search_percentiles(&*store));

    let mut group = c.benchmark_group("memory/sqlite");
    group.measurement_time(Duration::from_secs(5));

    let next = AtomicUsize::new(0);
    group.bench_function("search", |b| {
        b.to_async(&runtime).iter(|| {
            let q = query(next.fetch_add(1, Ordering::Relaxed));
            let store = Arc::clone(&store);
            async move { black_box(store.search(q).await.unwrap()) }
        })
    });

    // A term the index cannot hold (an emoji) makes the search scan the
    // namespace: the slow path, measured so that it stays bounded.
    let next = AtomicUsize::new(0);
    group.bench_function("search_substring", |b| {
        b.to_async(&runtime).iter(|| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let q = SearchQuery { text: "🔥 gateway timeout".to_owned(), ..query(i) };
            let store = Arc::clone(&store);
            async move { black_box(store.search(q).await.unwrap()) }
        })
    });

    let next = AtomicUsize::new(0);
    group.bench_function("store", |b| {
        b.to_async(&runtime).iter(|| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let memory = NewMemory::new(
                format!("team-{}", i % NAMESPACES),
                format!("benchmark note {i}: the staging gateway restarted after a config change"),
            );
            let store = Arc::clone(&store);
            async move { black_box(store.store(memory).await.unwrap()) }
        })
    });

    group.bench_function("recent", |b| {
        b.to_async(&runtime).iter(|| {
            let store = Arc::clone(&store);
            async move { black_box(store.recent("team-3", 10).await.unwrap()) }
        })
    });
    group.finish();
}

criterion_group!(benches, memory_sqlite);
criterion_main!(benches);
