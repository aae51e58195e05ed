//! `/healthz` and `/readyz`: liveness text and per-component readiness JSON.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use futures::future::BoxFuture;
use pattern_mcp::http::{
    ComponentStatus, DownstreamStatus, HttpConfig, Readiness, ReadyReport, StaticReadiness,
};
use serde_json::json;

use crate::http::support::*;

fn readyz() -> axum::http::Request<Body> {
    request("GET", "/readyz").body(Body::empty()).unwrap()
}

#[tokio::test]
async fn healthz_answers_ok() {
    let harness = Harness::new(config()).await;
    let response = harness.send(request("GET", "/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(body_text(response).await, "ok");
}

#[tokio::test]
async fn readyz_reports_every_component_and_is_200_when_memory_is_up() {
    let report = ReadyReport {
        memory: ComponentStatus::up().with_backend("sqlite").with_latency_ms(1),
        redis: ComponentStatus::down("connection refused"),
        downstream: vec![DownstreamStatus { name: "time".into(), status: ComponentStatus::up() }],
    };
    let harness = Harness::with_readiness(config(), Arc::new(StaticReadiness(report))).await;
    let response = harness.send(readyz()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        body_json(response).await,
        json!({
            "status": "ready",
            "components": {
                "memory": {"status": "up", "backend": "sqlite", "latency_ms": 1},
                "redis": {"status": "down", "detail": "connection refused"},
                "downstream": [{"name": "time", "status": "up"}]
            }
        })
    );
}

#[tokio::test]
async fn readyz_is_503_when_memory_is_down() {
    let report = ReadyReport {
        memory: ComponentStatus::down("database is locked"),
        redis: ComponentStatus::disabled(),
        downstream: vec![],
    };
    let harness = Harness::with_readiness(config(), Arc::new(StaticReadiness(report))).await;
    let response = harness.send(readyz()).await;
    assert_eq!(response.status(), 503);
    let body = body_json(response).await;
    assert_eq!(body["status"], "not_ready");
    assert_eq!(
        body["components"]["memory"],
        json!({"status": "down", "detail": "database is locked"})
    );
    assert_eq!(body["components"]["redis"], json!({"status": "disabled"}));
}

struct NeverAnswers;

impl Readiness for NeverAnswers {
    fn components(&self) -> BoxFuture<'_, ReadyReport> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test(start_paused = true)]
async fn readyz_is_503_when_the_check_takes_too_long() {
    let config = HttpConfig { readiness_timeout: Duration::from_secs(2), ..config() };
    let harness = Harness::with_readiness(config, Arc::new(NeverAnswers)).await;
    let response = harness.send(readyz()).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        body_json(response).await,
        json!({"status": "not_ready", "error": "readiness check took longer than 2000 ms"})
    );
}
