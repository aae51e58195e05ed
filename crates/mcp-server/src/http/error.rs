//! Every failure the HTTP layer answers itself, and the one place it becomes a response.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::retry_secs;

/// Why a request was refused before reaching an MCP handler. The message is
/// shown to the client, so it never holds a token, a secret or a backtrace.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("missing bearer token: send `Authorization: Bearer <token>`")]
    MissingToken,
    #[error("invalid bearer token: {0}")]
    InvalidToken(String),
    #[error("host `{0}` is not allowed (DNS-rebinding protection); add it to the allowed hosts")]
    HostNotAllowed(String),
    #[error("a Host header is required")]
    MissingHost,
    #[error("origin `{0}` is not allowed; add it to the allowed origins")]
    OriginNotAllowed(String),
    #[error("no session `{0}`: it ended or never existed; open a new one with GET /sse")]
    UnknownSseSession(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("the request body is larger than the limit of {0} bytes")]
    PayloadTooLarge(usize),
    #[error("too many open sessions ({0}); retry later")]
    TooManySessions(usize),
    #[error("rate limit exceeded; retry in {} s", retry_secs(*.0))]
    RateLimited(Duration),
    #[error("metrics are not enabled")]
    MetricsDisabled,
}

impl HttpError {
    /// A fixed label for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            HttpError::MissingToken => "missing_token",
            HttpError::InvalidToken(_) => "invalid_token",
            HttpError::HostNotAllowed(_) => "host_not_allowed",
            HttpError::MissingHost => "missing_host",
            HttpError::OriginNotAllowed(_) => "origin_not_allowed",
            HttpError::UnknownSseSession(_) => "unknown_session",
            HttpError::BadRequest(_) => "bad_request",
            HttpError::PayloadTooLarge(_) => "payload_too_large",
            HttpError::TooManySessions(_) => "too_many_sessions",
            HttpError::RateLimited(_) => "rate_limited",
            HttpError::MetricsDisabled => "metrics_disabled",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::MissingToken | HttpError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            HttpError::HostNotAllowed(_)
            | HttpError::MissingHost
            | HttpError::OriginNotAllowed(_) => StatusCode::FORBIDDEN,
            HttpError::UnknownSseSession(_) | HttpError::MetricsDisabled => StatusCode::NOT_FOUND,
            HttpError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::TooManySessions(_) => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// Whether the client may succeed by sending the same request later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, HttpError::TooManySessions(_) | HttpError::RateLimited(_))
    }
}

/// How long a client should wait before opening a session again when all are taken.
const SESSIONS_RETRY_AFTER: &str = "5";

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let body = Json(json!({"error": self.reason(), "message": self.to_string()}));
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        match &self {
            HttpError::MissingToken => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            HttpError::InvalidToken(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer error="invalid_token""#),
                );
            }
            HttpError::RateLimited(wait) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_secs(*wait)));
            }
            HttpError::TooManySessions(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static(SESSIONS_RETRY_AFTER));
            }
            _ => {}
        }
        tracing::debug!(reason = self.reason(), status = %self.status(), "request refused");
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_token_answers_401_with_a_bearer_challenge() {
        let response = HttpError::InvalidToken("expired".into()).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], r#"Bearer error="invalid_token""#);
    }

    #[test]
    fn rate_limited_carries_retry_after() {
        let response = HttpError::RateLimited(Duration::from_millis(1500)).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
