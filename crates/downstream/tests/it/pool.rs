//! The pool against `pattern-test-server`: calls, concurrency, validation, timeouts, crashes, list changes, isolation, shutdown.

use std::time::Duration;

use pattern_downstream::{DownstreamError, DownstreamPool, ServerSpec};
use serde_json::json;

use super::support::{
    Captured, READY, args, eventually, init_tracing, process_exists, test_server, test_server_bin,
    text,
};

async fn started(name: &str) -> (std::sync::Arc<DownstreamPool>, std::path::PathBuf) {
    init_tracing();
    let (spec, log) = test_server(name);
    let pool = DownstreamPool::start(vec![spec]);
    assert!(pool.wait_ready(READY).await, "test-server did not start: {:?}", pool.status());
    (pool, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_round_trip_returns_the_text() {
    let (pool, _) = started("t").await;
    let result = pool.call("t", "echo", args(json!({"text": "héllo"}))).await.unwrap();
    assert_eq!(text(&result), "héllo");
    let status = &pool.status()[0];
    assert_eq!((status.connected, status.tools, status.calls, status.errors), (true, 8, 1, 0));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_made_while_the_server_starts_wait_for_it() {
    init_tracing();
    let (spec, _) = test_server("t");
    let pool = DownstreamPool::start(vec![spec]);
    let result = pool.call("t", "echo", args(json!({"text": "early"}))).await.unwrap();
    assert_eq!(text(&result), "early");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_calls_share_one_session() {
    let (pool, _) = started("t").await;
    let pid = pool.status()[0].pid;
    let calls = (0..64).map(|i| {
        let pool = pool.clone();
        tokio::spawn(async move { pool.call("t", "add", args(json!({"a": i, "b": 1000}))).await })
    });
    let mut sums = Vec::new();
    for call in calls {
        let result = call.await.unwrap().unwrap();
        sums.push(result.structured_content.unwrap()["sum"].as_i64().unwrap());
    }
    assert_eq!(sums, (1000..1064).collect::<Vec<i64>>());
    let status = &pool.status()[0];
    assert_eq!((status.calls, status.errors, status.restarts, status.pid), (64, 0, 0, pid));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_violation_names_the_field_and_the_tool() {
    let (pool, _) = started("calc").await;
    let missing = pool.call("calc", "add", args(json!({"a": 1}))).await.unwrap_err();
    assert_eq!(
        missing,
        DownstreamError::InvalidArguments {
            server: "calc".into(),
            tool: "add".into(),
            field: "b".into(),
            reason: "is required".into(),
        }
    );
    assert_eq!(missing.to_string(), "invalid arguments for `calc.add`: `b` is required");
    let mistyped = pool.call("calc", "add", args(json!({"a": 1, "b": "2"}))).await.unwrap_err();
    assert_eq!(
        mistyped.to_string(),
        "invalid arguments for `calc.add`: `b` must be integer, not string"
    );
    assert!(!mistyped.is_retryable());
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_fails_the_call_and_cancels_it_downstream() {
    init_tracing();
    let (spec, log) = test_server("slow");
    let pool = DownstreamPool::start(vec![spec.with_timeout(Duration::from_millis(500))]);
    assert!(pool.wait_ready(READY).await);
    let error = pool.call("slow", "sleep", args(json!({"ms": 10_000}))).await.unwrap_err();
    assert_eq!(
        error,
        DownstreamError::Timeout {
            server: "slow".into(),
            tool: "sleep".into(),
            after: Duration::from_millis(500),
        }
    );
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        eventually(Duration::from_secs(5), || read().contains("cancelled")).await,
        "the server received no notifications/cancelled"
    );
    // The request ids are 0 (initialize), 1 (tools/list), 2 (the call).
    assert_eq!(read().trim(), "cancelled 2 request abandoned by the caller");
    // The session is still good for the next call.
    let result = pool.call("slow", "echo", args(json!({"text": "after"}))).await.unwrap();
    assert_eq!(text(&result), "after");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_dropped_by_its_caller_is_cancelled_downstream() {
    let (pool, log) = started("t").await;
    let call = pool.call("t", "sleep", args(json!({"ms": 10_000})));
    let outcome = tokio::time::timeout(Duration::from_millis(300), call).await;
    assert!(outcome.is_err(), "the sleep answered early: {outcome:?}");
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(eventually(Duration::from_secs(5), || read().contains("cancelled")).await);
    assert_eq!(read().trim(), "cancelled 2 request abandoned by the caller");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_mid_call_is_a_crash_naming_the_server_and_the_server_restarts() {
    let (pool, _) = started("fragile").await;
    let first_pid = pool.status()[0].pid.unwrap();
    let error = pool.call("fragile", "exit", args(json!({"code": 7}))).await.unwrap_err();
    assert_eq!(error, DownstreamError::Crashed { server: "fragile".into(), tool: "exit".into() });
    assert!(error.to_string().contains("`fragile`"), "{error}");
    assert!(error.is_retryable());

    assert!(pool.wait_connected("fragile", READY).await, "{:?}", pool.status());
    let result = pool.call("fragile", "echo", args(json!({"text": "back"}))).await.unwrap();
    assert_eq!(text(&result), "back");
    let status = &pool.status()[0];
    assert_eq!(status.restarts, 1);
    assert_ne!(status.pid, Some(first_pid));
    assert!(!process_exists(first_pid), "the crashed child was not reaped");
    assert_eq!(status.last_error.as_deref(), Some("the process ended (exit status: 7)"));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grandchild_holding_stdout_open_does_not_keep_an_ended_session_alive() {
    init_tracing();
    // `sh` starts a `sleep` that inherits stdout, then becomes the test server:
    // when the server exits, its stdout never reaches end of file.
    let script = r#"sleep 60 & exec "$0""#;
    let server = test_server_bin().to_string_lossy().into_owned();
    let spec = ServerSpec::stdio("held", "/bin/sh", ["-c".to_owned(), script.to_owned(), server]);
    let pool = DownstreamPool::start(vec![spec]);
    assert!(pool.wait_ready(READY).await, "{:?}", pool.status());
    let first_pid = pool.status()[0].pid.unwrap();
    let error = pool.call("held", "exit", args(json!({"code": 7}))).await.unwrap_err();
    assert_eq!(error, DownstreamError::Crashed { server: "held".into(), tool: "exit".into() });
    // The session ended and a new one started, though the old stdout is still open.
    assert!(pool.wait_connected("held", READY).await, "{:?}", pool.status());
    assert_ne!(pool.status()[0].pid, Some(first_pid));
    let result = pool.call("held", "echo", args(json!({"text": "back"}))).await.unwrap();
    assert_eq!(text(&result), "back");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_list_changed_refreshes_the_cached_list() {
    let (pool, _) = started("t").await;
    assert_eq!(pool.tool("t", "bonus"), None);
    let said = pool.call("t", "toggle_tools", args(json!({}))).await.unwrap();
    assert_eq!(text(&said), "bonus present: true");
    assert!(eventually(READY, || pool.tool("t", "bonus").is_some()).await);
    assert_eq!(pool.status()[0].tools, 9);
    let bonus = pool.call("t", "bonus", args(json!({}))).await.unwrap();
    assert_eq!(text(&bonus), "bonus");

    pool.call("t", "toggle_tools", args(json!({}))).await.unwrap();
    assert!(eventually(READY, || pool.tool("t", "bonus").is_none()).await);
    let gone = pool.call("t", "bonus", args(json!({}))).await.unwrap_err();
    assert_eq!(gone, DownstreamError::UnknownTool { server: "t".into(), tool: "bonus".into() });
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_errors_unknown_names_and_read_only_hints_are_reported() {
    let (pool, _) = started("t").await;
    let failed = pool.call("t", "fail", args(json!({"message": "boom"}))).await.unwrap_err();
    assert_eq!(
        failed,
        DownstreamError::Tool { server: "t".into(), tool: "fail".into(), message: "boom".into() }
    );
    assert_eq!(failed.reason(), "tool_error");
    let nowhere = pool.call("nowhere", "echo", args(json!({}))).await.unwrap_err();
    assert_eq!(nowhere, DownstreamError::UnknownServer { server: "nowhere".into() });

    let hints: Vec<(String, bool)> = pool
        .tools()
        .into_iter()
        .map(|entry| (entry.tool.name.to_string(), entry.read_only))
        .collect();
    assert_eq!(&hints[0], &("echo".to_owned(), true));
    assert!(hints.contains(&("counter".to_owned(), false)));
    let first = pool.call("t", "counter", args(json!({}))).await.unwrap();
    let second = pool.call("t", "counter", args(json!({}))).await.unwrap();
    assert_eq!((text(&first), text(&second)), ("1".to_owned(), "2".to_owned()));
    assert_eq!(pool.status()[0].errors, 1, "the unknown server counts against no server");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_servers_do_not_affect_a_good_one() {
    init_tracing();
    let (good, _) = test_server("good");
    let (dies, _) = test_server("dies");
    let missing = ServerSpec::stdio("missing", "/nonexistent/mcp-server", ["--stdio"]);
    let disabled = ServerSpec::stdio("off", "/nonexistent/mcp-server", Vec::<String>::new())
        .with_enabled(false);
    let pool = DownstreamPool::start(vec![
        missing,
        dies.with_env([("TEST_SERVER_EXIT_AT_START", "3")]),
        good,
        disabled,
    ]);
    assert!(pool.wait_connected("good", READY).await);
    let result = pool.call("good", "echo", args(json!({"text": "fine"}))).await.unwrap();
    assert_eq!(text(&result), "fine");
    assert!(!pool.wait_ready(Duration::from_millis(200)).await);

    let status = pool.status();
    let names: Vec<(&str, bool, bool)> =
        status.iter().map(|s| (s.server.as_str(), s.enabled, s.connected)).collect();
    assert_eq!(
        names,
        [
            ("missing", true, false),
            ("dies", true, false),
            ("good", true, true),
            ("off", false, false)
        ]
    );
    let missing_error = status[0].last_error.clone().unwrap_or_default();
    assert!(
        missing_error
            .starts_with("cannot start `/nonexistent/mcp-server`: No such file or directory"),
        "{missing_error}"
    );
    let dies_error = status[1].last_error.clone().unwrap_or_default();
    assert!(dies_error.ends_with("the process ended (exit status: 3)"), "{dies_error}");

    let refused = pool.call("missing", "echo", args(json!({"text": "x"}))).await.unwrap_err();
    assert_eq!(refused.reason(), "not_connected");
    assert!(refused.to_string().contains("cannot start"), "{refused}");
    let off = pool.call("off", "echo", args(json!({}))).await.unwrap_err();
    assert_eq!(
        off,
        DownstreamError::NotConnected {
            server: "off".into(),
            reason: "disabled in the configuration".into()
        }
    );
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_and_reaps_every_child() {
    init_tracing();
    let (a, _) = test_server("a");
    let (b, _) = test_server("b");
    let pool = DownstreamPool::start(vec![a, b]);
    assert!(pool.wait_ready(READY).await);
    let pids: Vec<u32> = pool.status().iter().filter_map(|s| s.pid).collect();
    assert_eq!(pids.len(), 2);
    assert!(pids.iter().all(|&pid| process_exists(pid)));

    let began = std::time::Instant::now();
    pool.shutdown().await;
    assert!(began.elapsed() < Duration::from_secs(3), "shutdown took {:?}", began.elapsed());
    let left: Vec<u32> = pids.iter().copied().filter(|&pid| process_exists(pid)).collect();
    assert_eq!(left, Vec::<u32>::new(), "children left running or unreaped");
    assert!(pool.status().iter().all(|s| s.pid.is_none() && !s.connected));
    let after = pool.call("a", "echo", args(json!({"text": "x"}))).await.unwrap_err();
    assert_eq!(
        after,
        DownstreamError::NotConnected {
            server: "a".into(),
            reason: "the pool is shut down".into()
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_initialize_is_stopped_and_retried() {
    init_tracing();
    let mute = ServerSpec::stdio("mute", "sleep", ["600"]).with_timeout(Duration::from_millis(300));
    let pool = DownstreamPool::start(vec![mute]);
    let failed = || pool.status()[0].last_error.clone().unwrap_or_default();
    assert!(eventually(READY, || !failed().is_empty()).await);
    // `sleep` ignores its closed stdin, so it is stopped with SIGTERM after the grace period.
    assert_eq!(
        failed(),
        "no answer to `initialize` within 300ms; the process ended (signal: 15 (SIGTERM))"
    );
    let refused = pool.call("mute", "echo", args(json!({}))).await.unwrap_err();
    assert!(refused.is_retryable(), "{refused}");
    pool.shutdown().await;
    assert_eq!(pool.status()[0].pid, None);
}

/// The figures README documents for a child's stderr.
const STDERR_BURST: usize = 200;
const STDERR_LINES_PER_SECOND: f64 = 20.0;

/// A number field (`name=N`) of a logged event.
fn field(line: &str, name: &str) -> Option<u64> {
    let start = line.find(&format!(" {name}="))? + name.len() + 2;
    line[start..].split(' ').next()?.parse().ok()
}

// One thread: the forwarder's events go to this test's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn a_child_flooding_its_stderr_is_logged_within_the_rate_limit_and_the_rest_is_counted() {
    let captured = Captured::default();
    let _guard = captured.on_this_thread();
    let (spec, _) = test_server("flood");
    let spec = spec.with_env([("TEST_SERVER_STDERR_LINES", "200000")]);
    let started = std::time::Instant::now();
    let pool = DownstreamPool::start(vec![spec]);
    assert!(pool.wait_ready(READY).await, "{:?}", pool.status());
    let result = pool.call("flood", "echo", args(json!({"text": "still serving"}))).await.unwrap();
    assert_eq!(text(&result), "still serving");
    pool.shutdown().await;
    let elapsed = started.elapsed().as_secs_f64();

    let lines = captured.lines();
    let ours = |line: &&String| line.contains("server=flood");
    let forwarded = lines.iter().filter(ours).filter(|l| l.contains(" stderr: ")).count();
    let summaries: Vec<&String> =
        lines.iter().filter(ours).filter(|l| l.contains("stderr lines dropped")).collect();
    let dropped: u64 = summaries.iter().filter_map(|l| field(l, "dropped")).sum();
    // `started, pid N`, the flood, `flood done`.
    assert_eq!(forwarded as u64 + dropped, 200_002, "{summaries:?}");
    let allowed = STDERR_BURST + (STDERR_LINES_PER_SECOND * elapsed).ceil() as usize;
    assert!(
        (STDERR_BURST..=allowed).contains(&forwarded),
        "{forwarded} lines forwarded in {elapsed:.1} s"
    );
    assert!(!summaries.is_empty() && summaries.iter().all(|l| l.contains(" over_s=")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_over_the_message_limit_fails_at_once_and_the_session_goes_on() {
    init_tracing();
    let (spec, _) = test_server("big");
    // A timeout far beyond the test's patience: only an immediate failure passes.
    let timeout = Duration::from_secs(120);
    let pool = DownstreamPool::start(vec![spec.with_timeout(timeout)]);
    assert!(pool.wait_ready(READY).await, "{:?}", pool.status());
    let pid = pool.status()[0].pid;

    let limit: u64 = 16 * 1024 * 1024;
    let started = std::time::Instant::now();
    let error = pool.call("big", "big", args(json!({"bytes": limit + 1024}))).await.unwrap_err();
    let took = started.elapsed();
    let DownstreamError::ResultTooLarge { server, tool, bytes, limit: reported } = &error else {
        panic!("expected result_too_large, got {error:?}");
    };
    assert_eq!((server.as_str(), tool.as_str(), *reported), ("big", "big", limit));
    assert!(*bytes > limit + 1024, "{bytes}");
    assert_eq!(error.reason(), "result_too_large");
    assert!(!error.is_retryable());
    assert!(error.to_string().contains(&format!("over the limit of {limit} bytes")), "{error}");
    assert!(took < Duration::from_secs(20), "took {took:?}");

    // The same session answers the next calls: nothing was restarted.
    let result = pool.call("big", "big", args(json!({"bytes": 1_000_000}))).await.unwrap();
    assert_eq!(text(&result).len(), 1_000_000);
    let result = pool.call("big", "echo", args(json!({"text": "after"}))).await.unwrap();
    assert_eq!(text(&result), "after");
    let status = &pool.status()[0];
    assert_eq!((status.restarts, status.pid, status.calls, status.errors), (0, pid, 3, 1));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_rpc_error_answer_is_a_protocol_error_with_its_code() {
    let (pool, _) = started("t").await;
    let error = pool.call("t", "add", args(json!({"a": i64::MAX, "b": 1}))).await.unwrap_err();
    assert_eq!(
        error,
        DownstreamError::Protocol {
            server: "t".into(),
            tool: "add".into(),
            code: Some(-32602),
            message: "the sum overflows".into()
        }
    );
    assert_eq!((error.reason(), error.is_retryable()), ("protocol_error", false));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_cannot_start_as_configured_is_not_retried_and_calls_say_why() {
    init_tracing();
    // Port 9 (discard) is never dialled: the header fails before any request.
    let bad = ServerSpec::http("bad", "http://127.0.0.1:9/mcp").with_header("two words", "x");
    let pool = DownstreamPool::start(vec![bad]);
    assert!(!pool.wait_ready(READY).await, "a misconfigured server does not connect");
    let error = pool.call("bad", "echo", args(json!({}))).await.unwrap_err();
    assert_eq!(
        error,
        DownstreamError::Misconfigured {
            server: "bad".into(),
            reason: "invalid header name `two words`: invalid HTTP header name".into()
        }
    );
    assert_eq!((error.reason(), error.is_retryable()), ("misconfigured", false));
    let status = &pool.status()[0];
    assert_eq!(
        (status.restarts, status.last_error.as_deref()),
        (0, Some("invalid header name `two words`: invalid HTTP header name"))
    );
    pool.shutdown().await;
}
