//! `downstream/echo`: one `echo` call straight through an rmcp client, through `DownstreamPool::call`, and through `Engine::execute` (`execute_pattern`), side by side.
//!
//! Run: `cargo build --release -p pattern-test-server && cargo bench -p pattern-engine --bench downstream`
//! (`PATTERN_TEST_SERVER_BIN` overrides where the server is looked for). The
//! engine path runs a pattern bound to `bench.echo` with `use_cache: false`. Prints p50,
//! p95 and p99 of 2,000 sequential calls per path, run in alternating blocks
//! so both see the same machine load, then the throughput of 64 concurrent
//! calls over one session. Nothing is cached: every call reaches the server.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use pattern_core::ExecuteRequest;
use pattern_downstream::{DownstreamPool, ServerSpec};
use pattern_engine::{Engine, EngineConfig, Principal};
use pattern_memory::SqliteStore;
use pattern_registry::{LoadOptions, Registry};
use rmcp::{
    RoleClient, ServiceExt as _,
    model::{
        CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation, ProtocolVersion,
    },
    service::RunningService,
};
use serde_json::{Map, Value, json};

const SEQUENTIAL: usize = 2_000;
const BLOCK: usize = 200;
const WARM_UP: usize = 200;
const CONCURRENT: usize = 64;
const CONCURRENT_ROUNDS: usize = 50;

fn test_server() -> PathBuf {
    let path =
        std::env::var_os("PATTERN_TEST_SERVER_BIN").map(PathBuf::from).unwrap_or_else(|| {
            let exe = std::env::current_exe().expect("the bench binary has a path");
            exe.parent()
                .and_then(Path::parent)
                .expect("target/<profile>/deps")
                .join("pattern-test-server")
        });
    assert!(
        path.exists(),
        "pattern-test-server not found at {}: run `cargo build --release -p pattern-test-server` first",
        path.display()
    );
    path
}

fn arguments() -> Map<String, Value> {
    match json!({"text": "benchmark"}) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

struct Direct {
    client: RunningService<RoleClient, ClientConfig>,
    _child: tokio::process::Child,
}

impl Direct {
    async fn start(bin: &Path) -> Self {
        let mut child = tokio::process::Command::new(bin)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("pattern-test-server starts");
        let pipes = (child.stdout.take().expect("stdout"), child.stdin.take().expect("stdin"));
        // The same handshake the pool makes, so only the pool's own work differs.
        let info =
            ClientConfig::new(ClientCapabilities::default(), Implementation::new("bench", "0"))
                .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE);
        let client = info.serve(pipes).await.expect("initialize");
        Self { client, _child: child }
    }

    async fn echo(&self) {
        let mut params = CallToolRequestParams::new("echo");
        params.arguments = Some(arguments());
        let result = self.client.peer().call_tool(params).await.expect("echo answers");
        assert_eq!(result.is_error, Some(false));
    }
}

async fn pooled_echo(pool: &DownstreamPool) {
    let result = pool.call("bench", "echo", arguments()).await.expect("echo answers");
    assert_eq!(result.is_error, Some(false));
}

struct Summary {
    p50: Duration,
    p95: Duration,
    p99: Duration,
}

fn summarize(mut samples: Vec<Duration>) -> Summary {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Summary { p50: at(0.50), p95: at(0.95), p99: at(0.99) }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

async fn throughput<F, Fut>(call: F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    for _ in 0..CONCURRENT_ROUNDS {
        let handles: Vec<_> = (0..CONCURRENT).map(|_| tokio::spawn(call())).collect();
        for handle in handles {
            handle.await.expect("call task");
        }
    }
    (CONCURRENT * CONCURRENT_ROUNDS) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let bin = test_server();
    let direct = Arc::new(Direct::start(&bin).await);
    let pool = DownstreamPool::start(vec![ServerSpec::stdio(
        "bench",
        bin.to_string_lossy(),
        Vec::<String>::new(),
    )]);
    assert!(pool.wait_ready(Duration::from_secs(20)).await, "{:?}", pool.status());

    let engine = Arc::new(engine(Arc::clone(&pool)).await);
    for _ in 0..WARM_UP {
        direct.echo().await;
        pooled_echo(&pool).await;
        engine_echo(&engine).await;
    }
    let mut engine_samples = Vec::with_capacity(SEQUENTIAL);
    let mut direct_samples = Vec::with_capacity(SEQUENTIAL);
    let mut pool_samples = Vec::with_capacity(SEQUENTIAL);
    for _ in 0..SEQUENTIAL / BLOCK {
        for _ in 0..BLOCK {
            let started = Instant::now();
            direct.echo().await;
            direct_samples.push(started.elapsed());
        }
        for _ in 0..BLOCK {
            let started = Instant::now();
            pooled_echo(&pool).await;
            pool_samples.push(started.elapsed());
        }
        for _ in 0..BLOCK {
            let started = Instant::now();
            engine_echo(&engine).await;
            engine_samples.push(started.elapsed());
        }
    }
    let engine_summary = summarize(engine_samples);
    let direct_summary = summarize(direct_samples);
    let pool_summary = summarize(pool_samples);

    let direct_rate = {
        let direct = direct.clone();
        throughput(move || {
            let direct = direct.clone();
            async move { direct.echo().await }
        })
        .await
    };
    let pool_rate = {
        let pool = pool.clone();
        throughput(move || {
            let pool = pool.clone();
            async move { pooled_echo(&pool).await }
        })
        .await
    };

    let engine_rate = {
        let engine = engine.clone();
        throughput(move || {
            let engine = engine.clone();
            async move { engine_echo(&engine).await }
        })
        .await
    };

    println!("downstream/echo: {SEQUENTIAL} sequential calls per path, uncached (µs)");
    println!("{:<14}{:>10}{:>10}{:>10}", "path", "p50", "p95", "p99");
    for (name, s) in [
        ("rmcp direct", &direct_summary),
        ("pool.call", &pool_summary),
        ("execute", &engine_summary),
    ] {
        println!("{name:<14}{:>10.1}{:>10.1}{:>10.1}", micros(s.p50), micros(s.p95), micros(s.p99));
    }
    println!(
        "added by the pool: p50 {:+.1} µs, p95 {:+.1} µs",
        micros(pool_summary.p50) - micros(direct_summary.p50),
        micros(pool_summary.p95) - micros(direct_summary.p95)
    );
    println!(
        "added by execute_pattern: p50 {:+.1} µs, p95 {:+.1} µs",
        micros(engine_summary.p50) - micros(direct_summary.p50),
        micros(engine_summary.p95) - micros(direct_summary.p95)
    );
    println!(
        "downstream/echo_concurrent: {CONCURRENT} concurrent calls x {CONCURRENT_ROUNDS} rounds over one session"
    );
    println!("{:<14}{:>14.0} calls/s", "rmcp direct", direct_rate);
    println!("{:<14}{:>14.0} calls/s", "pool.call", pool_rate);
    println!("{:<14}{:>14.0} calls/s", "execute", engine_rate);
    let status = &pool.status()[0];
    assert_eq!((status.errors, status.restarts), (0, 0));
    pool.shutdown().await;
}

const BENCH_PATTERN: &str = r#"
[[pattern]]
name = "bench_echo"
type = "infrastructure"
trigger = '^bench echo$'
[pattern.tool]
server = "bench"
name = "echo"
arguments = { text = "benchmark" }
"#;

async fn engine(pool: Arc<DownstreamPool>) -> Engine {
    let file = std::env::temp_dir().join(format!("pattern-bench-{}.toml", std::process::id()));
    std::fs::write(&file, BENCH_PATTERN).expect("temp file");
    let loaded =
        Registry::load(&LoadOptions { files: vec![file.clone()], builtins: true, strict: true })
            .expect("bench pattern loads");
    let _ = std::fs::remove_file(&file);
    let store = Arc::new(SqliteStore::open_in_memory().await.expect("sqlite"));
    Engine::new(Arc::new(loaded.registry), store, EngineConfig::default()).with_downstream(pool)
}

/// `execute_pattern {query: "bench echo", use_cache: false}`.
async fn engine_echo(engine: &Engine) {
    let mut req = ExecuteRequest::new("bench echo");
    req.use_cache = false;
    let result = engine.execute(&req, &Principal::local()).await;
    assert!(result.success, "{:?}", result.error);
}
