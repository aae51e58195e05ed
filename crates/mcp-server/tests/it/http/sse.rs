//! Legacy HTTP+SSE (`/sse` + `/message`) end to end in process.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Response, header};
use pattern_mcp::http::HttpConfig;
use serde_json::{Value, json};

use crate::http::support::*;

async fn post(harness: &Harness, token: &str, endpoint: &str, body: String) -> Response<Body> {
    harness
        .send(
            request("POST", endpoint)
                .header(header::AUTHORIZATION, bearer(token))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
}

async fn next_json(reader: &mut SseReader) -> Value {
    let event = reader.next_message().await.expect("the stream ended");
    assert_eq!(event.event.as_deref(), Some("message"));
    serde_json::from_str(&event.data).unwrap()
}

#[tokio::test]
async fn a_session_initializes_and_calls_a_tool_over_message_events() {
    let harness = Harness::new(config()).await;
    let (mut reader, endpoint) = open_sse(&harness, CI_TOKEN).await;

    assert_eq!(post(&harness, CI_TOKEN, &endpoint, initialize(1).to_string()).await.status(), 202);
    let init = next_json(&mut reader).await;
    assert_eq!(init["id"], 1);
    assert_eq!(init["result"]["serverInfo"]["name"], "pattern-mcp");

    assert_eq!(post(&harness, CI_TOKEN, &endpoint, initialized().to_string()).await.status(), 202);
    let call = remember(2, "legacy clients still work").to_string();
    assert_eq!(post(&harness, CI_TOKEN, &endpoint, call).await.status(), 202);
    let result = next_json(&mut reader).await;
    assert_eq!(result["id"], 2);
    assert_eq!(structured(&result)["success"], true);
    assert_eq!(harness.principals()[0].id, "ci");
}

#[tokio::test]
async fn an_unknown_session_is_404_with_a_json_reason() {
    let harness = Harness::new(config()).await;
    let response =
        post(&harness, CI_TOKEN, "/message?sessionId=nope", initialize(1).to_string()).await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        body_json(response).await,
        json!({
            "error": "unknown_session",
            "message": "no session `nope`: it ended or never existed; open a new one with GET /sse"
        })
    );
}

#[tokio::test]
async fn a_missing_session_id_is_400() {
    let harness = Harness::new(config()).await;
    let response = post(&harness, CI_TOKEN, "/message", initialize(1).to_string()).await;
    assert_eq!(response.status(), 400);
    assert_eq!(body_json(response).await["message"], "the `sessionId` query parameter is required");
}

#[tokio::test]
async fn a_malformed_body_is_400() {
    let harness = Harness::new(config()).await;
    let (_reader, endpoint) = open_sse(&harness, CI_TOKEN).await;
    let response = post(&harness, CI_TOKEN, &endpoint, "{not json".into()).await;
    assert_eq!(response.status(), 400);
    let body = body_json(response).await;
    assert_eq!(body["error"], "bad_request");
    assert!(body["message"].as_str().unwrap().starts_with("the body is not a JSON-RPC message"));
}

#[tokio::test]
async fn another_principal_cannot_post_to_a_session() {
    let harness = Harness::new(config()).await;
    let (_reader, endpoint) = open_sse(&harness, CI_TOKEN).await;
    let response = post(&harness, OPS_TOKEN, &endpoint, initialize(1).to_string()).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn dropping_the_stream_ends_the_session() {
    let harness = Harness::new(config()).await;
    let (reader, endpoint) = open_sse(&harness, CI_TOKEN).await;
    assert_eq!(harness.state.sse().sessions().len(), 1);
    drop(reader);
    assert_eq!(harness.state.sse().sessions().len(), 0);
    let response = post(&harness, CI_TOKEN, &endpoint, initialize(1).to_string()).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let harness = Harness::new(config()).await;
    let (mut reader, endpoint) = open_sse(&harness, CI_TOKEN).await;
    harness.state.shutdown_token().cancel();
    assert_eq!(reader.next_message().await, None);
    assert_eq!(harness.state.sse().sessions().len(), 0);
    let response = post(&harness, CI_TOKEN, &endpoint, initialize(1).to_string()).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test(start_paused = true)]
async fn keep_alive_comments_arrive_at_the_configured_interval() {
    let harness =
        Harness::new(HttpConfig { sse_keep_alive: Duration::from_secs(15), ..config() }).await;
    let (mut reader, _endpoint) = open_sse(&harness, CI_TOKEN).await;
    let start = tokio::time::Instant::now();
    let event = reader.next().await.unwrap();
    assert!(event.comment, "{event:?}");
    assert_eq!(start.elapsed().as_secs(), 15);
}

#[tokio::test]
async fn a_request_before_initialize_is_told_to_initialise_first_and_the_session_still_opens() {
    let harness = Harness::new(config()).await;
    let (mut reader, endpoint) = open_sse(&harness, CI_TOKEN).await;
    let early = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list"}).to_string();
    assert_eq!(post(&harness, CI_TOKEN, &endpoint, early).await.status(), 202);
    // Not rmcp's answer for the initialize-free lifecycle, about a missing `_meta`.
    assert_eq!(
        next_json(&mut reader).await,
        json!({"jsonrpc": "2.0", "id": 7, "error": {"code": -32600,
            "message": "the session is not initialised: send `initialize` first"}})
    );
    assert_eq!(post(&harness, CI_TOKEN, &endpoint, initialize(8).to_string()).await.status(), 202);
    assert_eq!(next_json(&mut reader).await["result"]["serverInfo"]["name"], "pattern-mcp");
}
