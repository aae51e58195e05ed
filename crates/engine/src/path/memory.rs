//! The memory path: store, search and recent against the memory store.

use std::time::Instant;

use pattern_core::{ExecuteRequest, MemoryOp, NewMemory, SearchQuery};
use pattern_registry::template;
use serde_json::{Map, Value, json};

use crate::engine::{Engine, Plan};
use crate::error::EngineError;

/// Memories returned when a pattern sets no `limit`.
const DEFAULT_LIMIT: u32 = 10;

impl Engine {
    /// Runs the memory side of a memory or hybrid pattern. Patterns without a
    /// `[pattern.memory]` table (hybrid file patterns may omit it) search with
    /// the whole query.
    pub(crate) async fn run_memory(
        &self,
        plan: &Plan,
        req: &ExecuteRequest,
    ) -> Result<Map<String, Value>, EngineError> {
        let (op, text_template, limit, tags) = match &plan.pattern.memory {
            Some(spec) => (
                spec.op,
                spec.text.as_deref().unwrap_or("{query}"),
                spec.limit.unwrap_or(DEFAULT_LIMIT),
                spec.tags.as_slice(),
            ),
            None => (MemoryOp::Search, "{query}", DEFAULT_LIMIT, &[][..]),
        };
        let text = template::render(text_template, &plan.captures, &req.query).trim().to_owned();
        let mut tags: Vec<String> = tags
            .iter()
            .map(|t| template::render(t, &plan.captures, &req.query).trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        let started = Instant::now();
        let result = match op {
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
                memory.metadata.insert("pattern".into(), json!(plan.pattern.name));
                memory.idempotency_key.clone_from(&req.idempotency_key);
                let stored = self.store().store(memory).await?;
                if stored.replayed {
                    json!({"stored": stored.memory, "namespace": req.namespace, "idempotent_replay": true})
                } else {
                    // Every recall cached before this write now has a stale key.
                    self.cache().bump_generation(&req.namespace);
                    json!({"stored": stored.memory, "namespace": req.namespace})
                }
            }
            MemoryOp::Search => {
                let query = SearchQuery {
                    namespace: req.namespace.clone(),
                    text: if text.is_empty() { req.query.clone() } else { text },
                    limit: limit as usize,
                    tags,
                };
                let search_text = query.text.clone();
                let found = self.store().search(query).await?;
                json!({"count": found.len(), "memories": found, "query": search_text})
            }
            MemoryOp::Recent => {
                // "last 5 memories": a `count` capture narrows the pattern's limit.
                let limit = plan
                    .captures
                    .get("count")
                    .and_then(|c| c.parse::<u32>().ok())
                    .map_or(limit, |n| n.clamp(1, 100));
                let found = self.store().recent(&req.namespace, limit as usize).await?;
                json!({"count": found.len(), "memories": found})
            }
        };
        metrics::histogram!("pattern_memory_query_duration_seconds", "op" => op.as_str())
            .record(started.elapsed().as_secs_f64());
        match result {
            Value::Object(map) => Ok(map),
            _ => unreachable!("json! of an object literal is an object"),
        }
    }

    /// What a memory result tells the execution's `metadata`: that a store
    /// answered with the memory stored earlier under the same idempotency key.
    pub(crate) fn memory_metadata(result: &Map<String, Value>) -> Map<String, Value> {
        let mut metadata = Map::new();
        if result.get("idempotent_replay") == Some(&Value::Bool(true)) {
            metadata.insert("idempotent_replay".into(), Value::Bool(true));
        }
        metadata
    }
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
