//! The session front (`src/http/mcp/front.rs`): a plain `tools/call` in a
//! 2025-06-18 session is answered beside rmcp as one JSON body, everything
//! else in the session by rmcp as an event stream. Each call here is sent
//! twice in one session, once as a client sends it (the front answers) and
//! once with an `Accept` header the front leaves to rmcp: the two answers
//! must be the same. What the front must leave to rmcp in a session (log
//! notifications, keeping the session alive) is checked from outside too.

use std::time::{Duration, Instant};

use axum::http::header;
use pattern_mcp::http::HttpConfig;
use serde_json::{Value, json};

use crate::http::support::*;

/// The status, content type and messages of `request`'s answer.
async fn answer(
    harness: &Harness,
    request: axum::http::Request<axum::body::Body>,
) -> (u16, String, Vec<Value>) {
    let response = harness.send(request).await;
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, messages_in(&body_text(response).await))
}

/// Sends `message` in `session` as a client does and as rmcp alone takes
/// it; returns the status and comparable response of each, after checking
/// that the front answered the first as JSON and rmcp the second as an
/// event stream.
async fn both(harness: &Harness, session: &str, message: &Value) -> [(u16, Value); 2] {
    let mut answers = Vec::new();
    for (accept, kind) in [(ACCEPT_BOTH, "application/json"), (WEIGHTED, "text/event-stream")] {
        let request = mcp_post_accepting(Some(CI_TOKEN), Some(session), message, accept);
        let (status, answered_as, messages) = answer(harness, request).await;
        assert_eq!(answered_as, kind, "{message}");
        let response = messages.into_iter().find(|m| m.get("id").is_some()).expect("no response");
        answers.push((status, comparable(response)));
    }
    answers.try_into().unwrap()
}

#[tokio::test]
async fn the_front_and_rmcp_answer_every_call_in_a_session_alike() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let stored = both(&harness, &session, &remember(1, "the build server is ci-7")).await;
    assert_eq!(stored[0].1["result"]["structuredContent"]["success"], true, "{stored:?}");
    let recall = call_tool(2, "execute_pattern", json!({"query": "what is the build server?"}));
    both(&harness, &session, &recall).await;

    let mut calls = vec![
        ("a cached recall", recall),
        ("a progress token", {
            let mut message = call_tool(4, "route_query", json!({"query": "list the tools"}));
            message["params"]["_meta"] = json!({"progressToken": "p-4"});
            message
        }),
    ];
    calls.extend(calls_either_way());
    for (what, message) in calls {
        let [front, rmcp] = both(&harness, &session, &message).await;
        assert_eq!(front, rmcp, "{what}");
        assert_eq!(front.0, 200, "{what}");
        assert_eq!(front.1["id"], message["id"], "{what}");
    }

    // An unknown tool is rmcp's to refuse, whatever the Accept header.
    let unknown = call_tool(8, "no_such_tool", json!({}));
    let request = mcp_post(Some(CI_TOKEN), Some(&session), &unknown);
    let (status, kind, messages) = answer(&harness, request).await;
    assert_eq!((status, kind.as_str()), (200, "text/event-stream"));
    assert_eq!(messages.last().unwrap()["error"]["code"], -32602, "{messages:?}");
}

/// Once a session's client has set a log level, its calls go through rmcp,
/// which sends their log notifications (`cached_calls.rs` reads them).
#[tokio::test]
async fn a_session_that_asked_for_log_notifications_has_its_calls_answered_by_rmcp() {
    let harness = Harness::new(config()).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let call = call_tool(2, "execute_pattern", json!({"query": "what is the build server?"}));
    let (_, kind, messages) =
        answer(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &call)).await;
    assert_eq!((kind.as_str(), messages.len()), ("application/json", 1), "{messages:?}");

    let set = json!({"jsonrpc": "2.0", "id": 3, "method": "logging/setLevel", "params": {"level": "info"}});
    answer(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &set)).await;
    let (status, kind, messages) =
        answer(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &call)).await;
    assert_eq!((status, kind.as_str()), (200, "text/event-stream"));
    assert_eq!(messages.last().unwrap()["id"], 2, "{messages:?}");
}

/// rmcp ends a session it has not heard from for `session_idle`; calls
/// answered at the front are not heard by rmcp, so the front sends one of a
/// busy session's requests to rmcp at least every fifth of that.
#[tokio::test]
async fn a_session_busy_with_calls_answered_at_the_front_is_kept_and_an_idle_one_ends() {
    // Long enough that a call answered under load still comes within a
    // fifth of it after the one before.
    let idle = Duration::from_secs(1);
    let harness = Harness::new(HttpConfig { session_idle: idle, ..config() }).await;
    let session = open_mcp_session(&harness, CI_TOKEN).await;
    let stats = call_tool(2, "stats", json!({}));
    let (mut front, mut rmcp) = (0, 0);
    let started = Instant::now();
    while started.elapsed() < idle * 3 {
        let (status, kind, messages) =
            answer(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &stats)).await;
        assert_eq!(status, 200, "the session ended after {:?}", started.elapsed());
        assert_eq!(messages.last().unwrap()["id"], 2);
        match kind.as_str() {
            "application/json" => front += 1,
            _ => rmcp += 1,
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Three idle times: rmcp heard from the session at least once in each.
    assert!(rmcp >= 3 && front >= 1, "{front} calls at the front, {rmcp} through rmcp");

    tokio::time::sleep(idle * 2).await;
    let (status, _, _) = answer(&harness, mcp_post(Some(CI_TOKEN), Some(&session), &stats)).await;
    assert_eq!(status, 404, "an idle session is ended by rmcp");
}
