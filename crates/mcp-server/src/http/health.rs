//! `/healthz` (the process answers) and `/readyz` (its dependencies answer), with the `Readiness` trait.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::json;

/// What `/readyz` asks, and how long it waits for the answer (an axum substate).
#[derive(Clone)]
pub struct Probes {
    pub readiness: Arc<dyn Readiness>,
    pub timeout: Duration,
}

impl std::fmt::Debug for Probes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probes").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

/// What the server reports about its dependencies; the real server
/// implements it over the engine (memory store, Redis, downstream servers).
pub trait Readiness: Send + Sync + 'static {
    fn components(&self) -> BoxFuture<'_, ReadyReport>;
}

/// The state of each dependency. Only `memory` decides readiness: without
/// Redis the local cache tier serves, without a downstream server only its
/// tools fail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadyReport {
    pub memory: ComponentStatus,
    pub redis: ComponentStatus,
    pub downstream: Vec<DownstreamStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Up,
    Down,
    /// Not configured, so neither up nor down (e.g. no Redis URL).
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentStatus {
    pub status: Health,
    /// What kind of backend answered (`sqlite`, `postgres`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// Why it is down, in words safe to show (never a connection string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

impl ComponentStatus {
    pub fn up() -> Self {
        Self { status: Health::Up, backend: None, detail: None, latency_ms: None }
    }

    pub fn down(detail: impl Into<String>) -> Self {
        Self { status: Health::Down, backend: None, detail: Some(detail.into()), latency_ms: None }
    }

    pub fn disabled() -> Self {
        Self { status: Health::Disabled, backend: None, detail: None, latency_ms: None }
    }

    pub fn with_backend(mut self, backend: impl Into<String>) -> Self {
        self.backend = Some(backend.into());
        self
    }

    pub fn with_latency_ms(mut self, latency_ms: u64) -> Self {
        self.latency_ms = Some(latency_ms);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DownstreamStatus {
    pub name: String,
    #[serde(flatten)]
    pub status: ComponentStatus,
}

impl ReadyReport {
    pub fn is_ready(&self) -> bool {
        self.memory.status == Health::Up
    }
}

/// `GET /healthz`: 200 `ok` while the process can answer at all.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: per-component JSON; 503 when the memory store is down or
/// the check takes longer than the configured timeout.
pub async fn readyz(State(probes): State<Probes>) -> Response {
    let timeout = probes.timeout;
    let report = match tokio::time::timeout(timeout, probes.readiness.components()).await {
        Ok(report) => report,
        Err(_) => {
            let body = json!({
                "status": "not_ready",
                "error": format!("readiness check took longer than {} ms", timeout.as_millis()),
            });
            return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
        }
    };
    let (status, word) = if report.is_ready() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
    };
    (status, Json(json!({"status": word, "components": report}))).into_response()
}

/// A `Readiness` that always reports the same thing; for tests and for
/// processes without dependencies.
#[derive(Debug, Clone)]
pub struct StaticReadiness(pub ReadyReport);

impl StaticReadiness {
    /// Memory up, Redis disabled, no downstream servers.
    pub fn ready() -> Self {
        Self(ReadyReport {
            memory: ComponentStatus::up(),
            redis: ComponentStatus::disabled(),
            downstream: Vec::new(),
        })
    }
}

impl Readiness for StaticReadiness {
    fn components(&self) -> BoxFuture<'_, ReadyReport> {
        Box::pin(std::future::ready(self.0.clone()))
    }
}
