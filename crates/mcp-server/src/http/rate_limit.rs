//! The per-principal limit on whole HTTP requests, applied before the transport.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pattern_engine::Principal;

use crate::http::error::HttpError;
use crate::server::{PrincipalRateLimiter, RetryAfter};

/// The limiter of whole requests, if one is configured (an axum substate).
#[derive(Clone, Debug, Default)]
pub struct RequestLimit(pub Option<Arc<PrincipalRateLimiter>>);

/// Middleware: 429 with `Retry-After` once a principal's bucket is empty.
/// Runs after `require_auth`, which stores the principal.
pub async fn limit_rate(
    State(RequestLimit(limiter)): State<RequestLimit>,
    request: Request,
    next: Next,
) -> Response {
    if let (Some(limiter), Some(principal)) = (limiter, request.extensions().get::<Principal>())
        && let Err(RetryAfter(wait)) = limiter.check(&principal.id)
    {
        return HttpError::RateLimited(wait).into_response();
    }
    next.run(request).await
}
