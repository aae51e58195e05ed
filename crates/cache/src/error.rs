//! Errors of this crate: failures of a shared cache tier, which callers degrade around, and settings it cannot start with.

use std::time::Duration;

/// A shared (L2) tier could not answer. The cache never fails a request for
/// this: it counts the error, logs it and carries on as a miss.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// The tier is not reachable right now (connection refused, reconnecting).
    #[error("shared cache tier unavailable: {0}")]
    Unavailable(String),
    /// The tier did not answer within `CacheConfig::shared_timeout`.
    #[error("shared cache tier did not answer within {0:?}")]
    Timeout(Duration),
    /// The tier answered with bytes that are not a cached value.
    #[error("cached value could not be decoded: {0}")]
    Codec(String),
    /// The shared tier cannot be built from its settings (bad URL, CA file).
    #[error("invalid shared cache tier settings: {0}")]
    InvalidConfig(String),
}

impl CacheError {
    /// Fixed label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            CacheError::Unavailable(_) => "unavailable",
            CacheError::Timeout(_) => "timeout",
            CacheError::Codec(_) => "codec",
            CacheError::InvalidConfig(_) => "config",
        }
    }

    /// True when trying again later may succeed; a codec error will not.
    pub fn is_retryable(&self) -> bool {
        matches!(self, CacheError::Unavailable(_) | CacheError::Timeout(_))
    }
}
