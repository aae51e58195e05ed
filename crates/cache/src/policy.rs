//! Cacheability and TTL rules (DESIGN.md §6): what may be cached, and for how long.

use std::fmt;
use std::time::Duration;

use pattern_core::PatternDefinition;

/// How long a tier keeps a result: the tier's TTL, shortened by the
/// pattern's `cache_ttl_s` when the pattern sets one.
///
/// `Some(0)` gives zero, which no tier stores; [`cacheability`] refuses such
/// patterns before this is asked.
pub fn effective_ttl(tier_ttl: Duration, pattern_ttl_s: Option<u64>) -> Duration {
    match pattern_ttl_s {
        Some(secs) => tier_ttl.min(Duration::from_secs(secs)),
        None => tier_ttl,
    }
}

/// Why a request's result is not cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotCacheable {
    /// The caller asked for a fresh execution (`use_cache: false`).
    UseCacheFalse,
    /// The pattern stores a memory: replaying it from cache would silently
    /// drop the write.
    MemoryWrite,
    /// The pattern sets `cache_ttl_s = 0`.
    TtlZero,
    /// The downstream tool is not annotated `readOnlyHint: true`, and the
    /// pattern does not set a TTL to vouch for it.
    SideEffectingTool,
}

impl NotCacheable {
    /// Fixed label for metrics and the `routing.cache` explanation.
    pub fn as_str(self) -> &'static str {
        match self {
            NotCacheable::UseCacheFalse => "use_cache_false",
            NotCacheable::MemoryWrite => "memory_write",
            NotCacheable::TtlZero => "ttl_zero",
            NotCacheable::SideEffectingTool => "side_effecting_tool",
        }
    }
}

impl fmt::Display for NotCacheable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// May the result of running `pattern` be cached?
///
/// `tool_read_only` is the downstream tool's `readOnlyHint`, for executions
/// that call a tool:
/// - for a pattern with a `[pattern.tool]`, `None` means the tool carries no
///   annotation, which counts as side-effecting;
/// - for a pattern without one whose execution still calls a tool (the tool
///   is named at run time, as `call_tool` and `context.tool` do), pass
///   `Some(hint == Some(true))`: `None` there means "no tool is called".
///
/// An explicit `cache_ttl_s = n > 0` vouches for a tool without the
/// annotation. Nothing vouches for a memory write.
pub fn cacheability(
    pattern: &PatternDefinition,
    use_cache: bool,
    tool_read_only: Option<bool>,
) -> Result<(), NotCacheable> {
    if !use_cache {
        return Err(NotCacheable::UseCacheFalse);
    }
    if pattern.writes_memory() {
        return Err(NotCacheable::MemoryWrite);
    }
    match pattern.cache_ttl_s {
        Some(0) => Err(NotCacheable::TtlZero),
        Some(_) => Ok(()),
        None => {
            let calls_tool = pattern.tool.is_some() || tool_read_only.is_some();
            if calls_tool && tool_read_only != Some(true) {
                Err(NotCacheable::SideEffectingTool)
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests;
