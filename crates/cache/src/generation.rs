//! Memory generations: a counter per namespace, bumped by every memory write and carried in the keys of recalls.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Namespaces whose generation is tracked individually. Namespaces are
/// client-chosen, so the map needs a bound; past it, see [`Generations::bump`].
pub(crate) const MAX_NAMESPACES: usize = 65_536;

/// Generation of each namespace.
///
/// **Invariant:** a namespace's generation never decreases, so a key built
/// before a write is never built again after it.
pub(crate) struct Generations {
    inner: RwLock<Inner>,
    capacity: usize,
}

struct Inner {
    /// Namespaces written to since the last reset.
    map: HashMap<String, AtomicU64>,
    /// Generation of every namespace not in `map`: above any generation
    /// handed out before the last reset, so forgetting a namespace only
    /// turns its cached recalls into misses.
    floor: u64,
}

impl Generations {
    pub(crate) fn new(capacity: usize) -> Self {
        let inner = Inner { map: HashMap::new(), floor: 0 };
        Self { inner: RwLock::new(inner), capacity: capacity.max(1) }
    }

    /// Current generation of `namespace`; 0 until its first write.
    pub(crate) fn get(&self, namespace: &str) -> u64 {
        let inner = self.read();
        inner.map.get(namespace).map_or(inner.floor, |g| g.load(Ordering::Acquire))
    }

    /// Moves `namespace` to its next generation and returns it.
    ///
    /// When the map is full it is emptied and the floor raised above every
    /// generation it held: all namespaces move on together, which costs one
    /// miss per cached recall and keeps the invariant.
    pub(crate) fn bump(&self, namespace: &str) -> u64 {
        {
            // Fast path, shared lock: the namespace is known.
            let inner = self.read();
            if let Some(g) = inner.map.get(namespace) {
                return g.fetch_add(1, Ordering::AcqRel) + 1;
            }
        }
        let mut inner = self.write();
        if let Some(g) = inner.map.get(namespace) {
            return g.fetch_add(1, Ordering::AcqRel) + 1;
        }
        if inner.map.len() >= self.capacity {
            let highest = inner.map.values().map(|g| g.load(Ordering::Acquire)).max();
            inner.floor = highest.unwrap_or(0).max(inner.floor) + 1;
            inner.map.clear();
            tracing::info!(
                capacity = self.capacity,
                floor = inner.floor,
                "memory generation map full; every namespace moved to a new generation"
            );
        }
        let next = inner.floor + 1;
        inner.map.insert(namespace.to_owned(), AtomicU64::new(next));
        next
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
