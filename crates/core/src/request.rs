//! Tool inputs and their validation (docs/CONTRACT.md §3).
//!
//! The structs carry the JSON Schemas advertised in `tools/list`; the
//! `from_json` constructors enforce every rule with an [`InputError`] that
//! names the field, so a calling model can correct itself.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::InputError;
use crate::pattern::ExecutionMode;

/// Longest accepted query, in characters, after trimming.
pub const QUERY_MAX_CHARS: usize = 4096;
/// Largest accepted `context`, serialized, in bytes.
pub const CONTEXT_MAX_BYTES: usize = 16 * 1024;
/// Namespace used when the caller names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Input of `execute_pattern`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteRequest {
    /// The request in natural language (of control characters, only newline
    /// and tab).
    #[schemars(length(min = 1, max = 4096))]
    pub query: String,
    /// `fast` (tools only), `balanced` (the router decides) or
    /// `comprehensive` (tools and memory).
    #[serde(default)]
    pub execution_mode: ExecutionMode,
    /// At most 16 KiB: `arguments` (object) for the downstream tool, `tool`
    /// ("server.tool") to call, `tags` (strings) and `importance` (0 to 1)
    /// for a stored memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
    /// false skips the cache.
    #[serde(default = "default_true")]
    pub use_cache: bool,
    /// Memory isolation unit.
    #[serde(default = "default_namespace")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.-]{1,64}$"))]
    pub namespace: String,
    /// Retry a store with the same key: a key already used in the namespace
    /// returns the memory first stored instead of storing again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 128))]
    pub idempotency_key: Option<String>,
    /// true puts the router's whole decision in `routing`.
    #[serde(default)]
    pub explain: bool,
}

/// Input of `route_query`: what `execute_pattern` would do, without doing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteRequest {
    /// The request in natural language.
    #[schemars(length(min = 1, max = 4096))]
    pub query: String,
    /// As for execute_pattern.
    #[serde(default)]
    pub execution_mode: ExecutionMode,
    /// Whose memories the router considers.
    #[serde(default = "default_namespace")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.-]{1,64}$"))]
    pub namespace: String,
}

/// Input of `stats`: nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatsRequest {}

fn default_true() -> bool {
    true
}

fn default_namespace() -> String {
    DEFAULT_NAMESPACE.to_owned()
}

/// Longest accepted `idempotency_key`, in characters.
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 128;

const EXECUTE_FIELDS: &[&str] =
    &["query", "execution_mode", "context", "use_cache", "namespace", "idempotency_key", "explain"];
const ROUTE_FIELDS: &[&str] = &["query", "execution_mode", "namespace"];

impl ExecuteRequest {
    /// Validates raw tool arguments (absent arguments are `{}`).
    pub fn from_json(args: &Map<String, Value>) -> Result<Self, InputError> {
        reject_unknown(args, EXECUTE_FIELDS)?;
        Ok(Self {
            query: query(args)?,
            execution_mode: mode(args)?,
            context: context(args)?,
            use_cache: boolean(args, "use_cache", true)?,
            namespace: namespace(args)?,
            idempotency_key: idempotency_key(args)?,
            explain: boolean(args, "explain", false)?,
        })
    }

    /// A request with defaults everywhere but the query (for the CLI and tests).
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            execution_mode: ExecutionMode::default(),
            context: None,
            use_cache: true,
            namespace: default_namespace(),
            idempotency_key: None,
            explain: false,
        }
    }

    /// `context.arguments`, when given.
    pub fn context_arguments(&self) -> Option<&Map<String, Value>> {
        self.context.as_ref()?.get("arguments")?.as_object()
    }

    /// `context.tool` split into (server, tool), when given.
    pub fn context_tool(&self) -> Option<(&str, &str)> {
        self.context.as_ref()?.get("tool")?.as_str()?.split_once('.')
    }
}

impl RouteRequest {
    /// Validates raw tool arguments.
    pub fn from_json(args: &Map<String, Value>) -> Result<Self, InputError> {
        reject_unknown(args, ROUTE_FIELDS)?;
        Ok(Self { query: query(args)?, execution_mode: mode(args)?, namespace: namespace(args)? })
    }
}

impl StatsRequest {
    pub fn from_json(args: &Map<String, Value>) -> Result<Self, InputError> {
        reject_unknown(args, &[])?;
        Ok(Self {})
    }
}

fn reject_unknown(args: &Map<String, Value>, allowed: &[&str]) -> Result<(), InputError> {
    match args.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => {
            let name: String = k.chars().take(64).collect();
            let rule = if allowed.is_empty() {
                "unknown field; this tool takes no arguments".to_owned()
            } else {
                format!("unknown field; allowed fields are {}", allowed.join(", "))
            };
            Err(InputError::new(name, rule))
        }
    }
}

fn query(args: &Map<String, Value>) -> Result<String, InputError> {
    let raw = match args.get("query") {
        None | Some(Value::Null) => {
            return Err(InputError::new("query", "is required (a non-empty string)"));
        }
        Some(Value::String(s)) => s,
        Some(_) => return Err(InputError::new("query", "must be a string")),
    };
    let too_long =
        || InputError::new("query", format!("must be at most {QUERY_MAX_CHARS} characters"));
    // The limit is on the trimmed query, however much whitespace surrounds it
    // (trimming reads only that whitespace).
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(InputError::new("query", "must not be empty or only whitespace"));
    }
    // A char is at most 4 bytes: anything longer is refused before any scan.
    if trimmed.len() > QUERY_MAX_CHARS * 4 {
        return Err(too_long());
    }
    let mut chars = 0usize;
    for c in trimmed.chars() {
        chars += 1;
        if chars > QUERY_MAX_CHARS {
            return Err(too_long());
        }
        if c.is_control() && c != '\n' && c != '\t' {
            return Err(InputError::new(
                "query",
                format!(
                    "must not contain control characters other than newline and tab (found U+{:04X} at character {chars})",
                    c as u32
                ),
            ));
        }
    }
    Ok(trimmed.to_owned())
}

fn boolean(args: &Map<String, Value>, field: &str, default: bool) -> Result<bool, InputError> {
    match args.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(InputError::new(field, "must be a boolean")),
    }
}

fn idempotency_key(args: &Map<String, Value>) -> Result<Option<String>, InputError> {
    let rule = || {
        InputError::new(
            "idempotency_key",
            format!(
                "must be a string of 1 to {IDEMPOTENCY_KEY_MAX_CHARS} characters without control characters"
            ),
        )
    };
    match args.get("idempotency_key") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let chars = s.chars().count();
            if (1..=IDEMPOTENCY_KEY_MAX_CHARS).contains(&chars) && !s.chars().any(char::is_control)
            {
                Ok(Some(s.clone()))
            } else {
                Err(rule())
            }
        }
        Some(_) => Err(rule()),
    }
}

fn mode(args: &Map<String, Value>) -> Result<ExecutionMode, InputError> {
    match args.get("execution_mode") {
        None | Some(Value::Null) => Ok(ExecutionMode::default()),
        Some(Value::String(s)) => s.parse().map_err(|_| {
            InputError::new(
                "execution_mode",
                "must be one of \"fast\", \"balanced\", \"comprehensive\"",
            )
        }),
        Some(_) => Err(InputError::new(
            "execution_mode",
            "must be a string: one of \"fast\", \"balanced\", \"comprehensive\"",
        )),
    }
}

fn context(args: &Map<String, Value>) -> Result<Option<Map<String, Value>>, InputError> {
    let ctx = match args.get("context") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(InputError::new("context", "must be an object")),
    };
    let size = serde_json::to_vec(ctx).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > CONTEXT_MAX_BYTES {
        return Err(InputError::new(
            "context",
            format!("must be at most {CONTEXT_MAX_BYTES} bytes serialized (got {size})"),
        ));
    }
    match ctx.get("arguments") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err(InputError::new("context.arguments", "must be an object")),
    }
    match ctx.get("tool") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            let ok = s.split_once('.').is_some_and(|(server, tool)| {
                !server.is_empty() && !tool.is_empty() && s.len() <= 256
            });
            if !ok {
                return Err(InputError::new(
                    "context.tool",
                    "must name a downstream tool as \"server.tool\"",
                ));
            }
        }
        Some(_) => {
            return Err(InputError::new(
                "context.tool",
                "must be a string naming a downstream tool as \"server.tool\"",
            ));
        }
    }
    match ctx.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(tags))
            if tags.len() <= 32
                && tags
                    .iter()
                    .all(|t| t.as_str().is_some_and(|s| (1..=64).contains(&s.chars().count()))) => {
        }
        Some(_) => {
            return Err(InputError::new(
                "context.tags",
                "must be an array of at most 32 strings of 1 to 64 characters",
            ));
        }
    }
    match ctx.get("importance") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) if n.as_f64().is_some_and(|x| (0.0..=1.0).contains(&x)) => {}
        Some(_) => {
            return Err(InputError::new("context.importance", "must be a number from 0 to 1"));
        }
    }
    Ok(Some(ctx.clone()))
}

fn namespace(args: &Map<String, Value>) -> Result<String, InputError> {
    match args.get("namespace") {
        None | Some(Value::Null) => Ok(default_namespace()),
        Some(Value::String(s)) => validate_namespace(s).map(|()| s.clone()),
        Some(_) => {
            Err(InputError::new("namespace", "must be a string matching ^[A-Za-z0-9_.-]{1,64}$"))
        }
    }
}

/// Checks `^[A-Za-z0-9_.-]{1,64}$`.
pub fn validate_namespace(ns: &str) -> Result<(), InputError> {
    let ok = (1..=64).contains(&ns.len())
        && ns.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            "namespace",
            "must match ^[A-Za-z0-9_.-]{1,64}$ (1 to 64 letters, digits, `_`, `.` or `-`)",
        ))
    }
}

#[cfg(test)]
mod tests;
