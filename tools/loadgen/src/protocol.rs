//! What both transports share: the protocol versions, the messages loadgen sends, and how an answer is classified.

use serde_json::{Value, json};

/// The protocol revision of sessions (stdio and the HTTP session wire).
pub const SESSION_VERSION: &str = "2025-06-18";
/// The protocol revision of the stateless HTTP wire.
pub const STATELESS_VERSION: &str = "2026-07-28";

/// How one call ended.
#[derive(Debug)]
pub enum Outcome {
    /// A result that is not an error; its `structuredContent` (the `ExecutionResult`).
    Ok(Value),
    /// `isError: true`: the `ExecutionResult` when there is one (an invalid
    /// argument is a tool error with text only).
    Tool(Option<Value>),
    /// A JSON-RPC error answer, with its code.
    JsonRpc(i64),
    /// No answer: the connection, the process or the HTTP exchange failed; a
    /// short label (`connect`, `http_503`, `exited`, `malformed`…).
    Transport(String),
    /// No answer within the timeout.
    Timeout,
}

impl Outcome {
    /// The `ExecutionResult`, if the call produced one.
    pub fn result(&self) -> Option<&Value> {
        match self {
            Outcome::Ok(value) => Some(value),
            Outcome::Tool(value) => value.as_ref(),
            _ => None,
        }
    }

    /// Whether the call succeeded, for seeding: a result with `success: true`.
    pub fn succeeded(&self) -> bool {
        matches!(self, Outcome::Ok(v) if v.get("success") != Some(&Value::Bool(false)))
    }
}

/// The outcome a JSON-RPC answer to `tools/call` stands for.
pub fn classify(message: &Value) -> Outcome {
    if let Some(error) = message.get("error") {
        return Outcome::JsonRpc(error.get("code").and_then(Value::as_i64).unwrap_or(0));
    }
    let Some(result) = message.get("result") else { return Outcome::Transport("malformed".into()) };
    let structured = result.get("structuredContent").cloned().or_else(|| {
        // The same JSON is in the first text block.
        let text = result.get("content")?.get(0)?.get("text")?.as_str()?;
        serde_json::from_str::<Value>(text).ok().filter(Value::is_object)
    });
    if result.get("isError") == Some(&Value::Bool(true)) {
        Outcome::Tool(structured)
    } else {
        match structured {
            Some(value) => Outcome::Ok(value),
            None => Outcome::Transport("malformed".into()),
        }
    }
}

/// The `tools/call` params of an `execute_pattern` call.
pub fn call_params(arguments: Value) -> Value {
    json!({"name": "execute_pattern", "arguments": arguments})
}

/// The `initialize` params loadgen sends.
pub fn initialize_params() -> Value {
    json!({
        "protocolVersion": SESSION_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "pattern-loadgen", "version": env!("CARGO_PKG_VERSION")}
    })
}

#[cfg(test)]
mod tests;
