//! HTTP transports and endpoints: `/mcp` (Streamable HTTP), `/sse` + `/message` (legacy HTTP+SSE),
//! `/metrics`, `/healthz`, `/readyz`, with bearer auth, Host/Origin checks, rate and size limits.
//!
//! `app` builds the router from an `AppState`; tests drive it with
//! `tower::ServiceExt::oneshot`, the binary runs it with `serve_engine`
//! (`run.rs`), which wires in the engine's handler, readiness and metrics.

mod auth;
mod config;
mod drain;
mod error;
mod families;
mod health;
mod host;
mod mcp;
mod prometheus;
mod quota;
mod rate_limit;
mod readiness;
mod router;
mod run;
mod serve;
mod sse;
mod state;

pub use auth::{Authenticator, JWT_PRINCIPAL_PREFIX, install_crypto_provider, sha256_hex};
pub use config::{
    HttpConfig, HttpConfigError, HttpSettings, InvalidSetting, JwtConfig, LOOPBACK_HOSTS, RawHttp,
    RawRateLimit, RawToken, TokenConfig, TokenSecret, parse_addr, resolve_settings,
};
pub use error::HttpError;
pub use families::describe_families;
pub use health::{
    ComponentStatus, DownstreamStatus, Health, Readiness, ReadyReport, StaticReadiness,
};
pub use host::HostPolicy;
pub use mcp::SESSION_HEADER;
pub use prometheus::{install_recorder, spawn_upkeep};
pub use quota::SessionQuota;
pub use readiness::EngineReadiness;
pub use router::app;
pub use run::{handler_factory, serve_engine};
pub use serve::{DEFAULT_SHUTDOWN_GRACE, ServeOptions, serve, serve_with};
pub use state::{AppState, validate};

pub use crate::server::{PrincipalRateLimiter, RateLimit, RetryAfter, retry_secs};

/// `mutex` locked; a lock poisoned by a panicking holder is taken as it is,
/// since every state kept under these locks stays consistent between
/// statements.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
