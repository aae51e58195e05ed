use std::sync::Arc;
use std::time::Duration;

use pattern_core::{
    CacheTier, ExecuteRequest, ExecutionMode, Memory, NewMemory, Role, RouteRequest, SearchQuery,
};
use pattern_registry::{LoadOptions, Registry};
use serde_json::json;

use super::*;
use pattern_memory::{BoxFuture, MemoryError, SqliteStore, Stored};

async fn engine() -> Engine {
    engine_with(Arc::new(SqliteStore::open_in_memory().await.unwrap()), EngineConfig::default())
}

fn engine_with(store: Arc<dyn MemoryStore>, config: EngineConfig) -> Engine {
    let loaded =
        Registry::load(&LoadOptions { files: vec![], builtins: true, strict: true }).unwrap();
    Engine::new(Arc::new(loaded.registry), store, config)
}

fn req(query: &str) -> ExecuteRequest {
    ExecuteRequest::new(query)
}

fn explained(query: &str) -> ExecuteRequest {
    ExecuteRequest { explain: true, ..req(query) }
}

fn in_ns(query: &str, ns: &str) -> ExecuteRequest {
    let mut r = ExecuteRequest::new(query);
    r.namespace = ns.into();
    r
}

fn contents(r: &ExecutionResult) -> Vec<String> {
    r.result["memories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn store_then_recall_finds_the_memory() {
    let e = engine().await;
    let local = Principal::local();
    let stored =
        e.execute(&req("remember that the staging database listens on port 5433"), &local).await;
    assert!(stored.success, "{:?}", stored.error);
    assert_eq!(stored.pattern_name, "store_memory");
    assert_eq!(stored.result["stored"]["content"], "the staging database listens on port 5433");
    let recalled =
        e.execute(&req("what did we note about the staging database port?"), &local).await;
    assert!(recalled.success, "{:?}", recalled.error);
    assert_eq!(recalled.pattern_type, PatternType::Memory);
    assert_eq!(contents(&recalled), ["the staging database listens on port 5433"]);
    assert!(recalled.tokens_used > 10);
}

#[tokio::test]
async fn repeat_recall_is_a_local_cache_hit_and_use_cache_false_bypasses_it() {
    let e = engine().await;
    let local = Principal::local();
    e.execute(&req("remember that backups run nightly"), &local).await;
    let first = e.execute(&req("what did we note about backups?"), &local).await;
    assert!(!first.cache_hit);
    let second = e.execute(&req("  What did we note about   backups? "), &local).await;
    assert!(second.cache_hit, "normalised query must share the key");
    assert_eq!(second.cache_tier, Some(CacheTier::Local));
    assert_eq!(second.result, first.result);
    let mut bypass = req("what did we note about backups?");
    bypass.use_cache = false;
    bypass.explain = true;
    let third = e.execute(&bypass, &local).await;
    assert!(!third.cache_hit);
    assert_eq!(third.metadata["not_cached_because"], "use_cache_false");
}

#[tokio::test]
async fn write_invalidates_cached_recall() {
    let e = engine().await;
    let local = Principal::local();
    e.execute(&req("remember that the deploy window is Tuesday"), &local).await;
    let q = req("what did we note about the deploy window?");
    assert_eq!(contents(&e.execute(&q, &local).await).len(), 1);
    assert!(e.execute(&q, &local).await.cache_hit);
    e.execute(&req("remember that the deploy window moved to Thursday"), &local).await;
    let after = e.execute(&q, &local).await;
    assert!(!after.cache_hit);
    assert_eq!(contents(&after).len(), 2);
}

#[tokio::test]
async fn memory_writes_are_never_cached() {
    let e = engine().await;
    let local = Principal::local();
    let a = e.execute(&req("remember that tea is at four"), &local).await;
    let explained = ExecuteRequest { explain: true, ..req("remember that tea is at four") };
    let b = e.execute(&explained, &local).await;
    assert!(!a.cache_hit && !b.cache_hit);
    assert!(!b.routing.decision().unwrap().cache.cacheable);
    assert_eq!(e.store().total(), 2);
}

#[tokio::test]
async fn namespaces_are_isolated() {
    let e = engine().await;
    let local = Principal::local();
    e.execute(&in_ns("remember that the api key rotates monthly", "team-a"), &local).await;
    let other = e.execute(&in_ns("what did we note about the api key?", "team-b"), &local).await;
    assert!(other.success);
    assert!(contents(&other).is_empty());
    let same = e.execute(&in_ns("what did we note about the api key?", "team-a"), &local).await;
    assert_eq!(contents(&same).len(), 1);
}

#[tokio::test]
async fn cache_key_differs_by_principal_and_namespace() {
    let e = engine().await;
    let route = |ns: &str, p: &Principal| {
        let r = RouteRequest {
            query: "recent memories".into(),
            execution_mode: ExecutionMode::Balanced,
            namespace: ns.into(),
        };
        e.route(&r, p).cache.key
    };
    let alice = Principal { id: "alice".into(), role: Role::Agent, namespaces: None };
    assert_ne!(route("default", &Principal::local()), route("default", &alice));
    assert_ne!(route("default", &alice), route("other", &alice));
    assert_eq!(route("default", &alice), route("default", &alice));
}

#[tokio::test]
async fn infrastructure_without_servers_fails_with_a_clear_error() {
    let e = engine().await;
    let r = e.execute(&req("call tool time.get_current_time"), &Principal::local()).await;
    assert!(!r.success);
    assert_eq!(r.pattern_name, "call_tool");
    let err = r.error.unwrap();
    assert!(err.contains("`time`"), "{err}");
    assert_eq!(r.metadata["error_reason"], "no_server");
    assert!(r.result.is_empty());
}

#[tokio::test]
async fn hybrid_without_servers_runs_its_memory_side_and_reports_the_other() {
    let e = engine().await;
    let local = Principal::local();
    e.execute(&req("remember that the p95 latency was 180 ms yesterday"), &local).await;
    let r = e.execute(&req("analyze the p95 latency"), &local).await;
    assert!(r.success, "{:?}", r.error);
    assert_eq!(r.pattern_type, PatternType::Hybrid);
    assert_eq!(r.metadata["infrastructure"]["available"], false);
    assert_eq!(r.metadata["memory"]["available"], true);
    assert_eq!(r.result["memory"]["count"], 1);
    assert!(r.result["infrastructure"].is_null());
}

#[tokio::test]
async fn readonly_principal_may_recall_but_not_write() {
    let e = engine().await;
    let reader = Principal { id: "reader".into(), role: Role::Readonly, namespaces: None };
    let w = e.execute(&req("remember that readers cannot write"), &reader).await;
    assert!(!w.success);
    assert_eq!(w.metadata["error_reason"], "forbidden");
    assert_eq!(e.store().total(), 0);
    let r = e.execute(&req("what did we note about readers?"), &reader).await;
    assert!(r.success, "{:?}", r.error);
}

#[tokio::test]
async fn principal_limited_to_namespaces_is_refused_elsewhere() {
    let e = engine().await;
    let p =
        Principal { id: "bot".into(), role: Role::Agent, namespaces: Some(vec!["bots".into()]) };
    assert!(e.execute(&in_ns("remember that bots live here", "bots"), &p).await.success);
    let r = e.execute(&in_ns("remember that bots live here", "default"), &p).await;
    assert!(!r.success);
    assert!(r.error.unwrap().contains("namespace `default`"));
}

#[tokio::test]
async fn stats_count_executions_cache_hits_and_memory() {
    let e = engine().await;
    let local = Principal::local();
    e.execute(&req("remember that stats are kept"), &local).await;
    for _ in 0..3 {
        e.execute(&req("what did we note about stats?"), &local).await;
    }
    let s = e.stats();
    assert_eq!(s.executions.total, 4);
    assert_eq!(s.executions.successful, 4);
    assert_eq!(s.executions.by_type["memory"], 4);
    assert_eq!(s.cache.local.hits, 2);
    assert_eq!(s.memory.backend, "sqlite");
    assert_eq!(s.memory.total_memories, 1);
    assert!(s.latency_ms["memory"].p50 > 0.0);
    assert_eq!(s.router.decisions, 4);
}

/// A store that never answers in time: the only way to make a real store slow on demand.
struct StuckStore(SqliteStore);

impl pattern_core::MemoryAvailability for StuckStore {
    fn has_memories(&self, namespace: &str) -> bool {
        self.0.has_memories(namespace)
    }
}

impl MemoryStore for StuckStore {
    fn backend(&self) -> &'static str {
        "stuck"
    }
    fn store(&self, _m: NewMemory) -> BoxFuture<'_, Result<Stored, MemoryError>> {
        Box::pin(std::future::pending())
    }
    fn search(&self, _q: SearchQuery) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>> {
        Box::pin(std::future::pending())
    }
    fn recent(&self, _ns: &str, _limit: usize) -> BoxFuture<'_, Result<Vec<Memory>, MemoryError>> {
        Box::pin(std::future::pending())
    }
    fn count(&self, ns: Option<&str>) -> BoxFuture<'_, Result<u64, MemoryError>> {
        self.0.count(ns)
    }
    fn total(&self) -> u64 {
        0
    }
    fn health(&self) -> BoxFuture<'_, Result<(), MemoryError>> {
        self.0.health()
    }
}

#[tokio::test(start_paused = true)]
async fn execution_times_out_per_mode_and_is_not_cached() {
    let store = StuckStore(SqliteStore::open_in_memory().await.unwrap());
    let config = EngineConfig {
        timeouts: Timeouts {
            fast: Duration::from_millis(100),
            balanced: Duration::from_millis(200),
            comprehensive: Duration::from_millis(300),
        },
        ..EngineConfig::default()
    };
    let e = engine_with(Arc::new(store), config);
    let r = e.execute(&req("what did we note about timeouts?"), &Principal::local()).await;
    assert!(!r.success);
    assert_eq!(r.error.as_deref(), Some("execution timed out after 200 ms (balanced mode)"));
    assert_eq!(r.metadata["retryable"], json!(true));
    let again = e.execute(&req("what did we note about timeouts?"), &Principal::local()).await;
    assert!(!again.cache_hit, "a failure is never cached");
}

#[tokio::test]
async fn tokens_used_counts_the_whole_text_the_client_receives() {
    let e = engine().await;
    let local = Principal::local();
    // A write is never cached; its answer is counted around its result all the same.
    let stored =
        e.execute(&req("remember that the staging database listens on port 5433"), &local).await;
    let text = serde_json::to_string(&stored).unwrap();
    assert_eq!(stored.tokens_used, e.tokens().count(&text));
    // The first recall is computed, the next ones are served from the cache
    // (whose entry keeps the count of the text they share).
    let mut hits = 0;
    for explain in [false, false, true, true] {
        let recall = ExecuteRequest { explain, ..req("what did we note about the staging port?") };
        let result = e.execute(&recall, &local).await;
        hits += u32::from(result.cache_hit);
        let text = serde_json::to_string(&result).unwrap();
        assert_eq!(result.tokens_used, e.tokens().count(&text), "explain {explain}: {text}");
    }
    assert!(hits >= 2, "{hits} cache hits");
    let failed = e.execute(&req("call tool nowhere.nothing"), &local).await;
    assert!(!failed.success);
    let text = serde_json::to_string(&failed).unwrap();
    assert_eq!(failed.tokens_used, e.tokens().count(&text));
}

#[tokio::test]
async fn a_cached_answer_holds_the_stable_text_its_entry_counted_between_additive_cuts() {
    // What makes a hit count only the text around its entry's stable text: that text is in the
    // answer, where `count_answer` looks for it, and both its ends are additive cuts.
    let e = engine().await;
    let local = Principal::local();
    e.execute(&req("remember that backups run at 02:00 UTC"), &local).await;
    e.execute(&req("what did we note about backups?"), &local).await;
    let hit = e.execute(&req("what did we note about backups?"), &local).await;
    assert!(hit.cache_hit);
    let text = serde_json::to_string(&hit).unwrap();
    let stable = stable_text(&hit.result);
    let start = text.find(STABLE_START).expect("the result field");
    assert_eq!(&text[start..start + stable.len()], stable);
    assert!(crate::tokens::is_additive_cut(&text, start));
    assert!(crate::tokens::is_additive_cut(&text, start + stable.len()));
}

#[tokio::test]
async fn routing_is_lean_unless_explain_is_set() {
    let e = engine().await;
    let local = Principal::local();
    let lean = e.execute(&req("what did we note about backups?"), &local).await;
    let lean_json = serde_json::to_value(&lean).unwrap();
    let routing = lean_json["routing"].as_object().unwrap();
    assert_eq!(routing.keys().collect::<Vec<_>>(), ["route", "confidence"]);
    assert!(lean.metadata.get("principal").is_none());

    let explained = ExecuteRequest { explain: true, ..req("what did we note about backups?") };
    let full = e.execute(&explained, &local).await;
    let decision = full.routing.decision().expect("explain gives the whole decision");
    assert_eq!(decision.route, lean.routing.route());
    assert!(!decision.cache.key.is_empty());
    assert_eq!(full.metadata["principal"], Principal::local().id);
    assert!(full.tokens_used > lean.tokens_used);
}

/// The facts a new user stores, and the memory each question should find.
const FIRST_USE_FACTS: &[&str] = &[
    "remember that Alice owns the billing service",
    "remember that the staging database listens on port 5433",
    "remember that backups run every night at 02:00 UTC",
    "remember that the prod cluster is in eu-west-1, in Frankfurt",
];

/// Ten wordings, written before the first run and not tuned after it.
const FIRST_USE_QUESTIONS: &[(&str, &str)] = &[
    ("who owns billing?", "Alice owns the billing service"),
    ("what port does staging use?", "the staging database listens on port 5433"),
    ("staging database port", "the staging database listens on port 5433"),
    ("when do backups run?", "backups run every night at 02:00 UTC"),
    ("where is the prod cluster?", "the prod cluster is in eu-west-1, in Frankfurt"),
    ("who is responsible for the billing service?", "Alice owns the billing service"),
    ("which port is the staging db on?", "the staging database listens on port 5433"),
    ("what's the backup schedule?", "backups run every night at 02:00 UTC"),
    ("which region hosts the prod cluster?", "the prod cluster is in eu-west-1, in Frankfurt"),
    ("is Alice the billing owner?", "Alice owns the billing service"),
];

#[tokio::test]
async fn without_downstream_servers_questions_about_stored_facts_are_answered_from_memory() {
    let e = engine().await;
    let local = Principal::local();
    for fact in FIRST_USE_FACTS {
        let stored = e.execute(&req(fact), &local).await;
        assert!(stored.success, "{fact}: {:?}", stored.error);
    }
    let mut misses = Vec::new();
    for (question, fact) in FIRST_USE_QUESTIONS {
        let r = e.execute(&explained(question), &local).await;
        let routing = r.routing.decision().unwrap();
        let found = r.success
            && routing.route == PatternType::Memory
            && r.result.get("memories").is_some()
            && contents(&r).iter().any(|c| c == fact);
        if !found {
            misses.push(format!(
                "{question}: {:?} {:?} {}",
                r.error, routing.route, routing.reasoning
            ));
        }
    }
    assert!(
        misses.len() <= 1,
        "{} of 10 not answered from memory:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

#[tokio::test]
async fn route_query_reports_the_classified_route_and_the_route_that_runs() {
    let e = engine().await;
    let local = Principal::local();
    e.execute(&req("remember that the staging database listens on port 5433"), &local).await;
    let route = |q: &str| {
        e.route(
            &RouteRequest {
                query: q.into(),
                execution_mode: ExecutionMode::Balanced,
                namespace: "default".into(),
            },
            &local,
        )
    };
    let d = route("staging database port");
    assert_eq!((d.classified_route, d.route), (PatternType::Infrastructure, PatternType::Memory));
    assert!(d.reasoning.contains("no downstream MCP server is configured"), "{}", d.reasoning);
    assert_eq!(d.pattern, None);
    // A matched pattern is what runs, servers or not.
    let d = route("call tool fs.read_file");
    assert_eq!(
        (d.classified_route, d.route),
        (PatternType::Infrastructure, PatternType::Infrastructure)
    );
}

#[tokio::test]
async fn with_neither_servers_nor_memories_the_failure_says_what_to_configure() {
    let e = engine().await;
    let r = e
        .execute(
            &ExecuteRequest { explain: true, ..in_ns("who owns billing?", "team-a") },
            &Principal::local(),
        )
        .await;
    assert!(!r.success);
    let error = r.error.unwrap();
    assert!(error.contains("no downstream MCP server is configured"), "{error}");
    assert!(error.contains("namespace `team-a` holds no memories"), "{error}");
    assert!(error.contains("--servers") && error.contains("store something first"), "{error}");
    assert_eq!(r.metadata["error_reason"], "nothing_to_answer");
    assert_eq!(r.metadata["retryable"], false);
    let reasoning = &r.routing.decision().unwrap().reasoning;
    assert!(reasoning.contains("Nothing can answer"), "{reasoning}");
}

#[tokio::test]
async fn an_explicit_tool_call_without_servers_fails_naming_the_server() {
    let e = engine().await;
    let local = Principal::local();
    e.execute(&req("remember that Alice owns the billing service"), &local).await;
    let r = e.execute(&req("call tool fs.read_file"), &local).await;
    assert!(!r.success);
    assert_eq!(
        (r.pattern_name.as_str(), r.routing.route()),
        ("call_tool", PatternType::Infrastructure)
    );
    let error = r.error.unwrap();
    assert!(error.contains("no downstream MCP server named `fs` is configured"), "{error}");
}

#[tokio::test]
async fn hmm_is_not_a_confident_action_and_has_nothing_to_do_in_an_empty_namespace() {
    let e = engine().await;
    let local = Principal::local();
    let r = e.execute(&explained("hmm"), &local).await;
    assert!(r.routing.confidence() < 0.5, "{}", r.routing.confidence());
    assert_ne!(r.routing.decision().unwrap().classified_route, PatternType::Infrastructure);
    assert!(!r.success);
    assert_eq!(r.metadata["error_reason"], "no_content");
    assert!(r.error.unwrap().contains("nothing to do"));

    // With memories, the namespace is searched instead.
    e.execute(&req("remember that Alice owns the billing service"), &local).await;
    let r = e.execute(&req("hmm"), &local).await;
    assert!(r.success, "{:?}", r.error);
    assert_eq!(
        (r.pattern_name.as_str(), r.routing.route()),
        ("fallback_memory", PatternType::Memory)
    );
    assert!(r.routing.confidence() < 0.5);
}

#[tokio::test]
async fn list_patterns_shows_a_custom_pattern_to_the_model_without_any_server() {
    let custom = r#"
[[pattern]]
name = "deploy_service"
type = "infrastructure"
trigger = '(?i)^deploy (?P<service>\S+)'
description = "Deploy a service by name"
min_role = "admin"
[pattern.tool]
server = "ops"
name = "deploy"
"#;
    let options = LoadOptions { files: vec![], builtins: true, strict: true };
    let loaded = Registry::from_toml_str(custom, "custom.toml", &options).unwrap();
    let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let e = Engine::new(Arc::new(loaded.registry), store, EngineConfig::default());
    for query in ["list patterns", "which patterns do you have?", "list_patterns"] {
        let r = e.execute(&req(query), &Principal::local()).await;
        assert!(r.success, "{query}: {:?}", r.error);
        assert_eq!(r.pattern_name, "list_patterns", "{query}");
        let patterns = r.result["patterns"].as_array().unwrap();
        assert_eq!(r.result["count"], json!(patterns.len()));
        let deploy = patterns.iter().find(|p| p["name"] == "deploy_service").unwrap();
        assert_eq!(deploy["route"], "infrastructure");
        assert_eq!(deploy["description"], "Deploy a service by name");
        assert_eq!(deploy["builtin"], false);
        assert_eq!(deploy["captures"], json!(["service"]));
        assert_eq!(deploy["min_role"], "admin");
        assert_eq!(deploy["tool"], "ops.deploy");
        // The route fallbacks are chosen, never matched: not listed.
        assert!(patterns.iter().all(|p| !p["name"].as_str().unwrap().starts_with("fallback_")));
    }
}
