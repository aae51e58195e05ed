//! `/metrics`: the process's Prometheus recorder, installed once, rendered as text.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::http::error::HttpError;

/// Buckets of every `*_seconds` histogram: 1 ms to 30 s.
const SECONDS_BUCKETS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0];

/// Prometheus' text exposition format, version 0.0.4.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Installs the Prometheus recorder as the process's `metrics` recorder, once;
/// later calls return the same handle. Fails when another recorder was
/// installed first.
pub fn install_recorder() -> Result<PrometheusHandle, String> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
                .map_err(|e| e.to_string())?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder)
                .map_err(|e| format!("a metrics recorder is already installed: {e}"))?;
            Ok(handle)
        })
        .clone()
}

/// Runs the recorder's upkeep (draining histogram samples) every `every`, so
/// memory stays bounded when nothing scrapes.
pub fn spawn_upkeep(handle: PrometheusHandle, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    })
}

/// The recorder `/metrics` renders, if metrics are enabled (an axum substate).
#[derive(Clone, Debug, Default)]
pub struct Metrics(pub Option<PrometheusHandle>);

/// `GET /metrics`.
pub async fn metrics_endpoint(State(Metrics(handle)): State<Metrics>) -> Response {
    let Some(handle) = handle else { return HttpError::MetricsDisabled.into_response() };
    let mut response = handle.render().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
