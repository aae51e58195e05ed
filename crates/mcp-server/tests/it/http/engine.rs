//! The app wired to the engine: readiness from its memory store, metrics that never carry the query.

use std::sync::Arc;

use axum::body::Body;
use pattern_mcp::http::{
    AppState, EngineReadiness, app, describe_families, handler_factory, install_recorder,
};
use serde_json::json;
use tower::ServiceExt;

use crate::http::support::*;

#[tokio::test]
async fn readyz_reports_the_engine_memory_store_up_and_redis_disabled() {
    let engine = test_engine().await;
    let readiness = Arc::new(EngineReadiness::new(engine.clone()));
    let harness = Harness::build(config(), readiness, None, Some(engine)).await;
    let response = harness.send(request("GET", "/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), 200);
    let mut body = body_json(response).await;
    assert!(body["components"]["memory"]["latency_ms"].is_u64(), "{body}");
    body["components"]["memory"].as_object_mut().unwrap().remove("latency_ms");
    assert_eq!(
        body,
        json!({
            "status": "ready",
            "components": {
                "memory": {"status": "up", "backend": "sqlite"},
                "redis": {"status": "disabled"},
                "downstream": []
            }
        })
    );
}

#[tokio::test]
async fn metrics_after_calls_carry_every_family_and_never_the_query() {
    let handle = install_recorder().unwrap();
    describe_families();
    let state = AppState::new(
        config(),
        handler_factory(test_engine().await, None),
        Arc::new(EngineReadiness::new(test_engine().await)),
        Some(handle),
    )
    .unwrap();
    let app = app(state);
    let send = |request| app.clone().oneshot(request);
    let init = send(mcp_post(Some(CI_TOKEN), None, &initialize(1))).await.unwrap();
    let session = init.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    body_text(init).await;
    send(mcp_post(Some(CI_TOKEN), Some(&session), &initialized())).await.unwrap();
    let secret = "zebra-octopus-7731";
    for (id, query) in [
        (2, format!("remember that the vault word is {secret}")),
        (3, format!("what did we note about {secret}?")),
        (4, format!("what did we note about {secret}?")),
    ] {
        let call = call_tool(id, "execute_pattern", json!({"query": query}));
        let response = send(mcp_post(Some(CI_TOKEN), Some(&session), &call)).await.unwrap();
        assert_eq!(structured(&messages_in(&body_text(response).await)[0])["success"], true);
    }
    let metrics = send(request("GET", "/metrics").body(Body::empty()).unwrap()).await.unwrap();
    let text = body_text(metrics).await;
    for family in [
        "pattern_executions_total",
        "pattern_execution_duration_seconds",
        "pattern_tokens_total",
        "pattern_cache_requests_total",
        "pattern_route_decisions_total",
        "pattern_downstream_calls_total",
        "pattern_downstream_call_duration_seconds",
        "pattern_memory_query_duration_seconds",
        "pattern_redis_up",
    ] {
        assert!(text.contains(&format!("# TYPE {family} ")), "{family} missing:\n{text}");
    }
    assert!(text.contains("pattern_redis_up 0"), "{text}");
    assert!(!text.contains(secret), "the query leaked into /metrics:\n{text}");
    assert!(!text.contains("vault"), "the query leaked into /metrics:\n{text}");
}
