//! The built-in patterns route the requests users typically write.

use pattern_core::{MatchKind, MemoryOp, PatternType};
use pattern_registry::{Registry, template};

/// A query, the pattern it must select (if any), and the captures expected.
type Case = (&'static str, Option<&'static str>, &'static [(&'static str, &'static str)]);

const CASES: &[Case] = &[
    (
        "remember that the staging database listens on port 5433",
        Some("store_memory"),
        &[("content", "the staging database listens on port 5433")],
    ),
    (
        "Please note that deploys happen on Fridays.",
        Some("store_memory"),
        &[("content", "deploys happen on Fridays.")],
    ),
    (
        "save: the API key rotates monthly",
        Some("store_memory"),
        &[("content", "the API key rotates monthly")],
    ),
    (
        "remember that we decided to use Postgres",
        Some("store_memory"),
        &[("content", "we decided to use Postgres")],
    ),
    (
        "what did we note about the staging database port?",
        Some("recall_memory"),
        &[("subject", "the staging database port")],
    ),
    (
        "What did we decide about the caching strategy",
        Some("recall_memory"),
        &[("subject", "the caching strategy")],
    ),
    (
        "recall the discussion on rate limits",
        Some("recall_memory"),
        &[("subject", "the discussion on rate limits")],
    ),
    (
        "do you remember what we said about retries?",
        Some("recall_memory"),
        &[("subject", "we said about retries")],
    ),
    (
        "remember what we decided about the schema?",
        Some("recall_memory"),
        &[("subject", "we decided about the schema")],
    ),
    (
        "what do you know about the billing service",
        Some("recall_memory"),
        &[("subject", "the billing service")],
    ),
    (
        "show me the history of the deploy pipeline",
        Some("recall_memory"),
        &[("subject", "the deploy pipeline")],
    ),
    (
        "what did we decide about the health check?",
        Some("recall_memory"),
        &[("subject", "the health check")],
    ),
    ("recent memories", Some("recent_memories"), &[]),
    ("what did we do recently?", Some("recent_memories"), &[]),
    ("show the last 5 memories", Some("recent_memories"), &[("count", "5")]),
    ("call tool time.get_current_time", Some("call_tool"), &[("tool", "time.get_current_time")]),
    ("please run the tool git.status now.", Some("call_tool"), &[("tool", "git.status")]),
    ("list all available tools", Some("list_tools"), &[]),
    ("What tools do you have?", Some("list_tools"), &[]),
    ("list the available patterns", Some("list_patterns"), &[]),
    ("which patterns are registered?", Some("list_patterns"), &[]),
    ("show me your custom patterns", Some("list_patterns"), &[]),
    ("health check", Some("service_health"), &[]),
    ("are the services up?", Some("service_health"), &[]),
    (
        "analyze the error rates of the checkout service",
        Some("analyze"),
        &[("subject", "the error rates of the checkout service")],
    ),
    ("Analyse the login outage", Some("analyze"), &[("subject", "the login outage")]),
    (
        "find things similar to the login outage",
        Some("similar"),
        &[("subject", "the login outage")],
    ),
    ("related to postgres migrations", Some("similar"), &[("subject", "postgres migrations")]),
    ("what time is it in Tokyo", None, &[]),
    ("deploy the frontend to production", None, &[]),
    // "save"/"store" as everyday imperatives are not memory writes...
    ("save the file", None, &[]),
    ("store the backup in s3", None, &[]),
    // ...unless a "that", a colon or "to memory" says so.
    (
        "save that the build takes ten minutes",
        Some("store_memory"),
        &[("content", "the build takes ten minutes")],
    ),
    (
        "store: the vpn gateway is vpn-2",
        Some("store_memory"),
        &[("content", "the vpn gateway is vpn-2")],
    ),
    ("save to memory: tea is at four", Some("store_memory"), &[("content", "tea is at four")]),
];

#[test]
fn builtins_route_typical_requests() {
    let registry = Registry::with_builtins();
    let mut wrong = Vec::new();
    for &(query, pattern, captures) in CASES {
        let got = registry.match_query(query);
        let got_name = got.as_ref().map(|m| m.pattern.name.as_str());
        let got_captures: Vec<(&str, &str)> = got
            .as_ref()
            .map(|m| m.captures.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
            .unwrap_or_default();
        if got_name != pattern || got_captures != captures {
            wrong.push(format!(
                "{query:?}: got {got_name:?} {got_captures:?}, want {pattern:?} {captures:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "misrouted:\n{}", wrong.join("\n"));
}

#[test]
fn builtin_names_match_exactly() {
    let registry = Registry::with_builtins();
    for pattern in registry.patterns() {
        let m = registry.match_query(&pattern.name.to_uppercase()).unwrap();
        assert_eq!(
            (m.pattern.name.as_str(), m.matched_by),
            (pattern.name.as_str(), MatchKind::Exact)
        );
    }
}

#[test]
fn builtin_memory_templates_render_the_subject() {
    let registry = Registry::with_builtins();
    let query = "what did we note about the staging database port?";
    let m = registry.match_query(query).unwrap();
    assert_eq!(m.pattern.memory.as_ref().unwrap().op, MemoryOp::Search);
    assert_eq!(
        template::memory_text(&m.pattern, &m.captures, query).as_deref(),
        Some("the staging database port")
    );
    let query = "remember that the staging database listens on port 5433";
    let m = registry.match_query(query).unwrap();
    assert!(m.pattern.writes_memory());
    assert_eq!(m.pattern.cache_ttl_s, Some(0));
    assert_eq!(
        template::memory_text(&m.pattern, &m.captures, query).as_deref(),
        Some("the staging database listens on port 5433")
    );
}

#[test]
fn builtin_types_and_priorities() {
    let registry = Registry::with_builtins();
    let got: Vec<(&str, PatternType, i32)> =
        registry.patterns().iter().map(|p| (p.name.as_str(), p.pattern_type, p.priority)).collect();
    assert_eq!(
        got,
        [
            ("store_memory", PatternType::Memory, 60),
            ("recent_memories", PatternType::Memory, 55),
            ("recall_memory", PatternType::Memory, 50),
            ("analyze", PatternType::Hybrid, 45),
            ("similar", PatternType::Hybrid, 42),
            ("call_tool", PatternType::Infrastructure, 40),
            ("list_tools", PatternType::Infrastructure, 35),
            ("list_patterns", PatternType::Infrastructure, 35),
            ("service_health", PatternType::Infrastructure, 35),
        ]
    );
}
