//! Which namespace's memory a cache key depends on, remembered when [`cache_key`](crate::cache_key) builds the key, so a lookup can check that the generation in it is still current.
//!
//! A key is an MD5 digest: nothing in it says that it carries a memory
//! generation, or of which namespace. The mapping from a key to its
//! dependency is a function of the key (the digest covers the namespace
//! and the generation), so one table serves every `ResultCache` of the
//! process. It is bounded, and forgets the oldest keys first.
//!
//! **Invariant:** a key is looked up soon after it was built (the engine
//! builds it and calls the cache with no `.await` in between), so the
//! table still holds it: it is forgotten only after [`CAPACITY`] newer
//! memory keys were built.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

/// Keys remembered; each costs about 120 bytes.
const CAPACITY: usize = 16_384;

/// The memory generation of one namespace that a key was built with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dependency {
    pub(crate) namespace: Arc<str>,
    pub(crate) generation: u64,
}

struct Table {
    capacity: usize,
    by_key: HashMap<Box<str>, Dependency>,
    /// Keys in the order they were first remembered: the oldest goes first.
    order: VecDeque<Box<str>>,
}

impl Table {
    fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), by_key: HashMap::new(), order: VecDeque::new() }
    }

    fn remember(&mut self, key: &str, namespace: &str, generation: u64) {
        if self.by_key.contains_key(key) {
            return;
        }
        if self.order.len() >= self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.by_key.remove(&oldest);
        }
        let dependency = Dependency { namespace: namespace.into(), generation };
        self.by_key.insert(key.into(), dependency);
        self.order.push_back(key.into());
    }

    fn of(&self, key: &str) -> Option<Dependency> {
        self.by_key.get(key).cloned()
    }
}

fn table() -> MutexGuard<'static, Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE
        .get_or_init(|| Mutex::new(Table::new(CAPACITY)))
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Records that `key` was built with `generation` of `namespace`.
pub(crate) fn remember(key: &str, namespace: &str, generation: u64) {
    table().remember(key, namespace, generation);
}

/// The dependency `key` was built with; `None` for a key that reads no
/// memory (or one built more than [`CAPACITY`] memory keys ago).
pub(crate) fn of(key: &str) -> Option<Dependency> {
    table().of(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_key_gives_back_its_namespace_and_generation() {
        let mut table = Table::new(4);
        table.remember("a", "team", 7);
        let found = table.of("a").expect("remembered");
        assert_eq!((&*found.namespace, found.generation), ("team", 7));
        assert_eq!(table.of("never built"), None);
    }

    #[test]
    fn the_oldest_key_is_forgotten_past_the_capacity() {
        let mut table = Table::new(3);
        for key in ["a", "b", "c", "d"] {
            table.remember(key, "ns", 1);
        }
        assert_eq!(table.of("a"), None);
        assert!(["b", "c", "d"].iter().all(|key| table.of(key).is_some()));
    }
}
