//! `/mcp` bodies that are not one JSON-RPC message rmcp can take: 400 with the JSON-RPC error and the id sent.

use axum::body::Body;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use super::support::*;

fn raw_post(session: Option<&str>, body: impl Into<Body>) -> axum::http::Request<Body> {
    let mut builder = request("POST", "/mcp")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, ACCEPT_BOTH)
        .header(header::AUTHORIZATION, bearer(CI_TOKEN));
    if let Some(session) = session {
        builder =
            builder.header("mcp-session-id", session).header("mcp-protocol-version", "2025-06-18");
    }
    builder.body(body.into()).unwrap()
}

async fn refused(harness: &Harness, request: axum::http::Request<Body>) -> Value {
    let response = harness.send(request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    body_json(response).await
}

#[tokio::test]
async fn malformed_non_utf8_deep_and_batch_bodies_are_400_with_a_json_rpc_error() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let s = Some(session.as_str());

    let broken = refused(&harness, raw_post(s, r#"{"jsonrpc":"2.0","id":7,"method":"#)).await;
    assert_eq!((broken["id"].clone(), broken["error"]["code"].clone()), (json!(7), json!(-32700)));

    let mut bytes = br#"{"jsonrpc":"2.0","id":8,"method":"ping","params":{"x":""#.to_vec();
    bytes.extend_from_slice(b"\xff\xfe\"}}");
    let not_utf8 = refused(&harness, raw_post(s, bytes)).await;
    assert_eq!(
        (not_utf8["id"].clone(), not_utf8["error"]["code"].clone()),
        (json!(8), json!(-32700))
    );

    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{{"name":"stats","arguments":{{"context":{}1{}}}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let deep = refused(&harness, raw_post(s, deep)).await;
    assert_eq!(deep["id"], json!(9));
    assert_eq!(deep["error"]["code"], json!(-32600));

    let batch =
        refused(&harness, raw_post(s, json!([call_tool(10, "stats", json!({}))]).to_string()))
            .await;
    assert_eq!(batch["error"]["code"], json!(-32600));
}

#[tokio::test]
async fn string_arguments_and_an_unknown_log_level_are_invalid_params_naming_the_parameter() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let s = Some(session.as_str());
    let call = json!({"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"stats","arguments":"x"}});
    let answer = refused(&harness, raw_post(s, call.to_string())).await;
    assert_eq!((answer["id"].clone(), answer["error"]["code"].clone()), (json!(11), json!(-32602)));
    assert!(answer["error"]["message"].as_str().unwrap().contains("params.arguments"), "{answer}");

    let level =
        json!({"jsonrpc":"2.0","id":12,"method":"logging/setLevel","params":{"level":"loud"}});
    let answer = refused(&harness, raw_post(s, level.to_string())).await;
    assert_eq!(answer["error"]["code"], json!(-32602));
    assert!(answer["error"]["message"].as_str().unwrap().contains("params.level"), "{answer}");
}
