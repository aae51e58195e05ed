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
    /// A write was sent, then the answer was lost (connection dropped, no
    /// answer in time): the memory may or may not be stored. `keyed` says
    /// whether the write carried an idempotency key, which makes a retry
    /// with the same key safe.
    #[error("{}", outcome_unknown_text(backend, reason, *keyed))]
    OutcomeUnknown { backend: &'static str, reason: String, keyed: bool },
    /// The idempotency key was already used in the namespace for a memory
    /// with other content: the key names that write, not this one.
    #[error(
        "idempotency_key already used in namespace `{namespace}` for a memory with different content (id {id}); use a new key for a new memory"
    )]
    IdempotencyConflict { namespace: String, id: i64 },
}

fn outcome_unknown_text(backend: &str, reason: &str, keyed: bool) -> String {
    let advice = if keyed {
        "retry with the same idempotency_key: the memory is stored at most once, and the retry returns it"
    } else {
        "it may or may not have been stored; search before writing it again, and send an idempotency_key to make retries safe"
    };
    format!(
        "memory store `{backend}` lost the answer to a write ({reason}), so its outcome is unknown: {advice}"
    )
}

impl MemoryError {
    /// Fixed label for metrics (`reason` label values).
    pub fn reason(&self) -> &'static str {
        match self {
            MemoryError::Unavailable { .. } => "unavailable",
            MemoryError::InvalidInput(_) => "invalid_input",
            MemoryError::Timeout { .. } => "timeout",
            MemoryError::Internal { .. } => "internal",
            MemoryError::OutcomeUnknown { .. } => "outcome_unknown",
            MemoryError::IdempotencyConflict { .. } => "idempotency_conflict",
        }
    }

    /// Whether the same request may succeed if tried again later, and may
    /// safely be: a write of unknown outcome only when it carried a key.
    pub fn is_retryable(&self) -> bool {
        match self {
            MemoryError::Unavailable { .. } | MemoryError::Timeout { .. } => true,
            MemoryError::OutcomeUnknown { keyed, .. } => *keyed,
            _ => false,
        }
    }
}
