//! PostgreSQL outages, played with a proxy in front of the shared server: unreachable at start, gone under load, back again.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pattern_core::{NewMemory, SearchQuery};
use pattern_engine::memory::{MemoryError, open_store};
use tokio_postgres::config::Host;

use super::proxy::Proxy;
use super::{DropSchema, fresh_schema, server_url, with_options};

/// How long the store may take to work again once the server is back.
const RECOVERY: Duration = Duration::from_secs(5);

/// The test server's address, for the proxy to forward to.
fn server_addr() -> SocketAddr {
    let config = tokio_postgres::Config::from_str(&server_url()).unwrap();
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let host = if host == "localhost" { "127.0.0.1".to_owned() } else { host };
    SocketAddr::new(host.parse().expect("the test server host is an IP address"), port)
}

/// The test server's URL with the proxy's port in place of the server's.
fn through(proxy: &Proxy, schema: &str, options: &str) -> String {
    let config = tokio_postgres::Config::from_str(&server_url()).unwrap();
    let user = config.get_user().unwrap_or("postgres");
    let password = config
        .get_password()
        .map(|p| format!(":{}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    let dbname = config.get_dbname().unwrap_or("test");
    with_options(
        &format!("postgres://{user}{password}@127.0.0.1:{}/{dbname}", proxy.port()),
        &format!(
            "schema={schema}&pool_size=4&connect_timeout_s=1&statement_timeout_ms=1000{options}"
        ),
    )
}

fn query(namespace: &str, text: &str) -> SearchQuery {
    SearchQuery { namespace: namespace.into(), text: text.into(), limit: 10, tags: Vec::new() }
}

/// Calls `attempt` until it succeeds, for at most [`RECOVERY`]; returns how
/// long that took.
async fn recovers<F, Fut>(mut attempt: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), MemoryError>>,
{
    let start = Instant::now();
    loop {
        match attempt().await {
            Ok(()) => return start.elapsed(),
            Err(err) if start.elapsed() < RECOVERY => {
                assert!(err.is_retryable(), "{err}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => panic!("not recovered {RECOVERY:?} after the server came back: {err}"),
        }
    }
}

#[tokio::test]
async fn unreachable_server_at_start_answers_unavailable_then_reconnects_by_itself() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let mut proxy = Proxy::closed(server_addr()).await;
    let url = through(&proxy, &schema, "");

    let started = Instant::now();
    let store = open_store(&url).await.expect("the program starts without its database");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(store.backend(), "postgres");
    assert_eq!(store.total(), 0);
    let err = store.search(query("ops", "staging port")).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, MemoryError::Unavailable { backend: "postgres", .. }), "{text}");
    assert!(text.starts_with("memory store `postgres` is unavailable"), "{text}");
    assert!(!text.contains("127.0.0.1") && !text.contains(&proxy.port().to_string()), "{text}");
    assert!(store.health().await.is_err());
    let err = store.store(NewMemory::new("ops", "not written")).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");

    proxy.reopen().await;
    // The background task finishes opening without any request.
    let took = recovers(|| {
        let store = Arc::clone(&store);
        async move { store.health().await }
    })
    .await;
    assert!(took < RECOVERY, "{took:?}");
    let stored =
        store.store(NewMemory::new("ops", "the staging database listens on port 5433")).await;
    let stored = stored.unwrap();
    let hits = store.search(query("ops", "staging port")).await.unwrap();
    assert_eq!(hits[0].id, stored.id);
    assert!(store.has_memories("ops"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_lost_under_load_fails_requests_fast_and_the_pool_recovers() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let mut proxy = Proxy::open(server_addr()).await;
    let store = open_store(&through(&proxy, &schema, "")).await.unwrap();
    store.store(NewMemory::new("load", "the staging database listens on port 5433")).await.unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let slowest = Arc::new(std::sync::Mutex::new(Duration::ZERO));
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let (store, stop) = (Arc::clone(&store), Arc::clone(&stop));
            let (ok, failed, slowest) =
                (Arc::clone(&ok), Arc::clone(&failed), Arc::clone(&slowest));
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let start = Instant::now();
                    let result = if (i + n) % 3 == 0 {
                        store.store(NewMemory::new("load", format!("note {i}-{n}"))).await.map(drop)
                    } else {
                        store.search(query("load", "staging port")).await.map(drop)
                    };
                    {
                        let mut worst = slowest.lock().unwrap();
                        *worst = (*worst).max(start.elapsed());
                    }
                    if let Err(err) = result {
                        assert!(err.is_retryable(), "{err}");
                        assert!(!err.to_string().contains("127.0.0.1"), "{err}");
                        failed.fetch_add(1, Ordering::Relaxed);
                        // Failing requests back off a little so the loop does not spin.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    } else {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = ok.load(Ordering::Relaxed);
    assert!(before > 0, "requests succeed before the outage");
    proxy.close();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(failed.load(Ordering::Relaxed) > 0, "requests fail during the outage");
    proxy.reopen().await;
    let took = recovers(|| {
        let store = Arc::clone(&store);
        async move { store.search(query("load", "staging port")).await.map(drop) }
    })
    .await;
    let ok_at_recovery = ok.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("no worker panics");
    }
    assert!(took < RECOVERY, "{took:?}");
    assert!(ok.load(Ordering::Relaxed) > ok_at_recovery, "load is served again");
    // connect timeout (1 s) + twice the statement timeout (1 s): no request hangs.
    let slowest = *slowest.lock().unwrap();
    assert!(slowest < Duration::from_secs(4), "slowest request took {slowest:?}");
    store.health().await.unwrap();
}
