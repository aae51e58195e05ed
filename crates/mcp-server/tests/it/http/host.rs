//! DNS-rebinding protection on the routes: foreign Host or Origin is 403, probes are exempt.

use axum::body::Body;
use axum::http::{Request, header};
use pattern_mcp::http::HttpConfig;

use crate::http::support::*;

fn initialize_with(host: Option<&str>, origin: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder()
        .method("POST")
        .uri("/mcp")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, ACCEPT_BOTH)
        .header(header::AUTHORIZATION, bearer(CI_TOKEN));
    if let Some(host) = host {
        builder = builder.header(header::HOST, host);
    }
    if let Some(origin) = origin {
        builder = builder.header(header::ORIGIN, origin);
    }
    builder.body(Body::from(initialize(1).to_string())).unwrap()
}

#[tokio::test]
async fn a_foreign_host_is_403_before_auth() {
    let harness = Harness::new(config()).await;
    let response = harness.send(initialize_with(Some("evil.example.com"), None)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(body_json(response).await["error"], "host_not_allowed");
}

#[tokio::test]
async fn a_foreign_origin_is_403() {
    let harness = Harness::new(config()).await;
    let response = harness
        .send(initialize_with(Some("localhost:8080"), Some("http://evil.example.com")))
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(body_json(response).await["error"], "origin_not_allowed");
}

#[tokio::test]
async fn a_missing_host_is_403() {
    let harness = Harness::new(config()).await;
    let response = harness.send(initialize_with(None, None)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(body_json(response).await["error"], "missing_host");
}

#[tokio::test]
async fn loopback_host_and_origin_pass() {
    let harness = Harness::new(config()).await;
    let response =
        harness.send(initialize_with(Some("127.0.0.1:3000"), Some("http://localhost:5173"))).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("mcp-session-id"));
}

#[tokio::test]
async fn an_added_host_passes() {
    let mut config = config();
    config.allowed_hosts.push("mcp.example.com".into());
    let harness = Harness::new(config).await;
    let response = harness
        .send(initialize_with(Some("mcp.example.com"), Some("https://mcp.example.com")))
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn sse_and_metrics_check_the_host_too() {
    let harness = Harness::new(HttpConfig::default()).await;
    for uri in ["/sse", "/metrics"] {
        let response = harness
            .send(
                Request::get(uri)
                    .header(header::HOST, "evil.example.com")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status(), 403, "{uri}");
    }
}

#[tokio::test]
async fn probes_answer_any_host() {
    let harness = Harness::new(config()).await;
    let response = harness
        .send(
            Request::get("/healthz")
                .header(header::HOST, "10.1.2.3:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(body_text(response).await, "ok");
}
