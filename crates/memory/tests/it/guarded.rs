//! A store that keeps something alive while it is used (a temporary directory, a database schema) and lets it go after.

use std::sync::Arc;

use pattern_core::{Memory, MemoryAvailability, NewMemory, SearchQuery};
use pattern_memory::{BoxFuture, MemoryError, MemoryStore, Stored};

/// `store`, with `_guard` dropped after it (fields drop in order).
pub struct Guarded<G: Send + Sync + 'static> {
    pub store: Arc<dyn MemoryStore>,
    pub _guard: G,
}

impl<G: Send + Sync + 'static> MemoryAvailability for Guarded<G> {
    fn has_memories(&self, namespace: &str) -> bool {
        self.store.has_memories(namespace)
    }
}

impl<G: Send + Sync + 'static> MemoryStore for Guarded<G> {
    fn backend(&self) -> &'static str {
        self.store.backend()
    }
    fn store(&self, memory: NewMemory) -> BoxFuture<'_, Result<Stored, MemoryError>> {
        self.store.store(memory)
    }
    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>> {
        self.store.search(query)
    }
    fn recent(
        &self,
        namespace: &str,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>> {
        self.store.recent(namespace, limit)
    }
    fn count(&self, namespace: Option<&str>) -> BoxFuture<'_, Result<u64, MemoryError>> {
        self.store.count(namespace)
    }
    fn total(&self) -> u64 {
        self.store.total()
    }
    fn health(&self) -> BoxFuture<'_, Result<(), MemoryError>> {
        self.store.health()
    }
}
