//! The memory path: store, search and recent against a `MemoryStore`, a function of what it needs and nothing else.

use std::time::Instant;

use pattern_core::{
    Captures, ExecuteRequest, Memory, MemoryOp, NewMemory, PatternDefinition, SearchQuery,
};
use pattern_memory::MemoryStore;
use pattern_registry::template;
use serde_json::{Map, Value, json};

use crate::error::EngineError;

#[cfg(test)]
mod tests;

/// Memories returned when a pattern sets no `limit`.
const DEFAULT_LIMIT: u32 = 10;

/// What the memory side of a pattern did.
#[derive(Debug)]
pub(crate) enum MemoryOutcome {
    /// A memory was written, or (`replayed`) the one stored earlier under the
    /// same idempotency key was returned and nothing written.
    Stored { memory: Memory, replayed: bool },
    /// A search: the hits, best first, and the text searched for.
    Found { memories: Vec<Memory>, query: String },
    /// The newest memories, newest first.
    Recent { memories: Vec<Memory> },
}

impl MemoryOutcome {
    /// True when a memory was written now: recalls cached before it are stale.
    pub(crate) fn wrote(&self) -> bool {
        matches!(self, MemoryOutcome::Stored { replayed: false, .. })
    }

    /// What the execution's `metadata` learns: that a store was a replay.
    pub(crate) fn metadata(&self) -> Map<String, Value> {
        let mut metadata = Map::new();
        if matches!(self, MemoryOutcome::Stored { replayed: true, .. }) {
            metadata.insert("idempotent_replay".into(), Value::Bool(true));
        }
        metadata
    }

    /// The `result` the client sees.
    pub(crate) fn into_result(self, namespace: &str) -> Map<String, Value> {
        let value = match self {
            MemoryOutcome::Stored { memory, replayed: true } => {
                json!({"stored": memory, "namespace": namespace, "idempotent_replay": true})
            }
            MemoryOutcome::Stored { memory, replayed: false } => {
                json!({"stored": memory, "namespace": namespace})
            }
            MemoryOutcome::Found { memories, query } => {
                json!({"count": memories.len(), "memories": memories, "query": query})
            }
            MemoryOutcome::Recent { memories } => {
                json!({"count": memories.len(), "memories": memories})
            }
        };
        match value {
            Value::Object(map) => map,
            _ => unreachable!("json! of an object literal is an object"),
        }
    }
}

/// Runs the memory side of a memory or hybrid pattern against `store`.
/// Patterns without a `[pattern.memory]` table (hybrid file patterns may omit
/// it) search with the whole query.
pub(crate) async fn run(
    store: &dyn MemoryStore,
    pattern: &PatternDefinition,
    captures: &Captures,
    req: &ExecuteRequest,
) -> Result<MemoryOutcome, EngineError> {
    let (op, text_template, limit, tags) = match &pattern.memory {
        Some(spec) => (
            spec.op,
            spec.text.as_deref().unwrap_or("{query}"),
            spec.limit.unwrap_or(DEFAULT_LIMIT),
            spec.tags.as_slice(),
        ),
        None => (MemoryOp::Search, "{query}", DEFAULT_LIMIT, &[][..]),
    };
    let text = template::render(text_template, captures, &req.query).trim().to_owned();
    let mut tags: Vec<String> = tags
        .iter()
        .map(|t| template::render(t, captures, &req.query).trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let started = Instant::now();
    let outcome = match op {
        MemoryOp::Store => {
            if text.is_empty() {
                return Err(EngineError::EmptyText { op: "store" });
            }
            tags.extend(context_tags(req));
            let mut memory = NewMemory::new(req.namespace.clone(), text);
            memory.tags = tags;
            if let Some(importance) =
                req.context.as_ref().and_then(|c| c.get("importance")).and_then(Value::as_f64)
            {
                memory.importance = importance;
            }
            memory.metadata.insert("pattern".into(), json!(pattern.name));
            memory.idempotency_key.clone_from(&req.idempotency_key);
            let stored = store.store(memory).await?;
            MemoryOutcome::Stored { memory: stored.memory, replayed: stored.replayed }
        }
        MemoryOp::Search => {
            let query = SearchQuery {
                namespace: req.namespace.clone(),
                text: if text.is_empty() { req.query.clone() } else { text },
                limit: limit as usize,
                tags,
            };
            let searched = query.text.clone();
            MemoryOutcome::Found { memories: store.search(query).await?, query: searched }
        }
        MemoryOp::Recent => {
            // "last 5 memories": a `count` capture narrows the pattern's limit.
            let limit = captures
                .get("count")
                .and_then(|c| c.parse::<u32>().ok())
                .map_or(limit, |n| n.clamp(1, 100));
            MemoryOutcome::Recent { memories: store.recent(&req.namespace, limit as usize).await? }
        }
    };
    metrics::histogram!("pattern_memory_query_duration_seconds", "op" => op.as_str())
        .record(started.elapsed().as_secs_f64());
    Ok(outcome)
}

/// `context.tags`: extra tags a caller attaches to a stored memory.
fn context_tags(req: &ExecuteRequest) -> Vec<String> {
    req.context
        .as_ref()
        .and_then(|c| c.get("tags"))
        .and_then(Value::as_array)
        .map(|tags| tags.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}
