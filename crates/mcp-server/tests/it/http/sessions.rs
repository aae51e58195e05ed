//! Sessions of both transports: bound to the credential that opened them, and bounded per principal.
//!
//! The first tests replay the attacks of issue 10 against a deployment with
//! a JWT secret, a static token `alice` (agent, namespace `alice`) and a
//! static token `ops` (admin).

use std::time::Duration;

use axum::body::Body;
use axum::http::header;
use jsonwebtoken::get_current_timestamp;
use pattern_core::Role;
use pattern_engine::Principal;
use pattern_mcp::http::{HttpConfig, JwtConfig, TokenConfig, TokenSecret};
use serde_json::{Value, json};

use crate::http::support::*;

const ALICE_TOKEN: &str = "alice-token-0123456789";

/// The deployment of the report: a 30 s leeway, as the binary uses.
fn deployment() -> HttpConfig {
    let token = |secret: &str, id: &str, role, namespaces: Option<Vec<String>>| TokenConfig {
        secret: TokenSecret::Plain(secret.into()),
        principal: Principal { id: id.into(), role, namespaces },
    };
    HttpConfig {
        tokens: vec![
            token(ALICE_TOKEN, "alice", Role::Agent, Some(vec!["alice".into()])),
            token(OPS_TOKEN, "ops", Role::Admin, None),
        ],
        jwt: Some(JwtConfig {
            secret: JWT_SECRET.to_vec(),
            issuer: None,
            audience: None,
            leeway: Duration::from_secs(30),
        }),
        ..HttpConfig::default()
    }
}

/// A call storing a memory in namespace `alice`.
fn store_into_alice(id: u64) -> Value {
    let query = json!({"query": format!("remember that call {id} was here"), "namespace": "alice"});
    call_tool(id, "execute_pattern", query)
}

async fn assert_session_not_found(harness: &Harness, token: &str, session: &str) {
    let response = harness.send(mcp_post(Some(token), Some(session), &store_into_alice(7))).await;
    assert_eq!(response.status(), 404);
    assert_eq!(body_text(response).await, "Not Found: Session not found");
}

async fn post_message(harness: &Harness, token: &str, endpoint: &str, message: &Value) -> Value {
    let response = harness
        .send(
            request("POST", endpoint)
                .header(header::AUTHORIZATION, bearer(token))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(message.to_string()))
                .unwrap(),
        )
        .await;
    let status = response.status().as_u16();
    json!({"status": status, "body": String::from_utf8(body_bytes(response).await).unwrap()})
}

#[tokio::test]
async fn a_readonly_jwt_cannot_use_the_session_an_admin_jwt_of_the_same_subject_opened() {
    let harness = Harness::new(deployment()).await;
    let now = get_current_timestamp();
    // Expired 24 s ago, still inside the 30 s leeway: it opens a session.
    let admin = jwt(json!({"sub": "carol", "role": "admin", "exp": now - 24}));
    let session = open_mcp_session(&harness, &admin).await;
    let readonly = jwt(json!({"sub": "carol", "namespaces": ["carol-public"], "exp": now + 3600}));
    assert_session_not_found(&harness, &readonly, &session).await;
    // Past the leeway the admin's credential itself is refused, session or not.
    let lapsed = jwt(json!({"sub": "carol", "role": "admin", "exp": now - 31}));
    let response =
        harness.send(mcp_post(Some(&lapsed), Some(&session), &store_into_alice(8))).await;
    assert_eq!(response.status(), 401);
    assert_eq!(body_json(response).await["message"], "invalid bearer token: the token has expired");
    assert_eq!(harness.principals().len(), 1, "no handler was made for the readonly token");
}

#[tokio::test]
async fn a_jwt_whose_subject_is_a_static_token_id_cannot_use_that_tokens_session() {
    let harness = Harness::new(deployment()).await;
    let session = open_mcp_session(&harness, OPS_TOKEN).await;
    let namesake = jwt(json!({"sub": "ops", "exp": in_an_hour()}));
    assert_session_not_found(&harness, &namesake, &session).await;
    let delete = request("DELETE", "/mcp")
        .header(header::AUTHORIZATION, bearer(&namesake))
        .header("mcp-session-id", &session)
        .body(Body::empty())
        .unwrap();
    assert_eq!(harness.send(delete).await.status(), 404);
    // Its own session acts as `jwt:ops`, read-only.
    let own = open_mcp_session(&harness, &namesake).await;
    let response = harness.send(mcp_post(Some(&namesake), Some(&own), &store_into_alice(9))).await;
    let message = messages_in(&body_text(response).await).remove(0);
    assert_eq!(message["result"]["isError"], true);
    let ids: Vec<String> = harness.principals().into_iter().map(|p| p.id).collect();
    assert_eq!(ids, ["ops", "jwt:ops"]);
    // The token's session still works for the token.
    let response =
        harness.send(mcp_post(Some(OPS_TOKEN), Some(&session), &store_into_alice(10))).await;
    assert_eq!(structured(&messages_in(&body_text(response).await)[0])["success"], true);
}

#[tokio::test]
async fn a_jwt_whose_subject_is_a_static_token_id_cannot_post_to_that_tokens_sse_stream() {
    let harness = Harness::new(deployment()).await;
    let (_reader, endpoint) = open_sse(&harness, ALICE_TOKEN).await;
    let namesake = jwt(json!({"sub": "alice", "namespaces": ["elsewhere"], "exp": in_an_hour()}));
    let answer = post_message(&harness, &namesake, &endpoint, &initialize(1)).await;
    assert_eq!(answer["status"], 404);
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"], "unknown_session");
    // The owner's own token still reaches it.
    let owner = post_message(&harness, ALICE_TOKEN, &endpoint, &initialize(1)).await;
    assert_eq!(owner["status"], 202);
}

#[tokio::test]
async fn a_jwt_not_valid_yet_is_401_saying_so() {
    let harness = Harness::new(deployment()).await;
    let now = get_current_timestamp();
    let early = jwt(json!({"sub": "carol", "nbf": now + 3600, "exp": now + 7200}));
    let response = harness.send(mcp_post(Some(&early), None, &initialize(1))).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        body_json(response).await["message"],
        "invalid bearer token: the token is not valid yet"
    );
}

fn ping(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "ping"})
}

#[tokio::test]
async fn a_principal_over_its_quota_loses_its_longest_idle_session_and_others_still_open() {
    let config = HttpConfig { max_sessions_per_principal: 2, max_sessions: 8, ..deployment() };
    let harness = Harness::new(config).await;
    let reader = jwt(json!({"sub": "reader", "exp": in_an_hour()}));
    let first = open_mcp_session(&harness, &reader).await;
    let second = open_mcp_session(&harness, &reader).await;
    // Using the first makes the second the longest idle.
    let used = harness.send(mcp_post(Some(&reader), Some(&first), &ping(2))).await;
    assert_eq!(used.status(), 200);
    let third = open_mcp_session(&harness, &reader).await;
    assert_session_not_found(&harness, &reader, &second).await;
    for alive in [&first, &third] {
        let response = harness.send(mcp_post(Some(&reader), Some(alive), &ping(3))).await;
        assert_eq!(response.status(), 200);
    }
    open_mcp_session(&harness, OPS_TOKEN).await;
    assert_eq!(harness.state.mcp().session_count().await, 3, "rmcp forgot the evicted session");
}

#[tokio::test]
async fn many_sessions_of_one_principal_never_lock_out_another() {
    // The defaults: 256 sessions, 16 per principal.
    let harness = Harness::new(deployment()).await;
    let reader = jwt(json!({"sub": "reader", "exp": in_an_hour()}));
    for _ in 0..40 {
        let response = harness.send(mcp_post(Some(&reader), None, &initialize(1))).await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(harness.state.mcp().session_count().await, 16);
    open_mcp_session(&harness, OPS_TOKEN).await;
    assert_eq!(harness.state.mcp().session_count().await, 17);
}

#[tokio::test]
async fn an_sse_principal_over_its_quota_loses_its_oldest_stream_and_others_still_open() {
    let config = HttpConfig { max_sessions_per_principal: 1, max_sessions: 2, ..deployment() };
    let harness = Harness::new(config).await;
    let (mut first, endpoint) = open_sse(&harness, ALICE_TOKEN).await;
    let (_second, _) = open_sse(&harness, ALICE_TOKEN).await;
    assert_eq!(first.next_message().await, None, "the first stream ended");
    let answer = post_message(&harness, ALICE_TOKEN, &endpoint, &initialize(1)).await;
    assert_eq!(answer["status"], 404);
    let (_ops, _) = open_sse(&harness, OPS_TOKEN).await;
    assert_eq!(harness.state.sse().sessions().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_opened_all_at_once_stay_within_the_quota_and_refuse_every_other_credential() {
    // The report's burst, concurrent: each session recorded while another
    // request pruned the book once fell out of it, open, unbounded and
    // usable with any credential.
    let harness = std::sync::Arc::new(Harness::new(deployment()).await);
    let reader = jwt(json!({"sub": "reader", "exp": in_an_hour()}));
    let mut opened = Vec::new();
    // One burst opened such a session about one time in three.
    for _ in 0..24 {
        let burst = (0..64).map(|_| {
            let (harness, reader) = (harness.clone(), reader.clone());
            tokio::spawn(async move {
                let response = harness.send(mcp_post(Some(&reader), None, &initialize(1))).await;
                assert_eq!(response.status(), 200);
                response.headers()["mcp-session-id"].to_str().unwrap().to_owned()
            })
        });
        for session in futures::future::join_all(burst).await {
            opened.push(session.unwrap());
        }
    }
    assert_eq!(harness.state.mcp().session_count().await, 16);
    let mut alive = 0;
    for session in &opened {
        let stolen = harness.send(mcp_post(Some(OPS_TOKEN), Some(session), &ping(4))).await;
        assert_eq!(stolen.status(), 404, "session {session} answered another credential");
        let own = harness.send(mcp_post(Some(&reader), Some(session), &ping(5))).await;
        alive += usize::from(own.status() == 200);
    }
    assert_eq!(alive, 16);
}
