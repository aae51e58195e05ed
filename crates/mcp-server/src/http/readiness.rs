//! `EngineReadiness`: `/readyz` answered from the engine's memory store (Redis and downstream servers come later).

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use pattern_engine::Engine;

use crate::http::health::{ComponentStatus, Readiness, ReadyReport};

/// Readiness of a running engine: ready while its memory store answers.
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
            ReadyReport {
                memory: memory.with_backend(store.backend()).with_latency_ms(latency_ms),
                redis: ComponentStatus::disabled(),
                downstream: Vec::new(),
            }
        })
    }
}
