//! Shared test helpers: pattern definitions and a shared tier double.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pattern_cache::{CacheError, CachedResult, SharedEntry, SharedTier, TierFuture};
use pattern_core::{MemoryOp, MemorySpec, PatternDefinition, PatternSource, PatternType, ToolSpec};
use serde_json::Value;

/// A cache entry whose result is `{"v": value}`: what these tests store.
pub fn entry(value: Value) -> Arc<CachedResult> {
    Arc::new(held(value))
}

/// The entry [`entry`] shares, for comparisons.
pub fn held(value: Value) -> CachedResult {
    CachedResult::new(serde_json::Map::from_iter([("v".to_owned(), value)]))
}

pub fn pattern(
    tool: bool,
    memory: Option<MemoryOp>,
    cache_ttl_s: Option<u64>,
) -> PatternDefinition {
    PatternDefinition {
        name: "p".into(),
        pattern_type: match (tool, memory.is_some()) {
            (true, true) => PatternType::Hybrid,
            (false, true) => PatternType::Memory,
            _ => PatternType::Infrastructure,
        },
        trigger: String::new(),
        priority: 0,
        cost_tokens: 10,
        cache_ttl_s,
        description: String::new(),
        min_role: None,
        tool: tool.then(|| ToolSpec {
            server: "time".into(),
            name: "get_current_time".into(),
            arguments: serde_json::Map::new(),
        }),
        memory: memory.map(|op| MemorySpec { op, text: None, limit: None, tags: Vec::new() }),
        captures: Vec::new(),
        source: PatternSource::builtin(1),
        builtin: true,
    }
}

/// An in-memory stand-in for Redis, for the faults a real server cannot be
/// made to produce on demand (down, slow, a lease held by an instance that
/// never stores), with time paused. Entries do not expire here; tests read `ttls`.
#[derive(Default)]
pub struct FakeShared {
    entries: Mutex<HashMap<String, (Arc<CachedResult>, Duration)>>,
    /// Every call fails as if the connection were refused.
    pub down: AtomicBool,
    /// Every call takes 10 s.
    pub slow: AtomicBool,
    /// Another instance holds every lease.
    pub leased: AtomicBool,
}

impl FakeShared {
    pub fn insert(&self, key: &str, value: Value, ttl: Duration) {
        self.entries.lock().unwrap().insert(key.to_owned(), (entry(value), ttl));
    }

    /// TTL each key was stored with.
    pub fn ttl(&self, key: &str) -> Option<Duration> {
        self.entries.lock().unwrap().get(key).map(|(_, ttl)| *ttl)
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }

    async fn fault(&self) -> Result<(), CacheError> {
        if self.slow.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        if self.down.load(Ordering::Relaxed) {
            return Err(CacheError::Unavailable("connection refused".into()));
        }
        Ok(())
    }
}

impl SharedTier for FakeShared {
    fn get<'a>(&'a self, key: &'a str) -> TierFuture<'a, Option<SharedEntry>> {
        Box::pin(async move {
            self.fault().await?;
            let entries = self.entries.lock().unwrap();
            Ok(entries
                .get(key)
                .map(|(value, ttl)| SharedEntry { value: Arc::clone(value), ttl_left: *ttl }))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Arc<CachedResult>,
        ttl: Duration,
    ) -> TierFuture<'a, ()> {
        Box::pin(async move {
            self.fault().await?;
            self.entries.lock().unwrap().insert(key.to_owned(), (value, ttl));
            Ok(())
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> TierFuture<'a, ()> {
        Box::pin(async move {
            self.fault().await?;
            self.entries.lock().unwrap().remove(key);
            Ok(())
        })
    }

    fn clear(&self) -> TierFuture<'_, ()> {
        Box::pin(async move {
            self.fault().await?;
            self.entries.lock().unwrap().clear();
            Ok(())
        })
    }

    fn is_available(&self) -> bool {
        !self.down.load(Ordering::Relaxed)
    }

    fn try_lease<'a>(&'a self, _key: &'a str, _hold: Duration) -> TierFuture<'a, bool> {
        Box::pin(async move {
            self.fault().await?;
            Ok(!self.leased.load(Ordering::Relaxed))
        })
    }
}
