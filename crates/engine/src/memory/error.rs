//! Errors of the memory stores: the failures a caller acts on.

/// A memory operation failed.
///
/// Messages name the backend and say what went wrong in words a user can act
/// on. They never carry a connection string, a file path, SQL or the user's
/// query: they may be shown to an MCP client as they are.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// The store cannot be reached or opened (database file not creatable,
    /// server down, worker stopped). Retrying later may help.
    #[error("memory store `{backend}` is unavailable: {reason}")]
    Unavailable { backend: &'static str, reason: String },
    /// The request breaks a rule (blank content, importance outside 0..1, a
    /// namespace outside `^[A-Za-z0-9_.-]{1,64}$`, an unsupported store URL).
    /// Retrying the same request fails the same way.
    #[error("invalid memory request: {0}")]
    InvalidInput(String),
    /// The store did not answer in time (for SQLite: another writer held the
    /// database lock longer than the busy timeout).
    #[error("memory store `{backend}` timed out")]
    Timeout { backend: &'static str },
    /// The store answered with an error this code does not expect.
    #[error("memory store `{backend}` failed: {reason}")]
    Internal { backend: &'static str, reason: String },
}

impl MemoryError {
    /// Fixed label for metrics (`reason` label values).
    pub fn reason(&self) -> &'static str {
        match self {
            MemoryError::Unavailable { .. } => "unavailable",
            MemoryError::InvalidInput(_) => "invalid_input",
            MemoryError::Timeout { .. } => "timeout",
            MemoryError::Internal { .. } => "internal",
        }
    }

    /// Whether the same request may succeed if tried again later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, MemoryError::Unavailable { .. } | MemoryError::Timeout { .. })
    }
}
