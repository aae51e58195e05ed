//! The stdio transport: serve one MCP session on stdin/stdout until EOF or a signal.
//!
//! A front (`stdio/front.rs`) reads stdin itself, so that every request line gets one
//! answer: what rmcp would drop or misanswer is refused there with a JSON-RPC
//! error carrying the request's id ([`crate::jsonrpc`]), duplicate in-flight ids
//! and requests before `initialize` included (`stdio/session.rs`).

mod front;
mod lines;
// Also the legacy SSE transport's rules (`http/sse.rs`).
pub(crate) mod session;

pub use front::MAX_LINE_BYTES;

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
    let (input, output) = rmcp::transport::io::stdio_pipes();
    let (transport, front) = front::start(input, output, MAX_LINE_BYTES);
    let service = match server.serve(transport).await {
        Ok(service) => service,
        Err(e) => {
            front.finish().await;
            return Err(std::io::Error::other(format!("MCP initialisation failed: {e}")));
        }
    };
    tracing::info!("serving MCP over stdio");
    let cancel = service.cancellation_token();
    let ended = tokio::select! {
        r = service.waiting() => r.map(|r| format!("{r:?}")).map_err(std::io::Error::other),
        s = shutdown_signal() => {
            cancel.cancel();
            Ok(format!("signal {s}"))
        }
    };
    // rmcp has let go of the transport: drain what it and the front queued.
    front.finish().await;
    let reason = ended?;
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
