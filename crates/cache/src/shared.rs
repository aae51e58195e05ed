//! The seams for a shared (L2) tier: what `ResultCache` asks of Redis, or of a test double: entries, leases and memory generations.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::entry::CachedResult;
use crate::error::CacheError;

/// The boxed future a [`SharedTier`] returns (the trait is used as `dyn`).
pub type TierFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CacheError>> + Send + 'a>>;

/// A value found in a shared tier.
#[derive(Debug, Clone)]
pub struct SharedEntry {
    pub value: Arc<CachedResult>,
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
        value: Arc<CachedResult>,
        ttl: Duration,
    ) -> TierFuture<'a, ()>;

    /// Reads `key` together with the current generation of `namespace`, for
    /// a strict lookup: a tier that can does both in one round trip. An
    /// error means either cannot be known now.
    fn get_checked<'a>(
        &'a self,
        key: &'a str,
        namespace: &'a str,
    ) -> TierFuture<'a, (Option<SharedEntry>, u64)> {
        Box::pin(async move {
            let Some(generations) = self.generations() else {
                return Err(CacheError::Unavailable("this tier keeps no generations".into()));
            };
            let generation = generations.fetch(namespace).await?;
            Ok((self.get(key).await?, generation))
        })
    }

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

    /// Changes whenever the tier may have lost what it held (its connection
    /// was lost or re-established: the server may have restarted empty, and
    /// its generations with it). The cache then drops its local tier, whose
    /// recalls were keyed by generations the tier no longer vouches for.
    fn epoch(&self) -> u64 {
        0
    }

    /// [`put`](Self::put), then [`release_lease`](Self::release_lease) of the
    /// same key: one round trip where the tier can (the cost of a miss).
    fn put_releasing<'a>(
        &'a self,
        key: &'a str,
        value: Arc<CachedResult>,
        ttl: Duration,
    ) -> TierFuture<'a, ()> {
        Box::pin(async move {
            self.put(key, value, ttl).await?;
            self.release_lease(key).await
        })
    }

    /// The memory generations every instance shares through this tier, when
    /// it keeps them; `None` leaves them in this process.
    fn generations(&self) -> Option<&dyn SharedGenerations> {
        None
    }
}

/// How a recall served by one instance relates to a memory write made on
/// another (docs: ARCHITECTURE.md, the cache section).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Coherence {
    /// A recall never misses a write that completed before the recall
    /// started. A write completes once every instance that may trust its
    /// invalidation link has acknowledged it, or can no longer trust it
    /// ([`SharedGenerations::settle`]); a local hit is then served on the
    /// generation the link vouches for, without a round trip, and any other
    /// lookup of an entry that depends on a namespace's memory reads that
    /// namespace's generation from the shared store (in the round trip of
    /// the entry read when the local tier misses). When neither the link nor
    /// the store can vouch, the recall runs without the cache. Entries that
    /// read no memory pay nothing.
    #[default]
    Strict,
    /// Lookups trust the generation this instance keeps current through the
    /// invalidation link: no round trip, but a recall may be served from
    /// before a write for up to the link's staleness bound after it.
    Bounded,
}

impl Coherence {
    /// The name used in settings and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Coherence::Strict => "strict",
            Coherence::Bounded => "bounded",
        }
    }

    /// Parses a setting's value: `strict` or `bounded`.
    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "strict" => Ok(Coherence::Strict),
            "bounded" => Ok(Coherence::Bounded),
            other => Err(format!("must be \"strict\" or \"bounded\", not {other:?}")),
        }
    }
}

/// Memory generations kept where every instance reads them, so a write on
/// one instance changes the key every other instance computes.
///
/// `ResultCache` bounds each call with `CacheConfig::shared_timeout`, like
/// the [`SharedTier`] calls.
pub trait SharedGenerations: Send + Sync {
    /// Whether a lookup of a recall checks its generation in the shared
    /// store ([`Coherence::Strict`], the default) or trusts the one this
    /// instance keeps.
    fn coherence(&self) -> Coherence {
        Coherence::Strict
    }

    /// The generation of `namespace` when this instance knows it is current
    /// without asking (the invalidation link is up and has announced every
    /// write since it was read); `None` when it must be fetched. Under
    /// strict coherence a local hit is served on it, so an implementation
    /// that answers `Some` must make [`settle`](Self::settle) wait until no
    /// instance answers a generation from before the write.
    fn known(&self, namespace: &str) -> Option<u64>;

    /// True while [`known`](Self::known) is kept current by announcements of
    /// every write: a namespace it does not know was then written since it
    /// was last read (or never read), and is worth reading again.
    fn announcements_trusted(&self) -> bool {
        false
    }

    /// Reads the current generation of `namespace` from the shared store.
    /// An error means the generation cannot be known now.
    fn fetch<'a>(&'a self, namespace: &'a str) -> TierFuture<'a, u64>;

    /// Moves `namespace` to its next generation and announces it to every
    /// instance; returns the new generation and the write's number. On an
    /// error the implementation keeps trying in the background and refuses
    /// to vouch for the namespace ([`known`](Self::known) and
    /// [`fetch`](Self::fetch) fail) until the write is announced.
    fn bump<'a>(&'a self, namespace: &'a str) -> TierFuture<'a, Bumped>;

    /// Waits until the announced write `write` ([`Bumped::write`]) may
    /// complete under strict coherence: every instance that may serve a
    /// local hit on the generation it [`known`](Self::known)s without asking
    /// has seen the announcement, or can no longer be trusting it. Never
    /// fails; its longest wait is the implementation's to bound.
    fn settle(&self, _write: u64) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(std::future::ready(()))
    }
}

/// A write [`SharedGenerations::bump`] moved to its next generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bumped {
    /// The namespace's generation after the write.
    pub generation: u64,
    /// The write's number, for [`SharedGenerations::settle`].
    pub write: u64,
}
