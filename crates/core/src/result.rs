//! The answer of `execute_pattern`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::pattern::PatternType;
use crate::routing::{Route, RoutingDecision};

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
    /// The payload: memories found or stored, a tool's result, …
    pub result: serde_json::Map<String, serde_json::Value>,
    /// Why the execution failed; null on success.
    pub error: Option<String>,
    /// Wall time of this request, cache lookups included.
    pub execution_time_ms: f64,
    /// Tokens of the text content the client receives for this call (this
    /// whole result as JSON, this number included), counted with the
    /// o200k_base BPE.
    pub tokens_used: u64,
    pub cache_hit: bool,
    pub cache_tier: Option<CacheTier>,
    /// The route that ran and how sure the router was; the router's whole
    /// decision when the call set `explain: true`.
    pub routing: RoutingView,
    /// namespace, error_reason, idempotent_replay, …
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// `routing` of an execution result: lean by default, since every token of
/// it is paid by the calling model; `route_query` and `explain: true` give
/// the whole decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RoutingView {
    /// With `explain: true`: the whole decision, as `route_query` returns it.
    Full(Box<RoutingDecision>),
    /// The default.
    Brief(RouteBrief),
}

/// The route that ran, and the router's confidence in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteBrief {
    pub route: Route,
    /// 0..1
    pub confidence: f64,
}

impl RoutingView {
    /// The whole decision with `explain`, its route and confidence otherwise.
    pub fn new(decision: RoutingDecision, explain: bool) -> Self {
        if explain {
            RoutingView::Full(Box::new(decision))
        } else {
            RoutingView::Brief(RouteBrief {
                route: decision.route,
                confidence: decision.confidence,
            })
        }
    }

    pub fn route(&self) -> Route {
        match self {
            RoutingView::Full(d) => d.route,
            RoutingView::Brief(b) => b.route,
        }
    }

    pub fn confidence(&self) -> f64 {
        match self {
            RoutingView::Full(d) => d.confidence,
            RoutingView::Brief(b) => b.confidence,
        }
    }

    /// The whole decision, when the call asked for it.
    pub fn decision(&self) -> Option<&RoutingDecision> {
        match self {
            RoutingView::Full(d) => Some(d),
            RoutingView::Brief(_) => None,
        }
    }
}
