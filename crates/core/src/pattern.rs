//! Patterns: what a pattern file declares and what the registry hands out.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The execution path of a pattern, and equally the route the router picks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum PatternType {
    /// Call tools of downstream MCP servers.
    Infrastructure,
    /// Search or store the agent's long-term memory.
    Memory,
    /// Both at once, combined.
    Hybrid,
}

impl PatternType {
    pub const ALL: [PatternType; 3] =
        [PatternType::Infrastructure, PatternType::Memory, PatternType::Hybrid];

    pub fn as_str(self) -> &'static str {
        match self {
            PatternType::Infrastructure => "infrastructure",
            PatternType::Memory => "memory",
            PatternType::Hybrid => "hybrid",
        }
    }
}

impl fmt::Display for PatternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PatternType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "infrastructure" => Ok(PatternType::Infrastructure),
            "memory" => Ok(PatternType::Memory),
            "hybrid" => Ok(PatternType::Hybrid),
            other => Err(format!(
                "unknown pattern type `{other}` (expected infrastructure, memory or hybrid)"
            )),
        }
    }
}

/// How much the caller is willing to spend: it steers the router and the
/// per-execution timeout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionMode {
    /// Infrastructure only, shortest timeout.
    Fast,
    /// Let the router decide from the query and the data available.
    #[default]
    Balanced,
    /// Always hybrid, longest timeout.
    Comprehensive,
}

impl ExecutionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionMode::Fast => "fast",
            ExecutionMode::Balanced => "balanced",
            ExecutionMode::Comprehensive => "comprehensive",
        }
    }
}

impl fmt::Display for ExecutionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExecutionMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fast" => Ok(ExecutionMode::Fast),
            "balanced" => Ok(ExecutionMode::Balanced),
            "comprehensive" => Ok(ExecutionMode::Comprehensive),
            other => Err(format!(
                "unknown execution mode `{other}` (expected fast, balanced or comprehensive)"
            )),
        }
    }
}

/// Roles of HTTP principals, ordered: `readonly < agent < admin`.
/// stdio is the local user and always `admin`.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Readonly,
    Agent,
    #[default]
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Readonly => "readonly",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "readonly" => Ok(Role::Readonly),
            "agent" => Ok(Role::Agent),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role `{other}` (expected readonly, agent or admin)")),
        }
    }
}

/// What a memory pattern does with the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemoryOp {
    /// Ranked full-text search in the namespace.
    Search,
    /// Write a new memory (never cached; bumps the namespace generation).
    Store,
    /// The newest memories of the namespace.
    Recent,
}

impl MemoryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryOp::Search => "search",
            MemoryOp::Store => "store",
            MemoryOp::Recent => "recent",
        }
    }
}

/// `[pattern.tool]`: the downstream tool an infrastructure or hybrid pattern calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolSpec {
    /// Name of a configured downstream server (`[servers.NAME]`).
    pub server: String,
    /// Tool name on that server.
    pub name: String,
    /// Argument templates: string values may hold `{capture}`,
    /// `{capture|default}` and `{query}`; `context.arguments` override them.
    #[serde(default)]
    pub arguments: serde_json::Map<String, serde_json::Value>,
}

/// `[pattern.memory]`: the memory operation of a memory or hybrid pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemorySpec {
    pub op: MemoryOp,
    /// Template of the text to search or store; `{query}` is the whole query.
    /// Defaults to `{query}`.
    #[serde(default)]
    pub text: Option<String>,
    /// Maximum number of memories returned by `search` and `recent` (1..=100, default 10).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Tags: filter for `search`, attached on `store`. Templates allowed.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Where a pattern came from, for error messages and for `check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PatternSource {
    /// File path, or `<builtin>`.
    pub file: String,
    /// 1-based line of the `[[pattern]]` header.
    pub line: usize,
}

impl PatternSource {
    pub fn builtin(line: usize) -> Self {
        Self { file: "<builtin>".into(), line }
    }
}

impl fmt::Display for PatternSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A validated pattern, as the registry hands it to the router and the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PatternDefinition {
    /// `^[a-z0-9_]{1,64}$`, unique in the registry.
    pub name: String,
    #[serde(rename = "type")]
    pub pattern_type: PatternType,
    /// The regex the query is matched against. Empty for the route fallbacks,
    /// which are never matched, only chosen by the router.
    pub trigger: String,
    /// Higher is tried first; ties go to file order.
    pub priority: i32,
    /// The router's prior estimate of the result size in tokens.
    pub cost_tokens: u32,
    /// `None`: the tier TTLs apply (and side-effecting tools are not cached);
    /// `Some(0)`: never cached; `Some(n)`: at most `n` seconds, set explicitly.
    pub cache_ttl_s: Option<u64>,
    pub description: String,
    /// Least role an HTTP principal needs to execute this pattern.
    pub min_role: Option<Role>,
    pub tool: Option<ToolSpec>,
    pub memory: Option<MemorySpec>,
    /// Named captures of `trigger`, in order.
    pub captures: Vec<String>,
    pub source: PatternSource,
    /// True for the built-in patterns shipped in the binary.
    pub builtin: bool,
}

impl PatternDefinition {
    /// True when executing this pattern changes state (a memory write).
    pub fn writes_memory(&self) -> bool {
        self.memory.as_ref().is_some_and(|m| m.op == MemoryOp::Store)
    }

    /// True when the pattern's result depends on the memory of its namespace,
    /// so its cache key must carry the namespace generation.
    pub fn reads_memory(&self) -> bool {
        self.memory.as_ref().is_some_and(|m| m.op != MemoryOp::Store)
    }
}

/// Captures of one match: name → matched text (absent groups are omitted).
pub type Captures = BTreeMap<String, String>;
