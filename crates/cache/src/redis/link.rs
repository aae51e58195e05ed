//! The invalidation link: a pub/sub subscription that announces memory writes, and the generations this instance may trust without asking Redis.
//!
//! Every instance subscribes to one channel. A memory write increments the
//! namespace's generation in Redis and publishes the namespace there; each
//! instance then forgets the generation it remembered for it, so its next
//! recall reads the new one and computes a new key (the entries cached
//! under the old one, in its local tier and in Redis, are never asked for
//! again and age out).
//!
//! **Invariant:** a remembered generation is used only while the link is
//! trusted: this instance received, within [`LinkState::trust_window`], a
//! heartbeat it published itself on the channel *after* the last time the
//! subscription was lost. Redis delivers messages of one channel in the
//! order it ran the `PUBLISH`es, so such a heartbeat proves that every
//! write announced before it has been seen; and a lost subscription (which
//! may have dropped announcements) forgets every remembered generation.
//! While the link is not trusted, every recall reads its generation from
//! Redis, and when that fails the cache is bypassed: a recall is never
//! served from before a write that completed more than `trust_window` ago.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::generation::MAX_NAMESPACES;

/// Message announcing a write: this prefix, then the namespace.
pub(super) const WRITE_PREFIX: &str = "w:";
/// Heartbeat message: this prefix, the instance id, `:`, then the
/// publisher's clock in nanoseconds since its link started.
pub(super) const HEARTBEAT_PREFIX: &str = "h:";

/// What this instance knows of the invalidation link and the generations it
/// remembers.
pub(super) struct LinkState {
    /// This instance's id in heartbeats: another instance's heartbeats say
    /// nothing about this instance's subscription.
    instance: String,
    /// Origin of the nanosecond clock below.
    started: Instant,
    /// How old the newest heartbeat received may be for the link to be
    /// trusted: the staleness bound.
    trust_window: Duration,
    /// Publication time of the newest own heartbeat received (0: none).
    heard_at: AtomicU64,
    /// When the subscription was last lost or re-established: heartbeats
    /// published before it prove nothing.
    reset_at: AtomicU64,
    /// Changes whenever remembered generations may have become wrong: a
    /// fetch that spans a change does not remember what it read.
    epoch: AtomicU64,
    /// Generations read from Redis while the link was trusted.
    known: Mutex<HashMap<String, u64>>,
    /// Counts losses of the subscription, for tests and operators.
    resets: watch::Sender<u64>,
}

impl LinkState {
    pub(super) fn new(instance: String, trust_window: Duration) -> Self {
        Self {
            instance,
            started: Instant::now(),
            trust_window,
            heard_at: AtomicU64::new(0),
            reset_at: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            known: Mutex::new(HashMap::new()),
            resets: watch::Sender::new(0),
        }
    }

    pub(super) fn instance(&self) -> &str {
        &self.instance
    }

    /// Nanoseconds since the link state was made; never 0.
    pub(super) fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX).max(1)
    }

    /// The heartbeat message to publish now.
    pub(super) fn heartbeat(&self) -> String {
        format!("{HEARTBEAT_PREFIX}{}:{}", self.instance, self.now())
    }

    /// True while remembered generations may be used (see the module header).
    pub(super) fn trusted(&self) -> bool {
        let heard = self.heard_at.load(Ordering::Acquire);
        heard != 0
            && heard > self.reset_at.load(Ordering::Acquire)
            && Duration::from_nanos(self.now().saturating_sub(heard)) < self.trust_window
    }

    /// The subscription was lost or re-established: announcements may have
    /// been missed, so nothing remembered is trusted any more.
    pub(super) fn reset(&self) {
        self.reset_at.store(self.now(), Ordering::Release);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.lock().clear();
        self.resets.send_modify(|n| *n += 1);
    }

    /// Handles one message of the channel.
    pub(super) fn on_message(&self, message: &str) {
        if let Some(namespace) = message.strip_prefix(WRITE_PREFIX) {
            self.forget(namespace);
        } else if let Some(rest) = message.strip_prefix(HEARTBEAT_PREFIX) {
            let Some((instance, sent)) = rest.rsplit_once(':') else { return };
            if instance != self.instance {
                return;
            }
            if let Ok(sent) = sent.parse::<u64>() {
                self.heard_at.fetch_max(sent, Ordering::AcqRel);
            }
        }
    }

    /// A write in `namespace` was announced (or made here).
    pub(super) fn forget(&self, namespace: &str) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.lock().remove(namespace);
    }

    /// The remembered generation of `namespace`, if the link is trusted.
    pub(super) fn known(&self, namespace: &str) -> Option<u64> {
        if !self.trusted() {
            return None;
        }
        self.lock().get(namespace).copied()
    }

    /// A token to pass to [`remember`](Self::remember) after reading a
    /// generation: `None` when the link is not trusted now.
    pub(super) fn before_fetch(&self) -> Option<u64> {
        self.trusted().then(|| self.epoch.load(Ordering::Acquire))
    }

    /// Remembers `generation`, read from Redis after [`before_fetch`]
    /// returned `token`, unless anything that could make it stale happened
    /// in between.
    ///
    /// [`before_fetch`]: Self::before_fetch
    pub(super) fn remember(&self, token: Option<u64>, namespace: &str, generation: u64) {
        let Some(token) = token else { return };
        let mut known = self.lock();
        // Checked under the lock `forget` and `reset` take, so neither can
        // slip between the check and the insert.
        if self.epoch.load(Ordering::Acquire) != token || !self.trusted() {
            return;
        }
        if known.len() >= MAX_NAMESPACES && !known.contains_key(namespace) {
            // Forgetting only costs a fetch on the next recall.
            known.clear();
        }
        known.insert(namespace.to_owned(), generation);
    }

    pub(super) fn resets(&self) -> watch::Receiver<u64> {
        self.resets.subscribe()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
