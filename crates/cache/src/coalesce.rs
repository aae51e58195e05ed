//! Coalescing of identical misses: one computation per key at a time, its outcome handed to every caller that waited.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

/// What a flight's channel carries: `None` until the leader finishes.
type Slot<T, E> = Option<Result<T, E>>;

/// Computations in progress, by cache key.
///
/// The map lock is a std mutex held only to look up, insert or remove a
/// flight, never across an `.await`. Waiting happens on the flight's own
/// `watch` channel.
#[derive(Default)]
pub(crate) struct Inflight {
    flights: Mutex<HashMap<String, Flight>>,
    next_id: AtomicU64,
}

struct Flight {
    /// Tells this flight from a later one under the same key, so a leader
    /// never removes its successor.
    id: u64,
    /// A `watch::Receiver<Slot<T, E>>`, type-erased because callers choose
    /// their error type `E`.
    receiver: Box<dyn Any + Send + Sync>,
}

/// A caller's part in the flight of a key.
pub(crate) enum Join<'a, T, E> {
    /// Nobody computes this key: the caller does, and must [`Leader::complete`].
    Leader(Leader<'a, T, E>),
    /// Someone else computes it: wait for their outcome.
    Waiter(Waiter<T, E>),
}

/// The caller who computes. Dropping it without completing (the future was
/// cancelled, or the computation panicked) ends the flight, and its waiters
/// learn that no outcome will come.
pub(crate) struct Leader<'a, T, E> {
    inflight: &'a Inflight,
    key: &'a str,
    /// `None` once deregistered, or when the flight could not be registered.
    id: Option<u64>,
    sender: watch::Sender<Slot<T, E>>,
}

/// A caller waiting for a leader.
pub(crate) struct Waiter<T, E> {
    receiver: watch::Receiver<Slot<T, E>>,
}

impl Inflight {
    /// Joins the flight of `key`, or starts one.
    pub(crate) fn join<'a, T, E>(&'a self, key: &'a str) -> Join<'a, T, E>
    where
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        let mut flights = self.lock();
        match flights.get(key).map(|f| f.receiver.downcast_ref::<watch::Receiver<Slot<T, E>>>()) {
            // A live flight: wait for it. (A flight whose leader is gone
            // without deregistering cannot happen, as `Leader::drop`
            // deregisters; if it ever did, it is replaced below rather than
            // joined, so no waiter can spin on it.)
            Some(Some(receiver)) if receiver.has_changed().is_ok() => {
                return Join::Waiter(Waiter { receiver: receiver.clone() });
            }
            // The flight in progress hands out another error type: this
            // caller cannot share it, so it computes alone, unregistered.
            Some(None) => {
                return Join::Leader(Leader {
                    inflight: self,
                    key,
                    id: None,
                    sender: watch::Sender::new(None),
                });
            }
            Some(Some(_)) | None => {}
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = watch::channel(None);
        flights.insert(key.to_owned(), Flight { id, receiver: Box::new(receiver) });
        Join::Leader(Leader { inflight: self, key, id: Some(id), sender })
    }

    /// Keys with a computation in progress.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Flight>> {
        // Nothing panics while holding the lock; if something ever did, the
        // map is still consistent (every operation is a single call).
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T, E> Leader<'_, T, E> {
    /// Hands `outcome` to every waiter and ends the flight.
    pub(crate) fn complete(mut self, outcome: Result<T, E>) {
        self.sender.send_replace(Some(outcome));
        self.deregister();
    }

    fn deregister(&mut self) {
        if let Some(id) = self.id.take() {
            let mut flights = self.inflight.lock();
            if flights.get(self.key).is_some_and(|flight| flight.id == id) {
                flights.remove(self.key);
            }
        }
    }
}

impl<T, E> Drop for Leader<'_, T, E> {
    fn drop(&mut self) {
        // After `complete` this does nothing; otherwise the flight ends
        // without an outcome and the sender, dropped next, wakes the waiters.
        self.deregister();
    }
}

impl<T: Clone, E: Clone> Waiter<T, E> {
    /// The leader's outcome, or `None` when the leader went away without one.
    pub(crate) async fn outcome(mut self) -> Option<Result<T, E>> {
        match self.receiver.wait_for(Option::is_some).await {
            Ok(slot) => slot.clone(),
            Err(_closed) => None,
        }
    }
}

#[cfg(test)]
mod tests;
