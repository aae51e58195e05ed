//! PatternExecutionEngine of pattern-mcp: the request flow from match to result.
//!
//! [`Engine::execute`] matches the query (`pattern-registry`), routes it
//! (`pattern-router`), answers repeats from the cache (`pattern-cache`) and
//! otherwise runs the pattern's path: memory ([`pattern_memory::MemoryStore`]),
//! infrastructure, or both at once (hybrid). It counts the result's tokens,
//! records stats and metrics, and writes one log line per execution.
//!
//! Downstream MCP servers are reached through
//! [`pattern_downstream::DownstreamPool`], one long-lived rmcp client session
//! per configured server.
//!
//! **Invariant:** the engine knows MCP only as a client of downstream servers:
//! it never serves MCP and knows no server-side type of it.

mod engine;
mod error;
mod path;
mod principal;
mod stats;
mod tokens;

pub use engine::{Engine, EngineConfig, Timeouts};
pub use error::EngineError;
pub use principal::Principal;
pub use tokens::TokenCounter;
