//! `ResultCache`: tiers walked nearest first, identical misses coalesced, memory generations, stats.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::entry::CachedResult;
use pattern_core::{CacheStats, CacheTier, LocalCacheStats, RedisCacheStats};

use crate::coalesce::{Inflight, Join};
use crate::error::CacheError;
use crate::generation::{Generations, MAX_NAMESPACES};
use crate::key::KeyRef;
use crate::local::LocalTier;
use crate::policy::effective_ttl;
use crate::shared::{Coherence, SharedEntry, SharedTier, TierFuture};
use reads::GenerationReads;
use strict::{Found, LastSeen};

/// The resolved cache settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// Longest a result is served from this instance's memory. Short,
    /// because nothing outside this process can invalidate it.
    pub local_ttl: Duration,
    /// Entries the local tier holds before evicting: bounds its memory.
    pub local_capacity: u64,
    /// Longest a result stays in the shared tier, when one is configured.
    pub shared_ttl: Duration,
    /// Longest a request waits on the shared tier before carrying on as a
    /// miss: a slow Redis must not make requests slow (docs/CONTRACT.md §6).
    pub shared_timeout: Duration,
    /// How long a cross-instance lease on a missing key lasts: bounds how
    /// long a crashed holder keeps other instances waiting.
    pub lease_hold: Duration,
    /// How long an instance that found the lease taken waits for the holder's
    /// value in the shared tier before computing the value itself.
    pub lease_wait: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            local_ttl: Duration::from_secs(60),
            local_capacity: 10_000,
            shared_ttl: Duration::from_secs(300),
            shared_timeout: Duration::from_millis(100),
            lease_hold: Duration::from_secs(5),
            lease_wait: Duration::from_millis(200),
        }
    }
}

/// A result served from a tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached {
    pub value: Arc<CachedResult>,
    pub tier: CacheTier,
}

/// How [`ResultCache::get_or_compute`] obtained its value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<T> {
    /// Served by a tier: nothing ran.
    Hit(Cached),
    /// An identical request computed it at the same time, and this caller
    /// took its outcome instead of running the pattern again.
    Coalesced(T),
    /// This caller ran the computation.
    Computed(T),
}

impl<T> Lookup<T> {
    /// The tier that answered, for `ExecutionResult::cache_tier`.
    pub fn tier(&self) -> Option<CacheTier> {
        match self {
            Lookup::Hit(cached) => Some(cached.tier),
            Lookup::Coalesced(_) | Lookup::Computed(_) => None,
        }
    }

    /// True when a tier answered, for `ExecutionResult::cache_hit`.
    pub fn is_hit(&self) -> bool {
        matches!(self, Lookup::Hit(_))
    }

    /// Fixed label for metrics and logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            Lookup::Hit(_) => "hit",
            Lookup::Coalesced(_) => "coalesced",
            Lookup::Computed(_) => "computed",
        }
    }
}

impl Lookup<Arc<CachedResult>> {
    pub fn value(&self) -> &Arc<CachedResult> {
        match self {
            Lookup::Hit(cached) => &cached.value,
            Lookup::Coalesced(value) | Lookup::Computed(value) => value,
        }
    }

    pub fn into_value(self) -> Arc<CachedResult> {
        match self {
            Lookup::Hit(cached) => cached.value,
            Lookup::Coalesced(value) | Lookup::Computed(value) => value,
        }
    }
}

/// Counters behind `stats`. Relaxed: each is read on its own.
#[derive(Default)]
struct Counters {
    local_hits: AtomicU64,
    local_misses: AtomicU64,
    shared_hits: AtomicU64,
    shared_misses: AtomicU64,
    shared_errors: AtomicU64,
    coalesced: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn read(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// The result cache of one server instance. `Send + Sync`; share it in an `Arc`.
pub struct ResultCache {
    config: CacheConfig,
    local: LocalTier,
    /// The shared tier, when configured; asked after the local tier misses.
    shared: Option<Arc<dyn SharedTier>>,
    inflight: Inflight,
    generations: Generations,
    /// Under strict coherence, the generation each namespace's next key is
    /// built with (`strict.rs`).
    last_seen: LastSeen,
    /// Under strict coherence, the generation reads concurrent lookups share
    /// (`reads.rs`).
    generation_reads: GenerationReads,
    /// The shared tier's epoch when this cache last looked.
    epoch: AtomicU64,
    counters: Counters,
}

impl fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResultCache")
            .field("config", &self.config)
            .field("shared_tier", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl ResultCache {
    /// A cache with the local tier only.
    pub fn new(config: CacheConfig) -> Self {
        Self::build(config, None)
    }

    /// A cache with the local tier in front of `shared`.
    pub fn with_shared_tier(config: CacheConfig, shared: Arc<dyn SharedTier>) -> Self {
        Self::build(config, Some(shared))
    }

    fn build(config: CacheConfig, shared: Option<Arc<dyn SharedTier>>) -> Self {
        Self {
            local: LocalTier::new(config.local_capacity, config.local_ttl),
            shared,
            inflight: Inflight::default(),
            generations: Generations::new(MAX_NAMESPACES),
            last_seen: LastSeen::default(),
            generation_reads: GenerationReads::default(),
            epoch: AtomicU64::new(0),
            counters: Counters::default(),
            config,
        }
    }

    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// The `ttl` to hand to [`put`](Self::put) and
    /// [`get_or_compute`](Self::get_or_compute) for a pattern: its
    /// `cache_ttl_s` capped by the longest tier TTL. Each tier then keeps the
    /// entry for `min(its TTL, ttl)`.
    pub fn ttl_for(&self, pattern_ttl_s: Option<u64>) -> Duration {
        let longest = match self.shared {
            Some(_) => self.config.local_ttl.max(self.config.shared_ttl),
            None => self.config.local_ttl,
        };
        effective_ttl(longest, pattern_ttl_s)
    }

    /// Looks `key` up in each tier, nearest first. A hit in the shared tier is
    /// copied into the local tier for the time it has left there. A failing
    /// or slow shared tier counts an error and answers as a miss. Under
    /// strict coherence a key that reads memory is served only while its
    /// generation is the current one (`strict.rs`).
    pub async fn get<'k>(&self, key: impl Into<KeyRef<'k>>) -> Option<Cached> {
        match self.lookup(key.into()).await {
            Found::Hit(hit) => Some(hit),
            Found::Miss | Found::Bypass | Found::Unchecked => None,
        }
    }

    async fn lookup(&self, key: KeyRef<'_>) -> Found {
        self.follow_epoch();
        if let Some(dependency) = self.dependency_to_check(key) {
            return self.lookup_checked(key.digest, dependency).await;
        }
        let key = key.digest;
        if let Some(value) = self.local.get(key) {
            bump(&self.counters.local_hits);
            return Found::Hit(Cached { value, tier: CacheTier::Local });
        }
        bump(&self.counters.local_misses);
        let Some(shared) = self.shared.as_deref() else { return Found::Miss };
        self.lookup_shared(shared, key).await
    }

    /// Looks `key`, which the local tier missed and whose generation (if it
    /// has one) is known current, up in the shared tier; a hit fills the
    /// local tier.
    async fn lookup_shared(&self, shared: &dyn SharedTier, key: &str) -> Found {
        match self.shared_call("get", shared.get(key)).await {
            Some(Some(entry)) => self.shared_hit(key, entry),
            Some(None) => {
                bump(&self.counters.shared_misses);
                Found::Miss
            }
            None => Found::Miss,
        }
    }

    fn shared_hit(&self, key: &str, entry: SharedEntry) -> Found {
        bump(&self.counters.shared_hits);
        self.local.insert(key, Arc::clone(&entry.value), entry.ttl_left);
        Found::Hit(Cached { value: entry.value, tier: CacheTier::Redis })
    }

    /// Stores `value` in every tier, each for `min(its TTL, ttl)`. A zero
    /// `ttl` stores nothing. A failing shared tier is counted, not raised.
    pub async fn put(&self, key: &str, value: Arc<CachedResult>, ttl: Duration) {
        self.follow_epoch();
        self.local.insert(key, Arc::clone(&value), ttl);
        self.put_shared(key, value, ttl).await;
    }

    /// Looks `key` up; on a miss runs `compute` once for all identical
    /// concurrent callers.
    ///
    /// `compute` returns the value and whether it may be stored (the engine
    /// says no for a result that reports a failure). It is stored only then,
    /// for `min(tier TTL, ttl)`; an `Err` is never stored. Callers that
    /// waited get the same outcome, `Ok` or `Err` (cloned). If the computing
    /// caller is cancelled or panics, its waiters do not hang: they start
    /// over, and one of them computes.
    pub async fn get_or_compute<'k, F, Fut, E>(
        &self,
        key: impl Into<KeyRef<'k>>,
        ttl: Duration,
        compute: F,
    ) -> Result<Lookup<Arc<CachedResult>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Arc<CachedResult>, bool), E>>,
        E: Clone + Send + Sync + 'static,
    {
        let key = key.into();
        let found = self.lookup(key).await;
        let key = key.digest;
        match found {
            Found::Hit(hit) => return Ok(Lookup::Hit(hit)),
            Found::Bypass => {
                // Nothing may be stored under an outdated key, and waiting
                // for an identical flight would gain nothing for it.
                return compute().await.map(|(value, _store)| Lookup::Computed(value));
            }
            Found::Unchecked => {
                let (value, store) = compute().await?;
                if store {
                    self.put(key, Arc::clone(&value), ttl).await;
                }
                return Ok(Lookup::Computed(value));
            }
            Found::Miss => {}
        }
        loop {
            match self.inflight.join::<Arc<CachedResult>, E>(key) {
                Join::Waiter(waiter) => match waiter.outcome().await {
                    Some(outcome) => {
                        bump(&self.counters.coalesced);
                        return outcome.map(Lookup::Coalesced);
                    }
                    None => {
                        tracing::debug!("an identical computation was abandoned; starting over");
                    }
                },
                Join::Leader(leader) => {
                    // An identical computation may have finished and stored
                    // its value between the lookup above and the join.
                    if let Some(value) = self.local.get(key) {
                        bump(&self.counters.coalesced);
                        leader.complete(Ok(Arc::clone(&value)));
                        return Ok(Lookup::Coalesced(value));
                    }
                    // Another instance may be computing it: wait briefly for
                    // its value rather than running the pattern again.
                    let turn = match self.take_turn(key).await {
                        lease::Turn::Peer(hit) => {
                            leader.complete(Ok(Arc::clone(&hit.value)));
                            return Ok(Lookup::Hit(hit));
                        }
                        lease::Turn::Compute(turn) => turn,
                    };
                    let (outcome, stored) = match compute().await {
                        Ok((value, store)) => {
                            // Local tier first, then the waiters, then the
                            // shared tier: nobody waits on Redis for a value
                            // this process already holds.
                            if store {
                                self.local.insert(key, Arc::clone(&value), ttl);
                            }
                            leader.complete(Ok(Arc::clone(&value)));
                            let stored = store.then(|| Arc::clone(&value));
                            (Ok(Lookup::Computed(value)), stored)
                        }
                        Err(error) => {
                            leader.complete(Err(error.clone()));
                            (Err(error), None)
                        }
                    };
                    self.end_turn(key, turn, stored, ttl).await;
                    return outcome;
                }
            }
        }
    }

    /// Drops `key` from every tier.
    pub async fn invalidate(&self, key: &str) {
        self.local.invalidate(key);
        if let Some(shared) = self.shared.as_deref() {
            self.shared_call("remove", shared.remove(key)).await;
        }
    }

    /// Drops every entry of every tier (patterns reloaded, admin request).
    pub async fn invalidate_all(&self) {
        self.local.invalidate_all();
        if let Some(shared) = self.shared.as_deref() {
            self.shared_call("clear", shared.clear()).await;
        }
    }

    /// True when a shared tier is configured, whether or not it answers now.
    pub fn has_shared_tier(&self) -> bool {
        self.shared.is_some()
    }

    /// True while the shared tier answers; false without one.
    pub fn shared_tier_available(&self) -> bool {
        self.shared.as_deref().is_some_and(SharedTier::is_available)
    }

    /// Memory generation of `namespace`: 0 until its first memory write.
    /// Goes into the key of every pattern that reads memory.
    pub fn generation(&self, namespace: &str) -> u64 {
        self.generations.get(namespace)
    }

    /// Called after a memory write in `namespace`: every recall cached before
    /// it is keyed with an older generation and is never served again by
    /// this process. Returns the new generation. Other instances learn of
    /// the write only through [`record_memory_write`](Self::record_memory_write).
    pub fn bump_generation(&self, namespace: &str) -> u64 {
        self.generations.bump(namespace)
    }

    /// Memory generation of `namespace` for a key. Without a shared tier
    /// that keeps generations, [`generation`](Self::generation). With one:
    /// - strict coherence (the default): the generation this instance
    ///   believes current, read from the tier only for a namespace not seen
    ///   yet or written since (once per write); the lookup of the key then
    ///   checks it is current, so a request that reads no memory does not
    ///   wait for it (`strict.rs`);
    /// - bounded coherence: the tier's, known without asking while the
    ///   invalidation link is up, fetched otherwise.
    ///
    /// `None` when the generation cannot be known (the shared tier is
    /// unreachable): no tier may answer for this namespace, so the caller
    /// runs the pattern without the cache.
    pub async fn key_generation(&self, namespace: &str) -> Option<u64> {
        let Some(shared) = self.shared.as_deref().and_then(SharedTier::generations) else {
            return Some(self.generations.get(namespace));
        };
        self.follow_epoch();
        if shared.coherence() == Coherence::Strict {
            return self.strict_key_generation(shared, namespace).await;
        }
        if let Some(known) = shared.known(namespace) {
            return Some(known);
        }
        self.shared_call("generation", shared.fetch(namespace)).await
    }

    /// Called after every memory write in `namespace`, with or without a
    /// shared tier: moves it to a new generation here and, when the shared
    /// tier keeps generations, there too, announced to every instance.
    /// Under strict coherence it then waits until the write has settled
    /// (`SharedGenerations::settle`: every instance that serves local hits
    /// without asking has seen it; normally one pub/sub round trip, at most
    /// the link's staleness bound). Returns the local generation.
    pub async fn record_memory_write(&self, namespace: &str) -> u64 {
        self.follow_epoch();
        let local = self.generations.bump(namespace);
        if let Some(shared) = self.shared.as_deref().and_then(SharedTier::generations)
            && let Some(bumped) = self.shared_call("bump", shared.bump(namespace)).await
        {
            self.last_seen.set(namespace, bumped.generation);
            if shared.coherence() == Coherence::Strict {
                shared.settle(bumped.write).await;
            }
        }
        local
    }

    /// Drops the local tier and the generations seen when the shared tier's
    /// epoch moved: after Redis lost its data, a generation read there may
    /// repeat one a local entry was keyed with.
    fn follow_epoch(&self) {
        let Some(shared) = self.shared.as_deref() else { return };
        let epoch = shared.epoch();
        if self.epoch.swap(epoch, Ordering::AcqRel) != epoch {
            tracing::debug!(epoch, "shared tier reconnected; dropping the local tier");
            self.local.invalidate_all();
            self.last_seen.clear();
        }
    }

    /// The `cache` section of the `stats` tool.
    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        let local = LocalCacheStats {
            hits: read(&c.local_hits),
            misses: read(&c.local_misses),
            entries: self.local.entry_count(),
        };
        let redis = RedisCacheStats {
            hits: read(&c.shared_hits),
            misses: read(&c.shared_misses),
            errors: read(&c.shared_errors),
            available: self.shared_tier_available(),
        };
        // Every lookup asks the local tier first, so its hits and misses
        // count the lookups.
        let lookups = local.hits + local.misses;
        let hit_rate =
            if lookups == 0 { 0.0 } else { (local.hits + redis.hits) as f64 / lookups as f64 };
        CacheStats { local, redis, hit_rate, coalesced: read(&c.coalesced) }
    }

    async fn put_shared(&self, key: &str, value: Arc<CachedResult>, ttl: Duration) {
        let Some(shared) = self.shared.as_deref() else { return };
        let ttl = ttl.min(self.config.shared_ttl);
        if !ttl.is_zero() {
            self.shared_call("put", shared.put(key, value, ttl)).await;
        }
    }

    /// Runs one shared-tier call within `shared_timeout`; a failure is
    /// counted and logged, and answers `None`.
    async fn shared_call<T>(&self, op: &'static str, call: TierFuture<'_, T>) -> Option<T> {
        let error = match tokio::time::timeout(self.config.shared_timeout, call).await {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(error)) => error,
            Err(_elapsed) => CacheError::Timeout(self.config.shared_timeout),
        };
        bump(&self.counters.shared_errors);
        tracing::debug!(op, reason = error.reason(), %error, "shared cache tier failed; carrying on without it");
        None
    }
}

mod lease;
mod reads;
mod strict;
#[cfg(test)]
mod tests;
