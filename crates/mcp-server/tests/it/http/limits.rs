//! Resource bounds: body size (413), open sessions (503), per-principal rate (429 or a tool error).

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::body::Body;
use axum::http::header;
use pattern_mcp::http::{HttpConfig, PrincipalRateLimiter, RateLimit, StaticReadiness};

use crate::http::support::*;

fn small_body_config() -> HttpConfig {
    HttpConfig { max_body_bytes: 1024, ..config() }
}

fn big_message() -> String {
    remember(1, &"x".repeat(2048)).to_string()
}

#[tokio::test]
async fn an_oversized_mcp_body_is_413() {
    let harness = Harness::new(small_body_config()).await;
    let request = request("POST", "/mcp")
        .header(header::AUTHORIZATION, bearer(CI_TOKEN))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, ACCEPT_BOTH)
        .header(header::CONTENT_LENGTH, big_message().len())
        .body(Body::from(big_message()))
        .unwrap();
    let response = harness.send(request).await;
    assert_eq!(response.status(), 413);
    // The body was not read: the connection must not carry another request.
    assert_eq!(response.headers().get(header::CONNECTION).unwrap(), "close");
}

#[tokio::test]
async fn an_oversized_message_body_is_413_even_without_content_length() {
    let harness = Harness::new(small_body_config()).await;
    let chunks = futures::stream::iter(vec![Ok::<_, std::io::Error>(big_message())]);
    let request = request("POST", "/message?sessionId=whatever")
        .header(header::AUTHORIZATION, bearer(CI_TOKEN))
        .body(Body::from_stream(chunks))
        .unwrap();
    let response = harness.send(request).await;
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers().get(header::CONNECTION).unwrap(), "close");
}

#[tokio::test]
async fn a_full_sse_transport_refuses_another_principal_until_a_stream_closes() {
    let harness = Harness::new(HttpConfig { max_sessions: 1, ..config() }).await;
    let open = |token: &str| {
        request("GET", "/sse")
            .header(header::AUTHORIZATION, bearer(token))
            .body(Body::empty())
            .unwrap()
    };
    let first = harness.send(open(CI_TOKEN)).await;
    assert_eq!(first.status(), 200);
    let refused = harness.send(open(OPS_TOKEN)).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()[header::RETRY_AFTER], "5");
    assert_eq!(body_json(refused).await["error"], "too_many_sessions");
    drop(first);
    assert_eq!(harness.send(open(OPS_TOKEN)).await.status(), 200);
}

#[tokio::test]
async fn a_full_streamable_transport_refuses_another_principal_but_not_the_holder() {
    let harness = Harness::new(HttpConfig { max_sessions: 1, ..config() }).await;
    let first = open_mcp_session(&harness, CI_TOKEN).await;
    let response = harness.send(mcp_post(Some(OPS_TOKEN), None, &initialize(1))).await;
    assert_eq!(response.status(), 503);
    assert_eq!(body_json(response).await["message"], "too many open sessions (1); retry later");
    // The holder's own longest idle session makes room for its new one.
    open_mcp_session(&harness, CI_TOKEN).await;
    let stale = harness.send(mcp_post(Some(CI_TOKEN), Some(&first), &remember(2, "x"))).await;
    assert_eq!(stale.status(), 404);
    assert_eq!(harness.state.mcp().session_count().await, 1);
}

#[tokio::test]
async fn an_oversized_chunked_mcp_body_is_413_saying_so() {
    let harness = Harness::new(small_body_config()).await;
    let chunks = futures::stream::iter(vec![Ok::<_, std::io::Error>(big_message())]);
    let request = request("POST", "/mcp")
        .header(header::AUTHORIZATION, bearer(CI_TOKEN))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, ACCEPT_BOTH)
        .body(Body::from_stream(chunks))
        .unwrap();
    let response = harness.send(request).await;
    assert_eq!(response.status(), 413);
    assert_eq!(
        body_json(response).await,
        serde_json::json!({
            "error": "payload_too_large",
            "message": "the request body is larger than the limit of 1024 bytes"
        })
    );
}

#[tokio::test]
async fn requests_over_the_rate_limit_are_429_with_retry_after() {
    let limit =
        RateLimit { per_minute: NonZeroU32::new(1).unwrap(), burst: NonZeroU32::new(1).unwrap() };
    let harness = Harness::new(HttpConfig { rate_limit: Some(limit), ..config() }).await;
    let first = harness.send(mcp_post(Some(CI_TOKEN), None, &initialize(1))).await;
    assert_eq!(first.status(), 200);
    let second = harness.send(mcp_post(Some(CI_TOKEN), None, &initialize(1))).await;
    assert_eq!(second.status(), 429);
    let retry: u64 = second.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    // 60 s less the time since the first request, rounded up.
    assert!((1..=60).contains(&retry), "{retry}");
    // Another principal has its own bucket.
    let other = harness.send(mcp_post(Some(OPS_TOKEN), None, &initialize(1))).await;
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn a_tool_call_over_the_rate_limit_is_a_tool_error_saying_when_to_retry() {
    let limit =
        RateLimit { per_minute: NonZeroU32::new(2).unwrap(), burst: NonZeroU32::new(1).unwrap() };
    let limiter = Arc::new(PrincipalRateLimiter::new(limit));
    let harness =
        Harness::build(config(), Arc::new(StaticReadiness::ready()), Some(limiter), None).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let first = harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &remember(2, "a"))).await;
    let first = messages_in(&body_text(first).await).remove(0);
    assert_eq!(first["result"]["isError"], false);
    let second = harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &remember(3, "b"))).await;
    assert_eq!(second.status(), 200);
    let second = messages_in(&body_text(second).await).remove(0);
    assert_eq!(second["result"]["isError"], true);
    // The wait is 30 s less the time since the first call, rounded up.
    let retry = retry_in(tool_text(&second), "rate limit exceeded for principal `ci`; retry in ");
    assert!((1..=30).contains(&retry), "{retry}");
    // The limiter is per principal: ops still has its burst.
    let ops = open_mcp_session(&harness, OPS_TOKEN).await;
    let third = harness.send(mcp_post(Some(OPS_TOKEN), Some(&ops), &remember(4, "c"))).await;
    assert_eq!(messages_in(&body_text(third).await)[0]["result"]["isError"], false);
}
