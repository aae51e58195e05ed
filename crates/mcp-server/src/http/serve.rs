//! `serve`: run the app on a listener until shutdown, then drain in-flight requests within a deadline.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

/// How long in-flight requests may run after shutdown starts, by default.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` until `shutdown` resolves, then stops accepting, lets
/// in-flight requests finish for up to `DEFAULT_SHUTDOWN_GRACE`, and returns.
///
/// Open SSE streams never finish on their own: cancel
/// `AppState::shutdown_token` at the same moment, most simply by passing
/// `state.shutdown_token().cancelled_owned()` as `shutdown`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_grace(listener, app, shutdown, DEFAULT_SHUTDOWN_GRACE).await
}

/// `serve` with an explicit grace period.
pub async fn serve_with_grace(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = started_tx.send(());
    };
    // Responses are small and written in pieces (SSE framing): without
    // TCP_NODELAY, Nagle's algorithm and delayed ACKs add ~40 ms to each.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let server = axum::serve(listener, app).with_graceful_shutdown(signal).into_future();
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return result,
        _ = started_rx => {}
    }
    tracing::info!(
        grace_ms = grace.as_millis() as u64,
        "shutting down: draining in-flight requests"
    );
    match tokio::time::timeout(grace, server).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!("requests still running after the grace period; closing them");
            Ok(())
        }
    }
}
