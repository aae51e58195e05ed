//! Errors of an execution: what failed, as a caller can act on it.

use std::sync::Arc;
use std::time::Duration;

use pattern_core::Role;

use pattern_downstream::DownstreamError;
use pattern_memory::MemoryError;

/// Why an execution failed. The `Display` text is what the client reads in
/// `ExecutionResult.error`: it names the component and never carries
/// connection strings, SQL or paths.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    /// A memory store failure, kept whole: its `reason()` and
    /// `is_retryable()` are the store's own (shared, so results can be cloned).
    #[error("memory store: {0}")]
    Memory(Arc<MemoryError>),
    #[error("execution timed out after {} ms ({mode} mode)", .after.as_millis())]
    Timeout { mode: &'static str, after: Duration },
    #[error(
        "no downstream MCP server named `{server}` is configured (configure it under [servers.{server}] or with --servers)"
    )]
    NoServer { server: String },
    #[error(
        "no downstream MCP servers are configured, so no tool can be called; add [servers.NAME] to the config or pass --servers FILE"
    )]
    NoDownstream,
    /// Balanced mode, no pattern matched, and neither side can answer.
    #[error(
        "{} and namespace `{namespace}` holds no memories, so nothing can answer: add a server with --servers FILE or [servers.NAME] in the config, or store something first (\"remember that …\")",
        if *.configured { "none of the configured downstream MCP servers is connected" } else { "no downstream MCP server is configured" }
    )]
    NothingToAnswer { namespace: String, configured: bool },
    #[error(
        "the query holds no word to act on or look for, and namespace `{namespace}` holds no memories: nothing to do; ask a question or give an instruction"
    )]
    NoContent { namespace: String },
    #[error("`call_tool` needs a tool named as \"server.tool\" in the query or in context.tool")]
    NoToolNamed,
    #[error("pattern `{pattern}` requires role `{}` or higher; this principal has `{}`", .required.as_str(), .actual.as_str())]
    Forbidden { pattern: String, required: Role, actual: Role },
    #[error("this principal may not use namespace `{namespace}`")]
    NamespaceForbidden { namespace: String },
    #[error("the rendered memory text is empty; nothing to {op}")]
    EmptyText { op: &'static str },
    /// A downstream call failed; the text names the server, the tool and,
    /// for invalid arguments, the field.
    #[error(transparent)]
    Downstream(DownstreamError),
}

impl EngineError {
    /// Fixed label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            EngineError::Memory(e) => e.reason(),
            EngineError::Timeout { .. } => "timeout",
            EngineError::NoServer { .. } => "no_server",
            EngineError::NoDownstream => "no_downstream",
            EngineError::NothingToAnswer { .. } => "nothing_to_answer",
            EngineError::NoContent { .. } => "no_content",
            EngineError::NoToolNamed => "no_tool_named",
            EngineError::Forbidden { .. } | EngineError::NamespaceForbidden { .. } => "forbidden",
            EngineError::EmptyText { .. } => "empty_text",
            EngineError::Downstream(e) => e.reason(),
        }
    }

    /// True when the same request may succeed if retried later.
    pub fn is_retryable(&self) -> bool {
        match self {
            EngineError::Downstream(e) => e.is_retryable(),
            EngineError::Memory(e) => e.is_retryable(),
            _ => matches!(
                self,
                EngineError::Timeout { .. }
                    // A configured server may connect in a moment.
                    | EngineError::NothingToAnswer { configured: true, .. }
            ),
        }
    }
}

impl From<MemoryError> for EngineError {
    fn from(e: MemoryError) -> Self {
        EngineError::Memory(Arc::new(e))
    }
}

impl From<DownstreamError> for EngineError {
    /// An unknown server is the engine's own `NoServer` (same text whether or
    /// not any server is configured), so `Downstream` never holds one.
    fn from(e: DownstreamError) -> Self {
        match e {
            DownstreamError::UnknownServer { server } => EngineError::NoServer { server },
            other => EngineError::Downstream(other),
        }
    }
}
