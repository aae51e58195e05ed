//! The rules every memory store applies to its input before touching storage.

use pattern_core::{Memory, NewMemory, SearchQuery, validate_namespace};

use super::{MemoryError, Stored};

/// Largest memory content accepted, in bytes.
pub const MAX_CONTENT_BYTES: usize = 1024 * 1024;

/// Longest idempotency key accepted, in characters (as `execute_pattern`
/// accepts it).
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 128;

/// Largest number of results a search or `recent` returns, whatever the
/// caller asks.
pub const MAX_LIMIT: usize = 1000;

/// Checks a memory to be written; tags come back without duplicates.
pub fn new_memory(mut memory: NewMemory) -> Result<NewMemory, MemoryError> {
    namespace(&memory.namespace)?;
    if memory.content.trim().is_empty() {
        return Err(MemoryError::InvalidInput("memory content must not be empty".into()));
    }
    if memory.content.len() > MAX_CONTENT_BYTES {
        return Err(MemoryError::InvalidInput(format!(
            "memory content must be at most {MAX_CONTENT_BYTES} bytes (got {})",
            memory.content.len()
        )));
    }
    if !(0.0..=1.0).contains(&memory.importance) {
        return Err(MemoryError::InvalidInput(
            "memory importance must be a number from 0 to 1".into(),
        ));
    }
    if memory.tags.iter().any(|t| t.trim().is_empty()) {
        return Err(MemoryError::InvalidInput("memory tags must not be empty strings".into()));
    }
    if let Some(key) = &memory.idempotency_key {
        let chars = key.chars().count();
        if !(1..=IDEMPOTENCY_KEY_MAX_CHARS).contains(&chars) || key.chars().any(char::is_control) {
            return Err(MemoryError::InvalidInput(format!(
                "idempotency_key must be 1 to {IDEMPOTENCY_KEY_MAX_CHARS} characters without control characters"
            )));
        }
    }
    memory.tags = unique(memory.tags);
    Ok(memory)
}

/// Checks the memories of a batch write, which never replays: each one is
/// written anew, so none may carry an idempotency key.
pub fn new_batch(memories: Vec<NewMemory>) -> Result<Vec<NewMemory>, MemoryError> {
    if memories.iter().any(|m| m.idempotency_key.is_some()) {
        return Err(MemoryError::InvalidInput(
            "a batch write takes no idempotency_key: store keyed memories one at a time".into(),
        ));
    }
    memories.into_iter().map(new_memory).collect()
}

/// The answer of a write whose content may have been stored before under
/// the same key: the earlier memory, unless its content differs.
pub fn replayed(new: &NewMemory, earlier: Memory) -> Result<Stored, MemoryError> {
    if earlier.content != new.content {
        return Err(MemoryError::IdempotencyConflict {
            namespace: earlier.namespace,
            id: earlier.id,
        });
    }
    Ok(Stored { memory: earlier, replayed: true })
}

/// Checks a search and bounds its limit; `None` when it asks for no results.
pub fn search_query(mut query: SearchQuery) -> Result<Option<SearchQuery>, MemoryError> {
    namespace(&query.namespace)?;
    query.limit = limit(query.limit);
    Ok((query.limit > 0).then_some(query))
}

/// The memory a write of one returned.
pub fn stored_one<T>(backend: &'static str, mut stored: Vec<T>) -> Result<T, MemoryError> {
    stored.pop().ok_or_else(|| MemoryError::Internal {
        backend,
        reason: "the memory was not written".into(),
    })
}

/// Checks a namespace against `^[A-Za-z0-9_.-]{1,64}$`.
pub fn namespace(namespace: &str) -> Result<(), MemoryError> {
    validate_namespace(namespace).map_err(|e| MemoryError::InvalidInput(e.to_string()))
}

/// The number of results to return: at most [`MAX_LIMIT`].
pub fn limit(limit: usize) -> usize {
    limit.min(MAX_LIMIT)
}

/// `items` in their first-seen order, each once.
pub fn unique(items: Vec<String>) -> Vec<String> {
    let mut seen = Vec::with_capacity(items.len());
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

#[cfg(test)]
mod tests;
