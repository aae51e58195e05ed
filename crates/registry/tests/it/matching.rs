//! Matching: exact name, priority, ties, captures, the match cache.

use pattern_core::MatchKind;
use pattern_registry::{LoadOptions, Registry};

use crate::{load_str, matched, memory_pattern, without_builtins, write};

#[test]
fn highest_priority_match_wins() {
    let src = [
        memory_pattern("low", "deploy", -5),
        memory_pattern("high", "deploy", 20),
        memory_pattern("mid", "deploy", 10),
    ]
    .concat();
    let registry = load_str(&src, &without_builtins()).unwrap().registry;
    assert_eq!(matched(&registry, "deploy the app").as_deref(), Some("high"));
    let order: Vec<&str> = registry.patterns().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(order, ["high", "mid", "low"]);
}

#[test]
fn ties_go_to_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let one = write(
        &dir,
        "one.toml",
        &[memory_pattern("one_a", "status", 5), memory_pattern("one_b", "status", 5)].concat(),
    );
    let two = write(&dir, "two.toml", &memory_pattern("two_a", "status", 5));
    let opts = |files| LoadOptions { files, ..without_builtins() };
    let registry = Registry::load(&opts(vec![two.clone(), one.clone()])).unwrap().registry;
    assert_eq!(matched(&registry, "status").as_deref(), Some("two_a"));
    let registry = Registry::load(&opts(vec![one, two])).unwrap().registry;
    assert_eq!(matched(&registry, "status").as_deref(), Some("one_a"));
}

#[test]
fn exact_name_beats_regex() {
    let src = [memory_pattern("catch_all", ".*", 1000), memory_pattern("deploy", "never", -1000)]
        .concat();
    let registry = load_str(&src, &without_builtins()).unwrap().registry;
    let m = registry.match_query("  DePloy \n").unwrap();
    assert_eq!((m.pattern.name.as_str(), m.matched_by), ("deploy", MatchKind::Exact));
    assert!(m.captures.is_empty());
    let m = registry.match_query("deploy now").unwrap();
    assert_eq!((m.pattern.name.as_str(), m.matched_by), ("catch_all", MatchKind::Regex));
}

#[test]
fn captures_hold_only_participating_groups() {
    let src = memory_pattern("t", r"(?i)time(?: in (?P<tz>[A-Za-z_/]+))?(?P<q>\?)?", 0);
    let registry = load_str(&src, &without_builtins()).unwrap().registry;
    let m = registry.match_query("What TIME in Europe/Paris").unwrap();
    assert_eq!(m.captures.len(), 1);
    assert_eq!(m.captures["tz"], "Europe/Paris");
    assert_eq!(m.pattern.captures, ["tz", "q"]);
    let info = m.info();
    assert_eq!(
        (info.name.as_str(), info.matched_by, info.cost_tokens),
        ("t", MatchKind::Regex, 100)
    );
    assert_eq!(info.captures, m.captures);
}

#[test]
fn query_is_trimmed_before_matching() {
    let registry =
        load_str(&memory_pattern("anchored", "^go$", 0), &without_builtins()).unwrap().registry;
    assert_eq!(matched(&registry, "  go\t\n").as_deref(), Some("anchored"));
}

#[test]
fn match_cache_counts_hits_and_misses() {
    let registry = load_str(&memory_pattern("p", "ping", 0), &without_builtins()).unwrap().registry;
    for query in ["ping", " ping ", "pong", "ping"] {
        registry.match_query(query);
    }
    let stats = registry.stats().match_cache;
    assert_eq!((stats.hits, stats.misses), (2, 2));
    assert_eq!(stats.hit_rate, 0.5);
    assert_eq!(registry.match_cache_len(), 2);
    assert_eq!(registry.match_uncached("ping").unwrap().pattern.name, "p");
    assert_eq!(registry.stats().match_cache.hits, 2);
}

#[test]
fn match_cache_is_cleared_when_patterns_change() {
    let loaded = load_str(&memory_pattern("old", "weather", 0), &without_builtins()).unwrap();
    let mut registry = loaded.registry;
    assert_eq!(matched(&registry, "weather report").as_deref(), Some("old"));
    assert_eq!(registry.match_cache_len(), 1);
    let version = registry.version().to_owned();

    let mut newer = (*registry.get("old").unwrap()).clone();
    newer.name = "newer".into();
    newer.priority = 10;
    assert_eq!(registry.insert(newer).unwrap(), None);
    assert_eq!(registry.match_cache_len(), 0);
    assert_ne!(registry.version(), version);
    assert_eq!(matched(&registry, "weather report").as_deref(), Some("newer"));

    assert_eq!(registry.remove("newer").unwrap().name, "newer");
    assert_eq!(registry.match_cache_len(), 0);
    assert_eq!(registry.version(), version);
    assert_eq!(matched(&registry, "weather report").as_deref(), Some("old"));
}

#[test]
fn insert_replaces_a_pattern_of_the_same_name() {
    let mut registry = Registry::with_builtins();
    let mut store = (*registry.get("store_memory").unwrap()).clone();
    store.trigger = "^jot (?P<content>.+)".into();
    store.builtin = false;
    let old = registry.insert(store).unwrap().unwrap();
    assert!(old.builtin);
    assert_eq!(registry.patterns().len(), 9);
    assert_eq!(registry.match_query("jot milk").unwrap().captures["content"], "milk");
    assert_eq!(matched(&registry, "remember that milk is out"), None);
}

#[test]
fn fallbacks_are_never_matched() {
    let registry = Registry::with_builtins();
    assert_eq!(registry.match_query("fallback_memory"), None);
    assert!(registry.patterns().iter().all(|p| !p.name.starts_with("fallback_")));
}

#[test]
fn many_threads_share_one_registry() {
    let registry = std::sync::Arc::new(Registry::with_builtins());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let registry = registry.clone();
            std::thread::spawn(move || {
                (0..200)
                    .filter(|j| {
                        let query = format!("call tool srv.tool_{}", (i * 200 + j) % 50);
                        registry.match_query(&query).unwrap().pattern.name == "call_tool"
                    })
                    .count()
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 800);
    let stats = registry.stats().match_cache;
    assert_eq!(stats.hits + stats.misses, 800);
    assert!(stats.misses >= 50 && registry.match_cache_len() == 50, "{stats:?}");
}

/// Thousands of patterns load, and each query still finds the highest-priority trigger it matches: the prefilter
/// skips the triggers whose literals are absent, never one that matches. `command_1` is a prefix of
/// `command_12` and `command_123`, whose `\b` must tell them apart; the catch-all, with no literal, is tried on
/// every query and wins only where no higher-priority trigger matches.
#[test]
fn thousands_of_patterns_load_and_match_like_one_at_a_time() {
    // 3,000 keeps this test quick in a debug build; tools/bench/growth.sh loads 10,000.
    let mut src: String = (0..3_000)
        .map(|i| {
            format!(
                "[[pattern]]\nname = \"p{i}\"\ntype = \"memory\"\n\
                 trigger = '(?i)\\bcommand_{i}\\b\\s+(?P<arg>\\w+)'\npriority = {}\n\
                 [pattern.memory]\nop = \"search\"\ntext = \"{{arg}}\"\n\n",
                i % 7 + 1
            )
        })
        .collect();
    src.push_str(
        "[[pattern]]\nname = \"catch_all\"\ntype = \"memory\"\ntrigger = '^\\w+\\s+\\w+$'\n\
         [pattern.memory]\nop = \"search\"\n",
    );
    let opts = LoadOptions { builtins: false, strict: true, ..LoadOptions::default() };
    let registry = Registry::from_toml_str(&src, "many.toml", &opts).unwrap().registry;
    assert_eq!(registry.patterns().len(), 3_001);
    let found = |q: &str| registry.match_uncached(q).map(|m| (m.pattern.name.clone(), m.captures));
    let (name, captures) = found("please run COMMAND_123 deploy now").unwrap();
    assert_eq!((name.as_str(), captures["arg"].as_str()), ("p123", "deploy"));
    assert_eq!(found("command_2999 x").unwrap().0, "p2999");
    // Both present: the higher priority wins (p12 has 12 % 7 + 1 = 6, p9 has 3).
    assert_eq!(found("command_9 a and command_12 b").unwrap().0, "p12");
    // `command_29990` is no pattern (`command_2999` is, but `\b` fails), and two words make the catch-all match.
    assert_eq!(found("command_29990 x").unwrap().0, "catch_all");
    assert_eq!(found("command_29990 x y"), None);
    assert_eq!(found("command_12x y z"), None);
}
