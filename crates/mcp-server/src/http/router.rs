//! `app`: the routes and, around them, the security and resource layers.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::{any, get, post};
use hyper::body::{Frame, SizeHint};
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
        .layer(from_fn(close_when_body_unread))
        .with_state(state)
}

/// A request body left unread (refused for its size, its credential, its Host, the rate, a timeout: any answer
/// decided before the body was read) makes hyper close the connection after the answer, since the rest of the
/// body would be read as the next request. The answer says so (`Connection: close`): else a client that keeps
/// the connection alive sends its next request into a socket the server is closing, and loses it
/// (tools/chaos.sh, `hostile_http`). A body that was read to its end leaves the connection usable.
async fn close_when_body_unread(request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let finished = Arc::new(AtomicBool::new(false));
    let watched = finished.clone();
    let request = request.map(|inner| Body::new(Watched { inner, finished: watched }));
    let mut response = next.run(request).await;
    if !finished.load(Ordering::Acquire) {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A request body that records when it has been read to its end.
struct Watched {
    inner: Body,
    finished: Arc<AtomicBool>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.finished.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
