//! Cached `execute_pattern` calls of a Streamable HTTP session, answered on the request's own task.
//!
//! rmcp hands every POST of a session to the session's worker task, which
//! hands the call to a handler task and carries the answer back through
//! channels to the request's stream. For a call answered from this
//! process's cache tier those hand-offs are most of the cost: under load,
//! `perf` showed the server in context switches and futex wake-ups far
//! more than in the call itself. So when a POST is a plain `tools/call` of
//! `execute_pattern` that the session's handler can answer from that tier
//! ([`PatternServer::call_cached`]: same rate limit, same result, same
//! counters), it is answered here as rmcp answers it: a `text/event-stream`
//! carrying the one JSON-RPC response.
//!
//! "Plain" is what rmcp itself would accept with no further check: both
//! media types accepted, a JSON body (`mcp.rs` has read it within the body
//! limit), a single request without `_meta`, and a protocol version from
//! before the standard `Mcp-Method`/`Mcp-Name` headers (SEP-2243), with no
//! such header, nor `Last-Event-ID`. Anything else, and every call the
//! cache does not answer, goes to rmcp unchanged, with the body handed on.
//!
//! Only a session's own principal gets here: `mcp.rs` refuses a request
//! authenticated as anyone else before trying this path.
//!
//! The answer carries no SSE event id and no retry hint: there is nothing
//! to resume, since the stream ends with the response.

use axum::body::Bytes;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, GetMeta, JsonRpcRequest, ProtocolVersion,
    ServerJsonRpcMessage, ServerResult,
};

use crate::http::mcp::SESSION_HEADER;
use crate::server::PatternServer;

const JSON: &str = "application/json";
const EVENT_STREAM: &str = "text/event-stream";
const PROTOCOL_VERSION_HEADER: &str = "mcp-protocol-version";

/// Answers the POST of `parts` and `body` (already read within the body
/// limit) with `handler` if it is a plain cached call; `None` otherwise.
pub fn answer(handler: &PatternServer, parts: &Parts, body: &Bytes) -> Option<Response> {
    if !plain_post(&parts.method, &parts.headers) {
        return None;
    }
    answer_body(handler, body)
}

/// Whether `request` is a POST that rmcp would take as it is, with no
/// header this path would have to check.
fn plain_post(method: &Method, headers: &HeaderMap) -> bool {
    if method != Method::POST || headers.contains_key("last-event-id") {
        return false;
    }
    let mcp_headers_known = headers.keys().all(|name| {
        !name.as_str().starts_with("mcp-")
            || name == SESSION_HEADER
            || name == PROTOCOL_VERSION_HEADER
    });
    let version_plain = match headers.get(PROTOCOL_VERSION_HEADER) {
        None => true,
        Some(value) => value.to_str().is_ok_and(|version| {
            version < ProtocolVersion::STANDARD_HEADERS.as_str()
                && ProtocolVersion::KNOWN_VERSIONS.iter().any(|known| known.as_str() == version)
        }),
    };
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(JSON));
    mcp_headers_known && version_plain && json_body && accepts_both(headers)
}

/// Whether `Accept` lists both media types a POST answer may have, each
/// without parameters (a weight such as `q=0` is left to rmcp to judge).
fn accepts_both(headers: &HeaderMap) -> bool {
    let (mut json, mut sse) = (false, false);
    for entry in headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
    {
        json |= entry.eq_ignore_ascii_case(JSON);
        sse |= entry.eq_ignore_ascii_case(EVENT_STREAM);
    }
    json && sse
}

/// The answer to `body` if it is a `tools/call` the handler answers from cache.
fn answer_body(handler: &PatternServer, body: &Bytes) -> Option<Response> {
    let ClientJsonRpcMessage::Request(JsonRpcRequest { id, request, .. }) =
        serde_json::from_slice(body).ok()?
    else {
        return None;
    };
    // rmcp keeps a request's `_meta` among its extensions.
    if !request.get_meta().is_empty() {
        return None;
    }
    let ClientRequest::CallToolRequest(call) = request else {
        return None;
    };
    let params = &call.params;
    if params.meta.is_some() || params.input_responses.is_some() {
        return None;
    }
    let result = handler.call_cached(&params.name, params.arguments.as_ref())?;
    // The shape rmcp gives a session of a protocol version from before
    // 2026-07-28, which every session is.
    let mut result = ServerResult::CallToolResult(result);
    result.strip_result_type_for_legacy_peer();
    result.strip_non_object_output_for_legacy_peer();
    // The call has been answered and counted: from here on it is never
    // handed to rmcp, which would run it a second time.
    Some(match serde_json::to_string(&ServerJsonRpcMessage::response(result, id)) {
        Ok(message) => (
            [
                (header::CONTENT_TYPE, EVENT_STREAM),
                (header::CACHE_CONTROL, "no-cache"),
                (header::HeaderName::from_static("x-accel-buffering"), "no"),
            ],
            format!("data: {message}\n\n"),
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Internal Server Error: could not encode a cached answer: {e}"),
        )
            .into_response(),
    })
}
