//! Per-namespace memory counts kept in memory, so that routing never queries the store.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many memories each namespace holds, as far as this process knows.
///
/// Loaded once when a store opens (one `GROUP BY namespace` query) and bumped
/// by every successful write of this process. The router asks it on every
/// request (`MemoryAvailability::has_memories`), so it must never cost a query.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    by_namespace: RwLock<HashMap<String, u64>>,
    total: AtomicU64,
}

impl Counters {
    /// Counters starting from the counts read at open.
    pub(crate) fn loaded(counts: impl IntoIterator<Item = (String, u64)>) -> Self {
        let by_namespace: HashMap<String, u64> = counts.into_iter().collect();
        let total = by_namespace.values().sum();
        Self { by_namespace: RwLock::new(by_namespace), total: AtomicU64::new(total) }
    }

    /// Replaces the counts with those read from the store (a store that
    /// opens before its server is reachable reads them later).
    pub(crate) fn load(&self, counts: impl IntoIterator<Item = (String, u64)>) {
        let by_namespace: HashMap<String, u64> = counts.into_iter().collect();
        let total = by_namespace.values().sum();
        *self.by_namespace.write().unwrap_or_else(|e| e.into_inner()) = by_namespace;
        self.total.store(total, Ordering::Relaxed);
    }

    /// Records `n` memories written to `namespace`; returns how many it now
    /// holds.
    pub(crate) fn add(&self, namespace: &str, n: u64) -> u64 {
        let now = {
            let mut map = self.by_namespace.write().unwrap_or_else(|e| e.into_inner());
            match map.get_mut(namespace) {
                Some(count) => {
                    *count += n;
                    *count
                }
                None if n == 0 => return 0,
                None => {
                    map.insert(namespace.to_owned(), n);
                    n
                }
            }
        };
        self.total.fetch_add(n, Ordering::Relaxed);
        now
    }

    pub(crate) fn has(&self, namespace: &str) -> bool {
        let map = self.by_namespace.read().unwrap_or_else(|e| e.into_inner());
        map.get(namespace).is_some_and(|&n| n > 0)
    }

    pub(crate) fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}
