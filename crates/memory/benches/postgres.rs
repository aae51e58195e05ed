//! Benchmark of the PostgreSQL memory store (group `memory/postgres`): search and store latency percentiles and concurrent search throughput over 100,000 memories.
//!
//! Seeds the shared corpus (`support/corpus.rs`, 100,000 memories across 10
//! namespaces) into its own schema, `pmcp_bench`, with multi-row inserts, once:
//! a later run finds it seeded and goes straight to measuring
//! (`PMCP_BENCH_RESEED=1` seeds again). The store phases write into a
//! namespace of their own, `bench-store`, emptied at the start of every
//! run, so the namespaces searched hold the corpus and nothing else however
//! often the bench runs. The server is
//! `PATTERN_MCP_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`).
//!
//! Targets: search p50 ≤ 2 ms and p95 ≤ 5 ms, store p50 ≤ 2 ms, 64
//! concurrent searches ≥ 3,000/s. Run with
//! `cargo bench -p pattern-memory --bench postgres`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pattern_core::{NewMemory, SearchQuery};
use pattern_memory::{MemoryStore, PostgresStore, PostgresUrl};

#[path = "support/corpus.rs"]
mod corpus;

use corpus::{MEMORIES, NAMESPACES, QUERIES, corpus, query, search_latencies};

const SCHEMA: &str = "pmcp_bench";
/// Where the store phases write.
const STORE_NAMESPACE: &str = "bench-store";
const CONCURRENCY: usize = 64;
const THROUGHPUT_FOR: Duration = Duration::from_secs(5);

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it too:
    // only measure when asked to.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run());
}

async fn run() {
    let server = std::env::var("PATTERN_MCP_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let separator = if server.contains('?') { '&' } else { '?' };
    let pool = std::env::var("PMCP_BENCH_POOL").unwrap_or_else(|_| "20".to_owned());
    let base = format!("{server}{separator}schema={SCHEMA}&pool_size={pool}");
    let open = |url: String| async move {
        let url = PostgresUrl::parse(&url).expect("bench URL");
        PostgresStore::open_ready(&url).await.unwrap_or_else(|e| unreachable_server(e))
    };
    empty_store_namespace(&server).await;
    // Seeding writes thousands of rows per statement: no 2 s limit there.
    seed(&open(format!("{base}&statement_timeout_ms=600000")).await).await;
    let store = Arc::new(open(base.clone()).await);

    // Warm every connection's statement cache and the server's buffers.
    for i in 0..QUERIES.len() * NAMESPACES {
        store.search(query(i)).await.expect("search");
    }

    let (micros, empty, by_query) = search_latencies(&*store).await;
    report("search", &micros, &format!("{empty} without hits"));
    for (median, text) in by_query.iter().take(3) {
        eprintln!("  slowest: {:.3} ms median for {text:?}", *median as f64 / 1000.0);
    }

    report("store", &store_latencies(&*store).await, "(synchronous_commit: the server's)");
    let fast = open(format!("{base}&synchronous_commit=off")).await;
    report("store_async_commit", &store_latencies(&fast).await, "(synchronous_commit=off)");

    let mut micros = Vec::new();
    for i in 0..200 {
        let q = SearchQuery { text: "🔥 gateway timeout".to_owned(), ..query(i) };
        let start = Instant::now();
        store.search(q).await.expect("search");
        micros.push(start.elapsed().as_micros() as u64);
    }
    report("search_substring", &micros, "(scans the namespace)");

    let mut micros = Vec::new();
    for i in 0..1000 {
        let start = Instant::now();
        store.recent(&format!("team-{}", i % NAMESPACES), 10).await.expect("recent");
        micros.push(start.elapsed().as_micros() as u64);
    }
    report("recent", &micros, "");

    throughput(&store).await;
}

fn unreachable_server(error: impl std::fmt::Display) -> ! {
    panic!(
        "PostgreSQL unreachable ({error}); start it with `pg_ctlcluster $(ls /etc/postgresql) main start`"
    )
}

/// Deletes what earlier runs' store phases wrote, if the schema exists.
async fn empty_store_namespace(server: &str) {
    let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| unreachable_server(e));
    let connection = tokio::spawn(connection);
    let sql = format!(
        "DO $$ BEGIN
             IF to_regclass('{SCHEMA}.memories') IS NOT NULL THEN
                 DELETE FROM {SCHEMA}.memories WHERE namespace = '{STORE_NAMESPACE}';
             END IF;
         END $$"
    );
    client.batch_execute(&sql).await.expect("empty the store namespace");
    drop(client);
    connection.await.unwrap().expect("connection");
}

/// A thousand memories written one at a time.
async fn store_latencies(store: &dyn MemoryStore) -> Vec<u64> {
    let mut micros = Vec::new();
    for i in 0..1000 {
        let memory = NewMemory::new(
            STORE_NAMESPACE,
            format!("benchmark note {i}: the staging gateway restarted after a config change"),
        );
        let start = Instant::now();
        store.store(memory).await.expect("store");
        micros.push(start.elapsed().as_micros() as u64);
    }
    micros
}

/// Seeds the corpus unless the schema already holds it.
async fn seed(store: &PostgresStore) {
    let reseed = std::env::var_os("PMCP_BENCH_RESEED").is_some();
    let have = store.count(None).await.expect("count");
    if have >= MEMORIES as u64 && !reseed {
        eprintln!("memory/postgres: schema {SCHEMA} holds {have} memories, not seeding");
        return;
    }
    if have > 0 {
        panic!(
            "schema {SCHEMA} holds {have} memories: drop it first (DROP SCHEMA {SCHEMA} CASCADE)"
        );
    }
    let start = Instant::now();
    let mut memories = corpus();
    while !memories.is_empty() {
        let rest = memories.split_off(memories.len().min(5_000));
        store.store_batch(memories).await.expect("seed");
        memories = rest;
    }
    eprintln!(
        "memory/postgres: seeded {MEMORIES} memories into {SCHEMA} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

/// `CONCURRENCY` tasks searching back to back for `THROUGHPUT_FOR`.
async fn throughput(store: &Arc<PostgresStore>) {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|t| {
            let (store, stop, done) = (Arc::clone(store), Arc::clone(&stop), Arc::clone(&done));
            tokio::spawn(async move {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    store.search(query(i)).await.expect("search");
                    done.fetch_add(1, Ordering::Relaxed);
                    i += CONCURRENCY;
                }
            })
        })
        .collect();
    tokio::time::sleep(THROUGHPUT_FOR).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    let searches = done.load(Ordering::Relaxed);
    eprintln!(
        "memory/postgres/search_concurrent: {CONCURRENCY} tasks, {searches} searches in {:.1} s: {:.0}/s",
        start.elapsed().as_secs_f64(),
        searches as f64 / start.elapsed().as_secs_f64()
    );
}

fn report(name: &str, micros: &[u64], note: &str) {
    let mut sorted = micros.to_vec();
    sorted.sort_unstable();
    let at = |p: f64| sorted[((sorted.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    eprintln!(
        "memory/postgres/{name}: {} calls over {MEMORIES} memories: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms {note}",
        sorted.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        at(1.0)
    );
}
