//! Bearer auth on the MCP routes: 401 without a valid token, the token's principal with one.

use axum::body::Body;
use axum::http::header;
use pattern_core::Role;
use pattern_engine::Principal;
use pattern_mcp::http::HttpConfig;
use serde_json::json;

use crate::http::support::*;

#[tokio::test]
async fn mcp_without_a_token_is_401_with_a_bearer_challenge() {
    let harness = Harness::new(config()).await;
    let response = harness.send(mcp_post(None, None, &initialize(1))).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    let body = body_json(response).await;
    assert_eq!(body["error"], "missing_token");
    assert!(harness.principals().is_empty());
}

#[tokio::test]
async fn mcp_with_a_wrong_token_is_401_invalid_token() {
    let harness = Harness::new(config()).await;
    let response = harness.send(mcp_post(Some("not-a-token"), None, &initialize(1))).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], r#"Bearer error="invalid_token""#);
    assert_eq!(body_json(response).await["message"], "invalid bearer token: unknown token");
}

#[tokio::test]
async fn sse_and_message_without_a_token_are_401() {
    let harness = Harness::new(config()).await;
    let sse = harness.send(request("GET", "/sse").body(Body::empty()).unwrap()).await;
    assert_eq!(sse.status(), 401);
    let message = harness
        .send(
            request("POST", "/message?sessionId=x")
                .body(Body::from(initialize(1).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(message.status(), 401);
}

#[tokio::test]
async fn a_static_token_opens_a_session_acting_as_its_principal() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let response =
        harness.send(mcp_post(Some(CI_TOKEN), Some(&session), &remember(2, "ci can write"))).await;
    assert_eq!(response.status(), 200);
    let messages = messages_in(&body_text(response).await);
    assert_eq!(structured(&messages[0])["success"], true);
    assert_eq!(structured(&messages[0])["pattern_name"], "store_memory");
    let principals = harness.principals();
    assert_eq!(principals.len(), 1);
    assert_eq!((principals[0].id.as_str(), principals[0].role), ("ci", Role::Agent));
}

#[tokio::test]
async fn a_token_configured_by_its_digest_is_accepted() {
    let harness = Harness::new(config()).await;
    open_mcp_session(&harness, OPS_TOKEN).await;
    let principals = harness.principals();
    assert_eq!((principals[0].id.as_str(), principals[0].role), ("ops", Role::Admin));
}

#[tokio::test]
async fn a_jwt_role_and_namespaces_become_the_principal_limits() {
    let harness = Harness::new(config()).await;
    let token = jwt(
        json!({"sub": "alice", "role": "agent", "namespaces": ["team-a"], "exp": in_an_hour()}),
    );
    let session = open_mcp_session(&harness, &token).await;
    let query = json!({"query": "remember that alice owns team-b", "namespace": "team-b"});
    let call = call_tool(2, "execute_pattern", query);
    let response = harness.send(mcp_post(Some(&token), Some(&session), &call)).await;
    let message = messages_in(&body_text(response).await).remove(0);
    assert_eq!(message["result"]["isError"], true);
    assert_eq!(structured(&message)["error"], "this principal may not use namespace `team-b`");
    let principal = harness.principals().remove(0);
    assert_eq!(principal.id, "jwt:alice");
    assert_eq!(principal.role, Role::Agent);
    assert_eq!(principal.namespaces, Some(vec!["team-a".to_owned()]));
}

#[tokio::test]
async fn an_expired_jwt_is_401_saying_so() {
    let harness = Harness::new(config()).await;
    let token = jwt(json!({"sub": "alice", "exp": jsonwebtoken::get_current_timestamp() - 60}));
    let response = harness.send(mcp_post(Some(&token), None, &initialize(1))).await;
    assert_eq!(response.status(), 401);
    assert_eq!(body_json(response).await["message"], "invalid bearer token: the token has expired");
}

#[tokio::test]
async fn another_principal_cannot_use_a_session_id() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let response =
        harness.send(mcp_post(Some(OPS_TOKEN), Some(&session), &remember(2, "ops was here"))).await;
    assert_eq!(response.status(), 404);
    assert_eq!(body_text(response).await, "Not Found: Session not found");
}

#[tokio::test]
async fn probes_stay_open_when_auth_is_on() {
    let harness = Harness::new(config()).await;
    let healthz = harness.send(request("GET", "/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(healthz.status(), 200);
    let readyz = harness.send(request("GET", "/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(readyz.status(), 200);
}

#[tokio::test]
async fn without_credentials_configured_requests_act_as_local() {
    let harness = Harness::new(HttpConfig::default()).await;
    let session = open_mcp_session(&harness, "ignored").await;
    let response = harness.send(mcp_post(None, Some(&session), &remember(2, "local writes"))).await;
    assert_eq!(structured(&messages_in(&body_text(response).await)[0])["success"], true);
    assert_eq!(harness.principals(), [Principal::local()]);
}

#[tokio::test]
async fn a_readonly_principal_may_not_store_memories() {
    let harness = Harness::new(config()).await;
    let token = jwt(json!({"sub": "reader", "exp": in_an_hour()}));
    let session = open_mcp_session(&harness, &token).await;
    let response =
        harness.send(mcp_post(Some(&token), Some(&session), &remember(2, "readers write"))).await;
    let message = messages_in(&body_text(response).await).remove(0);
    assert_eq!(message["result"]["isError"], true);
    assert_eq!(structured(&message)["success"], false);
    assert_eq!(harness.principals()[0].role, Role::Readonly);
}

#[tokio::test]
async fn a_refusal_decided_before_the_body_is_read_closes_the_connection() {
    let harness = Harness::new(config()).await;
    // The body is left unread by the 401, so hyper closes the connection after it: the answer must say so, or a
    // client keeping the connection alive would send its next request into a closing socket.
    let refused = harness.send(mcp_post(None, None, &initialize(1))).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()[header::CONNECTION], "close");
    // A request whose body was read keeps its connection.
    let served = harness.send(mcp_post(Some(CI_TOKEN), None, &initialize(2))).await;
    assert_eq!(served.status(), 200);
    assert!(served.headers().get(header::CONNECTION).is_none());
    // So does one without a body.
    let probe = harness.send(request("GET", "/healthz").body(Body::empty()).unwrap()).await;
    assert!(probe.headers().get(header::CONNECTION).is_none());
}
