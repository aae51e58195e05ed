//! A Streamable HTTP downstream server (`url`, `headers`): the engine's pool
//! calls the tools of another pattern-mcp served over a real socket, with its
//! bearer token, and reconnects by itself when that server restarts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use pattern_core::ExecuteRequest;
use pattern_downstream::{DownstreamPool, ServerSpec};
use pattern_engine::{Engine, EngineConfig, Principal};
use pattern_mcp::http::serve;
use pattern_memory::SqliteStore;
use pattern_registry::{LoadOptions, Registry};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http::support::*;

const READY: Duration = Duration::from_secs(15);

/// The upstream app (auth on, tokens of `config()`) serving on a socket.
struct Upstream {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Upstream {
    async fn start(addr: SocketAddr) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let harness = Harness::new(config()).await;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(listener, harness.app, async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Self { stop, task }
    }

    /// Stops serving and waits until the socket is closed.
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

async fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap()
}

async fn engine_over(pool: &Arc<DownstreamPool>) -> Engine {
    let registry = Registry::load(&LoadOptions { files: vec![], builtins: true, strict: true })
        .unwrap()
        .registry;
    let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    Engine::new(Arc::new(registry), store, EngineConfig::default())
        .with_downstream(Arc::clone(pool))
}

/// A pool of one server, `up`, at `addr` with `token`, its calls bounded by `timeout`.
fn pool_for(addr: SocketAddr, token: &str, timeout: Duration) -> Arc<DownstreamPool> {
    let spec = ServerSpec::http("up", format!("http://{addr}/mcp"))
        .with_header("Authorization", bearer(token))
        .with_header("X-Client", "pattern-mcp-it")
        .with_timeout(timeout);
    DownstreamPool::start(vec![spec])
}

fn call_route_query(query: &str) -> ExecuteRequest {
    let mut request = ExecuteRequest::new("call tool up.route_query");
    request.context = json!({"arguments": {"query": query}}).as_object().cloned();
    request.use_cache = false;
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_of_an_http_server_are_called_with_its_token_and_listed() {
    let addr = free_addr().await;
    let upstream = Upstream::start(addr).await;
    let pool = pool_for(addr, CI_TOKEN, Duration::from_secs(10));
    assert!(pool.wait_ready(READY).await, "{:?}", pool.status());
    let listed: Vec<String> =
        pool.tools().iter().map(|entry| entry.tool.name.to_string()).collect();
    assert_eq!(listed, ["execute_pattern", "route_query", "stats"]);

    let engine = engine_over(&pool).await;
    let result = engine
        .execute(
            &call_route_query("what did we note about the staging database?"),
            &Principal::local(),
        )
        .await;
    assert!(result.success, "{:?}", result.error);
    assert_eq!(
        (&result.result["server"], &result.result["tool"]),
        (&json!("up"), &json!("route_query"))
    );
    assert_eq!(result.result["structured_content"]["route"], "memory", "{:?}", result.result);

    // A wrong argument type is refused before it leaves, naming the field and the tool.
    let mut invalid = ExecuteRequest::new("call tool up.route_query");
    invalid.context = json!({"arguments": {"query": 7}}).as_object().cloned();
    let refused = engine.execute(&invalid, &Principal::local()).await;
    assert!(!refused.success);
    assert_eq!(refused.metadata["error_reason"], "invalid_arguments");
    let error = refused.error.unwrap();
    assert!(error.contains("`up.route_query`") && error.contains("`query`"), "{error}");

    pool.shutdown().await;
    upstream.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_server_refusing_the_token_is_down_with_the_reason() {
    let addr = free_addr().await;
    let upstream = Upstream::start(addr).await;
    let pool = pool_for(addr, "not-a-token", Duration::from_secs(5));
    assert!(!pool.wait_ready(Duration::from_secs(2)).await);
    let status = &pool.status()[0];
    assert!(!status.connected);
    let reason = status.last_error.clone().unwrap_or_default();
    // rmcp reports the 401 as "Auth required".
    assert!(reason.to_lowercase().contains("auth"), "{reason}");

    let engine = engine_over(&pool).await;
    let result = engine.execute(&call_route_query("anything"), &Principal::local()).await;
    assert!(!result.success);
    assert!(result.error.as_deref().unwrap_or_default().contains("`up`"), "{:?}", result.error);

    pool.shutdown().await;
    upstream.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_http_server_is_reached_again_without_a_restart_of_ours() {
    let addr = free_addr().await;
    let upstream = Upstream::start(addr).await;
    let pool = pool_for(addr, CI_TOKEN, Duration::from_secs(5));
    assert!(pool.wait_ready(READY).await, "{:?}", pool.status());
    let engine = engine_over(&pool).await;
    let before = engine.execute(&call_route_query("list the pods"), &Principal::local()).await;
    assert!(before.success, "{:?}", before.error);

    // The server goes away: a call fails, naming it, and nothing hangs.
    upstream.stop().await;
    let during = tokio::time::timeout(
        Duration::from_secs(10),
        engine.execute(&call_route_query("list the pods"), &Principal::local()),
    )
    .await
    .expect("a call to a stopped HTTP server must not hang");
    assert!(!during.success);
    assert!(during.error.as_deref().unwrap_or_default().contains("`up`"), "{:?}", during.error);

    // It comes back on the same address, with none of the old sessions: the pool opens a new one.
    let upstream = Upstream::start(addr).await;
    let deadline = tokio::time::Instant::now() + READY;
    let after = loop {
        let result = engine.execute(&call_route_query("list the pods"), &Principal::local()).await;
        if result.success || tokio::time::Instant::now() > deadline {
            break result;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(after.success, "{:?} / {:?}", after.error, pool.status());

    pool.shutdown().await;
    upstream.stop().await;
}
