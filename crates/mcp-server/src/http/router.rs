//! `app`: the routes and, around them, the security and resource layers.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::Response;
use axum::routing::{any, get, post};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::http::auth::require_auth;
use crate::http::health::{healthz, readyz};
use crate::http::host::check_host_and_origin;
use crate::http::mcp::mcp_endpoint;
use crate::http::prometheus::metrics_endpoint;
use crate::http::rate_limit::limit_rate;
use crate::http::sse::{MESSAGE_PATH, message_endpoint, sse_endpoint};
use crate::http::state::AppState;

/// The HTTP app. Order of checks on the MCP routes: Host/Origin (403),
/// bearer token (401), rate limit (429), then the transport. `/healthz` and
/// `/readyz` skip all three so orchestrators can probe them by IP.
pub fn app(state: AppState) -> Router {
    let config = state.config().clone();

    let mcp = Router::new()
        .route("/mcp", any(mcp_endpoint))
        .route("/sse", get(sse_endpoint))
        .route(MESSAGE_PATH, post(message_endpoint))
        .route_layer(from_fn_with_state(state.clone(), limit_rate))
        .route_layer(from_fn_with_state(state.clone(), require_auth));

    let mut metrics = Router::new().route("/metrics", get(metrics_endpoint));
    if config.metrics_requires_auth {
        metrics = metrics.route_layer(from_fn_with_state(state.clone(), require_auth));
    }

    let probes = Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz));

    mcp.merge(metrics)
        .route_layer(from_fn_with_state(state.clone(), check_host_and_origin))
        .merge(probes)
        // Refuse a too-large body by its Content-Length before reading it,
        // and stop reading a chunked one at the limit.
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout))
        .layer(map_response(close_after_refused_body))
        .with_state(state)
}

/// A body refused for its size is left unread, so its connection cannot carry another request: the
/// answer says so (`Connection: close`), else a client that reuses the connection sends its next
/// request into a socket the server is closing, and loses it (tools/chaos.sh, `hostile_http`).
async fn close_after_refused_body(mut response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
