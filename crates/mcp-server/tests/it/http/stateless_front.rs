//! The stateless front (`src/http/mcp/front.rs`): a plain 2026-07-28
//! `tools/call` is answered beside rmcp, everything else by rmcp. Each call
//! here is sent twice, once as a client sends it (the front answers) and once
//! with an `Accept` header the front leaves to rmcp (weights rmcp accepts): the
//! two answers must be the same, refusals included.

use axum::http::header;
use serde_json::{Value, json};

use crate::http::support::*;

/// Sends `message` as a client does and as rmcp alone takes it; returns the
/// status, content type and comparable body of each.
async fn both(harness: &Harness, message: &Value) -> [(u16, String, Value); 2] {
    let mut answers = Vec::new();
    for accept in [ACCEPT_BOTH, WEIGHTED] {
        let response =
            harness.send(stateless_post_accepting(CI_TOKEN, message.clone(), accept)).await;
        let status = response.status().as_u16();
        let kind = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        let body = body_text(response).await;
        let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
        answers.push((status, kind, comparable(body)));
    }
    answers.try_into().unwrap()
}

#[tokio::test]
async fn the_front_and_rmcp_answer_every_call_alike() {
    let harness = Harness::new(config()).await;
    let stored = both(&harness, &remember(1, "the build server is ci-7")).await;
    assert_eq!(stored[0].2["result"]["structuredContent"]["success"], true, "{stored:?}");
    // Both recalls after a first one are hits, so their answers are the same.
    let recall = call_tool(2, "execute_pattern", json!({"query": "what is the build server?"}));
    both(&harness, &recall).await;

    let mut calls = vec![
        ("a cached recall", recall),
        (
            "a route",
            call_tool(4, "route_query", json!({"query": "what did we decide about caching?"})),
        ),
        ("an unknown tool", call_tool(8, "no_such_tool", json!({}))),
    ];
    calls.extend(calls_either_way());
    for (what, message) in calls {
        let [front, rmcp] = both(&harness, &message).await;
        assert_eq!(front, rmcp, "{what}");
        assert_eq!(front.1, "application/json", "{what}");
        assert_eq!(front.2["id"], message["id"], "{what}");
    }
}

#[tokio::test]
async fn a_call_whose_headers_disagree_with_its_body_is_refused_by_rmcp() {
    let harness = Harness::new(config()).await;
    let message = call_tool(1, "route_query", json!({"query": "restart the web server"}));
    let mut request = stateless_post(CI_TOKEN, message);
    request.headers_mut().insert("mcp-name", "stats".parse().unwrap());
    let response = harness.send(request).await;
    assert_eq!(response.status(), 400);
    let body = body_json(response).await;
    assert_eq!(body["id"], 1);
    assert!(body["error"]["message"].as_str().unwrap().contains("Mcp-Name"), "{body}");
}
