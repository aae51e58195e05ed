//! PostgreSQL outages, played with a proxy in front of the shared server: unreachable at start, gone under load, back again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pattern_core::{NewMemory, SearchQuery};
use pattern_memory::{MemoryError, open_store};

use super::cut::CutProxy;
use super::proxy::Proxy;
use super::server::{server_addr, through_port};
use super::{DropSchema, fresh_schema};

/// How long the store may take to work again once the server is back.
const RECOVERY: Duration = Duration::from_secs(5);

/// The test server's URL with the proxy's port in place of the server's.
fn through(proxy: &Proxy, schema: &str, options: &str) -> String {
    through_port(proxy.port(), schema, options)
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
    let stored = stored.unwrap().memory;
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
    // Writes acknowledged, and writes whose outcome was unknown (to retry).
    let acked = Arc::new(AtomicUsize::new(0));
    let unknown = Arc::new(std::sync::Mutex::new(Vec::new()));
    let slowest = Arc::new(std::sync::Mutex::new(Duration::ZERO));
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let (store, stop) = (Arc::clone(&store), Arc::clone(&stop));
            let (ok, failed, slowest) =
                (Arc::clone(&ok), Arc::clone(&failed), Arc::clone(&slowest));
            let (acked, unknown) = (Arc::clone(&acked), Arc::clone(&unknown));
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let start = Instant::now();
                    let result = if (i + n) % 3 == 0 {
                        let key = format!("note {i}-{n}");
                        let note = NewMemory {
                            idempotency_key: Some(key.clone()),
                            ..NewMemory::new("load", key)
                        };
                        let result = store.store(note.clone()).await;
                        match &result {
                            Ok(_) => drop(acked.fetch_add(1, Ordering::Relaxed)),
                            Err(MemoryError::OutcomeUnknown { keyed: true, .. }) => {
                                unknown.lock().unwrap().push(note)
                            }
                            Err(_) => {}
                        }
                        result.map(drop)
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

    // Each write of unknown outcome, retried with its key, is stored exactly
    // once: the table holds every acknowledged write and every retried one.
    let unknown = std::mem::take(&mut *unknown.lock().unwrap());
    for note in &unknown {
        let stored = store.store(note.clone()).await.unwrap();
        assert_eq!(stored.memory.content, note.content);
    }
    let expected = 1 + acked.load(Ordering::Relaxed) + unknown.len();
    let stored = store.count(Some("load")).await.unwrap();
    // The figures of the run, for the record (`--no-capture`).
    println!(
        "requests ok {}, failed {}; writes acknowledged {}, of unknown outcome {} (retried with their key); rows {stored}",
        ok.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        acked.load(Ordering::Relaxed),
        unknown.len(),
    );
    assert_eq!(stored, expected as u64);
}

#[tokio::test]
async fn a_write_cut_off_before_its_answer_is_of_unknown_outcome_and_a_keyed_retry_replays_it() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let proxy = CutProxy::open(server_addr()).await;
    // The proxy reads the protocol: the connection must not be encrypted.
    let store = open_store(&through_port(proxy.port(), &schema, "&sslmode=disable")).await.unwrap();
    store.store(NewMemory::new("ops", "warm-up: the namespace exists")).await.unwrap();

    let note = "the staging database listens on port 5433";
    let keyed =
        || NewMemory { idempotency_key: Some("note-7".into()), ..NewMemory::new("ops", note) };
    proxy.arm();
    let err = store.store(keyed()).await.unwrap_err();
    proxy.cut().await;
    assert!(matches!(err, MemoryError::OutcomeUnknown { keyed: true, .. }), "{err}");
    assert_eq!(err.reason(), "outcome_unknown");
    assert!(err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("retry with the same idempotency_key"), "{text}");
    assert!(!text.contains("not written") && !text.contains("127.0.0.1"), "{text}");

    // The statement ran: the row is there although the client never heard.
    let client = super::raw_client().await;
    let rows = |client: tokio_postgres::Client| {
        let schema = schema.clone();
        async move {
            let rows = client
                .query(
                    &format!(
                        "SELECT id FROM \"{schema}\".memories WHERE idempotency_key = 'note-7'"
                    ),
                    &[],
                )
                .await
                .unwrap();
            (client, rows.iter().map(|r| r.get::<_, i64>(0)).collect::<Vec<_>>())
        }
    };
    let (client, before) = rows(client).await;
    assert_eq!(before.len(), 1, "the cut write was committed");

    let retry = store.store(keyed()).await.unwrap();
    assert!(retry.replayed);
    assert_eq!(retry.memory.id, before[0]);
    assert_eq!(retry.memory.content, note);
    let (_, after) = rows(client).await;
    assert_eq!(after, before, "the retry wrote nothing");
    assert_eq!(store.count(Some("ops")).await.unwrap(), 2);

    // Without a key the caller is told the write may or may not be stored.
    proxy.arm();
    let err = store.store(NewMemory::new("ops", "an unkeyed note")).await.unwrap_err();
    proxy.cut().await;
    assert!(matches!(err, MemoryError::OutcomeUnknown { keyed: false, .. }), "{err}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("may or may not have been stored"), "{err}");
}

#[tokio::test]
async fn a_write_that_never_left_keeps_its_ordinary_reason() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let mut proxy = Proxy::open(server_addr()).await;
    let store = open_store(&through(&proxy, &schema, "")).await.unwrap();
    store.store(NewMemory::new("ops", "warm-up")).await.unwrap();
    proxy.close();
    let keyed = NewMemory { idempotency_key: Some("k".into()), ..NewMemory::new("ops", "note") };
    let err = store.store(keyed).await.unwrap_err();
    assert_eq!(err.reason(), "unavailable", "{err}");
    assert!(err.is_retryable());
}
