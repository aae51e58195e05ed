//! The local (L1) tier: an in-process moka cache with a TTL per entry.

use std::sync::Arc;
use std::time::Duration;

use crate::entry::CachedResult;
use moka::Expiry;
use moka::sync::Cache;
use tokio::time::Instant;

/// One cached result and how long it may be served.
#[derive(Clone)]
struct Entry {
    value: Arc<CachedResult>,
    /// Already clamped to the tier's TTL; moka evicts after it (real time).
    ttl: Duration,
    /// The same deadline on tokio's clock, checked on every read: it is what
    /// makes expiry follow `tokio::time::pause()` in tests (moka keeps its
    /// own `std::time::Instant` clock, which nothing can pause). `None`: the
    /// deadline lies beyond what an `Instant` can hold.
    expires_at: Option<Instant>,
}

/// Tells moka to expire each entry after its own TTL, counted from its last
/// write (a `put` over an existing key restarts the clock).
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &String,
        entry: &Entry,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _updated_at: std::time::Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// The in-process tier, bounded in entries (moka's TinyLFU admission and LRU
/// eviction) and in time (per entry).
pub(crate) struct LocalTier {
    /// Hashed with foldhash, seeded at random: the keys are MD5 digests, and
    /// under a stream of new entries moka rehashes its table often, which
    /// with the standard library's SipHash was 1.8 % of a profile of the
    /// uncached call (docs/PERFORMANCE.md).
    cache: Cache<String, Entry, foldhash::fast::RandomState>,
    /// Longest time any entry stays, whatever the caller asks.
    max_ttl: Duration,
}

impl LocalTier {
    pub(crate) fn new(capacity: u64, max_ttl: Duration) -> Self {
        let cache = Cache::builder()
            .max_capacity(capacity)
            .expire_after(PerEntryTtl)
            .build_with_hasher(foldhash::fast::RandomState::default());
        Self { cache, max_ttl }
    }

    /// The value under `key`, unless absent or expired.
    pub(crate) fn get(&self, key: &str) -> Option<Arc<CachedResult>> {
        let entry = self.cache.get(key)?;
        match entry.expires_at {
            Some(deadline) if deadline <= Instant::now() => None,
            _ => Some(entry.value),
        }
    }

    /// Stores `value` for `min(ttl, tier TTL)`; a zero TTL stores nothing.
    pub(crate) fn insert(&self, key: &str, value: Arc<CachedResult>, ttl: Duration) {
        let ttl = ttl.min(self.max_ttl);
        if ttl.is_zero() {
            return;
        }
        let expires_at = Instant::now().checked_add(ttl);
        self.cache.insert(key.to_owned(), Entry { value, ttl, expires_at });
    }

    pub(crate) fn invalidate(&self, key: &str) {
        self.cache.invalidate(key);
    }

    pub(crate) fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }

    /// Entries held, after moka has applied pending evictions and
    /// invalidations (its count is otherwise eventually consistent).
    pub(crate) fn entry_count(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }
}

#[cfg(test)]
mod tests;
