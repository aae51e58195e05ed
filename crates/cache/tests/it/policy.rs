//! Cacheability and TTL rules (DESIGN.md §6).

use std::time::Duration;

use pattern_cache::{NotCacheable, cacheability, effective_ttl};
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

#[test]
fn memory_writes_and_side_effecting_tools_are_never_cacheable() {
    let store = pattern(false, Some(MemoryOp::Store), None);
    assert_eq!(cacheability(&store, true, None), Err(NotCacheable::MemoryWrite));

    let unannotated = pattern(true, None, None);
    assert_eq!(cacheability(&unannotated, true, None), Err(NotCacheable::SideEffectingTool));
    assert_eq!(cacheability(&unannotated, true, Some(false)), Err(NotCacheable::SideEffectingTool));
    assert_eq!(NotCacheable::SideEffectingTool.as_str(), "side_effecting_tool");
}

#[test]
fn use_cache_false_and_ttl_zero_are_never_cached() {
    let recall = pattern(false, Some(MemoryOp::Search), None);
    assert_eq!(cacheability(&recall, false, None), Err(NotCacheable::UseCacheFalse));
    let never = pattern(true, None, Some(0));
    assert_eq!(cacheability(&never, true, Some(true)), Err(NotCacheable::TtlZero));
}

#[test]
fn read_only_tools_memory_reads_and_explicit_ttls_are_cacheable() {
    assert_eq!(cacheability(&pattern(true, None, None), true, Some(true)), Ok(()));
    assert_eq!(cacheability(&pattern(true, None, Some(5)), true, None), Ok(()));
    assert_eq!(cacheability(&pattern(false, Some(MemoryOp::Search), None), true, None), Ok(()));
    assert_eq!(
        cacheability(&pattern(true, Some(MemoryOp::Recent), None), true, Some(true)),
        Ok(())
    );
}
