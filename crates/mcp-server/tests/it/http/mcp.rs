//! `/mcp` Streamable HTTP end to end in process: list tools, call one, set the log level, close.

use axum::body::Body;
use serde_json::json;

use crate::http::support::*;

#[tokio::test]
async fn tools_list_names_the_three_tools() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let response = harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &list)).await;
    let messages = messages_in(&body_text(response).await);
    let names: Vec<&str> = messages[0]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["execute_pattern", "route_query", "stats"]);
}

#[tokio::test]
async fn a_stored_memory_is_recalled_then_served_from_the_cache() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let store = remember(3, "the HTTP port is 8080");
    let response = harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &store)).await;
    let messages = messages_in(&body_text(response).await);
    assert_eq!(messages[0]["id"], 3);
    assert_eq!(structured(&messages[0])["pattern_name"], "store_memory");
    let recall =
        call_tool(4, "execute_pattern", json!({"query": "what did we note about the HTTP port?"}));
    let mut results = Vec::new();
    for _ in 0..2 {
        let response = harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &recall)).await;
        results.push(messages_in(&body_text(response).await).remove(0));
    }
    let first = structured(&results[0]);
    assert_eq!(first["result"]["memories"][0]["content"], "the HTTP port is 8080");
    assert_eq!(first["cache_hit"], false);
    assert_eq!(structured(&results[1])["cache_hit"], true);
    assert_eq!(structured(&results[1])["cache_tier"], "local");
}

#[tokio::test]
async fn logging_set_level_is_answered_with_an_empty_result() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let set = json!({"jsonrpc": "2.0", "id": 4, "method": "logging/setLevel", "params": {"level": "debug"}});
    let response = harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &set)).await;
    let messages = messages_in(&body_text(response).await);
    assert_eq!(messages[0], json!({"jsonrpc": "2.0", "id": 4, "result": {}}));
}

#[tokio::test]
async fn a_deleted_session_is_not_found_afterwards() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let delete = request("DELETE", "/mcp")
        .header("authorization", bearer(CI_TOKEN))
        .header("mcp-session-id", &session)
        .body(Body::empty())
        .unwrap();
    assert_eq!(harness.send(delete).await.status(), 204);
    let call = remember(5, "too late");
    let response = harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &call)).await;
    assert_eq!(response.status(), 404);
    assert_eq!(harness.state.mcp().session_count().await, 0);
}
