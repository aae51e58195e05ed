//! `AppState`: what the HTTP handlers share, built once from the config and the handler factory.
//!
//! Each handler takes only the part it uses, as an axum substate (`FromRef`):
//! the files of the handlers never name `AppState`, so this file imports
//! them and none of them imports it back.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio_util::sync::CancellationToken;

use crate::http::auth::Authenticator;
use crate::http::config::{HttpConfig, HttpConfigError};
use crate::http::drain::InFlight;
use crate::http::health::{Probes, Readiness};
use crate::http::host::HostPolicy;
use crate::http::mcp::StreamableHttp;
use crate::http::prometheus::Metrics;
use crate::http::rate_limit::RequestLimit;
use crate::http::sse::LegacySse;
use crate::server::{PatternServer, PrincipalRateLimiter};
use pattern_engine::Principal;

/// Shared state of the HTTP app; cheap to clone (one reference count):
/// axum clones it for every request, once per layer that takes it.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    config: HttpConfig,
    auth: Arc<Authenticator>,
    host_policy: Arc<HostPolicy>,
    request_limit: RequestLimit,
    mcp: Arc<StreamableHttp>,
    sse: Arc<LegacySse>,
    probes: Probes,
    metrics: Metrics,
    /// Cancelled when the server shuts down: ends every SSE stream (both
    /// transports) so connections can close within the grace period.
    shutdown: CancellationToken,
    /// MCP requests (both transports) not yet answered on their stream.
    in_flight: InFlight,
}

/// Checks what `AppState::new` would refuse in `config` (token digests, the
/// JWT secret, allowed origins), so a config check can report it before
/// anything is served.
pub fn validate(config: &HttpConfig) -> Result<(), HttpConfigError> {
    Authenticator::new(&config.tokens, config.jwt.as_ref())?;
    HostPolicy::new(&config.allowed_hosts, &config.allowed_origins)?;
    Ok(())
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
        let in_flight = InFlight::default();
        let factory = Arc::new(factory);
        let mcp = StreamableHttp::new(factory.clone(), &config, &shutdown, in_flight.clone());
        let sse = LegacySse::new(factory, &config, shutdown.clone(), in_flight.clone());
        let request_limit =
            RequestLimit(config.rate_limit.map(|l| Arc::new(PrincipalRateLimiter::new(l))));
        let probes = Probes { readiness, timeout: config.readiness_timeout };
        Ok(Self(Arc::new(Shared {
            config,
            auth: Arc::new(auth),
            host_policy: Arc::new(host_policy),
            request_limit,
            mcp: Arc::new(mcp),
            sse: Arc::new(sse),
            probes,
            metrics: Metrics(metrics),
            shutdown,
            in_flight,
        })))
    }

    /// Cancel it to end every open stream (and with them the sessions and
    /// any request still running): [`end_streams_when_answered`] does once
    /// every request in flight is answered.
    ///
    /// [`end_streams_when_answered`]: Self::end_streams_when_answered
    pub fn shutdown_token(&self) -> CancellationToken {
        self.0.shutdown.clone()
    }

    /// The second step of a shutdown, once `serve` has stopped accepting:
    /// waits until every MCP request in flight has its answer on its way
    /// (or `grace` has passed), then ends every stream.
    pub async fn end_streams_when_answered(&self, grace: Duration) {
        if tokio::time::timeout(grace, self.0.in_flight.idle()).await.is_err() {
            tracing::warn!(
                unanswered = self.0.in_flight.count(),
                "requests still unanswered after the grace period; ending their streams"
            );
        }
        self.0.shutdown.cancel();
    }

    /// MCP requests not yet answered, on both transports.
    pub fn in_flight(&self) -> usize {
        self.0.in_flight.count()
    }

    pub fn config(&self) -> &HttpConfig {
        &self.0.config
    }

    pub fn auth(&self) -> &Authenticator {
        &self.0.auth
    }

    pub fn mcp(&self) -> &StreamableHttp {
        &self.0.mcp
    }

    pub fn sse(&self) -> &LegacySse {
        &self.0.sse
    }
}

macro_rules! substate {
    ($($field:ident: $ty:ty),* $(,)?) => {$(
        impl FromRef<AppState> for $ty {
            fn from_ref(state: &AppState) -> Self {
                state.0.$field.clone()
            }
        }
    )*};
}

substate! {
    auth: Arc<Authenticator>,
    host_policy: Arc<HostPolicy>,
    request_limit: RequestLimit,
    mcp: Arc<StreamableHttp>,
    sse: Arc<LegacySse>,
    probes: Probes,
    metrics: Metrics,
}
