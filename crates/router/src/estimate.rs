//! Cost and latency estimates: configured targets, then moving averages of observed executions.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use pattern_core::Route;

#[cfg(test)]
mod tests;

/// One estimate: result size in tokens and latency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub tokens: f64,
    pub latency_ms: f64,
}

impl Estimate {
    /// Moves toward an observation by `alpha` (exponential moving average).
    fn update(&mut self, alpha: f64, tokens: f64, latency_ms: f64) {
        self.tokens += alpha * (tokens - self.tokens);
        self.latency_ms += alpha * (latency_ms - self.latency_ms);
    }

    pub fn tokens_u64(&self) -> u64 {
        self.tokens.max(0.0).round() as u64
    }
}

/// Estimates per route and per pattern, shared by all requests.
#[derive(Debug)]
pub struct Estimates {
    alpha: f64,
    /// Indexed by `route_index`.
    routes: [Mutex<Estimate>; 3],
    /// Only patterns that have been observed; a pattern never run is
    /// estimated from its declared `cost_tokens` and its route's latency.
    patterns: RwLock<HashMap<String, Estimate>>,
}

pub fn route_index(route: Route) -> usize {
    match route {
        Route::Infrastructure => 0,
        Route::Memory => 1,
        Route::Hybrid => 2,
    }
}

impl Estimates {
    /// `targets` in `Route::ALL` order.
    pub fn new(alpha: f64, targets: [Estimate; 3]) -> Self {
        Self {
            alpha: alpha.clamp(f64::MIN_POSITIVE, 1.0),
            routes: targets.map(Mutex::new),
            patterns: RwLock::new(HashMap::new()),
        }
    }

    pub fn route(&self, route: Route) -> Estimate {
        *lock(&self.routes[route_index(route)])
    }

    /// The estimate for a pattern: its own average once observed, else its
    /// declared cost and the average latency of its route.
    pub fn pattern(&self, name: &str, cost_tokens: u32, route: Route) -> Estimate {
        let observed = self.patterns.read().unwrap_or_else(|e| e.into_inner()).get(name).copied();
        observed.unwrap_or(Estimate {
            tokens: f64::from(cost_tokens),
            latency_ms: self.route(route).latency_ms,
        })
    }

    /// Folds one execution into its route's and its pattern's averages. A
    /// pattern's first observation replaces its declared cost outright.
    pub fn observe(&self, pattern: &str, route: Route, tokens: u64, latency_ms: f64) {
        if !latency_ms.is_finite() || latency_ms < 0.0 {
            return;
        }
        let tokens = tokens as f64;
        lock(&self.routes[route_index(route)]).update(self.alpha, tokens, latency_ms);
        let mut patterns = self.patterns.write().unwrap_or_else(|e| e.into_inner());
        match patterns.get_mut(pattern) {
            Some(e) => e.update(self.alpha, tokens, latency_ms),
            None => {
                patterns.insert(pattern.to_owned(), Estimate { tokens, latency_ms });
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
