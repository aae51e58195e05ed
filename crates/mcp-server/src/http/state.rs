//! `AppState`: everything the HTTP handlers share, built once from the config and the handler factory.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio_util::sync::CancellationToken;

use crate::http::auth::Authenticator;
use crate::http::config::{HttpConfig, HttpConfigError};
use crate::http::health::Readiness;
use crate::http::host::HostPolicy;
use crate::http::mcp::StreamableHttp;
use crate::http::rate_limit::PrincipalRateLimiter;
use crate::http::sse::LegacySse;
use crate::server::PatternServer;
use pattern_engine::Principal;

/// Shared state of the HTTP app; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: HttpConfig,
    auth: Authenticator,
    host_policy: HostPolicy,
    rate_limiter: Option<PrincipalRateLimiter>,
    mcp: StreamableHttp,
    sse: LegacySse,
    readiness: Arc<dyn Readiness>,
    metrics: Option<PrometheusHandle>,
    /// Cancelled when the server shuts down: ends every SSE stream (both
    /// transports) so connections can close within the grace period.
    shutdown: CancellationToken,
}

impl std::fmt::Debug for dyn Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<Readiness>")
    }
}

impl AppState {
    /// Validates `config` and prepares both MCP transports. `factory` makes
    /// the MCP handler of one session from its authenticated principal.
    pub fn new<F>(
        config: HttpConfig,
        factory: F,
        readiness: Arc<dyn Readiness>,
        metrics: Option<PrometheusHandle>,
    ) -> Result<Self, HttpConfigError>
    where
        F: Fn(Principal) -> PatternServer + Send + Sync + 'static,
    {
        let auth = Authenticator::new(&config.tokens, config.jwt.as_ref())?;
        let host_policy = HostPolicy::new(&config.allowed_hosts, &config.allowed_origins)?;
        let shutdown = CancellationToken::new();
        let factory = Arc::new(factory);
        let mcp = StreamableHttp::new(factory.clone(), &config, &shutdown);
        let sse = LegacySse::new(factory, &config);
        let rate_limiter = config.rate_limit.map(PrincipalRateLimiter::new);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                auth,
                host_policy,
                rate_limiter,
                mcp,
                sse,
                readiness,
                metrics,
                shutdown,
            }),
        })
    }

    /// Cancel it to end every open stream; pass `token.cancelled_owned()`
    /// as `serve`'s shutdown future so one event does both.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.inner.shutdown.clone()
    }

    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    pub fn auth(&self) -> &Authenticator {
        &self.inner.auth
    }

    pub fn host_policy(&self) -> &HostPolicy {
        &self.inner.host_policy
    }

    pub fn rate_limiter(&self) -> Option<&PrincipalRateLimiter> {
        self.inner.rate_limiter.as_ref()
    }

    pub fn mcp(&self) -> &StreamableHttp {
        &self.inner.mcp
    }

    pub fn sse(&self) -> &LegacySse {
        &self.inner.sse
    }

    pub fn readiness(&self) -> &dyn Readiness {
        self.inner.readiness.as_ref()
    }

    pub fn metrics(&self) -> Option<&PrometheusHandle> {
        self.inner.metrics.as_ref()
    }
}
