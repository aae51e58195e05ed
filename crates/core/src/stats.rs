//! The answer of the `stats` tool (docs/CONTRACT.md §3).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stats {
    pub uptime_s: f64,
    pub executions: ExecutionStats,
    /// Latency percentiles per pattern type, from a histogram of executions.
    pub latency_ms: BTreeMap<String, LatencyPercentiles>,
    pub tokens: TokenStats,
    pub cache: CacheStats,
    pub registry: RegistryStats,
    pub router: RouterStats,
    pub memory: MemoryStats,
    pub downstream: Vec<DownstreamStats>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionStats {
    pub total: u64,
    pub successful: u64,
    pub failed: u64,
    pub by_type: BTreeMap<String, u64>,
    pub by_pattern: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencyPercentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TokenStats {
    pub total: u64,
    pub mean: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CacheStats {
    pub local: LocalCacheStats,
    pub redis: RedisCacheStats,
    /// Hits of either tier over cache lookups.
    pub hit_rate: f64,
    /// Requests that waited for an identical in-flight execution instead of running it.
    pub coalesced: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LocalCacheStats {
    pub hits: u64,
    pub misses: u64,
    pub entries: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RedisCacheStats {
    pub hits: u64,
    pub misses: u64,
    pub errors: u64,
    /// False when Redis is not configured or not reachable right now.
    pub available: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegistryStats {
    pub patterns: u64,
    pub by_type: BTreeMap<String, u64>,
    pub match_cache: MatchCacheStats,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MatchCacheStats {
    pub hits: u64,
    pub misses: u64,
    pub hit_rate: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouterStats {
    pub decisions: u64,
    pub by_route: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MemoryStats {
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub total_memories: u64,
    /// False while the store cannot be reached.
    pub available: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DownstreamStats {
    pub server: String,
    pub connected: bool,
    pub tools: u64,
    pub calls: u64,
    pub errors: u64,
}
