//! The seam for a shared (L2) tier: what `ResultCache` asks of Redis, or of a test double.

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
}
