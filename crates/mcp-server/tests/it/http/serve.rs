//! `serve` on a real socket: graceful shutdown lets requests finish, within a deadline.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use pattern_mcp::http::{HttpConfig, ServeOptions, serve, serve_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::http::support::*;

async fn listener() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Sends a GET and returns the connection, with the request fully written.
async fn start_get(addr: std::net::SocketAddr, path: &str, extra: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

async fn read_all(mut stream: TcpStream) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn an_in_flight_request_finishes_after_shutdown_starts() {
    let (listener, addr) = listener().await;
    let (entered_tx, entered_rx) = oneshot::channel::<()>();
    let entered = std::sync::Arc::new(std::sync::Mutex::new(Some(entered_tx)));
    let app = Router::new().route(
        "/slow",
        get(move || {
            if let Some(tx) = entered.lock().unwrap().take() {
                let _ = tx.send(());
            }
            async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }
        }),
    );
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app, async move {
        let _ = stop_rx.await;
    }));
    let connection = start_get(addr, "/slow", "").await;
    entered_rx.await.unwrap();
    stop_tx.send(()).unwrap();
    let response = read_all(connection).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("done"), "{response}");
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting after shutdown");
}

/// One client that sends requests on one kept-alive connection until the
/// server tells it to stop (`Connection: close`); whether a request it sent
/// was lost, the connection closed with no answer.
async fn keep_alive_client(addr: std::net::SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr).await else { return false };
    loop {
        if stream.write_all(b"GET /ok HTTP/1.1\r\nHost: localhost\r\n\r\n").await.is_err() {
            return true;
        }
        let mut out = Vec::new();
        let mut buf = [0u8; 1024];
        while !out.ends_with(b"ok") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        if String::from_utf8_lossy(&out).to_ascii_lowercase().contains("connection: close") {
            return false;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_kept_alive_connections_lose_no_request_at_shutdown() {
    let (listener, addr) = listener().await;
    let app = Router::new().route("/ok", get(|| async { "ok" }));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    // A lame-duck period longer than the default, so that a client task a
    // loaded machine leaves waiting still sends in time.
    let options = ServeOptions { lame_duck: Duration::from_secs(2), ..ServeOptions::default() };
    let server = tokio::spawn(serve_with(
        listener,
        app,
        async move {
            let _ = stop_rx.await;
        },
        options,
    ));
    let clients: Vec<_> = (0..16).map(|_| tokio::spawn(keep_alive_client(addr))).collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop_tx.send(()).unwrap();
    let mut lost = 0;
    for client in clients {
        lost += usize::from(
            tokio::time::timeout(Duration::from_secs(10), client).await.unwrap().unwrap(),
        );
    }
    assert_eq!(lost, 0, "requests sent on a kept-alive connection were closed unanswered");
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn serve_returns_after_the_grace_period_when_a_stream_never_ends() {
    let (listener, addr) = listener().await;
    let endless = || async {
        Body::from_stream(futures::stream::pending::<Result<String, std::io::Error>>())
    };
    let app = Router::new().route("/endless", get(endless));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let grace = Duration::from_millis(200);
    let server = tokio::spawn(serve_with(
        listener,
        app,
        async move {
            let _ = stop_rx.await;
        },
        ServeOptions { shutdown_grace: grace, ..ServeOptions::default() },
    ));
    let mut connection = start_get(addr, "/endless", "").await;
    let mut head = [0u8; 12];
    connection.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let started = tokio::time::Instant::now();
    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
    let waited = started.elapsed();
    assert!(waited >= grace && waited < Duration::from_secs(2), "{waited:?}");
    // The stream was closed, not left running.
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(2), connection.read_to_end(&mut rest))
        .await
        .expect("the endless stream is closed after the grace period")
        .unwrap();
}

/// The app on a socket with a short header deadline; the address and the stop sender.
async fn serve_with_header_timeout(
    timeout: Duration,
) -> (std::net::SocketAddr, oneshot::Sender<()>) {
    let (listener, addr) = listener().await;
    let app = Router::new().route("/ok", get(|| async { "ok" }));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    tokio::spawn(serve_with(
        listener,
        app,
        async move {
            let _ = stop_rx.await;
        },
        ServeOptions { header_timeout: timeout, ..ServeOptions::default() },
    ));
    (addr, stop_tx)
}

/// Reads until the server closes the connection; how long that took.
async fn time_to_close(mut stream: TcpStream) -> Duration {
    let started = tokio::time::Instant::now();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest))
        .await
        .expect("the server never closed the connection")
        .ok();
    started.elapsed()
}

#[tokio::test]
async fn a_client_sending_its_headers_too_slowly_is_disconnected() {
    let (addr, _stop) = serve_with_header_timeout(Duration::from_millis(300)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /ok HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
    let waited = time_to_close(stream).await;
    assert!(waited >= Duration::from_millis(250) && waited < Duration::from_secs(3), "{waited:?}");
}

#[tokio::test]
async fn an_idle_connection_is_closed_but_a_prompt_client_is_served() {
    let (addr, _stop) = serve_with_header_timeout(Duration::from_millis(300)).await;
    // Connected, never a byte.
    let idle = TcpStream::connect(addr).await.unwrap();
    assert!(time_to_close(idle).await < Duration::from_secs(3));
    // A request in time is answered; the connection, then idle, is closed too.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /ok HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    assert!(time_to_close(stream).await < Duration::from_secs(3));
}

#[tokio::test]
async fn the_shutdown_token_ends_sse_streams_so_serve_returns_promptly() {
    let (listener, addr) = listener().await;
    let harness = Harness::new(HttpConfig::default()).await;
    let token = harness.state.shutdown_token();
    let server =
        tokio::spawn(serve(listener, harness.app.clone(), token.clone().cancelled_owned()));
    let mut connection = start_get(addr, "/sse", "").await;
    let mut head = [0u8; 12];
    connection.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let started = tokio::time::Instant::now();
    token.cancel();
    let rest = read_all(connection).await;
    assert!(rest.contains("event: endpoint"), "{rest}");
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}
