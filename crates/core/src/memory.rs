//! Memories: what the memory store keeps and how it is asked.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One stored memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Memory {
    pub id: i64,
    pub namespace: String,
    pub content: String,
    pub tags: Vec<String>,
    /// 0..1, how much the memory matters; ties in ranking go to the higher one.
    pub importance: f64,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Relevance of a search hit, 0..1: 1 for the best hit of the search, the
    /// others in proportion, on every backend; absent outside search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// A memory to be written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMemory {
    pub namespace: String,
    pub content: String,
    pub tags: Vec<String>,
    pub importance: f64,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The caller's name for this write (`execute_pattern`'s
    /// `idempotency_key`): a namespace stores a key once, and a store with a
    /// key already used there returns the memory first stored with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl NewMemory {
    pub fn new(namespace: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            content: content.into(),
            tags: Vec::new(),
            importance: 0.5,
            metadata: serde_json::Map::new(),
            idempotency_key: None,
        }
    }
}

/// A ranked search in one namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    pub namespace: String,
    /// Natural language; stop words are dropped and the remaining terms are
    /// OR-ed. Quoted phrases and `-term` are honoured.
    pub text: String,
    pub limit: usize,
    /// Only memories carrying all of these tags.
    pub tags: Vec<String>,
}

/// Cheap knowledge the router needs: does this namespace hold any memory?
///
/// Implementations answer from counters kept current on writes, never from a
/// count query per request.
pub trait MemoryAvailability: Send + Sync {
    fn has_memories(&self, namespace: &str) -> bool;
}

/// For tests and for routing without a store: nothing is stored anywhere.
impl MemoryAvailability for () {
    fn has_memories(&self, _namespace: &str) -> bool {
        false
    }
}
