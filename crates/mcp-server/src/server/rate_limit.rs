//! Per-principal token buckets (`governor`): the limit on tool calls that
//! [`PatternServer`](crate::server::PatternServer) checks on every transport,
//! and that the HTTP front also applies to whole requests.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// A token bucket per principal: `per_minute` requests on average, bursts of `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

/// Whole seconds to wait, rounded up and at least one, as `Retry-After` wants.
pub fn retry_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Above this many remembered principals, buckets that are full again are dropped.
const RETAIN_ABOVE: usize = 10_000;

/// A token bucket per principal id.
pub struct PrincipalRateLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl std::fmt::Debug for PrincipalRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrincipalRateLimiter").field("principals", &self.limiter.len()).finish()
    }
}

/// A refused request and how long to wait before the next one can pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("rate limit exceeded for this principal; retry in {} s", retry_secs(self.0))]
pub struct RetryAfter(pub Duration);

impl PrincipalRateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        let period = Duration::from_secs(60) / limit.per_minute.get();
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
            .allow_burst(limit.burst);
        Self { limiter: DefaultKeyedRateLimiter::hashmap(quota), clock: DefaultClock::default() }
    }

    /// Takes one token from `principal_id`'s bucket.
    pub fn check(&self, principal_id: &str) -> Result<(), RetryAfter> {
        if self.limiter.len() > RETAIN_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&principal_id.to_owned())
            .map_err(|not_until| RetryAfter(not_until.wait_time_from(self.clock.now())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_minute: u32, burst: u32) -> PrincipalRateLimiter {
        PrincipalRateLimiter::new(RateLimit {
            per_minute: NonZeroU32::new(per_minute).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        })
    }

    #[test]
    fn a_burst_passes_then_the_next_call_waits_for_a_token() {
        let limiter = limiter(1, 2);
        assert_eq!(limiter.check("alice"), Ok(()));
        assert_eq!(limiter.check("alice"), Ok(()));
        let RetryAfter(wait) = limiter.check("alice").unwrap_err();
        assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60), "{wait:?}");
    }

    #[test]
    fn principals_have_separate_buckets() {
        let limiter = limiter(1, 1);
        assert_eq!(limiter.check("alice"), Ok(()));
        assert!(limiter.check("alice").is_err());
        assert_eq!(limiter.check("bob"), Ok(()));
    }

    #[test]
    fn the_refusal_says_when_to_retry() {
        let text = RetryAfter(Duration::from_millis(59_001)).to_string();
        assert_eq!(text, "rate limit exceeded for this principal; retry in 60 s");
    }

    #[test]
    fn retry_secs_rounds_up_to_whole_seconds() {
        assert_eq!(retry_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_secs(Duration::from_millis(2001)), 3);
        assert_eq!(retry_secs(Duration::ZERO), 1);
    }
}
