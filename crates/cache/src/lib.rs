//! Result cache of pattern-mcp (docs/CONTRACT.md §6): keys, TTL and cacheability rules, a local moka tier, coalescing of identical misses and memory generations.
//!
//! The request path asks [`cacheability`] whether a result may be cached,
//! builds the key with [`cache_key`] (carrying [`ResultCache::generation`] of
//! the namespace for patterns that read memory), then calls
//! [`ResultCache::get_or_compute`]: a hit is answered from the nearest tier,
//! identical concurrent misses run the pattern once, and only a successful
//! execution is stored. A memory write calls
//! [`ResultCache::bump_generation`], so a recall cached before it is never
//! served after it.
//!
//! Tiers: the local (L1) tier is an in-process moka cache. A shared (L2)
//! tier plugs in behind [`SharedTier`]; without one, `stats` reports the
//! `redis` section as unavailable.
//!
//! **Invariant:** only this crate talks to Redis.
//! **Invariant:** a failed execution is never cached.

mod cache;
mod coalesce;
mod error;
mod generation;
mod key;
mod local;
mod policy;
mod redis;
mod shared;

pub use cache::{CacheConfig, Cached, Lookup, ResultCache};
pub use error::CacheError;
pub use key::{KeyParts, LOCAL_PRINCIPAL, cache_key, canonical_context, normalize_query};
pub use policy::{NotCacheable, ToolCaching, cacheability, effective_ttl};
pub use redis::{BREAKER_COOLDOWN, BREAKER_THRESHOLD, RedisConfig, RedisTier};
pub use shared::{SharedEntry, SharedGenerations, SharedTier, TierFuture};
