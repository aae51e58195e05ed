//! Strict coherence: a lookup of an entry that depends on a namespace's memory checks that namespace's generation in the shared store before serving it.
//!
//! The engine builds a key with the generation [`ResultCache::key_generation`]
//! gave it, which under strict coherence is the one this instance believes
//! current (no round trip, except once after each announced write, so a
//! request that reads no memory does not wait on Redis for it). The lookup
//! then checks the generation is current. When the local tier holds the key
//! and the invalidation link vouches for that generation
//! ([`SharedGenerations::known`]), that is the check: every write completes
//! only once it has *settled* ([`SharedGenerations::settle`]: every instance
//! that may trust its link has seen the announcement, or can no longer trust
//! it), so a generation the link vouches for is current for any recall that
//! starts after a write completed. Otherwise the lookup reads the current
//! generation: when the local tier holds the key, alone; when it does not,
//! in the round trip that reads the shared entry. A key whose generation is
//! no longer current is *outdated*: it is never served, and the request runs
//! without the cache (its result would be stored under a key nobody builds
//! again). The generation read becomes the one the next key is built with.
//!
//! When the generation cannot be read (Redis slow or down), the key is not
//! served from any tier, nor from an identical computation in flight (it
//! may have started before a write), but the request's result is stored
//! under it: a value computed now reflects every write completed before
//! now, so it may answer the key for as long as the key's generation is
//! current, and a later lookup checks exactly that. (`key_generation` answers `None` while
//! the tier is known to be down, and the engine then skips the cache.)

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use pattern_core::CacheTier;
use tokio::time::Instant;

use super::{Cached, ResultCache, bump};
use crate::generation::MAX_NAMESPACES;
use crate::key::{Dependency, KeyRef};
use crate::shared::{Coherence, SharedGenerations};

/// What a lookup found.
pub(super) enum Found {
    Hit(Cached),
    /// No tier holds the key: compute and store it.
    Miss,
    /// The key's generation is outdated: it may not be served, and storing
    /// under it is useless: compute without the cache.
    Bypass,
    /// The key's generation could not be read: compute here (neither
    /// waiting for a flight that may have started before a write, nor
    /// serving a tier), then store.
    Unchecked,
}

/// The last generation this instance read or wrote for each namespace.
#[derive(Default)]
pub(super) struct LastSeen {
    map: Mutex<HashMap<String, u64>>,
}

impl LastSeen {
    pub(super) fn get(&self, namespace: &str) -> Option<u64> {
        self.lock().get(namespace).copied()
    }

    /// Replaces what was seen: a generation read from the shared store is
    /// its current one, even below what was seen before (a Redis that lost
    /// its data starts over).
    pub(super) fn set(&self, namespace: &str, generation: u64) {
        let mut map = self.lock();
        if map.len() >= MAX_NAMESPACES && !map.contains_key(namespace) {
            // Forgetting costs one generation read on the next request.
            map.clear();
        }
        map.insert(namespace.to_owned(), generation);
    }

    pub(super) fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ResultCache {
    /// The shared generations, when lookups must check them.
    pub(super) fn strict_generations(&self) -> Option<&dyn SharedGenerations> {
        let generations = self.shared.as_deref()?.generations()?;
        (generations.coherence() == Coherence::Strict).then_some(generations)
    }

    /// The dependency of `key` a lookup must check; `None` for a key that
    /// reads no memory, or when coherence is not strict.
    pub(super) fn dependency_to_check<'k>(&self, key: KeyRef<'k>) -> Option<&'k Dependency> {
        self.strict_generations()?;
        key.reads
    }

    /// Looks `key`, built with `dependency`, up in each tier, serving it
    /// only if its generation is the current one.
    pub(super) async fn lookup_checked(&self, key: &str, dependency: &Dependency) -> Found {
        let (Some(shared), Some(generations)) = (self.shared.as_deref(), self.strict_generations())
        else {
            return Found::Bypass;
        };
        let namespace = &*dependency.namespace;
        // Every write completed so far has settled, so while the link vouches
        // for the key's generation it is the current one.
        let vouched = generations.known(namespace) == Some(dependency.generation);
        if let Some(value) = self.local.get(key) {
            if vouched {
                bump(&self.counters.local_hits);
                return Found::Hit(Cached { value, tier: CacheTier::Local });
            }
            // Else one read for every local hit of the namespace that started
            // before it was sent (`reads.rs`).
            let deadline = Instant::now() + self.config.shared_timeout;
            let read = || self.shared_call("generation", generations.fetch(namespace));
            match self.generation_reads.read(namespace, deadline, read).await {
                Some(current) if current == dependency.generation => {
                    self.last_seen.set(namespace, current);
                    bump(&self.counters.local_hits);
                    return Found::Hit(Cached { value, tier: CacheTier::Local });
                }
                Some(current) => {
                    self.last_seen.set(namespace, current);
                    self.local.invalidate(key);
                    bump(&self.counters.local_misses);
                    return Found::Bypass;
                }
                None => {
                    self.local.invalidate(key);
                    bump(&self.counters.local_misses);
                    return Found::Unchecked;
                }
            }
        }
        bump(&self.counters.local_misses);
        if vouched {
            // The entry alone, as for a key that reads no memory: the key is
            // current, so a computation of it in flight may answer it too.
            return self.lookup_shared(shared, key).await;
        }
        // This round trip reads the generation too: it answers the local hits
        // waiting for the next generation read, which all began before it.
        let queued = self.generation_reads.take_queued(namespace);
        let found = self.shared_call("get", shared.get_checked(key, namespace)).await;
        if let Some(queued) = queued {
            queued.answer(found.as_ref().map(|(_, current)| *current));
        }
        let Some((entry, current)) = found else {
            return Found::Unchecked;
        };
        self.last_seen.set(namespace, current);
        if current != dependency.generation {
            bump(&self.counters.shared_misses);
            return Found::Bypass;
        }
        match entry {
            Some(entry) => self.shared_hit(key, entry),
            None => {
                bump(&self.counters.shared_misses);
                Found::Miss
            }
        }
    }

    /// [`ResultCache::key_generation`] under strict coherence: the generation
    /// the invalidation link vouches for; else, while the link is trusted
    /// (so the namespace was written since it was read, or never read), the
    /// one in the shared store; else the last one seen. Only the middle
    /// case costs a round trip, once per write per instance; the lookup
    /// checks whatever this returns. `None` while the shared tier is down.
    pub(super) async fn strict_key_generation(
        &self,
        generations: &dyn SharedGenerations,
        namespace: &str,
    ) -> Option<u64> {
        if !self.shared_tier_available() {
            return None;
        }
        if let Some(known) = generations.known(namespace) {
            return Some(known);
        }
        if !generations.announcements_trusted()
            && let Some(seen) = self.last_seen.get(namespace)
        {
            return Some(seen);
        }
        let current = self.shared_call("generation", generations.fetch(namespace)).await?;
        self.last_seen.set(namespace, current);
        Some(current)
    }
}
