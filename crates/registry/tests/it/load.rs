//! Loading: built-ins, files in order, replacement, I/O and syntax errors, version.

use pattern_core::PatternType;
use pattern_registry::{LoadOptions, Registry, RegistryError};

use crate::{load_str, memory_pattern, without_builtins, write};

#[test]
fn builtins_load_before_files_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let one = write(&dir, "one.toml", &memory_pattern("from_one", "one", 0));
    let two = write(&dir, "two.toml", &memory_pattern("from_two", "two", 0));
    let loaded =
        Registry::load(&LoadOptions { files: vec![one.clone(), two], ..LoadOptions::default() })
            .unwrap();
    let names: Vec<&str> = loaded.registry.patterns().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), 11);
    assert_eq!(&names[9..], ["from_one", "from_two"]);
    let from_one = loaded.registry.get("from_one").unwrap();
    assert_eq!((from_one.source.file.as_str(), from_one.source.line), (one.to_str().unwrap(), 1));
    assert!(!from_one.builtin);
    assert!(loaded.warnings.is_empty() && loaded.replaced.is_empty());
}

#[test]
fn file_pattern_replaces_builtin() {
    let src = memory_pattern("store_memory", "^keep (?P<content>.+)", 70);
    let loaded = load_str(&src, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.replaced, ["store_memory"]);
    assert!(loaded.warnings.is_empty());
    let store = loaded.registry.get("store_memory").unwrap();
    assert!(!store.builtin);
    assert_eq!(store.trigger, "^keep (?P<content>.+)");
    assert_eq!(loaded.registry.patterns().len(), 9);
    let m = loaded.registry.match_query("keep this in mind").unwrap();
    assert_eq!(m.pattern.name, "store_memory");
    assert_eq!(m.captures["content"], "this in mind");
}

#[test]
fn a_builtin_replaced_twice_is_a_duplicate() {
    let src = format!(
        "{}{}",
        memory_pattern("recall_memory", "first", 0),
        memory_pattern("recall_memory", "second", 0)
    );
    let loaded = load_str(&src, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.replaced, ["recall_memory"]);
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!(
        loaded.warnings[0].reason,
        "duplicate pattern name `recall_memory` (first defined at patterns.toml:1)"
    );
    assert_eq!(loaded.registry.get("recall_memory").unwrap().trigger, "first");
}

#[test]
fn missing_file_is_an_io_error_naming_the_file() {
    let opts = LoadOptions { files: vec!["/nonexistent/p.toml".into()], ..LoadOptions::default() };
    let err = Registry::load(&opts).unwrap_err();
    assert_eq!(err.reason(), "io");
    assert!(err.to_string().starts_with("cannot read pattern file /nonexistent/p.toml"), "{err}");
}

#[test]
fn toml_syntax_error_fails_the_load_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "broken.toml", "[[pattern]]\nname = \"x\"\ntrigger = 'unterminated\n");
    let err = Registry::load(&LoadOptions { files: vec![path.clone()], ..LoadOptions::default() })
        .unwrap_err();
    match &err {
        RegistryError::Parse { file, line, .. } => {
            assert_eq!((file.as_str(), *line), (path.to_str().unwrap(), 3));
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert_eq!(err.reason(), "parse");
}

#[test]
fn fallbacks_stay_without_builtin_patterns() {
    let registry = load_str("", &without_builtins()).unwrap().registry;
    assert!(registry.patterns().is_empty());
    for route in PatternType::ALL {
        let fallback = registry.fallback(route);
        assert_eq!(fallback.pattern_type, route);
        assert_eq!(fallback.name, format!("fallback_{route}"));
        assert_eq!(registry.get(&fallback.name), Some(fallback));
    }
    assert_eq!(registry.match_query("anything at all"), None);
}

#[test]
fn fallback_can_be_replaced_by_a_file_pattern() {
    let src = "[[pattern]]\nname = \"fallback_memory\"\ntype = \"memory\"\n[pattern.memory]\nop = \"search\"\nlimit = 25\n";
    let loaded = load_str(src, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.replaced, ["fallback_memory"]);
    let fallback = loaded.registry.fallback(PatternType::Memory);
    assert_eq!(fallback.memory.as_ref().unwrap().limit, Some(25));
    assert!(!fallback.builtin);
    assert_eq!(loaded.registry.match_query("fallback_memory"), None);
}

#[test]
fn version_is_the_same_on_every_load_and_changes_with_the_set() {
    let src = memory_pattern("notes", "notes", 3);
    let first = load_str(&src, &LoadOptions::default()).unwrap().registry;
    let second = load_str(&src, &LoadOptions::default()).unwrap().registry;
    assert_eq!(first.version(), second.version());
    assert_eq!(
        Registry::with_builtins().version(),
        load_str("", &LoadOptions::default()).unwrap().registry.version()
    );
    let without = load_str(&src, &without_builtins()).unwrap().registry;
    assert_ne!(first.version(), without.version());
    let changed = load_str(&memory_pattern("notes", "notez", 3), &LoadOptions::default()).unwrap();
    assert_ne!(first.version(), changed.registry.version());
}

#[test]
fn stats_count_patterns_by_type() {
    let stats = Registry::with_builtins().stats();
    assert_eq!(stats.patterns, 9);
    let by_type: Vec<(&str, u64)> = stats.by_type.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(by_type, [("hybrid", 2), ("infrastructure", 4), ("memory", 3)]);
    assert_eq!(stats.match_cache.hits + stats.match_cache.misses, 0);
}

#[test]
fn unknown_servers_are_reported_with_file_and_line() {
    let src = "\n[[pattern]]\nname = \"now\"\ntype = \"infrastructure\"\ntrigger = 'now'\n[pattern.tool]\nserver = \"time\"\nname = \"get_current_time\"\n\n[[pattern]]\nname = \"gh\"\ntype = \"infrastructure\"\ntrigger = 'issues'\n[pattern.tool]\nserver = \"github\"\nname = \"list_issues\"\n";
    let mut registry = load_str(src, &LoadOptions::default()).unwrap().registry;
    let servers: Vec<String> = registry.servers_referenced().into_iter().collect();
    assert_eq!(servers, ["github", "time"]);
    let errors = registry.unknown_servers(&["time"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "patterns.toml:10: pattern `gh`: `tool.server`: unknown server `github` (configured: time)"
    );
    let removed = registry.retain(|p| p.name != "gh");
    assert_eq!((removed, registry.get("gh")), (1, None));
    assert!(registry.unknown_servers(&["time"]).is_empty());
}

#[test]
fn invalid_replacement_keeps_the_builtin() {
    let loaded =
        load_str(&memory_pattern("store_memory", "(broken", 0), &LoadOptions::default()).unwrap();
    assert!(loaded.replaced.is_empty());
    assert_eq!(loaded.warnings.len(), 1);
    assert!(loaded.registry.get("store_memory").unwrap().builtin);
}
