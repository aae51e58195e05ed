//! Unit tests of pattern validation.

use pattern_core::{MemorySpec, ToolSpec};

use super::*;

fn raw(name: &str, pattern_type: PatternType, trigger: &str) -> RawPattern {
    RawPattern {
        name: name.to_owned(),
        pattern_type,
        trigger: Some(trigger.to_owned()),
        priority: None,
        cost_tokens: None,
        cache_ttl_s: None,
        description: None,
        min_role: None,
        tool: None,
        memory: None,
    }
}

fn tool(arguments: serde_json::Value) -> Option<ToolSpec> {
    let serde_json::Value::Object(arguments) = arguments else { panic!("object") };
    Some(ToolSpec { server: "time".into(), name: "now".into(), arguments })
}

fn search(text: Option<&str>) -> Option<MemorySpec> {
    Some(MemorySpec {
        op: MemoryOp::Search,
        text: text.map(str::to_owned),
        limit: None,
        tags: vec![],
    })
}

fn source() -> PatternSource {
    PatternSource { file: "f.toml".into(), line: 1 }
}

fn reasons(raw: RawPattern) -> Vec<String> {
    validate(raw, source(), Origin::File).unwrap_err()
}

#[test]
fn defaults_are_filled_in() {
    let mut p = raw("m", PatternType::Memory, "(?P<x>a)");
    p.memory = search(None);
    let def = validate(p, source(), Origin::File).unwrap().def;
    assert_eq!(def.cost_tokens, 100);
    assert_eq!(def.priority, 0);
    assert_eq!(def.cache_ttl_s, None);
    assert_eq!(def.captures, ["x"]);
    let memory = def.memory.unwrap();
    assert_eq!((memory.text.as_deref(), memory.limit), (Some("{query}"), Some(10)));
    assert!(!def.builtin);
}

#[test]
fn cost_defaults_follow_the_type() {
    let costs = PatternType::ALL.map(default_cost_tokens);
    assert_eq!(costs, [50, 100, 150]);
}

#[test]
fn names_must_be_lowercase_snake_case() {
    assert!(valid_name("get_time_2"));
    for bad in ["", "Time", "get-time", "a b", &"x".repeat(65)] {
        assert!(!valid_name(bad), "{bad}");
    }
    let mut p = raw("Bad-Name", PatternType::Memory, "a");
    p.memory = search(None);
    assert!(reasons(p)[0].starts_with("invalid name `Bad-Name`"));
}

#[test]
fn all_reasons_are_reported_together() {
    let mut p = raw("x", PatternType::Hybrid, "a");
    p.priority = Some(5000);
    p.cache_ttl_s = Some(100_000);
    let got = reasons(p);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[0].contains("priority 5000 is outside -1000..=1000"));
    assert!(got[1].contains("cache_ttl_s 100000"));
    assert!(got[2].contains("needs a [pattern.tool]"));
    assert!(got[3].contains("needs a [pattern.memory]"));
}

#[test]
fn spec_tables_must_fit_the_type() {
    let mut p = raw("x", PatternType::Infrastructure, "a");
    p.tool = tool(serde_json::json!({}));
    p.memory = search(None);
    assert_eq!(reasons(p), ["a infrastructure pattern has no [pattern.memory] table"]);
    let mut p = raw("x", PatternType::Memory, "a");
    p.tool = tool(serde_json::json!({}));
    assert_eq!(
        reasons(p),
        [
            "a memory pattern has no [pattern.tool] table",
            "a memory pattern needs a [pattern.memory] table"
        ]
    );
}

#[test]
fn builtins_may_omit_the_tool() {
    let p = raw("x", PatternType::Infrastructure, "a");
    assert!(validate(p.clone(), source(), Origin::Builtin).is_ok());
    assert_eq!(reasons(p), ["a infrastructure pattern needs a [pattern.tool] table"]);
}

#[test]
fn empty_and_oversized_triggers_are_rejected() {
    let mut p = raw("x", PatternType::Memory, "  ");
    p.memory = search(None);
    assert!(reasons(p.clone())[0].starts_with("trigger is empty"));
    p.trigger = None;
    assert!(reasons(p.clone())[0].starts_with("trigger is empty"));
    p.trigger = Some("a".repeat(TRIGGER_MAX_CHARS + 1));
    assert_eq!(reasons(p)[0], "trigger is 4097 characters long, over the limit of 4096");
}

#[test]
fn regex_syntax_errors_are_one_line() {
    let mut p = raw("x", PatternType::Memory, "(?P<x>a");
    p.memory = search(None);
    assert_eq!(reasons(p), ["trigger is not a valid regex: unclosed group"]);
}

#[test]
fn compiled_size_is_limited() {
    let mut p = raw("x", PatternType::Memory, r"\w{1000}\w{1000}");
    p.memory = search(None);
    assert!(reasons(p)[0].starts_with("trigger regex is over the size limit"));
}

#[test]
fn templates_may_use_captures_and_query_only() {
    let mut p = raw("x", PatternType::Hybrid, "(?P<tz>\\w+)");
    p.tool = tool(serde_json::json!({"tz": "{tz|UTC}", "q": ["{query}", {"deep": "{zone|UTC}"}]}));
    p.memory = search(Some("{tz} {typo}"));
    let got = reasons(p);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("`tool.arguments.q[1].deep` uses `{zone}`"), "{}", got[0]);
    assert!(got[1].starts_with("`memory.text` uses `{typo}`"), "{}", got[1]);
    assert!(got[1].contains("captures: tz"));
}

#[test]
fn malformed_templates_are_rejected() {
    let mut p = raw("x", PatternType::Memory, "a");
    p.memory = Some(MemorySpec {
        op: MemoryOp::Store,
        text: Some("{a".into()),
        limit: None,
        tags: vec!["ok".into(), "b}".into()],
    });
    let got = reasons(p);
    assert!(got[0].starts_with("`memory.text`: unclosed"), "{got:?}");
    assert!(got[1].starts_with("`memory.tags[1]`: unmatched"), "{got:?}");
}

#[test]
fn memory_limit_must_be_between_1_and_100() {
    for (limit, ok) in [(0, false), (1, true), (100, true), (101, false)] {
        let mut p = raw("x", PatternType::Memory, "a");
        p.memory =
            Some(MemorySpec { op: MemoryOp::Search, text: None, limit: Some(limit), tags: vec![] });
        assert_eq!(validate(p, source(), Origin::File).is_ok(), ok, "{limit}");
    }
}

#[test]
fn store_patterns_get_no_default_limit() {
    let mut p = raw("x", PatternType::Memory, "a");
    p.memory = Some(MemorySpec { op: MemoryOp::Store, text: None, limit: None, tags: vec![] });
    assert_eq!(validate(p, source(), Origin::File).unwrap().def.memory.unwrap().limit, None);
}

#[test]
fn fallbacks_have_no_trigger_and_a_fixed_type() {
    let mut p = raw("fallback_memory", PatternType::Hybrid, "a");
    p.memory = search(None);
    let got = validate(p, source(), Origin::Fallback).unwrap_err();
    assert!(got[0].contains("its type must be `memory`"), "{got:?}");
    assert!(got[1].contains("names a route fallback, which has no trigger"), "{got:?}");
    let mut p = raw("fallback_memory", PatternType::Memory, "");
    p.memory = search(Some("{query}"));
    assert_eq!(validate(p, source(), Origin::Fallback).unwrap().def.trigger, "");
}

#[test]
fn empty_tool_fields_are_rejected() {
    let mut p = raw("x", PatternType::Infrastructure, "a");
    p.tool =
        Some(ToolSpec { server: " ".into(), name: String::new(), arguments: Default::default() });
    assert_eq!(reasons(p), ["`tool.server` is empty", "`tool.name` is empty"]);
}

/// A trigger's non-ASCII capture can be used by its templates (the template
/// filler refused the names the regex crate accepts: `cargo fuzz run template`).
#[test]
fn templates_may_use_unicode_capture_names() {
    let mut p = raw("citta", PatternType::Memory, r"(?i)meteo (?P<città>\w+)");
    p.memory = search(Some("{città}"));
    let compiled = validate(p, source(), Origin::File).unwrap();
    assert_eq!(compiled.def.captures, ["città"]);
}
