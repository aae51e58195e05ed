//! Shared vocabulary of pattern-mcp: the types every other crate speaks.
//!
//! Nothing in here performs I/O. The types are serialisable (they are the
//! wire shapes of the MCP tools) and carry JSON Schemas (the `schemas/`
//! directory is generated from them).

mod error;
mod memory;
mod pattern;
mod request;
mod result;
mod routing;
mod stats;

pub use error::InputError;
pub use memory::{Memory, MemoryAvailability, NewMemory, SearchQuery};
pub use pattern::{
    Captures, ExecutionMode, MemoryOp, MemorySpec, PatternDefinition, PatternSource, PatternType,
    Role, ToolSpec,
};
pub use request::{
    CONTEXT_MAX_BYTES, DEFAULT_NAMESPACE, ExecuteRequest, QUERY_MAX_CHARS, RouteRequest,
    StatsRequest, validate_namespace,
};
pub use result::{CacheTier, ExecutionResult, RouteBrief, RoutingView};
pub use routing::{
    AlternativeRoute, CacheInfo, MatchKind, MatchedKeywords, PatternMatchInfo, Route,
    RoutingDecision,
};
pub use stats::{
    CacheStats, DownstreamStats, ExecutionStats, LatencyPercentiles, LocalCacheStats,
    MatchCacheStats, MemoryStats, RedisCacheStats, RegistryStats, RouterStats, Stats, TokenStats,
};
