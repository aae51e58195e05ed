//! The value the cache keeps for one successful execution, typed: the tiers hold it, Redis stores its JSON.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What every answer served from one cache entry shares: the client-visible
/// `result`, the facts the execution added to `metadata`, and the token
/// count of the answer text they make, counted once when the entry was made.
///
/// Redis stores it as JSON (`src/redis/codec.rs`); a change to this shape
/// moves the key version (`key.rs`), so no instance reads an entry written
/// in another shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CachedResult {
    pub result: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    /// The tokens of the part of the answer text that is the same in every
    /// answer from this entry; `None` when nobody counted it.
    #[serde(default, rename = "stable_text_tokens", skip_serializing_if = "Option::is_none")]
    pub counted: Option<CountedText>,
}

impl CachedResult {
    /// An entry of `result` alone.
    pub fn new(result: Map<String, Value>) -> Self {
        Self { result, ..Self::default() }
    }
}

/// A text whose token count is known: its length in bytes and its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedText {
    pub bytes: usize,
    pub tokens: u64,
}
