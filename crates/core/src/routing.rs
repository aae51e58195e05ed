//! The router's answer: which path, how sure, what it will cost.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::pattern::{Captures, PatternType};

/// A route is one of the three execution paths.
pub type Route = PatternType;

/// How the registry found the pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// The query was the pattern's name.
    Exact,
    /// The pattern's trigger regex matched.
    Regex,
}

/// The pattern a routing decision is bound to, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PatternMatchInfo {
    pub name: String,
    pub pattern_type: PatternType,
    pub priority: i32,
    pub cost_tokens: u32,
    pub matched_by: MatchKind,
    /// Named captures of the trigger.
    pub captures: Captures,
}

/// Keywords of each class found in the query (stems, lowercase).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MatchedKeywords {
    pub infrastructure: Vec<String>,
    pub memory: Vec<String>,
    pub hybrid: Vec<String>,
}

/// A route the router considered and did not pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AlternativeRoute {
    pub route: Route,
    /// 0..1
    pub confidence: f64,
    pub estimated_cost_tokens: u64,
    pub estimated_latency_ms: f64,
}

/// Whether the result of this request may be cached, and under which key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CacheInfo {
    pub cacheable: bool,
    /// MD5 hex of the canonical request.
    pub key: String,
}

/// What `route_query` returns, and what every `ExecutionResult` carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RoutingDecision {
    /// The path that runs. It is `classified_route` unless that path cannot
    /// answer here (no downstream MCP server configured or connected, or no
    /// memories in the namespace) and another one can; `reasoning` says so.
    pub route: Route,
    /// The path the request itself asks for (its words, its matched pattern
    /// or its mode), before checking what is available.
    pub classified_route: Route,
    /// 0..1: how likely `classified_route` is what the request asks for;
    /// low when the evidence is weak (few or no cue words).
    pub confidence: f64,
    /// One or two sentences saying why, and what to configure when nothing can answer.
    pub reasoning: String,
    pub estimated_cost_tokens: u64,
    pub estimated_latency_ms: f64,
    pub alternative_routes: Vec<AlternativeRoute>,
    pub matched_keywords: MatchedKeywords,
    pub pattern: Option<PatternMatchInfo>,
    pub cache: CacheInfo,
    /// Time the decision took, matching included, in microseconds.
    pub decision_time_us: u64,
}
