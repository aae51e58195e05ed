//! The JSON-RPC front check shared by the transports: one message's bytes in, either the
//! rmcp message or the error reply (right code, the request's own id) out.
//!
//! rmcp drops a line it cannot parse, and answers a known method with bad
//! parameters as "method not found". This module decides instead, without any
//! I/O: a valid message is parsed once by serde_json (the hot path; a
//! `tools/call` in its plain shape can be parsed more cheaply still, by
//! [`plain_call`], which the HTTP transport tries first); only a refused one
//! goes through the byte scanner ([`scan`]) and a
//! [`serde_json::Value`] to say why, and with which id.

mod params;
pub mod scan;

use rmcp::model::{
    CallToolRequestMethod, CallToolRequestParams, ClientJsonRpcMessage, ClientRequest,
    JsonRpcVersion2_0, RequestId,
};
use serde::Deserialize;
use serde_json::Value;

use scan::{IdKind, Top};

/// JSON-RPC 2.0 error codes this check answers with.
pub const PARSE_ERROR: i32 = -32700;
pub const INVALID_REQUEST: i32 = -32600;
pub const INVALID_PARAMS: i32 = -32602;

/// Why a message was refused, and whom to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    code: i32,
    message: String,
    to: ReplyTo,
}

/// Where the error reply goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyTo {
    /// The request's id, as the JSON token the client sent (a 2^64 id stays 2^64).
    Id(String),
    /// `"id": null`: the id was missing from a broken message, or unusable.
    Null,
    /// No reply: the message was a notification or a response.
    Nobody,
}

impl Rejection {
    pub fn new(code: i32, message: impl Into<String>, to: ReplyTo) -> Self {
        Rejection { code, message: message.into(), to }
    }

    /// A rejection of a request the check accepted (a session rule refused it).
    pub fn for_request(id: &RequestId, code: i32, message: impl Into<String>) -> Self {
        let token = serde_json::to_string(id).unwrap_or_else(|_| "null".to_owned());
        Rejection::new(code, message, ReplyTo::Id(token))
    }

    pub fn code(&self) -> i32 {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn reply_to(&self) -> &ReplyTo {
        &self.to
    }

    /// The id as it goes into the reply and the log (`null` when there is none).
    pub fn id_text(&self) -> &str {
        match &self.to {
            ReplyTo::Id(token) => token,
            ReplyTo::Null | ReplyTo::Nobody => "null",
        }
    }

    /// The JSON-RPC error response (one line, no newline), or `None` when the
    /// refused message must not be answered.
    pub fn reply(&self) -> Option<String> {
        if self.to == ReplyTo::Nobody {
            return None;
        }
        let message = Value::String(self.message.clone());
        Some(format!(
            r#"{{"jsonrpc":"2.0","id":{},"error":{{"code":{},"message":{message}}}}}"#,
            self.id_text(),
            self.code
        ))
    }
}

/// Checks one message (a line without its newline; a UTF-8 byte order mark
/// and a trailing `\r` are ignored).
pub fn check(line: &[u8]) -> Result<ClientJsonRpcMessage, Rejection> {
    let line = trim(line);
    match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
        Ok(message) => accepted(message),
        Err(error) => Err(diagnose(line, &error)),
    }
}

/// A `tools/call` request parsed by [`plain_call`]: its id and parameters,
/// `_meta` included.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    #[serde(rename = "jsonrpc")]
    _jsonrpc: JsonRpcVersion2_0,
    pub id: RequestId,
    #[serde(rename = "method")]
    _method: CallToolRequestMethod,
    pub params: CallToolRequestParams,
}

/// The message when it is a `tools/call` request in the shape clients send
/// it: `jsonrpc`, `id`, `method` and `params`, no other member, each of the
/// type rmcp's message has there. `None` for anything else, which [`check`]
/// then takes.
///
/// [`check`] accepts every message this accepts, as the same request (rmcp
/// keeps the parameters' `_meta` beside them rather than in them): this is
/// only its cheaper way for the commonest message. [`check`] parses rmcp's
/// message, an untagged enum of every request, notification and response,
/// which serde buffers and then tries variant by variant; that was an eighth
/// of the CPU a cached call cost over HTTP (docs/PERFORMANCE.md, *The call
/// parsed as one struct*). This parses one plain struct.
pub fn plain_call(line: &[u8]) -> Option<Call> {
    serde_json::from_slice(line).ok()
}

/// The refusal of a message longer than the transport takes: `prefix` is what
/// was kept of it, scanned for an id to answer.
pub fn too_long(prefix: &[u8], limit: usize) -> Rejection {
    let found = scan::scan(trim(prefix));
    let to = found.id.as_ref().map_or(ReplyTo::Null, |id| reply_to(prefix, id));
    Rejection::new(INVALID_REQUEST, format!("message is longer than the {limit}-byte limit"), to)
}

fn trim(line: &[u8]) -> &[u8] {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// rmcp parses a known method whose params do not fit as a custom request,
/// which it would answer "method not found": catch those here.
fn accepted(message: ClientJsonRpcMessage) -> Result<ClientJsonRpcMessage, Rejection> {
    if let ClientJsonRpcMessage::Request(request) = &message
        && let ClientRequest::CustomRequest(custom) = &request.request
    {
        let to = || {
            ReplyTo::Id(serde_json::to_string(&request.id).unwrap_or_else(|_| "null".to_owned()))
        };
        if let Some((code, why)) = params_problem(&custom.method, custom.params.as_ref()) {
            return Err(Rejection::new(code, why, to()));
        }
    }
    Ok(message)
}

/// What is wrong with `params` for `method`, if anything this check knows.
fn params_problem(method: &str, params: Option<&Value>) -> Option<(i32, String)> {
    match params {
        None | Some(Value::Object(_)) => {}
        Some(Value::Array(_)) => {
            return Some((INVALID_PARAMS, "params must be an object (named parameters)".into()));
        }
        Some(_) => {
            return Some((INVALID_REQUEST, "params must be an object when present".into()));
        }
    }
    params::problem(method, params).map(|why| (INVALID_PARAMS, why))
}

/// Explains a message serde_json (or rmcp's model) refused.
fn diagnose(line: &[u8], error: &serde_json::Error) -> Rejection {
    let found = scan::scan(line);
    let id_to = found.id.as_ref().map_or(ReplyTo::Null, |id| reply_to(line, id));
    if let Some(fatal) = &found.fatal {
        let message = format!("Parse error: {} at byte {}", fatal.reason, fatal.at);
        return Rejection::new(PARSE_ERROR, message, id_to);
    }
    // A notification is never answered, even when broken; a line that is not
    // an object (a bare string with a lone surrogate) is no notification.
    let silent = |to: ReplyTo| {
        if found.has_id_key || found.top != Top::Object { to } else { ReplyTo::Nobody }
    };
    if let Some(problem) = &found.problem {
        let (code, what) = if problem.reason.starts_with("nesting") {
            (INVALID_REQUEST, "Invalid Request")
        } else {
            (PARSE_ERROR, "Parse error")
        };
        let message = format!("{what}: {} at byte {}", problem.reason, problem.at);
        return Rejection::new(code, message, silent(id_to));
    }
    match found.top {
        Top::Object => {}
        Top::Array => {
            return Rejection::new(
                INVALID_REQUEST,
                "batches are not supported: send one JSON-RPC object per line",
                ReplyTo::Null,
            );
        }
        Top::Scalar | Top::Nothing => {
            return Rejection::new(
                INVALID_REQUEST,
                "a message must be a JSON-RPC object",
                ReplyTo::Null,
            );
        }
    }
    let object = match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(object)) => object,
        // The scanner and serde_json agree on what JSON is; this is a fallback only.
        _ => return Rejection::new(PARSE_ERROR, format!("Parse error: {error}"), id_to),
    };
    let is_request = object.contains_key("id");
    let to = if is_request { id_to } else { ReplyTo::Nobody };
    let invalid = |why: String| Rejection::new(INVALID_REQUEST, why, to.clone());
    if object.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return invalid(r#"Invalid Request: "jsonrpc" must be "2.0""#.into());
    }
    if let Some(why) = found.id.as_ref().and_then(|id| id_problem(line, id)) {
        let to = if matches!(found.id.as_ref().map(|i| i.kind), Some(IdKind::Other)) {
            ReplyTo::Null
        } else {
            to.clone()
        };
        return Rejection::new(INVALID_REQUEST, why, to);
    }
    let method = match object.get("method") {
        Some(Value::String(method)) => Some(method.as_str()),
        Some(_) => return invalid("Invalid Request: \"method\" must be a string".into()),
        None => None,
    };
    let has_outcome = object.contains_key("result") || object.contains_key("error");
    match (method, has_outcome) {
        (Some(_), true) => {
            return invalid(
                "Invalid Request: a message has either a method or a result/error, not both".into(),
            );
        }
        // A response the client sent that rmcp cannot read: never answered.
        (None, true) => {
            return Rejection::new(
                INVALID_REQUEST,
                format!("unreadable response: {error}"),
                ReplyTo::Nobody,
            );
        }
        (None, false) => {
            return invalid("Invalid Request: a request needs a \"method\"".into());
        }
        (Some(_), false) => {}
    }
    if let Some(method) = method
        && let Some((code, why)) = params_problem(method, object.get("params"))
    {
        return Rejection::new(code, why, to);
    }
    invalid(format!("Invalid Request: {error}"))
}

/// Whether the id token can be used, and why not.
fn id_problem(line: &[u8], id: &scan::IdToken) -> Option<String> {
    let text = String::from_utf8_lossy(&line[id.span.clone()]);
    match id.kind {
        IdKind::String => None,
        IdKind::Integer => text.parse::<i64>().is_err().then(|| {
            format!(
                "Invalid Request: request id {text} is out of range (integers must fit in 64 \
                 signed bits; use a string id for larger values)"
            )
        }),
        IdKind::Number => {
            Some(format!("Invalid Request: request id {text} must be a string or an integer"))
        }
        IdKind::Null => Some("Invalid Request: request id must not be null".into()),
        IdKind::Other => Some("Invalid Request: request id must be a string or an integer".into()),
    }
}

/// The reply target for an id token: the exact token when it is a string or a
/// number in valid UTF-8, `null` otherwise.
fn reply_to(line: &[u8], id: &scan::IdToken) -> ReplyTo {
    match id.kind {
        IdKind::String | IdKind::Integer | IdKind::Number => {
            match std::str::from_utf8(&line[id.span.clone()]) {
                Ok(token) => ReplyTo::Id(token.to_owned()),
                Err(_) => ReplyTo::Null,
            }
        }
        IdKind::Null | IdKind::Other => ReplyTo::Null,
    }
}

#[cfg(test)]
mod tests;
