//! `serve`: run the app on a listener until shutdown, then drain in-flight requests within a deadline.
//!
//! Connections are served by hyper's HTTP/1 server directly rather than by
//! `axum::serve`, for the one setting axum does not expose: a deadline on
//! reading a request's headers, which also closes a keep-alive connection
//! left idle. Without it a client sending a header a byte at a time, or
//! never sending anything, holds a connection for ever.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::util::MapResponseLayer;

/// How long in-flight requests may run after shutdown starts, by default.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long kept-alive connections are still served after shutdown starts,
/// by default.
pub const DEFAULT_LAME_DUCK: Duration = Duration::from_millis(250);

/// The deadlines of [`serve_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// How long in-flight requests may run after shutdown starts.
    pub shutdown_grace: Duration,
    /// How long a client may take to send a request's headers, counted from
    /// the moment the connection waits for them: after it opens, and after
    /// each response on a keep-alive connection. The connection is closed
    /// when it passes.
    pub header_timeout: Duration,
    /// After shutdown starts, how long the connections already open are
    /// still served, every answer marked `Connection: close`, before the
    /// idle ones are closed: a client that sends its next request on a
    /// kept-alive connection just then gets an answer rather than a closed
    /// connection, and learns not to send another. At most a quarter of
    /// `shutdown_grace` ([`lame_duck_period`](Self::lame_duck_period)).
    pub lame_duck: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            header_timeout: Duration::from_secs(30),
            lame_duck: DEFAULT_LAME_DUCK,
        }
    }
}

impl ServeOptions {
    /// The part of the grace period during which open connections are
    /// still served after shutdown starts.
    pub fn lame_duck_period(&self) -> Duration {
        self.lame_duck.min(self.shutdown_grace / 4)
    }

    /// The rest of the grace period, after the lame-duck period: how long
    /// requests in flight may still run.
    pub fn drain_period(&self) -> Duration {
        self.shutdown_grace.saturating_sub(self.lame_duck_period())
    }
}

/// Serves `app` until `shutdown` resolves, then stops accepting, serves the
/// open connections a little longer with `Connection: close` on every
/// answer (the lame-duck period), lets in-flight requests finish for up to
/// `DEFAULT_SHUTDOWN_GRACE` in all, and returns.
///
/// Open SSE streams never finish on their own: end them once `shutdown`
/// resolves, with `AppState::end_streams_when_answered` (which first lets
/// the requests in flight send their answers), or at once by passing
/// `state.shutdown_token().cancelled_owned()` as `shutdown`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, shutdown, ServeOptions::default()).await
}

/// `serve` with explicit deadlines.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(options.header_timeout);
    let closing = Arc::new(AtomicBool::new(false));
    // Synchronous: no future or allocation per request on the hot path.
    let app = app.layer(MapResponseLayer::new({
        let closing = Arc::clone(&closing);
        move |response| mark_closing(&closing, response)
    }));
    let connections = GracefulShutdown::new();
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while tasks.try_join_next().is_some() {}
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: the listener itself is fine.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses are small and written in pieces (SSE framing): without
        // TCP_NODELAY, Nagle's algorithm and delayed ACKs add ~40 ms to each.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let service = TowerToHyperService::new(app.clone());
        let connection = connections.watch(http.serve_connection(TokioIo::new(tcp), service));
        tasks.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    // Before the listener closes: once a connection is refused, every
    // answer on the open ones says `Connection: close`.
    closing.store(true, Ordering::Release);
    drop(listener);
    tracing::info!(
        grace_ms = options.shutdown_grace.as_millis() as u64,
        "shutting down: draining in-flight requests"
    );
    // Ends early once every connection has closed.
    let _ = tokio::time::timeout(options.lame_duck_period(), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if tokio::time::timeout(options.drain_period(), connections.shutdown()).await.is_err() {
        tracing::warn!("requests still running after the grace period; closing them");
        tasks.abort_all();
    }
    Ok(())
}

/// Marks every answer given after shutdown started `Connection: close`, so
/// hyper closes the connection after it and the client opens no more on it.
fn mark_closing(closing: &AtomicBool, mut response: Response) -> Response {
    if closing.load(Ordering::Acquire) {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
