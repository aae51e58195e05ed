//! Exponential backoff between attempts to (re)start one downstream server.

use std::time::Duration;

/// Delays of 0.5 s, 1 s, 2 s, … capped at 30 s. No jitter: each server has
/// its own supervisor and they fail for their own reasons, so they do not
/// retry in lockstep.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub const INITIAL: Duration = Duration::from_millis(500);
    pub const MAX: Duration = Duration::from_secs(30);
    /// A session that stayed up this long resets the delay to `INITIAL`, so
    /// one crash after hours of service is retried quickly while a server that
    /// crashes right after every start backs off.
    pub const STABLE_AFTER: Duration = Duration::from_secs(10);

    pub fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max, next: initial }
    }

    /// The delay before the next attempt; each call doubles the following one up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        delay
    }

    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Self::INITIAL, Self::MAX)
    }
}

#[cfg(test)]
mod tests;
