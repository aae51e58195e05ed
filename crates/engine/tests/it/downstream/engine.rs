//! `Engine::execute` on infrastructure patterns bound to `pattern-test-server`: arguments, errors, caching rules, built-ins.

use std::sync::Arc;

use pattern_core::{ExecuteRequest, ExecutionResult};
use pattern_downstream::{CachePolicy, DownstreamPool, ToolCachePolicy, unknown_tools};
use pattern_engine::{Engine, EngineConfig, Principal};
use pattern_memory::SqliteStore;
use pattern_registry::{LoadOptions, Registry};
use serde_json::{Value, json};

use super::support::{READY, init_tracing, temp_path, test_server};

const PATTERNS: &str = r#"
[[pattern]]
name = "echo_words"
type = "infrastructure"
trigger = '(?i)^say (?P<words>.+?)(?: please)?$'
priority = 50
[pattern.tool]
server = "t"
name = "echo"
arguments = { text = "{words|nothing}" }

[[pattern]]
name = "count_up"
type = "infrastructure"
trigger = '(?i)^count up$'
[pattern.tool]
server = "t"
name = "counter"

[[pattern]]
name = "count_cached"
type = "infrastructure"
trigger = '(?i)^count cached$'
cache_ttl_s = 30
[pattern.tool]
server = "t"
name = "counter"

[[pattern]]
name = "fail_loudly"
type = "infrastructure"
trigger = '(?i)^fail loudly$'
[pattern.tool]
server = "t"
name = "fail"
arguments = { message = "it broke" }

[[pattern]]
name = "add_numbers"
type = "infrastructure"
trigger = '(?i)^add (?P<a>\d+) and (?P<b>\w+)$'
[pattern.tool]
server = "t"
name = "add"
arguments = { a = "{a}", b = "{b}" }

[[pattern]]
name = "no_such_tool"
type = "infrastructure"
trigger = '(?i)^ghost$'
[pattern.tool]
server = "t"
name = "ghost"
"#;

async fn engine_with_test_server() -> (Arc<Engine>, Arc<DownstreamPool>) {
    engine_with_cache_policy(CachePolicy::default()).await
}

/// The engine over one test server `t` on which the operator set `cache`.
async fn engine_with_cache_policy(cache: CachePolicy) -> (Arc<Engine>, Arc<DownstreamPool>) {
    init_tracing();
    let file = temp_path("patterns").with_extension("toml");
    std::fs::write(&file, PATTERNS).unwrap();
    let loaded =
        Registry::load(&LoadOptions { files: vec![file.clone()], builtins: true, strict: true })
            .unwrap();
    std::fs::remove_file(&file).unwrap();
    let (spec, _) = test_server("t");
    let pool = DownstreamPool::start(vec![spec.with_cache(cache)]);
    assert!(pool.wait_ready(READY).await, "{:?}", pool.status());
    let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let engine = Engine::new(Arc::new(loaded.registry), store, EngineConfig::default())
        .with_downstream(Arc::clone(&pool));
    (Arc::new(engine), pool)
}

/// Executes `req` with `explain` set: these tests read the cache decision
/// and the reasons a result was not cached.
async fn run(engine: &Engine, req: ExecuteRequest) -> ExecutionResult {
    engine.execute(&ExecuteRequest { explain: true, ..req }, &Principal::local()).await
}

fn with_context(query: &str, context: Value) -> ExecuteRequest {
    let mut req = ExecuteRequest::new(query);
    req.context = context.as_object().cloned();
    req
}

fn text(result: &ExecutionResult) -> String {
    result.result["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captures_become_tool_arguments_and_context_arguments_override_them() {
    let (engine, pool) = engine_with_test_server().await;
    let from_capture = run(&engine, ExecuteRequest::new("say hello there please")).await;
    assert!(from_capture.success, "{:?}", from_capture.error);
    assert_eq!(from_capture.pattern_name, "echo_words");
    assert_eq!(text(&from_capture), "hello there");
    assert_eq!(from_capture.result["server"], "t");
    assert_eq!(from_capture.result["tool"], "echo");

    let overridden =
        run(&engine, with_context("say hello", json!({"arguments": {"text": "from context"}})))
            .await;
    assert_eq!(text(&overridden), "from context");
    pool.shutdown().await;
}

/// How many calls the pool has sent to `t`: what was executed rather than answered from cache.
fn calls(pool: &DownstreamPool) -> u64 {
    pool.status()[0].calls
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_tool_is_executed_every_time_unless_a_ttl_opts_it_in() {
    let (engine, pool) = engine_with_test_server().await;
    let before = calls(&pool);
    let first = run(&engine, ExecuteRequest::new("say fresh")).await;
    let second = run(&engine, ExecuteRequest::new("say fresh")).await;
    assert!(first.success && second.success, "{:?}", first.error);
    assert_eq!((first.cache_hit, second.cache_hit), (false, false));
    assert_eq!(calls(&pool) - before, 2, "both were executed");
    assert!(!first.routing.decision().unwrap().cache.cacheable);
    assert_eq!(first.metadata["not_cached_because"], "tool_not_opted_in");

    // The pattern's TTL opts in, but does not vouch for a side-effecting tool.
    let a = run(&engine, ExecuteRequest::new("count cached")).await;
    let b = run(&engine, ExecuteRequest::new("count cached")).await;
    assert_eq!((a.cache_hit, b.cache_hit), (false, false));
    assert_eq!(a.metadata["not_cached_because"], "side_effecting_tool");
    assert_ne!(text(&a), text(&b), "a side-effecting tool runs every time");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_ttl_serves_a_read_only_tool_from_cache_but_not_a_side_effecting_one() {
    let (engine, pool) =
        engine_with_cache_policy(CachePolicy { ttl_s: Some(30), ..CachePolicy::default() }).await;
    let before = calls(&pool);
    let first = run(&engine, ExecuteRequest::new("say cached")).await;
    let second = run(&engine, ExecuteRequest::new("say cached")).await;
    assert_eq!((first.cache_hit, second.cache_hit), (false, true));
    assert_eq!((text(&first), text(&second)), ("cached".into(), "cached".into()));
    assert_eq!(calls(&pool) - before, 1, "the second was answered from cache");
    assert!(first.routing.decision().unwrap().cache.cacheable);

    // `counter` is not read-only and the operator did not say cache_side_effects.
    let a = run(&engine, ExecuteRequest::new("count up")).await;
    let b = run(&engine, ExecuteRequest::new("count up")).await;
    assert!(!a.routing.decision().unwrap().cache.cacheable && !b.cache_hit);
    assert_eq!(a.metadata["not_cached_because"], "side_effecting_tool");
    assert_ne!(text(&a), text(&b));

    // route_query says the same before anything runs.
    let route = engine.route(
        &pattern_core::RouteRequest::from_json(
            json!({"query": "call tool t.counter"}).as_object().unwrap(),
        )
        .unwrap(),
        &Principal::local(),
    );
    assert!(!route.cache.cacheable);
    let route = engine.route(
        &pattern_core::RouteRequest::from_json(
            json!({"query": "call tool t.echo"}).as_object().unwrap(),
        )
        .unwrap(),
        &Principal::local(),
    );
    assert!(route.cache.cacheable);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_tool_settings_override_the_server_and_cache_side_effects_vouches_for_a_tool() {
    let policy = CachePolicy {
        ttl_s: Some(30),
        side_effects: false,
        tools: [
            ("echo".to_owned(), ToolCachePolicy { ttl_s: Some(0), side_effects: None }),
            ("counter".to_owned(), ToolCachePolicy { ttl_s: None, side_effects: Some(true) }),
        ]
        .into(),
    };
    let (engine, pool) = engine_with_cache_policy(policy).await;
    let echo = run(&engine, ExecuteRequest::new("say never")).await;
    assert_eq!(echo.metadata["not_cached_because"], "tool_ttl_zero");

    let a = run(&engine, ExecuteRequest::new("count up")).await;
    let b = run(&engine, ExecuteRequest::new("count up")).await;
    assert_eq!((a.cache_hit, b.cache_hit), (false, true));
    assert_eq!(text(&a), text(&b));

    // call_tool of a read-only tool follows the server's TTL too.
    let req = || with_context("call tool t.add", json!({"arguments": {"a": 1, "b": 2}}));
    let (c, d) = (run(&engine, req()).await, run(&engine, req()).await);
    assert_eq!((c.cache_hit, d.cache_hit), (false, true));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_operator_ttl_wins_over_the_tier_ttl() {
    let (engine, pool) =
        engine_with_cache_policy(CachePolicy { ttl_s: Some(1), ..CachePolicy::default() }).await;
    let before = calls(&pool);
    let first = run(&engine, ExecuteRequest::new("say soon stale")).await;
    assert!(first.routing.decision().unwrap().cache.cacheable && !first.cache_hit);
    // Past the operator's 1 s, well within the tier's 60 s: executed again.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let later = run(&engine, ExecuteRequest::new("say soon stale")).await;
    assert!(!later.cache_hit);
    assert_eq!(calls(&pool) - before, 2);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_errors_and_invalid_arguments_fail_with_fixed_reasons_naming_the_tool() {
    let (engine, pool) = engine_with_test_server().await;
    let failed = run(&engine, ExecuteRequest::new("fail loudly")).await;
    assert!(!failed.success);
    assert_eq!(failed.error.as_deref(), Some("`t.fail` returned an error: it broke"));
    assert_eq!(failed.metadata["error_reason"], "tool_error");

    // Captured digits are typed as the schema asks; captured words are not.
    let added = run(&engine, ExecuteRequest::new("add 1 and 2")).await;
    assert_eq!((added.success, &added.result["structured_content"]), (true, &json!({"sum": 3})));
    let invalid = run(&engine, ExecuteRequest::new("add 1 and two")).await;
    assert!(!invalid.success);
    assert_eq!(invalid.metadata["error_reason"], "invalid_arguments");
    let message = invalid.error.unwrap();
    assert!(message.contains("`t.add`") && message.contains("`b`"), "{message}");

    let ghost = run(&engine, ExecuteRequest::new("ghost")).await;
    assert_eq!(ghost.metadata["error_reason"], "unknown_tool");
    assert_eq!(ghost.error.as_deref(), Some("downstream server `t` has no tool `ghost`"));

    let no_server = run(&engine, with_context("call it", json!({"tool": "nope.echo"}))).await;
    assert_eq!(no_server.metadata["error_reason"], "no_server");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_tool_uses_context_tool_or_the_query_with_context_arguments() {
    let (engine, pool) = engine_with_test_server().await;
    let by_context = run(
        &engine,
        with_context("whatever", json!({"tool": "t.add", "arguments": {"a": 2, "b": 3}})),
    )
    .await;
    assert!(by_context.success, "{:?}", by_context.error);
    assert_eq!(by_context.pattern_name, "call_tool");
    assert_eq!(by_context.result["structured_content"], json!({"sum": 5}));

    let mut echo = with_context("call tool t.echo", json!({"arguments": {"text": "hi"}}));
    echo.explain = true;
    let by_query = run(&engine, echo).await;
    assert_eq!((by_query.pattern_name.as_str(), text(&by_query).as_str()), ("call_tool", "hi"));
    // echo is read-only, but nothing asked for its results to be cached.
    assert!(!by_query.routing.decision().unwrap().cache.cacheable);
    assert_eq!(by_query.metadata["not_cached_because"], "tool_not_opted_in");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_tools_health_fallback_and_stats_describe_the_downstream_servers() {
    let (engine, pool) = engine_with_test_server().await;
    let listed = run(&engine, ExecuteRequest::new("list available tools")).await;
    assert_eq!(listed.pattern_name, "list_tools");
    assert_eq!(listed.result["count"], 8);
    let echo = listed.result["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "echo")
        .cloned()
        .unwrap();
    assert_eq!(
        echo,
        json!({"server": "t", "name": "echo", "tool": "t.echo", "description": "Returns its text", "read_only": true})
    );

    let health = run(&engine, ExecuteRequest::new("health check")).await;
    assert_eq!(health.result["downstream"][0]["server"], "t");
    assert_eq!(health.result["downstream"][0]["connected"], true);

    let mut fallback = ExecuteRequest::new("increments a counter");
    fallback.execution_mode = pattern_core::ExecutionMode::Fast;
    let ranked = run(&engine, fallback).await;
    assert_eq!(ranked.pattern_name, "fallback_infrastructure");
    let first = &ranked.result["candidates"][0];
    assert_eq!(first["tool"], "t.counter");
    assert!(first["score"].as_f64().unwrap() > 0.0);
    assert_eq!(first["input_schema"]["type"], "object");

    let stats = engine.stats();
    assert_eq!(stats.downstream.len(), 1);
    assert_eq!((stats.downstream[0].server.as_str(), stats.downstream[0].tools), ("t", 8));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patterns_naming_a_tool_the_server_does_not_list_are_reported() {
    let (engine, pool) = engine_with_test_server().await;
    let problems = unknown_tools(engine.registry(), &pool);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("pattern `no_such_tool`: `tool.name`: server `t` has no tool `ghost`"),
        "{}",
        problems[0]
    );
    pool.shutdown().await;
    // After shutdown the server is gone and a call says so.
    let after = run(&engine, ExecuteRequest::new("say late")).await;
    assert_eq!(after.metadata["error_reason"], "not_connected");
}
