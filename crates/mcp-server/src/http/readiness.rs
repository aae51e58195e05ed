//! `EngineReadiness`: `/readyz` answered from the engine's memory store and downstream servers.

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use pattern_engine::Engine;

use crate::http::health::{ComponentStatus, DownstreamStatus, Readiness, ReadyReport};
use pattern_downstream::ServerStatus;

/// Readiness of a running engine: ready while its memory store answers; the
/// downstream servers are listed with their state but do not decide it.
#[derive(Clone)]
pub struct EngineReadiness {
    engine: Arc<Engine>,
}

impl std::fmt::Debug for EngineReadiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineReadiness").finish_non_exhaustive()
    }
}

impl EngineReadiness {
    pub fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
    }
}

impl Readiness for EngineReadiness {
    fn components(&self) -> BoxFuture<'_, ReadyReport> {
        Box::pin(async move {
            let store = self.engine.store();
            let started = Instant::now();
            let memory = match store.health().await {
                Ok(()) => ComponentStatus::up(),
                // `MemoryError` messages never hold a connection string.
                Err(e) => ComponentStatus::down(e.to_string()),
            };
            let latency_ms = started.elapsed().as_millis() as u64;
            self.engine.record_shared_tier_state();
            ReadyReport {
                memory: memory.with_backend(store.backend()).with_latency_ms(latency_ms),
                redis: match (self.engine.shares_cache(), self.engine.shared_cache_available()) {
                    (false, _) => ComponentStatus::disabled(),
                    (true, true) => ComponentStatus::up(),
                    // Requests are still answered: without the shared tier, from this
                    // instance's own tier or by running the pattern.
                    (true, false) => ComponentStatus::down("Redis does not answer".to_owned()),
                },
                downstream: self.engine.downstream().status().into_iter().map(downstream).collect(),
            }
        })
    }
}

/// One downstream server as `/readyz` shows it: up while its session is open
/// and its tools are listed, disabled when the config turns it off, down
/// with the reason it last failed otherwise.
fn downstream(server: ServerStatus) -> DownstreamStatus {
    let status = match (server.enabled, server.connected) {
        (false, _) => ComponentStatus::disabled(),
        (true, true) => ComponentStatus::up(),
        (true, false) => ComponentStatus::down(
            server.last_error.unwrap_or_else(|| "starting: no session yet".to_owned()),
        ),
    };
    DownstreamStatus { name: server.server, status }
}
