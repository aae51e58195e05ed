//! Unit tests of `router.rs`.

use pattern_core::{Captures, MemoryAvailability};

use super::*;
use crate::availability::{DownstreamState, NoAnswer};

const UP: DownstreamState = DownstreamState::Connected;
const NONE: DownstreamState = DownstreamState::NotConfigured;

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
        let d = router.route(q, ExecutionMode::Fast, "full", None, &Namespaces, &UP);
        assert_eq!(d.route, Route::Infrastructure, "{q}");
        assert_eq!(d.confidence, 1.0);
    }
}

#[test]
fn comprehensive_mode_always_routes_to_hybrid() {
    let router = Router::new(RouterConfig::default());
    for q in QUERIES {
        let d = router.route(q, ExecutionMode::Comprehensive, "empty", None, &(), &UP);
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
        &UP,
    );
    assert_eq!((d.route, d.confidence), (Route::Infrastructure, 1.0));
    assert_eq!(d.estimated_cost_tokens, 400);
    assert_eq!(d.pattern.as_ref().map(|p| p.name.as_str()), Some("k8s_pods"));

    let regex = pattern(Route::Memory, MatchKind::Regex, 80);
    let d = router.route(
        "kubectl get pods",
        ExecutionMode::Fast,
        "full",
        Some(&regex),
        &Namespaces,
        &UP,
    );
    assert_eq!((d.route, d.confidence), (Route::Memory, 0.95));
    assert_eq!(d.estimated_cost_tokens, 80);
}

#[test]
fn estimates_follow_observed_values() {
    let router = Router::new(RouterConfig::default());
    let before = router.route("list the pods", ExecutionMode::Fast, "x", None, &(), &UP);
    assert_eq!((before.estimated_cost_tokens, before.estimated_latency_ms), (50, 25.0));

    for _ in 0..60 {
        router.observe("k8s_pods", Route::Infrastructure, 1000, 300.0);
    }
    let after = router.route("list the pods", ExecutionMode::Fast, "x", None, &(), &UP);
    assert!(after.estimated_cost_tokens > 990, "{}", after.estimated_cost_tokens);
    assert!((after.estimated_latency_ms - 300.0).abs() < 1.0);

    // The pattern's own average replaces its declared cost.
    let p = pattern(Route::Infrastructure, MatchKind::Regex, 10);
    let d = router.route("list the pods", ExecutionMode::Balanced, "x", Some(&p), &(), &UP);
    assert_eq!(d.estimated_cost_tokens, 1000);
}

fn balanced(
    query: &str,
    namespace: &str,
    downstream: DownstreamState,
) -> (RoutingDecision, Option<NoAnswer>) {
    let router = Router::new(RouterConfig::default());
    let d =
        router.decide(query, ExecutionMode::Balanced, namespace, None, &Namespaces, &downstream);
    (d.routing, d.no_answer)
}

#[test]
fn no_signal_prefers_memory_when_data_exists() {
    // No cue, and wording the model never saw.
    let (d, none) = balanced("asdf", "full", UP);
    assert_eq!((d.route, d.classified_route, none), (Route::Memory, Route::Memory, None));
    assert!(d.confidence <= 0.5, "{}", d.confidence);
}

#[test]
fn no_signal_follows_a_model_that_knows_the_wording() {
    // No cue word, but a live question the model reads (a Japanese weather check).
    let (d, none) = balanced("ベルリンは今雪？", "full", UP);
    assert_eq!(
        (d.route, d.classified_route, none),
        (Route::Infrastructure, Route::Infrastructure, None)
    );
}

#[test]
fn no_signal_without_data_goes_to_the_downstream_tools() {
    let (d, none) = balanced("asdf", "empty", UP);
    assert_eq!((d.route, d.classified_route, none), (Route::Infrastructure, Route::Memory, None));
    assert!(d.reasoning.contains("holds no memories"), "{}", d.reasoning);
}

#[test]
fn a_live_question_without_servers_is_answered_from_memory() {
    for state in [NONE, DownstreamState::NotConnected] {
        let (d, none) = balanced("what port does the staging database use?", "full", state);
        assert_eq!(d.classified_route, Route::Infrastructure);
        assert_eq!((d.route, none), (Route::Memory, None));
        assert!(d.reasoning.contains("so memory answers"), "{}", d.reasoning);
    }
    let (d, _) = balanced("what port does the staging database use?", "full", NONE);
    assert!(d.reasoning.contains("no downstream MCP server is configured"), "{}", d.reasoning);
    let (d, _) =
        balanced("what port does the staging database use?", "full", DownstreamState::NotConnected);
    assert!(d.reasoning.contains("is connected"), "{}", d.reasoning);
}

#[test]
fn a_live_question_with_a_connected_server_stays_infrastructure() {
    let (d, none) = balanced("restart the nginx service now", "full", UP);
    assert_eq!(
        (d.route, d.classified_route, none),
        (Route::Infrastructure, Route::Infrastructure, None)
    );
    assert!(d.confidence >= 0.9, "{}", d.confidence);
}

#[test]
fn a_hybrid_question_without_servers_is_answered_from_memory() {
    let (d, none) = balanced("deploy the build we approved yesterday", "full", NONE);
    assert_eq!((d.route, d.classified_route, none), (Route::Memory, Route::Hybrid, None));
}

#[test]
fn memory_cues_without_data_go_to_the_downstream_tools_and_say_why() {
    let (d, none) = balanced("what did we decide about the logo?", "empty", UP);
    assert_eq!((d.route, d.classified_route, none), (Route::Infrastructure, Route::Memory, None));
    assert!(d.reasoning.contains("holds no memories"), "{}", d.reasoning);
}

#[test]
fn an_explicit_comparison_stays_hybrid_without_data() {
    let (d, _) = balanced("compare the latency of eu and us regions", "empty", UP);
    assert_eq!(d.route, Route::Hybrid);
    let (d, _) = balanced("deploy the build we approved yesterday", "empty", UP);
    assert_eq!(d.route, Route::Infrastructure);
}

#[test]
fn with_neither_servers_nor_memories_nothing_answers_and_the_reasoning_says_what_to_add() {
    for q in ["who owns billing?", "what did we decide about the logo?", "asdf"] {
        let (d, none) = balanced(q, "empty", NONE);
        assert_eq!(none, Some(NoAnswer::NothingAvailable { downstream: NONE }), "{q}");
        assert_eq!(d.route, d.classified_route, "{q}");
        assert!(d.reasoning.contains("namespace `empty` holds no memories"), "{}", d.reasoning);
        assert!(d.reasoning.contains("--servers"), "{}", d.reasoning);
        assert!(d.reasoning.contains("store something first"), "{}", d.reasoning);
    }
}

#[test]
fn text_without_content_searches_memory_or_has_nothing_to_do() {
    for q in ["hmm", "ok", "?"] {
        let (d, none) = balanced(q, "full", UP);
        assert_eq!((d.route, none), (Route::Memory, None), "{q}");
        assert!(d.confidence < 0.5, "{q}: {}", d.confidence);
        let (d, none) = balanced(q, "empty", UP);
        assert_eq!(none, Some(NoAnswer::NoContent), "{q}");
        assert!(d.reasoning.contains("nothing to do"), "{}", d.reasoning);
        assert!(d.confidence < 0.5);
    }
}

#[test]
fn hmm_is_not_a_confident_live_action() {
    for q in ["hmm", "asdf"] {
        let (d, _) = balanced(q, "empty", UP);
        assert!(d.confidence <= 0.5, "{q}: {}", d.confidence);
        assert_ne!(d.classified_route, Route::Infrastructure, "{q}");
    }
}

#[test]
fn availability_is_not_read_when_the_route_does_not_need_it() {
    /// Fails the test if asked.
    struct Unasked;
    impl DownstreamAvailability for Unasked {
        fn downstream_state(&self) -> DownstreamState {
            panic!("the downstream state was read for a memory route with memories")
        }
    }
    let router = Router::new(RouterConfig::default());
    let d = router.decide(
        "what did we decide about the logo?",
        ExecutionMode::Balanced,
        "full",
        None,
        &Namespaces,
        &Unasked,
    );
    assert_eq!(d.routing.route, Route::Memory);
}

#[test]
fn a_matched_pattern_keeps_its_route_without_servers() {
    let router = Router::new(RouterConfig::default());
    let p = pattern(Route::Infrastructure, MatchKind::Regex, 50);
    let d = router.decide(
        "call tool fs.read",
        ExecutionMode::Balanced,
        "full",
        Some(&p),
        &Namespaces,
        &NONE,
    );
    assert_eq!(
        (d.routing.route, d.routing.classified_route),
        (Route::Infrastructure, Route::Infrastructure)
    );
    assert_eq!(d.no_answer, None);
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
        &UP,
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
    router.route(
        "kubectl get pods -n web",
        ExecutionMode::Balanced,
        "full",
        None,
        &Namespaces,
        &UP,
    );
    router.route("anything", ExecutionMode::Fast, "full", None, &Namespaces, &UP);
    router.route("what did we agree on?", ExecutionMode::Balanced, "full", None, &Namespaces, &UP);
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
        &UP,
    );
    // The confidence is the model's calibrated probability, not a rule's constant.
    // Hybrid by its label (a live check of a stored list). The model leans to
    // infrastructure (0.57 in the fifth round, 0.73 in the seventh, 0.56 in
    // the eighth, 0.50 against hybrid's 0.50 in the eleventh; hybrid at 0.51
    // in the ninth, 0.59 in the tenth); when it does, it must say it is
    // unsure, and the answer must show the stored side it set aside: hybrid
    // is the runner-up, and the reasoning says the cue rules read hybrid. The
    // top of three probabilities is above a third, not always above a half.
    assert!(matches!(d.route, Route::Hybrid | Route::Infrastructure), "{:?}", d.route);
    if d.route != Route::Hybrid {
        assert!(d.reasoning.contains("Low confidence"), "{}", d.reasoning);
        assert_eq!(d.alternative_routes[0].route, Route::Hybrid, "{:?}", d.alternative_routes);
        assert!(d.reasoning.contains("said hybrid"), "{}", d.reasoning);
    }
    assert!(d.confidence > 1.0 / 3.0 && d.confidence < 1.0, "{}", d.confidence);
    assert!(d.matched_keywords.infrastructure.contains(&"now".to_owned()));
    assert!(d.matched_keywords.memory.contains(&"i flagged".to_owned()));
    assert_eq!(d.cache, CacheInfo::default());
    assert!(d.decision_time_us < 1_000_000);
}

#[test]
fn alternatives_carry_the_runner_up_with_its_probability() {
    let router = Router::new(RouterConfig::default());
    let q = "is the error rate above the level I gave you?";
    let d = router.route(q, ExecutionMode::Balanced, "full", None, &Namespaces, &UP);
    let v = crate::model::classify(q);
    assert_eq!(d.alternative_routes.len(), 2);
    for a in &d.alternative_routes {
        assert!((a.confidence - v.probability(a.route)).abs() < 0.006, "{a:?}");
    }
    // The runner-up first.
    assert!(d.alternative_routes[0].confidence >= d.alternative_routes[1].confidence);
    let total: f64 = v.probabilities.iter().sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
}

#[test]
fn a_low_confidence_decision_says_so_in_its_reasoning() {
    let (d, _) = balanced("asdf", "full", UP);
    assert!(d.confidence < crate::model::LOW_CONFIDENCE, "{}", d.confidence);
    assert!(d.reasoning.contains("Low confidence"), "{}", d.reasoning);
    let (d, _) = balanced("kubectl rollout restart deploy/api -n prod", "full", UP);
    assert!(d.confidence >= crate::model::LOW_CONFIDENCE, "{}", d.confidence);
    assert!(!d.reasoning.contains("Low confidence"), "{}", d.reasoning);
}

#[test]
fn a_repeated_query_is_classified_once_and_decided_alike() {
    let router = Router::new(RouterConfig::default());
    let decide = |query: &str| {
        let mut d = router.route(query, ExecutionMode::Balanced, "full", None, &Namespaces, &UP);
        d.decision_time_us = 0;
        d
    };
    let first = decide("is the backup job still running on db-2?");
    assert_eq!(router.verdicts.lock().unwrap().len(), 1);
    let again = decide("is the backup job still running on db-2?");
    assert_eq!(router.verdicts.lock().unwrap().len(), 1);
    assert_eq!(first, again);
    // The memo gives what classifying afresh gives.
    let fresh = classify("is the backup job still running on db-2?");
    assert_eq!(again.confidence, fresh.class.confidence);
    assert_eq!(again.classified_route, fresh.class.route);
    decide("what did we decide about the release date?");
    assert_eq!(router.verdicts.lock().unwrap().len(), 2);
}
