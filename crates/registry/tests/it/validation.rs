//! Validation at load: file and line in every error, strict and lenient modes.

use pattern_registry::{LoadOptions, PatternError, Registry, RegistryError};

use crate::{load_str, memory_pattern, without_builtins, write};

#[test]
fn invalid_regex_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let src = format!(
        "# header\n\n{}{}",
        memory_pattern("fine", "ok", 0),
        memory_pattern("broken", "(unclosed", 0)
    );
    let path = write(&dir, "p.toml", &src);
    let loaded =
        Registry::load(&LoadOptions { files: vec![path.clone()], ..without_builtins() }).unwrap();
    assert_eq!(
        loaded.warnings,
        [PatternError {
            file: path.display().to_string(),
            line: 11,
            pattern: Some("broken".into()),
            reason: "trigger is not a valid regex: unclosed group".into(),
        }]
    );
    assert_eq!(
        loaded.warnings[0].to_string(),
        format!(
            "{}:11: pattern `broken`: trigger is not a valid regex: unclosed group",
            path.display()
        )
    );
    let names: Vec<&str> = loaded.registry.patterns().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["fine"]);
}

#[test]
fn strict_mode_refuses_any_error() {
    let src = [
        memory_pattern("good", "ok", 0),
        memory_pattern("bad_regex", "(", 0),
        memory_pattern("Bad Name", "x", 0),
    ]
    .concat();
    let lenient = load_str(&src, &LoadOptions::default()).unwrap();
    assert_eq!(lenient.warnings.len(), 2);
    assert!(lenient.registry.get("good").is_some());

    let err = load_str(&src, &LoadOptions { strict: true, ..LoadOptions::default() }).unwrap_err();
    assert_eq!(err.reason(), "invalid_pattern");
    let lines: Vec<(usize, Option<&str>)> =
        err.pattern_errors().iter().map(|e| (e.line, e.pattern.as_deref())).collect();
    assert_eq!(lines, [(9, Some("bad_regex")), (17, Some("Bad Name"))]);
    assert!(
        err.to_string().starts_with("2 invalid patterns\n  patterns.toml:9: pattern `bad_regex`"),
        "{err}"
    );
}

#[test]
fn strict_mode_accepts_a_clean_load_with_replacements() {
    let src = memory_pattern("recall_memory", "(?i)recall (?P<subject>.+)", 50);
    let loaded = load_str(&src, &LoadOptions { strict: true, ..LoadOptions::default() }).unwrap();
    assert_eq!(loaded.replaced, ["recall_memory"]);
    assert!(loaded.warnings.is_empty());
}

#[test]
fn undefined_capture_in_template_is_an_error() {
    let src = r#"
[[pattern]]
name = "weather"
type = "infrastructure"
trigger = '(?i)weather in (?P<city>\w+)'
[pattern.tool]
server = "weather"
name = "forecast"
arguments = { city = "{city}", units = "{unit|metric}" }
"#;
    let loaded = load_str(src, &without_builtins()).unwrap();
    assert_eq!(loaded.warnings.len(), 1);
    let error = &loaded.warnings[0];
    assert_eq!((error.line, error.pattern.as_deref()), (2, Some("weather")));
    assert_eq!(
        error.reason,
        "`tool.arguments.units` uses `{unit}`, which the trigger does not capture (captures: city; `{query}` is the whole query)"
    );
    assert!(loaded.registry.get("weather").is_none());
}

#[test]
fn unknown_keys_types_and_wrong_types_are_per_pattern_errors() {
    let src = format!(
        "{}[[pattern]]\nname = \"typo\"\ntype = \"memory\"\ntrigger = 'x'\npriorty = 3\n\n[[pattern]]\nname = \"kind\"\ntype = \"database\"\ntrigger = 'y'\n\n[[pattern]]\nname = \"ttl\"\ntype = \"memory\"\ntrigger = 'z'\ncache_ttl_s = \"soon\"\n",
        memory_pattern("fine", "ok", 0)
    );
    let loaded = load_str(&src, &without_builtins()).unwrap();
    let got: Vec<(usize, &str)> =
        loaded.warnings.iter().map(|e| (e.line, e.pattern.as_deref().unwrap())).collect();
    assert_eq!(got, [(9, "typo"), (15, "kind"), (20, "ttl")]);
    assert!(loaded.warnings[0].reason.contains("unknown field `priorty`"));
    assert!(loaded.warnings[1].reason.starts_with("`type`: unknown variant `database`"));
    assert!(loaded.warnings[2].reason.starts_with("`cache_ttl_s`: "));
    assert_eq!(loaded.registry.patterns().len(), 1);
}

#[test]
fn range_and_shape_rules_are_enforced() {
    let cases = [
        ("priority = 1001", "priority 1001 is outside -1000..=1000"),
        ("cache_ttl_s = 86401", "cache_ttl_s 86401 is over the maximum of 86400 (one day)"),
    ];
    for (line, reason) in cases {
        let src = memory_pattern("p", "x", 0).replace("priority = 0", line);
        let loaded = load_str(&src, &without_builtins()).unwrap();
        assert_eq!(loaded.warnings[0].reason, reason);
    }
    let src = "[[pattern]]\nname = \"h\"\ntype = \"hybrid\"\ntrigger = 'x'\n[pattern.memory]\nop = \"search\"\nlimit = 500\n";
    let reasons: Vec<String> = load_str(src, &without_builtins())
        .unwrap()
        .warnings
        .into_iter()
        .map(|e| e.reason)
        .collect();
    assert_eq!(
        reasons,
        ["a hybrid pattern needs a [pattern.tool] table", "memory.limit 500 is outside 1..=100"]
    );
}

#[test]
fn duplicate_names_in_files_are_errors_naming_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let one = write(&dir, "one.toml", &memory_pattern("same", "one", 0));
    let two = write(&dir, "two.toml", &format!("\n{}", memory_pattern("same", "two", 0)));
    let loaded = Registry::load(&LoadOptions {
        files: vec![one.clone(), two.clone()],
        ..without_builtins()
    })
    .unwrap();
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!(
        loaded.warnings[0].to_string(),
        format!(
            "{}:2: pattern `same`: duplicate pattern name `same` (first defined at {}:1)",
            two.display(),
            one.display()
        )
    );
    assert_eq!(loaded.registry.get("same").unwrap().trigger, "one");
}

#[test]
fn unknown_top_level_keys_are_reported() {
    let loaded = load_str("[[patterns]]\nname = \"x\"\n", &without_builtins()).unwrap();
    assert_eq!(
        loaded.warnings[0].to_string(),
        "patterns.toml:1: unknown top-level key `patterns` (a pattern file holds only `[[pattern]]` tables)"
    );
    let strict = LoadOptions { strict: true, ..without_builtins() };
    assert!(
        matches!(load_str("[[patterns]]\n", &strict), Err(RegistryError::Invalid(e)) if e.len() == 1)
    );
}

#[test]
fn insert_validates_like_a_load() {
    let mut registry = Registry::with_builtins();
    let mut bad = (*registry.get("recall_memory").unwrap()).clone();
    bad.name = "recall_bad".into();
    bad.builtin = false;
    bad.trigger = "(?P<topic>.+)".into();
    let err = registry.insert(bad).unwrap_err();
    assert_eq!(err.reason(), "invalid_pattern");
    assert!(err.pattern_errors()[0].reason.starts_with("`memory.text` uses `{subject}`"), "{err}");
    assert!(registry.get("recall_bad").is_none());
}

#[test]
fn oversized_regex_is_reported_and_skipped() {
    let src =
        [memory_pattern("huge", r"\w{1000}\w{1000}", 0), memory_pattern("small", "x", 0)].concat();
    let loaded = load_str(&src, &without_builtins()).unwrap();
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!((loaded.warnings[0].line, loaded.warnings[0].pattern.as_deref()), (1, Some("huge")));
    assert!(loaded.warnings[0].reason.starts_with("trigger regex is over the size limit"));
    assert_eq!(loaded.registry.patterns().len(), 1);
}
