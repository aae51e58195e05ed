//! Result cache of pattern-mcp (docs/CONTRACT.md §6): keys, TTL and cacheability rules, a local moka tier, a shared Redis tier, coalescing of identical misses and memory generations.
//!
//! The request path asks [`cacheability`] whether a result may be cached,
//! builds the key with [`cache_key`] (carrying the namespace's memory
//! generation for patterns that read memory: [`ResultCache::key_generation`],
//! which answers `None` when no tier may be trusted for that namespace right
//! now, and the request then runs uncached), then calls
//! [`ResultCache::get_or_compute`]: a hit is answered from the nearest tier,
//! identical concurrent misses run the pattern once (across instances too,
//! through a lease in the shared tier), and only a successful execution is
//! stored. A memory write calls [`ResultCache::record_memory_write`], so a
//! recall cached before it is never served after it, by any instance.
//!
//! Tiers: the local (L1) tier is an in-process moka cache. A shared (L2)
//! tier plugs in behind [`SharedTier`]: [`RedisTier`] (through fred), built
//! from a [`RedisConfig`]; without one, `stats` reports the `redis` section
//! as unavailable. With Redis, memory generations live there
//! ([`SharedGenerations`]) and a pub/sub link tells every instance of every
//! write. Under [`Coherence::Strict`] (the default) a write returns only
//! once every instance that trusts the link has acknowledged it, and a
//! lookup of a recall is served on the generation the link vouches for or
//! one read from Redis, so no instance serves a recall from before a write
//! that completed; under
//! [`Coherence::Bounded`] it trusts the link, and a recall may be served
//! from before a write for at most [`RedisConfig::staleness_bound`] after
//! the write completed (0.5 s by default; in practice the pub/sub delivery
//! time, well under a millisecond on one host). Values are typed
//! ([`CachedResult`]) and stored as JSON, LZ4-compressed from
//! 256 bytes on: a recall of five memories takes 1,063 bytes instead of
//! 1,856, a 40-line tool result 1,114 instead of 3,004 (the measurements
//! and the reasons are in `src/redis/codec.rs`).
//!
//! **Invariant:** only this crate talks to Redis.
//! **Invariant:** a failed execution is never cached.
//! **Invariant:** a Redis error or timeout never fails a request: it is
//! counted, and the request carries on as a miss.

mod cache;
mod coalesce;
mod entry;
mod error;
mod generation;
mod key;
mod local;
mod policy;
mod redis;
mod shared;

pub use cache::{CacheConfig, Cached, Lookup, ResultCache};
pub use entry::{CachedResult, CountedText};
pub use error::CacheError;
pub use key::{
    CacheKey, KeyParts, KeyRef, LOCAL_PRINCIPAL, cache_key, canonical_context, normalize_query,
};
pub use policy::{NotCacheable, ToolCaching, cacheability, effective_ttl};
pub use redis::{BREAKER_COOLDOWN, BREAKER_SPAN, BREAKER_THRESHOLD, RedisConfig, RedisTier};
pub use shared::{Bumped, Coherence, SharedEntry, SharedGenerations, SharedTier, TierFuture};
