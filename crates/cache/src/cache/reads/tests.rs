use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::GenerationReads;

fn later() -> Instant {
    Instant::now() + Duration::from_secs(10)
}

/// A shared store whose reads wait for `release` and answer how many reads
/// were sent before them (the generation a read sees grows with time).
#[derive(Default)]
struct Store {
    sent: AtomicU64,
    release: Notify,
}

impl Store {
    async fn read(&self) -> Option<u64> {
        let n = self.sent.fetch_add(1, Ordering::SeqCst) + 1;
        self.release.notified().await;
        Some(n)
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while !done() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what}"));
}

/// A lookup of `namespace` in its own task, reading from `store` if it must.
fn lookup(
    reads: &Arc<GenerationReads>,
    store: &Arc<Store>,
    namespace: &'static str,
) -> JoinHandle<Option<u64>> {
    let (r, s) = (Arc::clone(reads), Arc::clone(store));
    tokio::spawn(async move { r.read(namespace, later(), || s.read()).await })
}

/// Lets the tasks just spawned run until they wait.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

/// Starts a read of "ns" that waits for `store.release`, then `count` lookups
/// that queue behind it; returns once the read is sent and they are queued.
async fn in_flight_and_queued(
    reads: &Arc<GenerationReads>,
    store: &Arc<Store>,
    count: usize,
) -> (JoinHandle<Option<u64>>, Vec<JoinHandle<Option<u64>>>) {
    let first = lookup(reads, store, "ns");
    until("the first read is sent", || store.sent() == 1).await;
    let queued = (0..count).map(|_| lookup(reads, store, "ns")).collect();
    settle().await;
    (first, queued)
}

#[tokio::test]
async fn lookups_that_arrive_during_a_read_share_the_next_one() {
    let reads = Arc::new(GenerationReads::default());
    let store = Arc::new(Store::default());
    // Five lookups start while the first read is in flight: none may take its answer.
    let (first, waiting) = in_flight_and_queued(&reads, &store, 5).await;
    assert_eq!(store.sent(), 1, "the queued lookups wait for the read in flight");
    store.release.notify_one();
    assert_eq!(first.await.unwrap(), Some(1));

    // One of them sends the next read, after they all started.
    until("the second read is sent", || store.sent() == 2).await;
    store.release.notify_one();
    for w in waiting {
        assert_eq!(w.await.unwrap(), Some(2));
    }
    assert_eq!(store.sent(), 2, "one read for the five");
}

#[tokio::test]
async fn a_lookup_after_a_read_ended_sends_its_own() {
    let reads = GenerationReads::default();
    let counter = AtomicU64::new(0);
    for n in 1..=3 {
        let got = reads
            .read("ns", later(), || async { Some(counter.fetch_add(1, Ordering::SeqCst) + 1) })
            .await;
        assert_eq!(got, Some(n));
    }
    assert!(reads.lock().is_empty(), "no slot is kept once the reads are done");
}

#[tokio::test]
async fn namespaces_do_not_share_reads() {
    let reads = Arc::new(GenerationReads::default());
    let store = Arc::new(Store::default());
    let a = lookup(&reads, &store, "a");
    let b = lookup(&reads, &store, "b");
    until("both reads are sent", || store.sent() == 2).await;
    store.release.notify_waiters();
    let mut got = [a.await.unwrap(), b.await.unwrap()];
    got.sort();
    assert_eq!(got, [Some(1), Some(2)]);
}

#[tokio::test]
async fn a_cancelled_sender_ends_its_batch_and_the_next_one_goes() {
    let reads = Arc::new(GenerationReads::default());
    let store = Arc::new(Store::default());
    let (first, mut queued) = in_flight_and_queued(&reads, &store, 1).await;
    let queued = queued.pop().expect("one lookup queued");
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    until("the queued lookup sends its own read", || store.sent() == 2).await;
    store.release.notify_one();
    assert_eq!(queued.await.unwrap(), Some(2));
}

#[tokio::test(start_paused = true)]
async fn a_queued_lookup_gives_up_at_its_deadline() {
    let reads = Arc::new(GenerationReads::default());
    let store = Arc::new(Store::default());
    let _stuck = lookup(&reads, &store, "ns");
    until("the first read is sent", || store.sent() == 1).await;
    let started = Instant::now();
    let got = reads.read("ns", started + Duration::from_millis(5), || store.read()).await;
    assert_eq!(got, None);
    assert!(
        started.elapsed() >= Duration::from_millis(5) && started.elapsed() < Duration::from_secs(1)
    );
    assert_eq!(store.sent(), 1, "it never sent a read of its own");
}

#[tokio::test(start_paused = true)]
async fn a_sender_gives_up_at_its_deadline() {
    let reads = GenerationReads::default();
    let started = Instant::now();
    let got = reads
        .read("ns", started + Duration::from_millis(5), std::future::pending::<Option<u64>>)
        .await;
    assert_eq!(got, None);
    assert!(
        started.elapsed() >= Duration::from_millis(5) && started.elapsed() < Duration::from_secs(1)
    );
    // The namespace is free again.
    assert_eq!(reads.read("ns", later(), || async { Some(7) }).await, Some(7));
}

#[tokio::test]
async fn a_round_trip_sent_after_lookups_queued_answers_them() {
    let reads = Arc::new(GenerationReads::default());
    let store = Arc::new(Store::default());
    let (first, queued) = in_flight_and_queued(&reads, &store, 3).await;

    let taken = reads.take_queued("ns").expect("three lookups wait behind the read in flight");
    taken.answer(Some(42));
    for q in queued {
        assert_eq!(q.await.unwrap(), Some(42));
    }
    assert_eq!(store.sent(), 1, "the queued lookups sent no read of their own");
    store.release.notify_one();
    assert_eq!(first.await.unwrap(), Some(1));
    assert!(reads.lock().is_empty(), "no slot is kept once the reads are done");
}

#[tokio::test]
async fn lookups_that_queue_after_the_take_are_not_answered_by_it() {
    let reads = Arc::new(GenerationReads::default());
    let store = Arc::new(Store::default());
    let (first, early) = in_flight_and_queued(&reads, &store, 2).await;
    let taken = reads.take_queued("ns").expect("two lookups wait");

    // Two more start after the round trip was sent: they may not take its answer.
    let mut late = Vec::new();
    for _ in 0..2 {
        late.push(lookup(&reads, &store, "ns"));
    }
    settle().await;
    taken.answer(Some(42));
    for e in early {
        assert_eq!(e.await.unwrap(), Some(42));
    }
    assert!(late.iter().all(|l| !l.is_finished()), "the late lookups wait for a read of their own");

    // They queued behind the read in flight, and go when it ends.
    store.release.notify_one();
    assert_eq!(first.await.unwrap(), Some(1));
    until("the late lookups send their read", || store.sent() == 2).await;
    store.release.notify_one();
    for l in late {
        assert_eq!(l.await.unwrap(), Some(2));
    }
}

#[tokio::test]
async fn a_taken_batch_dropped_unanswered_answers_none() {
    let reads = Arc::new(GenerationReads::default());
    let store = Arc::new(Store::default());
    let (first, queued) = in_flight_and_queued(&reads, &store, 2).await;
    // The round trip's request was cancelled before its answer came.
    drop(reads.take_queued("ns").expect("two lookups wait"));
    for q in queued {
        assert_eq!(q.await.unwrap(), None, "unchecked: computed, never served");
    }
    store.release.notify_one();
    assert_eq!(first.await.unwrap(), Some(1));
}

#[tokio::test]
async fn nothing_to_take_without_a_queued_batch() {
    let reads = Arc::new(GenerationReads::default());
    let store = Arc::new(Store::default());
    assert!(reads.take_queued("ns").is_none(), "no read at all");
    let (first, queued) = in_flight_and_queued(&reads, &store, 0).await;
    assert!(queued.is_empty());
    assert!(reads.take_queued("ns").is_none(), "a read in flight and nobody behind it");
    store.release.notify_one();
    assert_eq!(first.await.unwrap(), Some(1));
}
