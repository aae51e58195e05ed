//! The match cache: a bounded LRU of query → match result, with hit and miss counters.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use lru::LruCache;
use pattern_core::{Captures, MatchCacheStats};

/// Entries kept: enough for the distinct queries of a busy agent session,
/// small enough (≤ 1024 queries of ≤ 4 KiB) never to matter for memory.
pub const MATCH_CACHE_CAPACITY: usize = 1024;

/// A cached regex match: index into the registry's priority-ordered
/// patterns, and the captures. `None` caches "no pattern matches".
pub(crate) type CachedMatch = Option<(usize, Captures)>;

/// Keyed by the trimmed query. The lock is held only to read or write an
/// entry, never while a regex runs.
#[derive(Debug)]
pub(crate) struct MatchCache {
    entries: Mutex<LruCache<String, CachedMatch>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl MatchCache {
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            entries: Mutex::new(LruCache::new(capacity)),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The cached result for `query`, counting a hit or a miss.
    pub fn get(&self, query: &str) -> Option<CachedMatch> {
        let found = self.entries.lock().unwrap_or_else(PoisonError::into_inner).get(query).cloned();
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub fn put(&self, query: String, result: CachedMatch) {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).put(query, result);
    }

    /// Drops every entry (the patterns changed); the counters go on.
    pub fn clear(&mut self) {
        self.entries.get_mut().unwrap_or_else(PoisonError::into_inner).clear();
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    pub fn stats(&self) -> MatchCacheStats {
        let hits = self.hits.load(Ordering::Relaxed);
        let misses = self.misses.load(Ordering::Relaxed);
        let total = hits + misses;
        let hit_rate = if total == 0 { 0.0 } else { hits as f64 / total as f64 };
        MatchCacheStats { hits, misses, hit_rate }
    }
}
