//! The seams for a shared (L2) tier: what `ResultCache` asks of Redis, or of a test double: entries, leases and memory generations.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::error::CacheError;

/// The boxed future a [`SharedTier`] returns (the trait is used as `dyn`).
pub type TierFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CacheError>> + Send + 'a>>;

/// A value found in a shared tier.
#[derive(Debug, Clone)]
pub struct SharedEntry {
    pub value: Arc<serde_json::Value>,
    /// Time the entry has left in the shared tier: a promotion into the local
    /// tier never outlives it.
    pub ttl_left: Duration,
}

/// A cache tier shared by every instance (Redis).
///
/// `ResultCache` bounds every call with `CacheConfig::shared_timeout` and
/// turns every error into a miss: implementations report failures, they do
/// not hide them, and never retry inline.
pub trait SharedTier: Send + Sync + 'static {
    fn get<'a>(&'a self, key: &'a str) -> TierFuture<'a, Option<SharedEntry>>;

    /// Stores `value` for `ttl` (already the shared tier's effective TTL).
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Arc<serde_json::Value>,
        ttl: Duration,
    ) -> TierFuture<'a, ()>;

    fn remove<'a>(&'a self, key: &'a str) -> TierFuture<'a, ()>;

    /// Drops every entry this tier holds for this cache.
    fn clear(&self) -> TierFuture<'_, ()>;

    /// False while the tier is known to be unreachable; reported by `stats`.
    fn is_available(&self) -> bool;

    /// Claims the right to compute `key` for every instance for `hold`: true
    /// when this caller got it, false when another instance holds it. A tier
    /// without leases grants every claim.
    fn try_lease<'a>(&'a self, _key: &'a str, _hold: Duration) -> TierFuture<'a, bool> {
        Box::pin(async { Ok(true) })
    }

    /// Gives up a lease got from [`try_lease`](Self::try_lease) before it runs out.
    fn release_lease<'a>(&'a self, _key: &'a str) -> TierFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    /// The memory generations every instance shares through this tier, when
    /// it keeps them; `None` leaves them in this process.
    fn generations(&self) -> Option<&dyn SharedGenerations> {
        None
    }
}

/// Memory generations kept where every instance reads them, so a write on
/// one instance changes the key every other instance computes.
///
/// `ResultCache` bounds each call with `CacheConfig::shared_timeout`, like
/// the [`SharedTier`] calls.
pub trait SharedGenerations: Send + Sync {
    /// The generation of `namespace` when this instance knows it is current
    /// without asking (the invalidation link is up and has announced every
    /// write since it was read); `None` when it must be fetched.
    fn known(&self, namespace: &str) -> Option<u64>;

    /// Reads the current generation of `namespace` from the shared store.
    /// An error means the generation cannot be known now.
    fn fetch<'a>(&'a self, namespace: &'a str) -> TierFuture<'a, u64>;

    /// Moves `namespace` to its next generation and announces it to every
    /// instance; returns the new generation. On an error the implementation
    /// keeps trying in the background and refuses to vouch for the
    /// namespace ([`known`](Self::known) and [`fetch`](Self::fetch) fail)
    /// until the write is announced.
    fn bump<'a>(&'a self, namespace: &'a str) -> TierFuture<'a, u64>;
}
