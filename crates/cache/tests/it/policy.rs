//! Cacheability and TTL rules (docs/CONTRACT.md §6).

use std::time::Duration;

use pattern_cache::{NotCacheable, ToolCaching, cacheability, effective_ttl};
use pattern_core::MemoryOp;

use crate::support::pattern;

#[test]
fn ttl_is_min_of_tier_and_pattern() {
    let local = Duration::from_secs(60);
    let redis = Duration::from_secs(300);
    assert_eq!(effective_ttl(local, Some(5)), Duration::from_secs(5));
    assert_eq!(effective_ttl(redis, Some(120)), Duration::from_secs(120));
    assert_eq!(effective_ttl(local, Some(120)), Duration::from_secs(60));
    assert_eq!(effective_ttl(redis, None), redis);
}

fn tool(read_only: bool, ttl_s: Option<u64>, side_effects: bool) -> Option<ToolCaching> {
    Some(ToolCaching { read_only, ttl_s, side_effects })
}

#[test]
fn memory_writes_and_side_effecting_tools_are_never_cacheable() {
    let store = pattern(false, Some(MemoryOp::Store), None);
    assert_eq!(cacheability(&store, true, None), Err(NotCacheable::MemoryWrite));

    let opted_in = pattern(true, None, Some(30));
    assert_eq!(
        cacheability(&opted_in, true, tool(false, None, false)),
        Err(NotCacheable::SideEffectingTool)
    );
    assert_eq!(NotCacheable::SideEffectingTool.as_str(), "side_effecting_tool");
}

#[test]
fn use_cache_false_and_ttl_zero_are_never_cached() {
    let recall = pattern(false, Some(MemoryOp::Search), None);
    assert_eq!(cacheability(&recall, false, None), Err(NotCacheable::UseCacheFalse));
    let never = pattern(true, None, Some(0));
    assert_eq!(cacheability(&never, true, tool(true, Some(5), false)), Err(NotCacheable::TtlZero));
}

#[test]
fn a_tool_result_is_cached_only_by_opt_in_and_memory_reads_always_are() {
    let plain = pattern(true, None, None);
    assert_eq!(
        cacheability(&plain, true, tool(true, None, false)),
        Err(NotCacheable::ToolNotOptedIn)
    );
    assert_eq!(cacheability(&plain, true, tool(true, Some(5), false)), Ok(Some(5)));
    assert_eq!(
        cacheability(&pattern(true, None, Some(5)), true, tool(true, None, false)),
        Ok(Some(5))
    );
    assert_eq!(cacheability(&pattern(false, Some(MemoryOp::Search), None), true, None), Ok(None));
    assert_eq!(
        cacheability(
            &pattern(true, Some(MemoryOp::Recent), Some(9)),
            true,
            tool(true, Some(3), false)
        ),
        Ok(Some(3))
    );
}
