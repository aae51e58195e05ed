//! Growth benchmark: latency and memory as the pattern registry and the memory store grow.
//!
//! Run through `tools/bench/growth.sh`, which builds this example in release and passes its arguments on:
//!
//! ```text
//! growth [--patterns 10,100,1000,10000] [--memories 10000,100000,1000000] [--backends sqlite,postgres]
//!        [--postgres-server URL] [--out FILE]
//! ```
//!
//! * **Registry.** For each size N, a child process (this binary, `--one-registry N`) writes a pattern file of N
//!   patterns with distinct names and regex triggers, loads it with the built-ins (timed), builds an engine on it,
//!   and measures, one call at a time over queries that are all different (so the match cache never answers):
//!   `Registry::match_uncached` and `Engine::route` (`route_query`: match, route decision, cache key), each for a
//!   query that matches one of the N patterns and for one that matches none. Each set of queries is sent twice and
//!   both passes are reported: the first pays for compiling each trigger the first time a query may match it, the
//!   second is a server that has run a while. RSS is read from /proc before and after the load, and after the
//!   calls. One process per size, so that one size's allocations do not inflate the next one's RSS.
//! * **Memory store.** For each backend, one process loads memories in batches of 5,000 through the store's own
//!   `store_batch` (the path imports take: one transaction per batch, the same statements, indexes and full-text
//!   tables as `store`), up to each size in turn, and at each size measures `search` (natural-language questions
//!   over ten namespaces) and `store` (one memory at a time) latency, the database's size on disk and the RSS.
//!   PostgreSQL runs in a database of its own, `growth_bench`, created at the start and dropped at the end (also
//!   when a previous run left it behind).
//!
//! Writes a table on stdout and the figures as JSON to `--out` (default `target/bench-results/growth.json`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use pattern_core::{ExecutionMode, NewMemory, RouteRequest, SearchQuery};
use pattern_engine::{Engine, EngineConfig, Principal};
use pattern_memory::{MemoryStore, PostgresStore, PostgresUrl, SqliteStore};
use pattern_registry::{LoadOptions, Registry};
use serde_json::{Value, json};

const DATABASE: &str = "growth_bench";
const NAMESPACES: usize = 10;
const BATCH: usize = 5_000;
/// Calls per registry measurement, each query different.
const REGISTRY_CALLS: usize = 20_000;
/// Searches per store size: every question in every namespace, several rounds.
const SEARCH_ROUNDS: usize = 4;
const STORE_CALLS: usize = 300;

struct Args {
    patterns: Vec<usize>,
    memories: Vec<usize>,
    backends: Vec<String>,
    server: String,
    out: PathBuf,
}

fn list(value: &str) -> Vec<usize> {
    value
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace('_', "").parse().unwrap_or_else(|_| panic!("not a number: {s}")))
        .collect()
}

fn parse_args() -> Args {
    let mut args = Args {
        patterns: vec![10, 100, 1_000, 10_000],
        memories: vec![10_000, 100_000, 1_000_000],
        backends: vec!["sqlite".into(), "postgres".into()],
        server: std::env::var("PATTERN_MCP_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        out: PathBuf::from("target/bench-results/growth.json"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--patterns" => args.patterns = list(&value()),
            "--memories" => args.memories = list(&value()),
            "--backends" => {
                args.backends =
                    value().split(',').filter(|s| !s.is_empty()).map(String::from).collect()
            }
            "--postgres-server" => args.server = value(),
            "--out" => args.out = PathBuf::from(value()),
            "--one-registry" => {
                let n = value().parse().expect("--one-registry N");
                let result = registry_growth(n);
                println!("{result}");
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}; see the doc comment of examples/growth.rs"),
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let started = unix_now();
    let load_start = loadavg();
    let mut registry = Vec::new();
    for &n in &args.patterns {
        // A child process per size: a clean RSS.
        let output = Command::new(std::env::current_exe().expect("own path"))
            .args(["--one-registry", &n.to_string()])
            .output()
            .expect("run the registry child");
        assert!(
            output.status.success(),
            "registry child for {n} patterns failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = String::from_utf8(output.stdout).expect("utf-8");
        let value: Value = serde_json::from_str(line.trim()).expect("child JSON");
        print_registry_row(registry.is_empty(), &value);
        registry.push(value);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut memory = Vec::new();
    for backend in &args.backends {
        let rows = runtime.block_on(memory_growth(backend, &args.memories, &args.server));
        memory.extend(rows);
    }

    let result = json!({
        "bench": "growth",
        "command": format!("tools/bench/growth.sh {}", shell_words(std::env::args().skip(1))),
        "started_unix_s": started,
        "finished_unix_s": unix_now(),
        "machine": machine(&load_start),
        "registry": registry,
        "memory": memory,
    });
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir).expect("create the output directory");
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&result).unwrap() + "\n")
        .expect("write the JSON");
    println!("\nJSON: {}", args.out.display());
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The 1, 5 and 15 minute load averages.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// nproc, the CPU model, the load average at the start and now.
fn machine(load_start: &str) -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    json!({
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu_model": model,
        "load_average_at_start": load_start,
        "load_average_at_end": loadavg(),
    })
}

/// Resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn histogram() -> Histogram<u64> {
    // Nanoseconds, 1 ns to 100 s, 3 significant digits.
    Histogram::new_with_bounds(1, 100_000_000_000, 3).unwrap()
}

fn record(h: &mut Histogram<u64>, took: Duration) {
    h.saturating_record(took.as_nanos().max(1) as u64);
}

/// p50, p99 and max in microseconds, and the number of calls.
fn summary(h: &Histogram<u64>) -> Value {
    let us = |ns: u64| (ns as f64 / 100.0).round() / 10.0;
    json!({
        "calls": h.len(),
        "p50_us": us(h.value_at_quantile(0.50)),
        "p99_us": us(h.value_at_quantile(0.99)),
        "max_us": us(h.max()),
    })
}

// --- Registry ------------------------------------------------------------------------------------------------------

/// A pattern file of `n` memory patterns with distinct names and triggers, one capture each.
fn pattern_file(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "[[pattern]]\nname = \"growth_{i}\"\ntype = \"memory\"\n\
                 trigger = '(?i)\\bcommand_{i}\\b\\s+(?P<arg>\\w+)'\npriority = {}\n\
                 [pattern.memory]\nop = \"search\"\ntext = \"{{arg}}\"\n\n",
                i % 7
            )
        })
        .collect()
}

/// SplitMix64: a deterministic sequence without a random-number dependency.
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
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn registry_growth(n: usize) -> Value {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("patterns.toml");
    std::fs::write(&file, pattern_file(n)).expect("write the pattern file");
    let file_bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);

    let rss_before = rss_kib();
    let opts = LoadOptions { files: vec![file], builtins: true, strict: true };
    let start = Instant::now();
    let loaded = Registry::load(&opts).expect("load the generated patterns");
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    let patterns = loaded.registry.patterns().len();
    let registry = Arc::new(loaded.registry);
    let rss_loaded = rss_kib();

    let store: Arc<dyn MemoryStore> =
        Arc::new(runtime.block_on(SqliteStore::open_in_memory()).expect("in-memory store"));
    let engine = runtime
        .block_on(async { Engine::new(Arc::clone(&registry), store, EngineConfig::default()) });
    let principal = Principal::local();

    // Queries all different: `matching` names one of the N patterns, `missing` matches no trigger (checked).
    let mut rng = Rng(0x6120_3057 ^ n as u64);
    let matching = |rng: &mut Rng, k: usize| {
        format!("please run command_{} deploy{k} and then report the results back", rng.below(n))
    };
    let missing = |rng: &mut Rng, k: usize| {
        format!(
            "please summarise the {} figures of quarter {k} for the {} team",
            rng.pick(&["sales", "cost", "hiring", "churn"]),
            rng.pick(&["north", "south", "east", "west"])
        )
    };
    let probe = missing(&mut rng, 0);
    assert!(registry.match_uncached(&probe).is_none(), "{probe:?} matched a pattern");
    let probe = matching(&mut rng, 0);
    assert!(
        registry.match_uncached(&probe).is_some_and(|m| m.pattern.name.starts_with("growth_")),
        "{probe:?} did not match a generated pattern"
    );

    let calls = REGISTRY_CALLS;
    let mut out = serde_json::Map::new();
    for (name, hit) in [("matching", true), ("non_matching", false)] {
        let queries: Vec<String> = (0..calls)
            .map(|k| if hit { matching(&mut rng, k) } else { missing(&mut rng, k) })
            .collect();
        // First pass, measured apart: a pattern's trigger is compiled the first time a query may match it, so
        // these calls pay for that (and warm the lazy DFAs and the allocator); the measured pass that follows
        // sends the same queries again, as a server that has run a while sees them.
        let mut h = histogram();
        for q in &queries {
            let start = Instant::now();
            std::hint::black_box(registry.match_uncached(q));
            record(&mut h, start.elapsed());
        }
        out.insert(format!("match_{name}_first"), summary(&h));
        let mut h = histogram();
        let mut found = 0;
        for q in &queries {
            let start = Instant::now();
            let m = std::hint::black_box(registry.match_uncached(q));
            record(&mut h, start.elapsed());
            found += usize::from(m.is_some());
        }
        assert_eq!(found, if hit { queries.len() } else { 0 }, "{name}: wrong number of matches");
        out.insert(format!("match_{name}"), summary(&h));

        let queries: Vec<String> = (0..calls)
            .map(|k| if hit { matching(&mut rng, k + calls) } else { missing(&mut rng, k + calls) })
            .collect();
        let mut h = histogram();
        for q in &queries {
            let req = RouteRequest {
                query: q.clone(),
                execution_mode: ExecutionMode::Balanced,
                namespace: "default".into(),
            };
            let start = Instant::now();
            let decision = std::hint::black_box(engine.route(&req, &principal));
            record(&mut h, start.elapsed());
            drop(decision);
        }
        out.insert(format!("route_{name}"), summary(&h));
    }
    let rss_end = rss_kib();
    let mut value = json!({
        "patterns_generated": n,
        "patterns_loaded": patterns,
        "file_bytes": file_bytes,
        "load_ms": (load_ms * 100.0).round() / 100.0,
        "rss_before_load_kib": rss_before,
        "rss_after_load_kib": rss_loaded,
        "rss_after_calls_kib": rss_end,
    });
    value.as_object_mut().unwrap().extend(out);
    value
}

/// The arguments as a shell would need them typed: an empty one as `''`.
fn shell_words(args: impl Iterator<Item = String>) -> String {
    args.map(|a| if a.is_empty() { "''".to_owned() } else { a }).collect::<Vec<_>>().join(" ")
}

fn print_registry_row(header: bool, v: &Value) {
    if header {
        println!(
            "registry: one call at a time, {REGISTRY_CALLS} different queries per cell (match: their second pass), µs"
        );
        println!(
            "{:>8} {:>9} {:>11} {:>11} {:>17} {:>17} {:>17} {:>17} {:>17}",
            "patterns",
            "load ms",
            "RSS MiB",
            "after calls",
            "first use p50/99",
            "match hit p50/99",
            "match miss p50/99",
            "route hit p50/99",
            "route miss p50/99"
        );
    }
    let cell = |key: &str| {
        format!(
            "{:.1}/{:.1}",
            v[key]["p50_us"].as_f64().unwrap(),
            v[key]["p99_us"].as_f64().unwrap()
        )
    };
    println!(
        "{:>8} {:>9.1} {:>5.1}→{:<5.1} {:>11.1} {:>17} {:>17} {:>17} {:>17} {:>17}",
        v["patterns_generated"],
        v["load_ms"].as_f64().unwrap(),
        v["rss_before_load_kib"].as_f64().unwrap() / 1024.0,
        v["rss_after_load_kib"].as_f64().unwrap() / 1024.0,
        v["rss_after_calls_kib"].as_f64().unwrap() / 1024.0,
        cell("match_matching_first"),
        cell("match_matching"),
        cell("match_non_matching"),
        cell("route_matching"),
        cell("route_non_matching"),
    );
}

// --- Memory store --------------------------------------------------------------------------------------------------

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
    "grafana",
    "prometheus",
    "elasticsearch",
    "clickhouse",
    "mongodb",
    "mysql",
    "vault",
    "consul",
    "docker",
    "helm",
    "sentry",
    "haproxy",
];
const PEOPLE: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "olivia",
    "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara", "zoe", "omar", "priya",
    "chen", "kenji", "fatima", "lucas",
];
const COMPONENTS: &[&str] = &[
    "connection pool",
    "load balancer",
    "cron job",
    "message queue",
    "read replica",
    "tls certificate",
    "dns record",
    "firewall rule",
    "backup job",
    "feature flag",
    "rate limiter",
    "search index",
    "alert rule",
];
const REASONS: &[&str] = &[
    "latency was too high",
    "the license changed",
    "costs doubled",
    "it lacked replication",
    "the team knows it well",
    "memory usage was too high",
    "disk filled up",
    "a certificate expired",
    "the connection pool was exhausted",
    "an upstream outage",
];
const DAYS: &[&str] = &["monday", "tuesday", "wednesday", "thursday", "friday"];

/// Questions asked at every size (3 to 6 terms after stop words).
const QUESTIONS: &[&str] = &[
    "what port does the staging billing database use",
    "who owns the checkout service",
    "why did we choose kafka",
    "which host runs the auth gateway",
    "when are payments deploys frozen",
    "incident in production search because of latency",
    "how long are ledger backups kept",
    "who reviews the inventory load balancer",
    "redis restart schedule",
    "did we migrate reporting from mysql to postgres",
    "timeout for shipping in qa",
    "tls certificate rotation for mailer",
];

/// The `i`-th memory of the corpus (deterministic: every backend and every run stores the same memories).
fn memory(rng: &mut Rng, i: usize) -> NewMemory {
    let service = rng.pick(SERVICES);
    let env = rng.pick(ENVS);
    let tech = rng.pick(TECHS);
    let person = rng.pick(PEOPLE);
    let component = rng.pick(COMPONENTS);
    let reason = rng.pick(REASONS);
    let day = rng.pick(DAYS);
    let host =
        format!("{}-{:02}", rng.pick(&["db", "web", "api", "cache", "worker"]), 1 + rng.below(40));
    let n = 2 + rng.below(500);
    let (content, tags): (String, &[&str]) = match rng.below(10) {
        0 => (
            format!("the {env} {service} database listens on port {}", 1024 + rng.below(60_000)),
            &["infra"],
        ),
        1 => (format!("{service} runs on {host} behind the {component}"), &["infra"]),
        2 => (format!("we decided to use {tech} for {service} because {reason}"), &["decision"]),
        3 => (format!("{person} owns the {service} service and is on call on {day}"), &["people"]),
        4 => (format!("deploys of {service} to {env} are frozen until {day}"), &["release"]),
        5 => (format!("the {component} for {service} in {env} was rotated by {person}"), &[]),
        6 => (format!("{tech} on {host} needs a restart every {n} days"), &["infra", "todo"]),
        7 => (format!("incident {n}: {service} in {env} failed because {reason}"), &["incident"]),
        8 => (format!("backups of {service} run nightly on {host} and are kept {n} days"), &[]),
        _ => (format!("{service} {env} timeout is {n} seconds since the {component} change"), &[]),
    };
    let mut memory = NewMemory::new(format!("growth-{}", i % NAMESPACES), content);
    memory.tags = tags.iter().map(|t| t.to_string()).collect();
    memory.importance = rng.below(101) as f64 / 100.0;
    memory
}

/// Sum of the sizes of the files in `dir` (the SQLite database, its WAL and shared memory).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

async fn admin_client(server: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL unreachable at {server}: {e}"));
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("admin connection: {e}");
        }
    });
    client
}

/// `server` with its database replaced by `database` and `options` appended.
fn with_database(server: &str, database: &str, options: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..].find('/').map(|i| scheme_end + i).unwrap_or(base.len());
    let mut url = format!("{}/{database}", &base[..host_end]);
    let all: Vec<&str> = [query, options].into_iter().filter(|s| !s.is_empty()).collect();
    if !all.is_empty() {
        url.push('?');
        url.push_str(&all.join("&"));
    }
    url
}

enum Store {
    Sqlite(Arc<SqliteStore>, tempfile::TempDir),
    Postgres(Arc<PostgresStore>, tokio_postgres::Client),
}

impl Store {
    fn api(&self) -> &dyn MemoryStore {
        match self {
            Store::Sqlite(s, _) => &**s,
            Store::Postgres(s, _) => &**s,
        }
    }
    async fn batch(&self, memories: Vec<NewMemory>) {
        match self {
            Store::Sqlite(s, _) => s.store_batch(memories).await.map(drop),
            Store::Postgres(s, _) => s.store_batch(memories).await.map(drop),
        }
        .expect("store_batch")
    }
    async fn bytes(&self) -> u64 {
        match self {
            Store::Sqlite(_, dir) => dir_bytes(dir.path()),
            Store::Postgres(_, admin) => {
                let row = admin
                    .query_one("SELECT pg_database_size($1)::bigint", &[&DATABASE])
                    .await
                    .expect("pg_database_size");
                row.get::<_, i64>(0) as u64
            }
        }
    }
}

async fn memory_growth(backend: &str, sizes: &[usize], server: &str) -> Vec<Value> {
    let store = match backend {
        "sqlite" => {
            let dir = tempfile::tempdir_in(
                std::env::var_os("GROWTH_TMP")
                    .map(PathBuf::from)
                    .unwrap_or_else(std::env::temp_dir),
            )
            .expect("temp dir");
            let store =
                SqliteStore::open(&dir.path().join("memory.db")).await.expect("open SQLite");
            Store::Sqlite(Arc::new(store), dir)
        }
        "postgres" => {
            let admin = admin_client(server).await;
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {DATABASE}"))
                .await
                .expect("drop an old database");
            admin
                .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
                .await
                .expect("create the database");
            // Seeding writes thousands of rows per statement: a long statement timeout.
            let url = with_database(server, DATABASE, "statement_timeout_ms=600000&pool_size=8");
            let url = PostgresUrl::parse(&url).expect("URL");
            let store = PostgresStore::open_ready(&url).await.expect("open PostgreSQL");
            Store::Postgres(Arc::new(store), admin)
        }
        other => panic!("unknown backend {other}: sqlite or postgres"),
    };
    let mut rows = Vec::new();
    let mut rng = Rng(0x5EED_6120);
    let mut loaded = 0usize;
    let mut load_s_total = 0.0;
    println!(
        "\nmemory/{backend}: searches {} per size (every question in every namespace, {SEARCH_ROUNDS} rounds), {STORE_CALLS} stores one at a time, µs",
        QUESTIONS.len() * NAMESPACES * SEARCH_ROUNDS
    );
    println!(
        "{:>9} {:>9} {:>14} {:>14} {:>14} {:>10} {:>9}",
        "memories", "load s", "search p50", "search p99", "store p50/p99", "DB MiB", "RSS MiB"
    );
    for &size in sizes {
        let start = Instant::now();
        while loaded < size {
            let batch: Vec<NewMemory> =
                (loaded..size.min(loaded + BATCH)).map(|i| memory(&mut rng, i)).collect();
            loaded += batch.len();
            store.batch(batch).await;
        }
        let load_s = start.elapsed().as_secs_f64();
        load_s_total += load_s;
        let api = store.api();
        // Warm-up: caches, prepared statements.
        for (k, q) in QUESTIONS.iter().enumerate() {
            api.search(search(q, k)).await.expect("search");
        }
        let mut h = histogram();
        let mut hits = 0usize;
        let mut empty = 0usize;
        for round in 0..SEARCH_ROUNDS {
            for k in 0..QUESTIONS.len() * NAMESPACES {
                let q = search(QUESTIONS[k % QUESTIONS.len()], k + round);
                let start = Instant::now();
                let found = api.search(q).await.expect("search");
                record(&mut h, start.elapsed());
                hits += found.len();
                empty += usize::from(found.is_empty());
            }
        }
        let search_summary = summary(&h);
        let mut h = histogram();
        for k in 0..STORE_CALLS {
            let m = memory(&mut rng, loaded + k);
            let start = Instant::now();
            api.store(m).await.expect("store");
            record(&mut h, start.elapsed());
        }
        loaded += STORE_CALLS;
        let store_summary = summary(&h);
        let bytes = store.bytes().await;
        let count = api.count(None).await.expect("count");
        let rss = rss_kib();
        let row = json!({
            "backend": backend,
            "memories": size,
            "memories_counted": count,
            "namespaces": NAMESPACES,
            "load_s": (load_s * 100.0).round() / 100.0,
            "load_s_total": (load_s_total * 100.0).round() / 100.0,
            "search": search_summary,
            "search_results_mean": hits as f64 / h_len(&search_summary),
            "searches_without_results": empty,
            "store": store_summary,
            "db_bytes": bytes,
            "rss_kib": rss,
        });
        println!(
            "{:>9} {:>9.1} {:>14.1} {:>14.1} {:>14} {:>10.1} {:>9.1}",
            size,
            load_s,
            row["search"]["p50_us"].as_f64().unwrap(),
            row["search"]["p99_us"].as_f64().unwrap(),
            format!(
                "{:.0}/{:.0}",
                row["store"]["p50_us"].as_f64().unwrap(),
                row["store"]["p99_us"].as_f64().unwrap()
            ),
            bytes as f64 / 1_048_576.0,
            rss as f64 / 1024.0
        );
        rows.push(row);
    }
    if let Store::Postgres(pg, admin) = store {
        drop(pg);
        // The pool's connections close as the store drops; the database then goes.
        tokio::time::sleep(Duration::from_millis(500)).await;
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
            .await
            .expect("drop the database");
    }
    rows
}

fn h_len(summary: &Value) -> f64 {
    summary["calls"].as_f64().unwrap_or(1.0).max(1.0)
}

fn search(text: &str, k: usize) -> SearchQuery {
    SearchQuery {
        namespace: format!("growth-{}", k % NAMESPACES),
        text: text.to_owned(),
        limit: 10,
        tags: Vec::new(),
    }
}
