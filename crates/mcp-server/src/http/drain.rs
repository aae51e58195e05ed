//! `InFlight`: the MCP requests whose answers are not yet on their way to the client, so shutdown can wait for them before it ends the streams that carry them.
//!
//! Shutdown has two steps: stop accepting (hyper lets each connection finish
//! the request it is serving), then end the streams that never finish on
//! their own (legacy SSE sessions, standalone GET streams). The answers of
//! requests still in flight travel on streams too (a 2025-06-18 POST is
//! answered on an event stream; a legacy SSE answer on the session's GET
//! stream), and rmcp cancels a stateless exchange when its token is
//! cancelled; so the second step waits until every request counted here has
//! been answered, or the grace period is over.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// A count of requests in flight; clones share it.
#[derive(Clone, Debug, Default)]
pub struct InFlight(Arc<Counter>);

#[derive(Debug, Default)]
struct Counter {
    count: AtomicUsize,
    idle: Notify,
}

/// One request in flight, until dropped.
#[derive(Debug)]
pub struct Pending(Arc<Counter>);

impl InFlight {
    /// Counts one more request until the returned guard is dropped.
    pub fn enter(&self) -> Pending {
        self.0.count.fetch_add(1, Ordering::AcqRel);
        Pending(Arc::clone(&self.0))
    }

    /// Requests in flight now.
    pub fn count(&self) -> usize {
        self.0.count.load(Ordering::Acquire)
    }

    /// Resolves once no request is in flight.
    pub async fn idle(&self) {
        loop {
            let notified = self.0.idle.notified();
            tokio::pin!(notified);
            // Registered before the count is read: a drop to zero between
            // the read and the wait still wakes it.
            notified.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn idle_waits_for_the_last_request_and_no_longer() {
        let in_flight = InFlight::default();
        tokio::time::timeout(Duration::from_secs(1), in_flight.idle())
            .await
            .expect("idle at once when nothing is in flight");
        let first = in_flight.enter();
        let second = in_flight.enter();
        assert_eq!(in_flight.count(), 2);
        let waiting = tokio::spawn({
            let in_flight = in_flight.clone();
            async move { in_flight.idle().await }
        });
        drop(first);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "idle while a request is still in flight");
        drop(second);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("idle once the last request is answered")
            .unwrap();
        assert_eq!(in_flight.count(), 0);
    }
}
