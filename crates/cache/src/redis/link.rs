//! The invalidation link: a pub/sub subscription that announces memory writes, and the generations this instance may trust without asking Redis.
//!
//! Every instance subscribes to one channel. A memory write increments the
//! namespace's generation in Redis and publishes the namespace there; each
//! instance then forgets the generation it remembered for it, so its next
//! recall reads the new one and computes a new key (the entries cached
//! under the old one, in its local tier and in Redis, are never asked for
//! again and age out), and acknowledges the write on the channel.
//!
//! **Invariant:** a remembered generation is used only while the link is
//! trusted: this instance received, within its trust window, a heartbeat it
//! published itself on the channel *after* the last time the subscription
//! was lost. Redis delivers messages of one channel in the order it ran the
//! `PUBLISH`es, so such a heartbeat proves that every write announced
//! before it has been seen; and a lost subscription (which may have dropped
//! announcements) forgets every remembered generation. While the link is
//! not trusted, every recall reads its generation from Redis, and when that
//! fails the cache is bypassed: a recall is never served from before a
//! write that completed more than the trust window ago.
//!
//! **Acknowledged writes** (what lets strict coherence trust the link): the
//! writer waits until every instance that may be trusting its link has
//! acknowledged the announcement, or until its trust window, counted from
//! the announcement's reply, has run out ([`LinkState::settled`]). Which
//! instances may be trusting is read off the channel itself: when the
//! writer's own announcement comes back to it, it has received every
//! heartbeat published before the announcement, and an instance trusts its
//! link only within its window of one of its own heartbeats. An instance
//! whose newest heartbeat reached the writer longer ago than that
//! instance's window (it says its window in every heartbeat) can trust only
//! by a heartbeat published after the announcement, so it had read the
//! announcement first. An instance that acknowledged has forgotten the
//! namespace before it did. So once a write has settled, no instance serves
//! a generation from before it without reading Redis.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::generation::MAX_NAMESPACES;

/// Message announcing a write: this prefix, the writer's id, `:`, its write
/// number, `:`, then the namespace.
pub(super) const WRITE_PREFIX: &str = "w:";
/// Heartbeat message: this prefix, the instance id, `:`, its trust window in
/// milliseconds, `:`, then the publisher's clock in nanoseconds since its
/// link started.
pub(super) const HEARTBEAT_PREFIX: &str = "h:";
/// Acknowledgement of a write: this prefix, the acknowledging instance's id,
/// `:`, the writer's id, `:`, then the write number.
pub(super) const ACK_PREFIX: &str = "a:";
/// Most instances whose heartbeats are remembered, and most writes waiting
/// for acknowledgements: past it the oldest are dropped (a dropped write
/// just waits for its deadline).
const MAX_TRACKED: usize = 1024;

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
    /// The other instances heard on the channel: when their newest heartbeat
    /// arrived (this clock) and the trust window it announced.
    peers: Mutex<HashMap<String, Peer>>,
    /// Number of this instance's next announced write.
    next_write: AtomicU64,
    /// This instance's writes not yet settled, by number.
    writes: Mutex<HashMap<u64, PendingWrite>>,
}

#[derive(Clone, Copy)]
struct Peer {
    heard_at: u64,
    window: Duration,
}

struct PendingWrite {
    /// The instances whose acknowledgement is still awaited; `None` until
    /// the announcement came back (or when it came back just after a reset,
    /// which may have dropped heartbeats: the write then waits for its
    /// deadline).
    waiting: Option<HashSet<String>>,
    /// Becomes true when every instance that may be trusting its link has
    /// acknowledged.
    settled: watch::Sender<bool>,
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
            peers: Mutex::new(HashMap::new()),
            next_write: AtomicU64::new(1),
            writes: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn instance(&self) -> &str {
        &self.instance
    }

    /// Nanoseconds since the link state was made; never 0.
    pub(super) fn now(&self) -> u64 {
        nanos(self.started.elapsed()).max(1)
    }

    /// The heartbeat message to publish now.
    pub(super) fn heartbeat(&self) -> String {
        let window_ms = self.trust_window.as_millis();
        format!("{HEARTBEAT_PREFIX}{}:{window_ms}:{}", self.instance, self.now())
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

    /// Handles one message of the channel; returns the acknowledgement to
    /// publish when it announced another instance's write (after the
    /// namespace was forgotten here).
    pub(super) fn on_message(&self, message: &str) -> Option<String> {
        if let Some(rest) = message.strip_prefix(WRITE_PREFIX) {
            let (writer, number, namespace) = fields(rest)?;
            if writer == self.instance {
                self.came_back(number.parse().ok()?);
                return None;
            }
            self.forget(namespace);
            return Some(format!("{ACK_PREFIX}{}:{writer}:{number}", self.instance));
        }
        if let Some(rest) = message.strip_prefix(HEARTBEAT_PREFIX) {
            let (instance, window_ms, sent) = fields(rest)?;
            if instance == self.instance {
                if let Ok(sent) = sent.parse::<u64>() {
                    self.heard_at.fetch_max(sent, Ordering::AcqRel);
                }
            } else if let Ok(window_ms) = window_ms.parse::<u64>() {
                let peer = Peer { heard_at: self.now(), window: Duration::from_millis(window_ms) };
                let mut peers = lock(&self.peers);
                if peers.len() >= MAX_TRACKED && !peers.contains_key(instance) {
                    let now = self.now();
                    peers.retain(|_, p| !p.expired(now));
                }
                if peers.len() < MAX_TRACKED || peers.contains_key(instance) {
                    peers.insert(instance.to_owned(), peer);
                }
            }
            return None;
        }
        if let Some(rest) = message.strip_prefix(ACK_PREFIX) {
            let (acker, writer, number) = fields(rest)?;
            if writer == self.instance {
                self.acknowledged(number.parse().ok()?, acker);
            }
        }
        None
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

    /// Numbers a write of this instance in `namespace` and returns the
    /// number and the announcement to publish; [`settled`](Self::settled)
    /// then tells when the write may complete.
    pub(super) fn begin_write(&self, namespace: &str) -> (u64, String) {
        let number = self.next_write.fetch_add(1, Ordering::AcqRel);
        let (settled, _) = watch::channel(false);
        let mut writes = lock(&self.writes);
        if writes.len() >= MAX_TRACKED
            && let Some(oldest) = writes.keys().min().copied()
        {
            writes.remove(&oldest);
        }
        writes.insert(number, PendingWrite { waiting: None, settled });
        (number, format!("{WRITE_PREFIX}{}:{number}:{namespace}", self.instance))
    }

    /// How long write `number`, whose announcement Redis has just answered,
    /// may have to wait: the longest trust window of this instance and of
    /// the instances heard on the channel. And a receiver that turns true
    /// when it has settled early (`None` when the write is unknown).
    pub(super) fn settled(&self, number: u64) -> (Duration, Option<watch::Receiver<bool>>) {
        let longest = self.longest_window(&lock(&self.peers));
        let receiver = lock(&self.writes).get(&number).map(|w| w.settled.subscribe());
        (longest, receiver)
    }

    /// Forgets write `number` once its writer stopped waiting.
    pub(super) fn end_write(&self, number: u64) {
        lock(&self.writes).remove(&number);
    }

    /// This instance's announcement `number` came back: every heartbeat
    /// published before it has arrived, so the instances that may be
    /// trusting their link without having read it are the ones heard within
    /// their windows.
    fn came_back(&self, number: u64) {
        let now = self.now();
        let mut writes = lock(&self.writes);
        let Some(write) = writes.get_mut(&number) else { return };
        // A subscription re-established within the longest window may have
        // missed heartbeats: the write waits for its deadline instead.
        let peers = lock(&self.peers);
        let longest = self.longest_window(&peers);
        let reset_at = self.reset_at.load(Ordering::Acquire);
        if reset_at != 0 && Duration::from_nanos(now.saturating_sub(reset_at)) < longest {
            return;
        }
        let waiting: HashSet<String> =
            peers.iter().filter(|(_, p)| !p.expired(now)).map(|(id, _)| id.clone()).collect();
        if waiting.is_empty() {
            write.settled.send_replace(true);
        }
        write.waiting = Some(waiting);
    }

    fn longest_window(&self, peers: &HashMap<String, Peer>) -> Duration {
        peers.values().map(|p| p.window).fold(self.trust_window, Duration::max)
    }

    fn acknowledged(&self, number: u64, acker: &str) {
        let mut writes = lock(&self.writes);
        let Some(write) = writes.get_mut(&number) else { return };
        if let Some(waiting) = &mut write.waiting
            && waiting.remove(acker)
            && waiting.is_empty()
        {
            write.settled.send_replace(true);
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        lock(&self.known)
    }
}

/// Forgets write `.1` of link `.0` when dropped, however its writer stops
/// waiting for it.
pub(super) struct EndWrite<'a>(pub(super) &'a LinkState, pub(super) u64);

impl Drop for EndWrite<'_> {
    fn drop(&mut self) {
        self.0.end_write(self.1);
    }
}

impl Peer {
    /// True when this peer can no longer be trusting its link on a heartbeat
    /// published before `now` (its newest one arrived longer ago than its
    /// window).
    fn expired(&self, now: u64) -> bool {
        Duration::from_nanos(now.saturating_sub(self.heard_at)) >= self.window
    }
}

/// The three `:`-separated fields of a message after its prefix (the last
/// may hold colons: a namespace).
fn fields(rest: &str) -> Option<(&str, &str, &str)> {
    let mut fields = rest.splitn(3, ':');
    Some((fields.next()?, fields.next()?, fields.next()?))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
