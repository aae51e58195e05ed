//! Batched generation reads: concurrent strict lookups of one namespace share a round trip.
//!
//! Under strict coherence every local hit on a recall reads its namespace's
//! generation from the shared store before it is served (`strict.rs`). Under
//! load that is one Redis round trip per hit, most of them asking the same
//! question at the same moment. A read may answer every lookup that started
//! before it was *sent*: it then sees every write completed before those
//! lookups began. So a lookup that arrives while a read is in flight does not
//! join that one (it may have been sent before a write this lookup must see);
//! it joins the next batch, whose read is sent when the one in flight ends.
//! At most two batches per namespace exist: the one in flight and the one
//! filling up behind it.
//!
//! The read of a batch is sent by one of its members (whoever claims it
//! first); if that member is cancelled, the batch ends without a value and the
//! next one is started, so a namespace never waits on a read nobody sends.
//! Every member waits at most until its own deadline.
//!
//! A lookup the local tier cannot answer reads the generation anyway, in the
//! round trip that fetches the shared entry. Such a lookup takes the batch
//! filling up behind the read in flight ([`GenerationReads::take_queued`])
//! before it sends its round trip, and answers it with the generation that
//! comes back: every member joined before that round trip was sent, which is
//! all a read must be to answer them. The next lookups start a batch of their
//! own, so the queued batch's read is one round trip fewer.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use tokio::sync::watch;
use tokio::time::{Instant, timeout_at};

use crate::generation::MAX_NAMESPACES;

#[cfg(test)]
mod tests;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Filling up behind a read in flight.
    Queued,
    /// Its read may be sent: the first member to claim it sends it.
    Go,
    /// Answered: the generation, or `None` when it could not be read.
    Done(Option<u64>),
}

struct Batch {
    phase: watch::Sender<Phase>,
    claimed: AtomicBool,
}

impl Batch {
    fn new(phase: Phase) -> Arc<Self> {
        Arc::new(Self { phase: watch::Sender::new(phase), claimed: AtomicBool::new(false) })
    }

    fn is_done(&self) -> bool {
        matches!(*self.phase.borrow(), Phase::Done(_))
    }
}

/// A namespace's batches. Members hold them; the slot only points at them, so
/// a batch every member has left is gone, and the next lookup starts afresh.
#[derive(Default)]
struct Slot {
    current: Weak<Batch>,
    next: Weak<Batch>,
}

/// The batches of every namespace with a read in flight.
#[derive(Default)]
pub(super) struct GenerationReads {
    slots: Mutex<HashMap<String, Slot>>,
}

impl GenerationReads {
    /// The current generation of `namespace`, read by `read` or by another
    /// lookup's read sent after this call began; `None` when it could not be
    /// read before `deadline`. `read` is called at most once.
    pub(super) async fn read<F, Fut>(
        &self,
        namespace: &str,
        deadline: Instant,
        read: F,
    ) -> Option<u64>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Option<u64>>,
    {
        let batch = self.join(namespace);
        let mut phase = batch.phase.subscribe();
        loop {
            match *phase.borrow_and_update() {
                Phase::Done(generation) => return generation,
                Phase::Go if !batch.claimed.swap(true, Ordering::AcqRel) => break,
                Phase::Go | Phase::Queued => {}
            }
            match timeout_at(deadline, phase.changed()).await {
                Ok(Ok(())) => {}
                // Past the deadline; or every sender is gone, which cannot
                // happen while this member holds the batch.
                Ok(Err(_)) | Err(_) => return None,
            }
        }
        let mut sending = Sending { reads: self, namespace, batch: &batch, generation: None };
        sending.generation = timeout_at(deadline, read()).await.ok().flatten();
        sending.generation
    }

    /// The batch waiting behind the read in flight, detached from the
    /// namespace so that no lookup joins it any more: the caller must send a
    /// read now and answer it with [`Queued::answer`] (dropping it unanswered
    /// answers `None`). `None` when no batch is waiting.
    pub(super) fn take_queued(&self, namespace: &str) -> Option<Queued> {
        let mut slots = self.lock();
        let slot = slots.get_mut(namespace)?;
        // Still queued: promoting it (under this lock) moves it to `current`.
        let next = slot.next.upgrade()?;
        slot.next = Weak::new();
        Some(Queued { batch: next, generation: None })
    }

    /// The batch a lookup starting now belongs to.
    fn join(&self, namespace: &str) -> Arc<Batch> {
        let mut slots = self.lock();
        if slots.len() >= MAX_NAMESPACES {
            // Slots whose members all left before sending (past their deadlines).
            slots.retain(|_, s| s.current.strong_count() > 0 || s.next.strong_count() > 0);
        }
        let slot = match slots.get_mut(namespace) {
            Some(slot) => slot,
            None => slots.entry(namespace.to_owned()).or_default(),
        };
        if let Some(current) = slot.current.upgrade().filter(|c| !c.is_done()) {
            drop(current);
            if let Some(next) = slot.next.upgrade() {
                return next;
            }
            let next = Batch::new(Phase::Queued);
            slot.next = Arc::downgrade(&next);
            return next;
        }
        let batch = Batch::new(Phase::Go);
        slot.current = Arc::downgrade(&batch);
        batch
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A batch taken by [`GenerationReads::take_queued`], answered by a read
/// its taker sends.
pub(super) struct Queued {
    batch: Arc<Batch>,
    generation: Option<u64>,
}

impl Queued {
    /// Answers every member with the generation the taker's round trip read
    /// (`None`: it could not be read).
    pub(super) fn answer(mut self, generation: Option<u64>) {
        self.generation = generation;
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.batch.phase.send_replace(Phase::Done(self.generation));
    }
}

/// The member sending a batch's read. Dropping it, read or cancelled, answers
/// the batch and lets the next one go.
struct Sending<'a> {
    reads: &'a GenerationReads,
    namespace: &'a str,
    batch: &'a Arc<Batch>,
    generation: Option<u64>,
}

impl Drop for Sending<'_> {
    fn drop(&mut self) {
        // Under the lock, so no lookup sees this batch done and starts a
        // batch of its own beside the one promoted here.
        let mut slots = self.reads.lock();
        self.batch.phase.send_replace(Phase::Done(self.generation));
        let Some(slot) = slots.get_mut(self.namespace) else { return };
        match slot.next.upgrade() {
            Some(next) => {
                slot.current = Arc::downgrade(&next);
                slot.next = Weak::new();
                next.phase.send_replace(Phase::Go);
            }
            None => {
                slots.remove(self.namespace);
            }
        }
    }
}
