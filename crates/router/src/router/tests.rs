//! Unit tests of `router.rs`.

use pattern_core::{Captures, MemoryAvailability};

use super::*;

/// A namespace `full` with memories; every other namespace is empty.
struct Namespaces;

impl MemoryAvailability for Namespaces {
    fn has_memories(&self, namespace: &str) -> bool {
        namespace == "full"
    }
}

fn pattern(route: Route, matched_by: MatchKind, cost_tokens: u32) -> PatternMatchInfo {
    PatternMatchInfo {
        name: "k8s_pods".into(),
        pattern_type: route,
        priority: 10,
        cost_tokens,
        matched_by,
        captures: Captures::new(),
    }
}

const QUERIES: &[&str] = &[
    "restart the nginx service",
    "what did we decide about the database migration?",
    "compare today's sales with the targets we agreed on",
    "hello",
];

#[test]
fn fast_mode_always_routes_to_infrastructure() {
    let router = Router::new(RouterConfig::default());
    for q in QUERIES {
        let d = router.route(q, ExecutionMode::Fast, "full", None, &Namespaces);
        assert_eq!(d.route, Route::Infrastructure, "{q}");
        assert_eq!(d.confidence, 1.0);
    }
}

#[test]
fn comprehensive_mode_always_routes_to_hybrid() {
    let router = Router::new(RouterConfig::default());
    for q in QUERIES {
        let d = router.route(q, ExecutionMode::Comprehensive, "empty", None, &());
        assert_eq!(d.route, Route::Hybrid, "{q}");
    }
}

#[test]
fn matched_pattern_fixes_the_route() {
    let router = Router::new(RouterConfig::default());
    // A memory-sounding query bound to an infrastructure pattern stays infrastructure.
    let exact = pattern(Route::Infrastructure, MatchKind::Exact, 400);
    let d = router.route(
        "what did we decide last time?",
        ExecutionMode::Balanced,
        "full",
        Some(&exact),
        &Namespaces,
    );
    assert_eq!((d.route, d.confidence), (Route::Infrastructure, 1.0));
    assert_eq!(d.estimated_cost_tokens, 400);
    assert_eq!(d.pattern.as_ref().map(|p| p.name.as_str()), Some("k8s_pods"));

    let regex = pattern(Route::Memory, MatchKind::Regex, 80);
    let d =
        router.route("kubectl get pods", ExecutionMode::Fast, "full", Some(&regex), &Namespaces);
    assert_eq!((d.route, d.confidence), (Route::Memory, 0.95));
    assert_eq!(d.estimated_cost_tokens, 80);
}

#[test]
fn estimates_follow_observed_values() {
    let router = Router::new(RouterConfig::default());
    let before = router.route("list the pods", ExecutionMode::Fast, "x", None, &());
    assert_eq!((before.estimated_cost_tokens, before.estimated_latency_ms), (50, 25.0));

    for _ in 0..60 {
        router.observe("k8s_pods", Route::Infrastructure, 1000, 300.0);
    }
    let after = router.route("list the pods", ExecutionMode::Fast, "x", None, &());
    assert!(after.estimated_cost_tokens > 990, "{}", after.estimated_cost_tokens);
    assert!((after.estimated_latency_ms - 300.0).abs() < 1.0);

    // The pattern's own average replaces its declared cost.
    let p = pattern(Route::Infrastructure, MatchKind::Regex, 10);
    let d = router.route("list the pods", ExecutionMode::Balanced, "x", Some(&p), &());
    assert_eq!(d.estimated_cost_tokens, 1000);
}

#[test]
fn no_signal_prefers_memory_when_data_exists() {
    let router = Router::new(RouterConfig::default());
    let d = router.route("hmm?", ExecutionMode::Balanced, "full", None, &Namespaces);
    assert_eq!((d.route, d.confidence), (Route::Memory, 0.7));
}

#[test]
fn no_signal_without_data_goes_to_infrastructure() {
    let router = Router::new(RouterConfig::default());
    let d = router.route("hmm?", ExecutionMode::Balanced, "empty", None, &Namespaces);
    assert_eq!((d.route, d.confidence), (Route::Infrastructure, 0.7));
    assert!(d.reasoning.contains("no memories"), "{}", d.reasoning);
}

#[test]
fn alternatives_list_the_other_two_routes() {
    let router = Router::new(RouterConfig::default());
    let d = router.route(
        "restart the api pods now",
        ExecutionMode::Balanced,
        "full",
        None,
        &Namespaces,
    );
    assert_eq!(d.route, Route::Infrastructure);
    let mut others: Vec<Route> = d.alternative_routes.iter().map(|a| a.route).collect();
    others.sort();
    assert_eq!(others, vec![Route::Memory, Route::Hybrid]);
    for a in &d.alternative_routes {
        assert!(a.confidence < d.confidence);
        let target = RouterConfig::default().target(a.route);
        assert_eq!(a.estimated_cost_tokens, target.tokens);
        assert_eq!(a.estimated_latency_ms, target.latency_ms);
    }
}

#[test]
fn stats_count_decisions_by_route() {
    let router = Router::new(RouterConfig::default());
    router.route("kubectl get pods -n web", ExecutionMode::Balanced, "full", None, &Namespaces);
    router.route("anything", ExecutionMode::Fast, "full", None, &Namespaces);
    router.route("what did we agree on?", ExecutionMode::Balanced, "full", None, &Namespaces);
    let stats = router.stats();
    assert_eq!(stats.decisions, 3);
    assert_eq!(stats.by_route["infrastructure"], 2);
    assert_eq!(stats.by_route["memory"], 1);
    assert_eq!(stats.by_route["hybrid"], 0);
}

#[test]
fn balanced_decision_reports_keywords_and_timing() {
    let router = Router::new(RouterConfig::default());
    let d = router.route(
        "check whether the invoices I flagged are paid now",
        ExecutionMode::Balanced,
        "full",
        None,
        &Namespaces,
    );
    assert_eq!((d.route, d.confidence), (Route::Hybrid, 0.95));
    assert!(d.matched_keywords.infrastructure.contains(&"now".to_owned()));
    assert!(d.matched_keywords.memory.contains(&"i flagged".to_owned()));
    assert_eq!(d.cache, CacheInfo::default());
    assert!(d.decision_time_us < 1_000_000);
}
