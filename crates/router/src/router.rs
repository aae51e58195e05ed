//! The router: mode and pattern rules, balanced classification, estimates, alternatives and stats.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use lru::LruCache;

use pattern_core::{
    AlternativeRoute, CacheInfo, ExecutionMode, MatchKind, MemoryAvailability, PatternMatchInfo,
    Route, RouterStats, RoutingDecision,
};

use crate::availability::{DownstreamAvailability, NoAnswer, resolve};
use crate::classify::Classification;
use crate::estimate::{Estimate, Estimates, route_index};
use crate::model::{Verdict, classify};

#[cfg(test)]
mod tests;

/// What a route is expected to cost before anything has been observed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteTarget {
    pub tokens: u64,
    pub latency_ms: f64,
}

/// Resolved router settings.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    pub infrastructure: RouteTarget,
    pub memory: RouteTarget,
    pub hybrid: RouteTarget,
    /// Weight of the newest observation in the moving averages (0..=1]:
    /// higher follows changes faster, lower smooths outliers.
    pub ema_alpha: f64,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            infrastructure: RouteTarget { tokens: 50, latency_ms: 25.0 },
            memory: RouteTarget { tokens: 100, latency_ms: 50.0 },
            hybrid: RouteTarget { tokens: 150, latency_ms: 100.0 },
            ema_alpha: 0.2,
        }
    }
}

impl RouterConfig {
    pub fn target(&self, route: Route) -> RouteTarget {
        match route {
            Route::Infrastructure => self.infrastructure,
            Route::Memory => self.memory,
            Route::Hybrid => self.hybrid,
        }
    }
}

/// Picks a route for each query. `Send + Sync`; share it behind an `Arc`.
#[derive(Debug)]
pub struct Router {
    estimates: Estimates,
    decisions: AtomicU64,
    /// Indexed by `route_index`.
    by_route: [AtomicU64; 3],
    /// The balanced-mode verdicts of recent queries. A verdict depends on
    /// the words alone (the model is built in), and every decision reports
    /// its keywords and alternatives, a cached answer's too: an agent's
    /// repeated request is classified once.
    verdicts: Mutex<LruCache<String, Arc<Verdict>>>,
}

/// Verdicts kept by a router: the recent distinct queries of a busy agent
/// session, each a few hundred bytes besides the query (at most 4,096
/// characters), so at most some 17 MiB, and far less in practice.
pub const VERDICT_CACHE_CAPACITY: usize = 1024;

/// A routing decision and, when no path can answer, why.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub routing: RoutingDecision,
    /// Set only in balanced mode without a matched pattern, when neither a
    /// downstream server nor a memory can answer; `routing.reasoning` says
    /// what to configure.
    pub no_answer: Option<NoAnswer>,
}

/// Confidence of a decision fixed by a matched pattern.
const CONF_EXACT: f64 = 1.0;
const CONF_REGEX: f64 = 0.95;
/// Confidence of a decision fixed by the execution mode.
const CONF_MODE: f64 = 1.0;

impl Router {
    pub fn new(config: RouterConfig) -> Self {
        let target = |r: Route| {
            let t = config.target(r);
            Estimate { tokens: t.tokens as f64, latency_ms: t.latency_ms }
        };
        Self {
            estimates: Estimates::new(config.ema_alpha, Route::ALL.map(target)),
            decisions: AtomicU64::new(0),
            by_route: Default::default(),
            verdicts: Mutex::new(LruCache::new(
                NonZeroUsize::new(VERDICT_CACHE_CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// Fills every `RoutingDecision` field except `cache` (left default).
    ///
    /// A matched pattern fixes the route (confidence 1.0 exact, 0.95 regex),
    /// whatever the mode, because that pattern is what the engine executes;
    /// its `cost_tokens` seeds the estimate. Without one, FAST routes to
    /// infrastructure, COMPREHENSIVE to hybrid, and BALANCED classifies the
    /// query, then checks what can answer: a route whose path is missing
    /// (no connected downstream server, no memories in the namespace) gives
    /// way to the other path when that one can answer. `decision_time_us` is
    /// the time spent in this call. The decision is counted in
    /// [`stats`](Self::stats).
    pub fn route(
        &self,
        query: &str,
        mode: ExecutionMode,
        namespace: &str,
        matched: Option<&PatternMatchInfo>,
        memory: &dyn MemoryAvailability,
        downstream: &dyn DownstreamAvailability,
    ) -> RoutingDecision {
        let decision = self.decide(query, mode, namespace, matched, memory, downstream).routing;
        self.record(decision.route);
        decision
    }

    /// [`route`](Self::route) without counting the decision, for a caller
    /// that may not act on it; it calls [`record`](Self::record) if it does.
    pub fn decide(
        &self,
        query: &str,
        mode: ExecutionMode,
        namespace: &str,
        matched: Option<&PatternMatchInfo>,
        memory: &dyn MemoryAvailability,
        downstream: &dyn DownstreamAvailability,
    ) -> Decision {
        let t0 = Instant::now();
        // The keywords are reported in every mode.
        let verdict = self.verdict(query);
        let class = verdict.class.clone();
        let scores = verdict.scores;
        let mut no_answer = None;
        let (classified, route, confidence, reasoning) = match (matched, mode) {
            (Some(p), _) => {
                let (conf, how) = match p.matched_by {
                    MatchKind::Exact => (CONF_EXACT, "named"),
                    MatchKind::Regex => (CONF_REGEX, "matched the trigger of"),
                };
                let reason = format!(
                    "The query {how} pattern `{}`, {} {} pattern.",
                    p.name,
                    article(p.pattern_type),
                    p.pattern_type
                );
                (p.pattern_type, p.pattern_type, conf, reason)
            }
            (None, ExecutionMode::Fast) => (
                Route::Infrastructure,
                Route::Infrastructure,
                CONF_MODE,
                "Fast mode always routes to infrastructure.".to_owned(),
            ),
            (None, ExecutionMode::Comprehensive) => (
                Route::Hybrid,
                Route::Hybrid,
                CONF_MODE,
                "Comprehensive mode always routes to hybrid.".to_owned(),
            ),
            (None, ExecutionMode::Balanced) => {
                let available = resolve(
                    class.route,
                    class.has_content,
                    scores.combine > 0.0,
                    namespace,
                    memory.has_memories(namespace),
                    downstream,
                );
                no_answer = available.no_answer;
                let reasoning = match available.note {
                    Some(note) => format!("{} {note}", class.reasoning),
                    None => class.reasoning,
                };
                (class.route, available.route, class.confidence, reasoning)
            }
        };
        let estimate = match matched {
            Some(p) => self.estimates.pattern(&p.name, p.cost_tokens, route),
            None => self.estimates.route(route),
        };
        let alternative_routes = self.alternatives(route, confidence, &verdict);
        let routing = RoutingDecision {
            route,
            classified_route: classified,
            confidence,
            reasoning,
            estimated_cost_tokens: estimate.tokens_u64(),
            estimated_latency_ms: estimate.latency_ms,
            alternative_routes,
            matched_keywords: class.keywords,
            pattern: matched.cloned(),
            cache: CacheInfo::default(),
            decision_time_us: t0.elapsed().as_micros() as u64,
        };
        Decision { routing, no_answer }
    }

    /// Counts a decision for `route` in [`stats`](Self::stats).
    pub fn record(&self, route: Route) {
        self.decisions.fetch_add(1, Ordering::Relaxed);
        self.by_route[route_index(route)].fetch_add(1, Ordering::Relaxed);
    }

    /// Folds an execution into the moving averages of its pattern and route.
    pub fn observe(&self, pattern: &str, route: Route, tokens: u64, latency_ms: f64) {
        self.estimates.observe(pattern, route, tokens, latency_ms);
    }

    /// Decisions made so far, by route (every route listed, zeros included).
    pub fn stats(&self) -> RouterStats {
        let by_route: BTreeMap<String, u64> = Route::ALL
            .iter()
            .map(|r| {
                (r.as_str().to_owned(), self.by_route[route_index(*r)].load(Ordering::Relaxed))
            })
            .collect();
        RouterStats { decisions: self.decisions.load(Ordering::Relaxed), by_route }
    }

    /// The balanced-mode verdict on `query`, from the memo when it was
    /// classified lately. The lock is never held while a query is classified.
    fn verdict(&self, query: &str) -> Arc<Verdict> {
        let memo = || self.verdicts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(verdict) = memo().get(query) {
            return verdict.clone();
        }
        let verdict = Arc::new(classify(query));
        memo().put(query.to_owned(), verdict.clone());
        verdict
    }

    /// The pure balanced-mode classifier: the words alone; no pattern, no
    /// mode, no availability, no estimates.
    pub fn classify(&self, query: &str) -> Classification {
        classify(query).class
    }

    /// The two routes not taken, most probable first, each with the
    /// probability that it is the right one (below the chosen confidence).
    fn alternatives(&self, chosen: Route, confidence: f64, v: &Verdict) -> Vec<AlternativeRoute> {
        let mut out: Vec<AlternativeRoute> = Route::ALL
            .into_iter()
            .filter(|r| *r != chosen)
            .map(|route| {
                // When availability moved the route, the classified route is
                // among these at the classifier's own confidence.
                let ceiling = (confidence - 0.01).max(0.0);
                let conf = v.probability(route).min(ceiling);
                let e = self.estimates.route(route);
                AlternativeRoute {
                    route,
                    confidence: (conf * 100.0).round() / 100.0,
                    estimated_cost_tokens: e.tokens_u64(),
                    estimated_latency_ms: e.latency_ms,
                }
            })
            .collect();
        out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        out
    }
}

/// "an infrastructure pattern", "a memory pattern".
fn article(t: pattern_core::PatternType) -> &'static str {
    if t == pattern_core::PatternType::Infrastructure { "an" } else { "a" }
}
