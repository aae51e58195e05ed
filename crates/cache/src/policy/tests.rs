//! Unit tests of the cacheability rules, rule by rule.

use std::time::Duration;

use pattern_core::{MemoryOp, MemorySpec, PatternDefinition, PatternSource, PatternType, ToolSpec};

use super::*;

fn pattern(tool: bool, memory: Option<MemoryOp>, cache_ttl_s: Option<u64>) -> PatternDefinition {
    PatternDefinition {
        name: "p".into(),
        pattern_type: match (tool, memory.is_some()) {
            (true, true) => PatternType::Hybrid,
            (false, true) => PatternType::Memory,
            _ => PatternType::Infrastructure,
        },
        trigger: String::new(),
        priority: 0,
        cost_tokens: 10,
        cache_ttl_s,
        description: String::new(),
        min_role: None,
        tool: tool.then(|| ToolSpec {
            server: "s".into(),
            name: "t".into(),
            arguments: serde_json::Map::new(),
        }),
        memory: memory.map(|op| MemorySpec { op, text: None, limit: None, tags: Vec::new() }),
        captures: Vec::new(),
        source: PatternSource::builtin(1),
        builtin: true,
    }
}

fn tool(read_only: bool, ttl_s: Option<u64>, side_effects: bool) -> Option<ToolCaching> {
    Some(ToolCaching { read_only, ttl_s, side_effects })
}

#[test]
fn use_cache_false_wins_over_every_other_rule() {
    let p = pattern(false, Some(MemoryOp::Store), Some(0));
    assert_eq!(cacheability(&p, false, None), Err(NotCacheable::UseCacheFalse));
    let read_only = pattern(true, None, Some(30));
    assert_eq!(
        cacheability(&read_only, false, tool(true, Some(30), true)),
        Err(NotCacheable::UseCacheFalse)
    );
}

#[test]
fn nothing_makes_a_memory_write_cacheable() {
    let p = pattern(false, Some(MemoryOp::Store), Some(30));
    assert_eq!(cacheability(&p, true, None), Err(NotCacheable::MemoryWrite));
    let hybrid = pattern(true, Some(MemoryOp::Store), Some(30));
    assert_eq!(
        cacheability(&hybrid, true, tool(true, Some(30), true)),
        Err(NotCacheable::MemoryWrite)
    );
}

#[test]
fn pattern_ttl_zero_is_never_cached_whatever_the_operator_says() {
    let p = pattern(true, None, Some(0));
    assert_eq!(cacheability(&p, true, tool(true, Some(30), true)), Err(NotCacheable::TtlZero));
    assert_eq!(
        cacheability(&pattern(false, None, Some(0)), true, None),
        Err(NotCacheable::TtlZero)
    );
}

#[test]
fn a_read_only_tool_alone_is_not_opted_in() {
    let p = pattern(true, None, None);
    assert_eq!(cacheability(&p, true, tool(true, None, false)), Err(NotCacheable::ToolNotOptedIn));
    // Opt-in comes first: without it, the annotation and the override do not matter.
    assert_eq!(cacheability(&p, true, tool(false, None, false)), Err(NotCacheable::ToolNotOptedIn));
    assert_eq!(cacheability(&p, true, tool(false, None, true)), Err(NotCacheable::ToolNotOptedIn));
}

#[test]
fn a_pattern_ttl_opts_a_read_only_tool_in_with_that_ttl() {
    assert_eq!(
        cacheability(&pattern(true, None, Some(5)), true, tool(true, None, false)),
        Ok(Some(5))
    );
}

#[test]
fn an_operator_ttl_opts_a_read_only_tool_in_with_that_ttl() {
    assert_eq!(
        cacheability(&pattern(true, None, None), true, tool(true, Some(7), false)),
        Ok(Some(7))
    );
}

#[test]
fn the_smallest_of_pattern_and_operator_ttl_applies() {
    let p = pattern(true, None, Some(30));
    assert_eq!(cacheability(&p, true, tool(true, Some(5), false)), Ok(Some(5)));
    let p = pattern(true, None, Some(5));
    assert_eq!(cacheability(&p, true, tool(true, Some(30), false)), Ok(Some(5)));
}

#[test]
fn an_operator_ttl_of_zero_forbids_caching_even_with_a_pattern_ttl() {
    let p = pattern(true, None, Some(30));
    assert_eq!(cacheability(&p, true, tool(true, Some(0), true)), Err(NotCacheable::ToolTtlZero));
    let p = pattern(true, None, None);
    assert_eq!(cacheability(&p, true, tool(true, Some(0), false)), Err(NotCacheable::ToolTtlZero));
}

#[test]
fn an_opted_in_side_effecting_tool_needs_the_operator_override() {
    let by_pattern = pattern(true, None, Some(30));
    assert_eq!(
        cacheability(&by_pattern, true, tool(false, None, false)),
        Err(NotCacheable::SideEffectingTool)
    );
    let by_operator = pattern(true, None, None);
    assert_eq!(
        cacheability(&by_operator, true, tool(false, Some(30), false)),
        Err(NotCacheable::SideEffectingTool)
    );
    assert_eq!(cacheability(&by_pattern, true, tool(false, None, true)), Ok(Some(30)));
    assert_eq!(cacheability(&by_operator, true, tool(false, Some(30), true)), Ok(Some(30)));
}

#[test]
fn a_tool_named_at_run_time_follows_the_same_rules() {
    // `call_tool` names no tool in its definition: the engine passes what it
    // knows of the tool it resolved.
    let p = pattern(false, None, None);
    assert_eq!(cacheability(&p, true, tool(true, None, false)), Err(NotCacheable::ToolNotOptedIn));
    assert_eq!(cacheability(&p, true, tool(true, Some(10), false)), Ok(Some(10)));
    assert_eq!(
        cacheability(&p, true, tool(false, Some(10), false)),
        Err(NotCacheable::SideEffectingTool)
    );
}

#[test]
fn executions_calling_no_tool_keep_the_pattern_ttl() {
    assert_eq!(cacheability(&pattern(false, Some(MemoryOp::Search), None), true, None), Ok(None));
    assert_eq!(cacheability(&pattern(false, Some(MemoryOp::Recent), None), true, None), Ok(None));
    // `list_tools` lists the tools; it calls none.
    assert_eq!(cacheability(&pattern(false, None, Some(60)), true, None), Ok(Some(60)));
}

#[test]
fn labels_are_fixed_snake_case() {
    let labels = [
        NotCacheable::UseCacheFalse,
        NotCacheable::MemoryWrite,
        NotCacheable::TtlZero,
        NotCacheable::ToolNotOptedIn,
        NotCacheable::ToolTtlZero,
        NotCacheable::SideEffectingTool,
    ]
    .map(NotCacheable::as_str);
    assert_eq!(
        labels,
        [
            "use_cache_false",
            "memory_write",
            "ttl_zero",
            "tool_not_opted_in",
            "tool_ttl_zero",
            "side_effecting_tool"
        ]
    );
    assert_eq!(NotCacheable::MemoryWrite.to_string(), "memory_write");
}

#[test]
fn pattern_ttl_zero_gives_zero_ttl() {
    assert_eq!(effective_ttl(Duration::from_secs(60), Some(0)), Duration::ZERO);
}
