//! Cached `execute_pattern` calls answered without rmcp's session machinery
//! (`http/cached_call.rs`): the same answers and counters as through rmcp,
//! and every call the cache cannot answer, or that is not plain, still
//! reaches rmcp with its body.
//!
//! rmcp's answer to a call starts with a priming event (with `id:` and
//! `retry:` lines) before the response; the cached path sends the response
//! alone. That is how these tests tell which path answered.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, header};
use pattern_mcp::http::{PrincipalRateLimiter, RateLimit, StaticReadiness};
use serde_json::{Value, json};

use crate::http::support::*;

const RECALL: &str = "what did we note about the HTTP port?";

fn recall(id: u64) -> Value {
    call_tool(id, "execute_pattern", json!({"query": RECALL}))
}

/// A session in which `the HTTP port is 8080` is stored and recalled once,
/// so that the recall is in the cache.
async fn session_with_a_cached_recall(harness: &Harness) -> String {
    let session = open_mcp_session(harness, CI_TOKEN).await;
    let store = remember(2, "the HTTP port is 8080");
    let (_, stored) = call(harness, mcp_post(Some(CI_TOKEN), Some(&session), &store)).await;
    assert_eq!(structured(&stored)["success"], true);
    let (path, first) = call(harness, mcp_post(Some(CI_TOKEN), Some(&session), &recall(3))).await;
    assert_eq!(path, Path::Rmcp, "a miss is answered by rmcp");
    assert_eq!(structured(&first)["cache_hit"], false);
    session
}

#[derive(Debug, PartialEq)]
enum Path {
    Cached,
    Rmcp,
}

/// Sends `request`; returns which path answered and the JSON-RPC response.
async fn call(harness: &Harness, request: Request<Body>) -> (Path, Value) {
    let response = harness.send(request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
    let body = body_text(response).await;
    let path =
        if body.lines().any(|line| line.starts_with("retry:")) { Path::Rmcp } else { Path::Cached };
    let response = sse_messages(&body).into_iter().find(|m| m.get("id").is_some()).unwrap();
    (path, response)
}

/// `request` with its `Accept` header replaced: a weight on one media type
/// is accepted by rmcp but not plain, so the call goes to rmcp.
fn weighted_accept(mut request: Request<Body>) -> Request<Body> {
    let weighted = "application/json;q=0.9, text/event-stream".parse().unwrap();
    request.headers_mut().insert(header::ACCEPT, weighted);
    request
}

/// `message` with its result's text parsed, and without the fields of an
/// execution result that differ from one call to the next.
fn without_timings(mut message: Value) -> Value {
    fn strip(result: &mut Value) {
        let object = result.as_object_mut().unwrap();
        object.remove("request_id");
        object.remove("execution_time_ms");
        // Counts the whole text, whose time field varies in length.
        object.remove("tokens_used");
    }
    let text: Value = serde_json::from_str(tool_text(&message)).unwrap();
    message["result"]["content"][0]["text"] = text;
    strip(&mut message["result"]["content"][0]["text"]);
    strip(&mut message["result"]["structuredContent"]);
    message
}

#[tokio::test]
async fn a_repeat_is_answered_from_cache_with_the_answer_rmcp_gives() {
    let harness = Harness::new(config()).await;
    let session = session_with_a_cached_recall(&harness).await;

    let (path, cached) = call(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &recall(4))).await;
    assert_eq!(path, Path::Cached);
    let through_rmcp = weighted_accept(mcp_post(Some(CI_TOKEN), Some(&session), &recall(4)));
    let (path, rmcp) = call(&harness, through_rmcp).await;
    assert_eq!(path, Path::Rmcp);

    assert_eq!(cached["id"], 4);
    assert_eq!(structured(&cached)["cache_hit"], true);
    assert_eq!(structured(&cached)["cache_tier"], "local");
    assert_eq!(structured(&cached)["result"]["memories"][0]["content"], "the HTTP port is 8080");
    assert_eq!(without_timings(cached), without_timings(rmcp));
}

#[tokio::test]
async fn a_cached_answer_is_counted_once_like_any_other() {
    let harness = Harness::new(config()).await;
    let session = session_with_a_cached_recall(&harness).await;
    for id in 4..7 {
        let (path, _) = call(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &recall(id))).await;
        assert_eq!(path, Path::Cached);
    }
    // The store went through the cached path's check too, and was not counted there.
    let stats = call_tool(9, "stats", json!({}));
    let (_, stats) = call(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &stats)).await;
    let stats = structured(&stats);
    assert_eq!(stats["executions"]["total"], 5, "{stats}");
    assert_eq!(stats["router"]["decisions"], 5, "{stats}");
    assert_eq!(stats["cache"]["local"]["hits"], 3, "{stats}");
    assert_eq!(stats["cache"]["local"]["misses"], 1, "{stats}");
}

#[tokio::test]
async fn the_rate_limit_applies_to_cached_answers() {
    let limit =
        RateLimit { per_minute: NonZeroU32::new(1).unwrap(), burst: NonZeroU32::new(3).unwrap() };
    let limiter = Arc::new(PrincipalRateLimiter::new(limit));
    let harness =
        Harness::build(config(), Arc::new(StaticReadiness::ready()), Some(limiter), None).await;
    // Store and first recall take two of the three calls of the burst.
    let session = session_with_a_cached_recall(&harness).await;
    let (path, third) = call(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &recall(4))).await;
    assert_eq!(path, Path::Cached);
    assert_eq!(structured(&third)["cache_hit"], true);
    let (path, refused) =
        call(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &recall(5))).await;
    assert_eq!(path, Path::Cached);
    assert_eq!(refused["result"]["isError"], true);
    // 60 s less the time since the first call of the burst, rounded up: a
    // slow machine sees less than 60 (issue 11), never more.
    let retry = retry_in(tool_text(&refused), "rate limit exceeded for principal `ci`; retry in ");
    assert!((1..=60).contains(&retry), "{retry}");
}

#[tokio::test]
async fn another_principal_gets_neither_the_session_nor_the_cached_answer() {
    let harness = Harness::new(config()).await;
    let session = session_with_a_cached_recall(&harness).await;
    let stolen = harness.send(mcp_post(Some(OPS_TOKEN), Some(&session), &recall(4))).await;
    assert_eq!(stolen.status(), 404);
    let own = open_mcp_session(&harness, OPS_TOKEN).await;
    let (path, answer) = call(&harness, mcp_post(Some(OPS_TOKEN), Some(&own), &recall(4))).await;
    assert_eq!(path, Path::Rmcp);
    assert_eq!(structured(&answer)["cache_hit"], false);
}

#[tokio::test]
async fn a_jwt_whose_subject_is_the_sessions_token_id_gets_no_cached_answer() {
    let harness = Harness::new(config()).await;
    let session = session_with_a_cached_recall(&harness).await;
    let namesake = jwt(json!({"sub": "ci", "role": "agent", "exp": in_an_hour()}));
    let stolen = harness.send(mcp_post(Some(&namesake), Some(&session), &recall(4))).await;
    assert_eq!(stolen.status(), 404);
    assert_eq!(body_text(stolen).await, "Not Found: Session not found");
    let (path, own) = call(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &recall(5))).await;
    assert_eq!((path, &structured(&own)["cache_hit"]), (Path::Cached, &json!(true)));
}

#[tokio::test]
async fn a_session_that_asked_for_log_notifications_gets_them_with_a_repeat() {
    let harness = Harness::new(config()).await;
    let session = session_with_a_cached_recall(&harness).await;
    let set = json!({"jsonrpc": "2.0", "id": 4, "method": "logging/setLevel", "params": {"level": "info"}});
    harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &set)).await;
    let listen = request("GET", "/mcp")
        .header(header::ACCEPT, "text/event-stream")
        .header(header::AUTHORIZATION, bearer(CI_TOKEN))
        .header("mcp-session-id", session.as_str())
        .body(Body::empty())
        .unwrap();
    let listening = harness.send(listen).await;
    assert_eq!(listening.status(), 200);
    let mut notifications = SseReader::new(listening);

    let (path, answer) = call(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &recall(5))).await;
    assert_eq!(path, Path::Rmcp, "only the session can send the notification");
    assert_eq!(structured(&answer)["cache_hit"], true);
    let note = loop {
        let event = notifications.next_message().await.expect("the stream ended");
        if let Ok(message) = serde_json::from_str::<Value>(&event.data) {
            break message;
        }
    };
    assert_eq!(note["method"], "notifications/message", "{note}");
    assert_eq!(note["params"]["data"]["cache_tier"], "local");
}

#[tokio::test]
async fn a_deleted_session_gets_no_cached_answer() {
    let harness = Harness::new(config()).await;
    let session = session_with_a_cached_recall(&harness).await;
    let delete = request("DELETE", "/mcp")
        .header(header::AUTHORIZATION, bearer(CI_TOKEN))
        .header("mcp-session-id", session.as_str())
        .body(Body::empty())
        .unwrap();
    assert_eq!(harness.send(delete).await.status(), 204);
    let after = harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &recall(4))).await;
    assert_eq!(after.status(), 404);
}

#[tokio::test]
async fn what_the_cache_cannot_answer_reaches_rmcp_with_its_body() {
    let harness = Harness::new(config()).await;
    let session = session_with_a_cached_recall(&harness).await;
    let post = |message: &Value| mcp_post(Some(CI_TOKEN), Some(&session), message);

    // Wrong argument type: the tool error comes from the full call.
    let wrong = call_tool(4, "execute_pattern", json!({"query": RECALL, "use_cache": "yes"}));
    let (path, wrong) = call(&harness, post(&wrong)).await;
    assert_eq!((path, &wrong["result"]["isError"]), (Path::Rmcp, &json!(true)));
    assert!(tool_text(&wrong).contains("use_cache"), "{wrong}");
    // Another tool.
    let (path, routed) =
        call(&harness, post(&call_tool(5, "route_query", json!({"query": RECALL})))).await;
    assert_eq!(path, Path::Rmcp);
    assert_eq!(structured(&routed)["route"], "memory");
    // A request with `_meta` (a progress token).
    let mut with_meta = recall(6);
    with_meta["params"]["_meta"] = json!({"progressToken": "p-1"});
    let (path, answer) = call(&harness, post(&with_meta)).await;
    assert_eq!(path, Path::Rmcp);
    assert_eq!(structured(&answer)["cache_hit"], true);
    // Not a request: a notification is accepted as before.
    let notified = harness.send(post(&initialized())).await;
    assert_eq!(notified.status(), 202);
    // Not JSON at all: rmcp's own error.
    let broken = request("POST", "/mcp")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, ACCEPT_BOTH)
        .header(header::AUTHORIZATION, bearer(CI_TOKEN))
        .header("mcp-session-id", session.as_str())
        .body(Body::from("{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\""))
        .unwrap();
    let broken = harness.send(broken).await;
    assert!(broken.status().is_client_error(), "{}", broken.status());
    // An unknown protocol version is rmcp's to refuse.
    let mut odd_version = post(&recall(8));
    odd_version.headers_mut().insert("mcp-protocol-version", "1999-01-01".parse().unwrap());
    assert_eq!(harness.send(odd_version).await.status(), 400);
    // And the session still answers repeats from cache.
    let (path, _) = call(&harness, post(&recall(9))).await;
    assert_eq!(path, Path::Cached);
}
