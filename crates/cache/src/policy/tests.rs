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

#[test]
fn use_cache_false_wins_over_every_other_rule() {
    let p = pattern(false, Some(MemoryOp::Store), Some(0));
    assert_eq!(cacheability(&p, false, None), Err(NotCacheable::UseCacheFalse));
}

#[test]
fn explicit_ttl_does_not_make_a_memory_write_cacheable() {
    let p = pattern(false, Some(MemoryOp::Store), Some(30));
    assert_eq!(cacheability(&p, true, None), Err(NotCacheable::MemoryWrite));
}

#[test]
fn hybrid_write_is_not_cacheable_even_with_a_read_only_tool() {
    let p = pattern(true, Some(MemoryOp::Store), None);
    assert_eq!(cacheability(&p, true, Some(true)), Err(NotCacheable::MemoryWrite));
}

#[test]
fn ttl_zero_is_never_cached_even_for_a_read_only_tool() {
    let p = pattern(true, None, Some(0));
    assert_eq!(cacheability(&p, true, Some(true)), Err(NotCacheable::TtlZero));
}

#[test]
fn unannotated_tool_is_side_effecting() {
    let p = pattern(true, None, None);
    assert_eq!(cacheability(&p, true, None), Err(NotCacheable::SideEffectingTool));
    assert_eq!(cacheability(&p, true, Some(false)), Err(NotCacheable::SideEffectingTool));
}

#[test]
fn read_only_tool_is_cacheable() {
    assert_eq!(cacheability(&pattern(true, None, None), true, Some(true)), Ok(()));
}

#[test]
fn explicit_ttl_vouches_for_an_unannotated_tool() {
    assert_eq!(cacheability(&pattern(true, None, Some(5)), true, None), Ok(()));
}

#[test]
fn tool_named_at_run_time_follows_its_annotation() {
    // `call_tool` names no tool in its definition: the engine passes the
    // annotation of the tool it resolved.
    let p = pattern(false, None, None);
    assert_eq!(cacheability(&p, true, Some(false)), Err(NotCacheable::SideEffectingTool));
    assert_eq!(cacheability(&p, true, Some(true)), Ok(()));
}

#[test]
fn memory_reads_without_a_tool_are_cacheable() {
    assert_eq!(cacheability(&pattern(false, Some(MemoryOp::Search), None), true, None), Ok(()));
    assert_eq!(cacheability(&pattern(false, Some(MemoryOp::Recent), None), true, None), Ok(()));
}

#[test]
fn labels_are_fixed_snake_case() {
    let labels = [
        NotCacheable::UseCacheFalse,
        NotCacheable::MemoryWrite,
        NotCacheable::TtlZero,
        NotCacheable::SideEffectingTool,
    ]
    .map(NotCacheable::as_str);
    assert_eq!(labels, ["use_cache_false", "memory_write", "ttl_zero", "side_effecting_tool"]);
    assert_eq!(NotCacheable::MemoryWrite.to_string(), "memory_write");
}

#[test]
fn pattern_ttl_zero_gives_zero_ttl() {
    assert_eq!(effective_ttl(Duration::from_secs(60), Some(0)), Duration::ZERO);
}
