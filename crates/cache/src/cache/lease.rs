//! Cross-instance coalescing: a short lease in the shared tier lets one instance compute a missing key while the others wait for its value.

use std::sync::Arc;
use std::time::Duration;

use pattern_core::CacheTier;

use super::{Cached, ResultCache, bump};
use crate::entry::CachedResult;

/// What the leader of a local flight does about a key no tier holds.
pub(super) enum Turn {
    /// Another instance computed it while this one waited.
    Peer(Cached),
    /// This instance computes it.
    Compute(Computing),
}

/// Whether this instance holds the lease on the key it computes.
pub(super) struct Computing {
    leased: bool,
}

/// Shortest pause between two looks for the holder's value: a holder
/// takes at least a round trip to store it.
const MIN_POLL: Duration = Duration::from_millis(1);

impl ResultCache {
    /// Claims the lease on `key`. Without a shared tier, or when it fails,
    /// this instance computes at once (an unreachable tier must not make
    /// requests wait). When another instance holds the lease, looks for
    /// its value in the shared tier until `lease_wait` has passed, then
    /// computes anyway.
    pub(super) async fn take_turn(&self, key: &str) -> Turn {
        let Some(shared) = self.shared.as_deref() else {
            return Turn::Compute(Computing { leased: false });
        };
        if !shared.is_available() {
            return Turn::Compute(Computing { leased: false });
        }
        match self.shared_call("lease", shared.try_lease(key, self.config.lease_hold)).await {
            Some(true) => return Turn::Compute(Computing { leased: true }),
            Some(false) => {}
            None => return Turn::Compute(Computing { leased: false }),
        }
        let wait = self.config.lease_wait;
        let poll = (wait / 20).max(MIN_POLL);
        let deadline = tokio::time::Instant::now() + wait;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(poll).await;
            let Some(found) = self.shared_call("get", shared.get(key)).await else {
                // The tier failed: waiting on it longer would only add delay.
                break;
            };
            if let Some(entry) = found {
                bump(&self.counters.shared_hits);
                self.local.insert(key, Arc::clone(&entry.value), entry.ttl_left);
                return Turn::Peer(Cached { value: entry.value, tier: CacheTier::Redis });
            }
        }
        tracing::debug!(
            ?wait,
            "another instance holds the lease but stored nothing in time; computing here"
        );
        Turn::Compute(Computing { leased: false })
    }

    /// Stores the computed value, if any, in the shared tier, then gives the
    /// lease back, so another instance need not wait out `lease_hold`; both
    /// in one round trip when the tier can. The value goes first, so an
    /// instance that takes the lease next finds it there.
    pub(super) async fn end_turn(
        &self,
        key: &str,
        turn: Computing,
        stored: Option<Arc<CachedResult>>,
        ttl: Duration,
    ) {
        let Some(shared) = self.shared.as_deref() else { return };
        let ttl = ttl.min(self.config.shared_ttl);
        match (stored.filter(|_| !ttl.is_zero()), turn.leased) {
            (Some(value), true) => {
                self.shared_call("put", shared.put_releasing(key, value, ttl)).await;
            }
            (Some(value), false) => {
                self.shared_call("put", shared.put(key, value, ttl)).await;
            }
            (None, true) => {
                self.shared_call("release", shared.release_lease(key)).await;
            }
            (None, false) => {}
        }
    }
}
