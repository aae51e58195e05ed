//! Cache keys: MD5 over an unambiguous canonical encoding of everything that makes two requests the same.

use std::fmt::{self, Write as _};
use std::ops::Deref;
use std::sync::Arc;

use pattern_core::ExecutionMode;
use serde_json::{Map, Value};

/// Principal of the stdio transport: the local user.
pub const LOCAL_PRINCIPAL: &str = "local";

/// Bumped whenever the encoding below changes, so that instances of two
/// releases sharing one Redis never read each other's entries under a key
/// that means something else.
const KEY_VERSION: &[u8] = b"pattern-cache/key/v1";

/// Everything that makes two requests "the same" (docs/CONTRACT.md §6).
///
/// Two requests that differ in any field get different keys; two that differ
/// only in the spelling of the query (case, surrounding or repeated
/// whitespace) or in the order of context keys get the same one.
#[derive(Debug, Clone, Copy)]
pub struct KeyParts<'a> {
    /// The query as the client sent it; normalized here (trimmed, lowercased,
    /// internal whitespace collapsed to one space).
    pub query: &'a str,
    pub mode: ExecutionMode,
    /// `None` and an empty object are the same request.
    pub context: Option<&'a Map<String, Value>>,
    /// Memory isolation unit: results of one namespace never answer another.
    pub namespace: &'a str,
    /// Who asked: a result computed with one principal's rights is never
    /// served to another. [`LOCAL_PRINCIPAL`] for stdio.
    pub principal: &'a str,
    /// Changes whenever the loaded patterns change, so a reload never serves
    /// a result of the old patterns.
    pub pattern_set_version: &'a str,
    /// Name of the pattern that runs.
    pub pattern: &'a str,
    /// Memory generation of the namespace, for patterns that read memory
    /// ([`pattern_core::PatternDefinition::reads_memory`]); `None` otherwise.
    pub generation: Option<u64>,
}

/// A cache key: the MD5 hex digest (32 lowercase digits) that names the
/// entry in every tier, and, for a key built with a memory generation, that
/// namespace and generation, so a strict lookup can check the generation is
/// still the current one (`cache/strict.rs`). It reads as its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    digest: String,
    reads: Option<Dependency>,
}

/// The memory generation of one namespace that a key was built with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dependency {
    pub(crate) namespace: Arc<str>,
    pub(crate) generation: u64,
}

impl CacheKey {
    pub fn as_str(&self) -> &str {
        &self.digest
    }
}

impl Deref for CacheKey {
    type Target = str;
    fn deref(&self) -> &str {
        &self.digest
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digest)
    }
}

impl From<CacheKey> for String {
    fn from(key: CacheKey) -> String {
        key.digest
    }
}

impl PartialEq<str> for CacheKey {
    fn eq(&self, other: &str) -> bool {
        self.digest == other
    }
}

impl PartialEq<&str> for CacheKey {
    fn eq(&self, other: &&str) -> bool {
        self.digest == *other
    }
}

impl PartialEq<String> for CacheKey {
    fn eq(&self, other: &String) -> bool {
        &self.digest == other
    }
}

/// A key as a lookup takes it: a [`CacheKey`] (which may depend on a
/// namespace's memory), or a plain digest or name, which depends on nothing.
#[derive(Debug, Clone, Copy)]
pub struct KeyRef<'a> {
    pub(crate) digest: &'a str,
    pub(crate) reads: Option<&'a Dependency>,
}

impl<'a> From<&'a CacheKey> for KeyRef<'a> {
    fn from(key: &'a CacheKey) -> Self {
        KeyRef { digest: &key.digest, reads: key.reads.as_ref() }
    }
}

impl<'a> From<&'a str> for KeyRef<'a> {
    fn from(digest: &'a str) -> Self {
        KeyRef { digest, reads: None }
    }
}

impl<'a> From<&'a String> for KeyRef<'a> {
    fn from(digest: &'a String) -> Self {
        KeyRef { digest, reads: None }
    }
}

/// The [`CacheKey`] of `parts`: MD5 hex of their canonical encoding, with
/// the namespace and generation when `parts.generation` is set.
///
/// The encoding is a version tag followed by each field as its byte length
/// (u64, little endian) and its bytes, so no two different field tuples can
/// produce the same input to the hash.
pub fn cache_key(parts: &KeyParts<'_>) -> CacheKey {
    // The whole encoding goes to MD5 in one call: one buffer costs less than
    // many small `consume` calls.
    let mut encoded = Vec::with_capacity(256 + parts.query.len());
    let mut scratch = String::with_capacity(parts.query.len() + 64);

    field(&mut encoded, KEY_VERSION);
    normalize_query_into(parts.query, &mut scratch);
    field(&mut encoded, scratch.as_bytes());
    field(&mut encoded, parts.mode.as_str().as_bytes());
    scratch.clear();
    if let Some(context) = parts.context {
        canonical_context_into(context, &mut scratch);
    }
    field(&mut encoded, scratch.as_bytes());
    field(&mut encoded, parts.namespace.as_bytes());
    field(&mut encoded, parts.principal.as_bytes());
    field(&mut encoded, parts.pattern_set_version.as_bytes());
    field(&mut encoded, parts.pattern.as_bytes());
    scratch.clear();
    if let Some(generation) = parts.generation {
        // Decimal digits are never empty, so `Some` never encodes like `None`.
        let _ = write!(scratch, "{generation}");
    }
    field(&mut encoded, scratch.as_bytes());

    let reads = parts
        .generation
        .map(|generation| Dependency { namespace: parts.namespace.into(), generation });
    CacheKey { digest: hex(&md5::compute(&encoded).0), reads }
}

/// The query as it enters the key: trimmed, lowercased, runs of whitespace
/// collapsed to one space.
pub fn normalize_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    normalize_query_into(query, &mut out);
    out
}

/// The context as it enters the key: compact JSON with object keys sorted at
/// every depth; the empty string for no context or an empty object.
pub fn canonical_context(context: Option<&Map<String, Value>>) -> String {
    let mut out = String::new();
    if let Some(context) = context {
        canonical_context_into(context, &mut out);
    }
    out
}

fn field(encoded: &mut Vec<u8>, bytes: &[u8]) {
    encoded.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    encoded.extend_from_slice(bytes);
}

/// Lowercase hex of `digest`.
fn hex(digest: &[u8; 16]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for byte in digest {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

fn normalize_query_into(query: &str, out: &mut String) {
    for (i, word) in query.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.is_ascii() {
            out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            // `str::to_lowercase` knows context rules (final sigma) that a
            // char-by-char mapping does not.
            out.push_str(&word.to_lowercase());
        }
    }
}

fn canonical_context_into(context: &Map<String, Value>, out: &mut String) {
    if !context.is_empty() {
        write_object(context, out);
    }
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

fn write_object(map: &Map<String, Value>, out: &mut String) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write_value(value, out);
    }
    out.push('}');
}

/// A JSON string literal, escaped as RFC 8259 requires.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
