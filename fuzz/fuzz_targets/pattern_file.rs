//! The pattern-file parser and validator (`crates/registry`, docs/CONTRACT.md §4).
//!
//! Any text is loaded as a pattern file (built-ins off, so every pattern is the
//! file's own), leniently and strictly. Properties:
//! - loading never panics, and the strict load fails exactly when the lenient
//!   one skipped a pattern (or failed itself);
//! - every warning names the file and a line of it;
//! - every pattern that loaded keeps the §4 rules, checked here independently
//!   (name, priority, TTL, tool and memory tables by type, memory limit,
//!   captures = the trigger's named groups) and is selected by its exact name;
//! - the loaded set round-trips: written back as TOML and loaded strictly, it
//!   gives the same patterns in the same order and the same `version()`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pattern_core::{MatchKind, MemoryOp, PatternDefinition, PatternType};
use pattern_registry::{LoadOptions, PatternFile, RawPattern, Registry, fallback_name, template};
use regex::Regex;
use std::sync::Arc;

const FILE: &str = "fuzz.toml";

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let lenient = LoadOptions { files: Vec::new(), builtins: false, strict: false };
    let strict = LoadOptions { strict: true, ..lenient.clone() };

    let loaded = match Registry::from_toml_str(src, FILE, &lenient) {
        Ok(loaded) => loaded,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            assert!(
                Registry::from_toml_str(src, FILE, &strict).is_err(),
                "the strict load accepts what the lenient one refuses"
            );
            return;
        }
    };
    let lines = src.split('\n').count();
    for warning in &loaded.warnings {
        assert_eq!(warning.file, FILE);
        assert!((1..=lines).contains(&warning.line), "warning on line {} of {lines}", warning.line);
        assert!(!warning.reason.is_empty());
    }
    match Registry::from_toml_str(src, FILE, &strict) {
        Ok(strict) => {
            assert!(loaded.warnings.is_empty(), "strict load ignored {:?}", loaded.warnings);
            assert_eq!(strict.registry.version(), loaded.registry.version());
        }
        Err(_) => assert!(!loaded.warnings.is_empty(), "strict load failed on a clean file"),
    }

    let registry = &loaded.registry;
    let mut names = std::collections::BTreeSet::new();
    for pattern in registry.patterns() {
        assert!(names.insert(pattern.name.clone()), "duplicate name {}", pattern.name);
        check_rules(pattern, false);
        let found = registry.match_uncached(&pattern.name).expect("a pattern's name selects it");
        assert_eq!(found.pattern.name, pattern.name);
        assert_eq!(found.matched_by, MatchKind::Exact);
    }
    let replaced_fallbacks = replaced_fallbacks(registry);
    for fallback in &replaced_fallbacks {
        check_rules(fallback, true);
    }

    // Round trip: the loaded set, written back, loads strictly to the same set.
    let file = PatternFile {
        pattern: registry
            .patterns()
            .iter()
            .map(|p| &**p)
            .chain(replaced_fallbacks.iter().map(|p| &**p))
            .map(raw_of)
            .collect(),
    };
    let text = toml::to_string(&file).expect("a loaded pattern set serialises to TOML");
    let again = Registry::from_toml_str(&text, FILE, &strict)
        .unwrap_or_else(|e| panic!("the written-back set does not load: {e}\n{text}"))
        .registry;
    let without_source = |p: &PatternDefinition| PatternDefinition {
        source: pattern_core::PatternSource::builtin(0),
        ..p.clone()
    };
    let before: Vec<_> = registry.patterns().iter().map(|p| without_source(p)).collect();
    let after: Vec<_> = again.patterns().iter().map(|p| without_source(p)).collect();
    assert_eq!(before, after, "round trip changed the patterns\n{text}");
    assert_eq!(registry.version(), again.version(), "round trip changed the version\n{text}");
});

/// The route fallbacks a file pattern replaced (the built-in ones are not the file's).
fn replaced_fallbacks(registry: &Registry) -> Vec<Arc<PatternDefinition>> {
    PatternType::ALL
        .into_iter()
        .map(|route| {
            let name = fallback_name(route);
            assert!(
                registry.patterns().iter().all(|p| p.name != name),
                "a route fallback is never matchable"
            );
            let fallback = registry.fallback(route);
            assert_eq!(fallback.name, name);
            assert_eq!(fallback.pattern_type, route);
            fallback
        })
        .filter(|fallback| !fallback.builtin)
        .collect()
}

/// docs/CONTRACT.md §4, written independently of `validate.rs`.
fn check_rules(p: &PatternDefinition, fallback: bool) {
    let name_ok = (1..=64).contains(&p.name.chars().count())
        && p.name.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'));
    assert!(name_ok, "invalid name {:?} loaded", p.name);
    assert!((-1000..=1000).contains(&p.priority));
    assert!(p.cache_ttl_s.is_none_or(|ttl| ttl <= 86_400));
    let (tool, memory) = match p.pattern_type {
        PatternType::Infrastructure => (true, false),
        PatternType::Memory => (false, true),
        PatternType::Hybrid => (true, true),
    };
    // A file pattern needs its tool; a fallback may go without one.
    if fallback {
        assert!(tool || p.tool.is_none(), "{}: tool table vs type {}", p.name, p.pattern_type);
        assert!(p.trigger.is_empty());
    } else {
        assert_eq!(p.tool.is_some(), tool, "{}: tool table vs type {}", p.name, p.pattern_type);
        assert!(p.trigger.chars().count() <= 4096 && !p.trigger.trim().is_empty());
        let regex = Regex::new(&p.trigger).expect("a loaded trigger compiles");
        let groups: Vec<String> = regex.capture_names().flatten().map(str::to_owned).collect();
        assert_eq!(p.captures, groups);
    }
    assert_eq!(p.memory.is_some(), memory, "{}: memory table vs type {}", p.name, p.pattern_type);
    if let Some(t) = &p.tool {
        assert!(!t.server.trim().is_empty() && !t.name.trim().is_empty());
    }
    let mut templates: Vec<&str> = Vec::new();
    if let Some(t) = &p.tool {
        t.arguments.values().for_each(|v| collect_strings(v, &mut templates));
    }
    if let Some(m) = &p.memory {
        assert!(m.limit.is_none_or(|l| (1..=100).contains(&l)));
        if m.op != MemoryOp::Store {
            assert!(m.limit.is_some(), "search and recent get a default limit");
        }
        templates.push(m.text.as_deref().expect("memory.text gets its default"));
        templates.extend(m.tags.iter().map(String::as_str));
    }
    for text in templates {
        let placeholders = template::placeholders(text).expect("a loaded template parses");
        for ph in placeholders {
            assert!(
                ph.name == template::QUERY || p.captures.contains(&ph.name),
                "{}: template uses undefined `{}`",
                p.name,
                ph.name
            );
        }
    }
}

fn collect_strings<'v>(value: &'v serde_json::Value, out: &mut Vec<&'v str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// The raw form of a loaded pattern: what a user would write to get it.
fn raw_of(def: &PatternDefinition) -> RawPattern {
    RawPattern {
        name: def.name.clone(),
        pattern_type: def.pattern_type,
        trigger: Some(def.trigger.clone()).filter(|t| !t.is_empty()),
        priority: Some(i64::from(def.priority)),
        cost_tokens: Some(def.cost_tokens),
        cache_ttl_s: def.cache_ttl_s,
        description: Some(def.description.clone()),
        min_role: def.min_role,
        tool: def.tool.clone(),
        memory: def.memory.clone(),
    }
}
