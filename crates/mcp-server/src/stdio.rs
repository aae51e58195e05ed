//! The stdio transport: serve one MCP session on stdin/stdout until EOF or a signal.

use std::sync::Arc;

use pattern_engine::{Engine, Principal};
use rmcp::ServiceExt;

use crate::logging::LogControl;
use crate::server::PatternServer;

/// Serves MCP on stdin/stdout as the local user (admin role). Returns when
/// the client closes stdin, or on SIGTERM/SIGINT.
///
/// **Invariant:** nothing but protocol is written to stdout.
pub async fn serve(engine: Arc<Engine>, log: LogControl) -> std::io::Result<()> {
    let server = PatternServer::new(engine, Principal::local(), log);
    let service = server
        .serve(rmcp::transport::io::stdio_pipes())
        .await
        .map_err(|e| std::io::Error::other(format!("MCP initialisation failed: {e}")))?;
    tracing::info!("serving MCP over stdio");
    let cancel = service.cancellation_token();
    let reason = tokio::select! {
        r = service.waiting() => format!("{:?}", r.map_err(std::io::Error::other)?),
        s = shutdown_signal() => {
            cancel.cancel();
            format!("signal {s}")
        }
    };
    tracing::info!(reason = %reason, "stdio session ended");
    Ok(())
}

/// Resolves on the first SIGTERM or SIGINT, with the signal's name.
pub async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}
