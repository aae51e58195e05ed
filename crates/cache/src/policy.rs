//! Cacheability and TTL rules (docs/CONTRACT.md §6): what may be cached, and for how long.

use std::fmt;
use std::time::Duration;

use pattern_core::PatternDefinition;

/// How long a tier keeps a result: the tier's TTL, shortened by the cap
/// [`cacheability`] gives (the pattern's or the operator's `cache_ttl_s`).
///
/// `Some(0)` gives zero, which no tier stores; [`cacheability`] refuses such
/// executions before this is asked.
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
    /// The execution calls a downstream tool and neither the pattern nor the
    /// operator set a TTL for it: a tool's answer may change from one call to
    /// the next (the time, a directory), so caching it must be asked for.
    ToolNotOptedIn,
    /// The operator set `cache_ttl_s = 0` for the tool or its server.
    ToolTtlZero,
    /// A TTL asks for caching, but the tool is not annotated
    /// `readOnlyHint: true` and the operator did not set `cache_side_effects`.
    SideEffectingTool,
}

impl NotCacheable {
    /// Fixed label for metrics and the `routing.cache` explanation.
    pub fn as_str(self) -> &'static str {
        match self {
            NotCacheable::UseCacheFalse => "use_cache_false",
            NotCacheable::MemoryWrite => "memory_write",
            NotCacheable::TtlZero => "ttl_zero",
            NotCacheable::ToolNotOptedIn => "tool_not_opted_in",
            NotCacheable::ToolTtlZero => "tool_ttl_zero",
            NotCacheable::SideEffectingTool => "side_effecting_tool",
        }
    }
}

impl fmt::Display for NotCacheable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What decides whether the result of one downstream tool may be cached,
/// besides the pattern: the tool's annotation and the operator's configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolCaching {
    /// The tool is listed by its connected server with `readOnlyHint: true`.
    /// An unlisted tool, or one without the annotation, is side-effecting.
    pub read_only: bool,
    /// The operator's TTL for the tool (`[servers.NAME.tools.TOOL]`, else
    /// `[servers.NAME]`); `Some(0)` forbids caching it.
    pub ttl_s: Option<u64>,
    /// The operator allows caching the tool's results although it is not
    /// read-only (`cache_side_effects = true`).
    pub side_effects: bool,
}

/// May the result of running `pattern` be cached, and for how long at most?
///
/// `tool` describes the downstream tool the execution calls, `None` when it
/// calls none (memory patterns, `list_tools`, the ranking fallbacks). A
/// tool's result is cached only by opt-in: the pattern sets `cache_ttl_s > 0`
/// or the operator sets a TTL for the tool; and then only if the tool is
/// read-only or the operator says `cache_side_effects`. A read-only
/// annotation alone never makes a result cacheable. Nothing makes a memory
/// write cacheable.
///
/// `Ok` holds the cap on the tiers' TTL, in seconds: the smallest of the
/// pattern's and the operator's TTL, `None` when neither sets one.
pub fn cacheability(
    pattern: &PatternDefinition,
    use_cache: bool,
    tool: Option<ToolCaching>,
) -> Result<Option<u64>, NotCacheable> {
    if !use_cache {
        return Err(NotCacheable::UseCacheFalse);
    }
    if pattern.writes_memory() {
        return Err(NotCacheable::MemoryWrite);
    }
    if pattern.cache_ttl_s == Some(0) {
        return Err(NotCacheable::TtlZero);
    }
    let Some(tool) = tool else {
        return Ok(pattern.cache_ttl_s);
    };
    if tool.ttl_s == Some(0) {
        return Err(NotCacheable::ToolTtlZero);
    }
    if pattern.cache_ttl_s.is_none() && tool.ttl_s.is_none() {
        return Err(NotCacheable::ToolNotOptedIn);
    }
    if !tool.read_only && !tool.side_effects {
        return Err(NotCacheable::SideEffectingTool);
    }
    Ok(match (pattern.cache_ttl_s, tool.ttl_s) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

#[cfg(test)]
mod tests;
