//! PatternExecutionEngine of pattern-mcp: the request flow from match to result.
//!
//! [`Engine::execute`] matches the query (`pattern-registry`), routes it
//! (`pattern-router`), answers repeats from the cache (`pattern-cache`) and
//! otherwise runs the pattern's path: memory ([`memory::MemoryStore`]),
//! infrastructure, or both at once (hybrid). It counts the result's tokens,
//! records stats and metrics, and writes one log line per execution.
//!
//! **Invariant:** the engine knows no MCP server type, JSON-RPC framing or HTTP.

mod engine;
mod error;
pub mod memory;
mod path;
mod principal;
mod stats;
mod tokens;

pub use engine::{Engine, EngineConfig, Timeouts};
pub use error::EngineError;
pub use principal::Principal;
pub use tokens::TokenCounter;
