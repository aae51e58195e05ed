//! The answer of `execute_pattern`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::pattern::PatternType;
use crate::routing::RoutingDecision;

/// Which cache tier answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CacheTier {
    /// The in-process moka cache of this instance.
    Local,
    /// The Redis cache shared by all instances.
    Redis,
}

impl CacheTier {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheTier::Local => "local",
            CacheTier::Redis => "redis",
        }
    }
}

/// The outcome of one `execute_pattern` call, successful or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionResult {
    /// Unique per request; the same id is in the JSON log line.
    pub request_id: String,
    pub pattern_name: String,
    pub pattern_type: PatternType,
    pub success: bool,
    /// The payload: memories found, the memory stored, a tool's result, …
    pub result: serde_json::Map<String, serde_json::Value>,
    /// Why the execution failed; null on success.
    pub error: Option<String>,
    /// Wall time of this request, cache lookups included.
    pub execution_time_ms: f64,
    /// Tokens of `result` as serialized JSON, counted with the o200k_base BPE.
    pub tokens_used: u64,
    pub cache_hit: bool,
    pub cache_tier: Option<CacheTier>,
    pub routing: RoutingDecision,
    /// Everything else worth knowing: mode, namespace, timings per side, …
    pub metadata: serde_json::Map<String, serde_json::Value>,
}
