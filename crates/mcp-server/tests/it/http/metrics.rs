//! `/metrics`: Prometheus text from the process recorder, behind auth when configured.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::header;
use pattern_mcp::http::{
    AppState, HttpConfig, StaticReadiness, app, describe_families, handler_factory,
    install_recorder,
};
use tower::ServiceExt;

use crate::http::support::*;

async fn app_with_metrics(config: HttpConfig) -> Router {
    let handle = install_recorder().unwrap();
    describe_families();
    let factory = handler_factory(test_engine().await, None);
    let state =
        AppState::new(config, factory, Arc::new(StaticReadiness::ready()), Some(handle)).unwrap();
    app(state)
}

#[tokio::test]
async fn metrics_render_prometheus_text() {
    let app = app_with_metrics(HttpConfig::default()).await;
    // Labels no engine path produces: the process recorder is shared with
    // the other tests, which execute real patterns.
    metrics::counter!("pattern_executions_total", "pattern_type" => "render_test", "pattern" => "recall", "outcome" => "ok")
        .increment(3);
    metrics::histogram!("pattern_execution_duration_seconds", "pattern_type" => "render_test")
        .record(0.02);
    let response =
        app.oneshot(request("GET", "/metrics").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = body_text(response).await;
    assert!(
        text.contains(
            r#"pattern_executions_total{pattern_type="render_test",pattern="recall",outcome="ok"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"pattern_execution_duration_seconds_bucket{pattern_type="render_test",le="0.025"} 1"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_need_a_token_when_configured() {
    let app = app_with_metrics(HttpConfig { metrics_requires_auth: true, ..config() }).await;
    let anonymous =
        app.clone().oneshot(request("GET", "/metrics").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let authorized = app
        .oneshot(
            request("GET", "/metrics")
                .header(header::AUTHORIZATION, bearer(CI_TOKEN))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(authorized.status(), 200);
}

#[tokio::test]
async fn metrics_stay_open_by_default_even_with_auth_on() {
    let app = app_with_metrics(config()).await;
    let response =
        app.oneshot(request("GET", "/metrics").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn metrics_without_a_recorder_are_404() {
    let harness = Harness::new(HttpConfig::default()).await;
    let response = harness.send(request("GET", "/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), 404);
    assert_eq!(body_json(response).await["error"], "metrics_disabled");
}
