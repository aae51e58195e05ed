//! `serve_engine`: MCP over HTTP for a running engine, from bind to a graceful exit on SIGTERM/SIGINT.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use pattern_engine::{Engine, Principal};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::http::config::HttpSettings;
use crate::http::families::describe_families;
use crate::http::prometheus::{install_recorder, spawn_upkeep};
use crate::http::readiness::EngineReadiness;
use crate::http::router::app;
use crate::http::serve::{ServeOptions, serve_with};
use crate::http::state::AppState;
use crate::logging::LogControl;
use crate::server::PatternServer;
use crate::server::PrincipalRateLimiter;
use crate::stdio::shutdown_signal;

/// How often histogram samples are folded when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Makes the handler of one HTTP session from its authenticated principal.
///
/// The log control is detached: a remote client's `logging/setLevel`
/// chooses which notifications its session receives, never the level of
/// the process's own logs.
pub fn handler_factory(
    engine: Arc<Engine>,
    rate_limiter: Option<Arc<PrincipalRateLimiter>>,
) -> impl Fn(Principal) -> PatternServer + Send + Sync + 'static {
    move |principal| {
        let server = PatternServer::new(engine.clone(), principal, LogControl::detached());
        match &rate_limiter {
            Some(limiter) => server.with_rate_limiter(limiter.clone()),
            None => server,
        }
    }
}

/// Serves `/mcp`, `/sse`, `/message`, `/metrics`, `/healthz` and `/readyz`
/// on `addr` until SIGTERM or SIGINT; then stops accepting, lets in-flight
/// requests finish and send their answers, and ends the open streams, all
/// within the grace period.
pub async fn serve_engine(
    engine: Arc<Engine>,
    addr: SocketAddr,
    settings: &HttpSettings,
) -> std::io::Result<()> {
    let metrics = install_recorder().map_err(std::io::Error::other)?;
    describe_families();
    engine.record_shared_tier_state();
    spawn_upkeep(metrics.clone(), UPKEEP_EVERY);

    let limiter = settings.tool_rate_limit.map(|l| Arc::new(PrincipalRateLimiter::new(l)));
    let readiness = Arc::new(EngineReadiness::new(engine.clone()));
    let state = AppState::new(
        settings.config.clone(),
        handler_factory(engine, limiter),
        readiness,
        Some(metrics),
    )
    .map_err(std::io::Error::other)?;

    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() && !state.auth().is_enabled() {
        tracing::warn!(
            addr = %local,
            "SERVING WITHOUT AUTHENTICATION ON A NON-LOOPBACK ADDRESS: anyone who can reach \
             this port acts as admin; set --auth-token or [http] tokens / jwt_secret"
        );
    }
    tracing::info!(
        addr = %local,
        auth = state.auth().is_enabled(),
        "serving MCP over HTTP: /mcp (Streamable HTTP), /sse (legacy SSE), /metrics, /healthz, /readyz"
    );

    let options = ServeOptions {
        shutdown_grace: settings.config.shutdown_grace,
        header_timeout: settings.config.request_timeout,
        ..ServeOptions::default()
    };
    let stop_accepting = CancellationToken::new();
    let on_signal = stop_accepting.clone();
    let streams = state.clone();
    tokio::spawn(async move {
        let signal = shutdown_signal().await;
        tracing::info!(
            signal,
            in_flight = streams.in_flight(),
            "shutting down: no new connections; answering the requests in flight"
        );
        on_signal.cancel();
        // Requests still arrive on open connections during the lame-duck
        // period; the sessions they may need stay open until it is over.
        tokio::time::sleep(options.lame_duck_period()).await;
        streams.end_streams_when_answered(options.drain_period()).await;
    });
    serve_with(listener, app(state), stop_accepting.cancelled_owned(), options).await?;
    tracing::info!("HTTP server stopped");
    Ok(())
}
