//! The one exchange answered beside rmcp: a plain `tools/call` of one of our
//! tools, on the 2026-07-28 stateless wire or in a session of an earlier
//! revision.
//!
//! rmcp serves a stateless request by building a whole service around it: the
//! handler, a one-message transport, a serve loop on a task of its own, the
//! handler's call on another, and a channel back to the HTTP task, after
//! serialising the message once more to check its headers. A session's
//! request takes three hand-offs (the HTTP task to the session's worker, the
//! worker to the serve loop, the loop to a task of the handler's) and its
//! answer the same way back, framed as an event stream. For the call clients
//! make most, that machinery was about 40 % of the CPU a cached call costs
//! (docs/PERFORMANCE.md, *The stateless front* and *The session front*). Here
//! the HTTP task calls the same handler method rmcp would
//! (`PatternServer::call`; in a session, on the handler rmcp made for that
//! session) and serialises the same rmcp types rmcp would, as one
//! `application/json` answer, which the Streamable HTTP transport allows on
//! every revision.
//!
//! **Invariant:** this module answers a request only when rmcp would answer
//! it with the result of that same call: every check rmcp makes on such a
//! request is either repeated here strictly (a request passes here only if it
//! passes there) or cannot fail for it. Anything else, errors included, goes
//! to rmcp, so every refusal and every other method keeps exactly one
//! implementation. `tests/it/http/stateless_front.rs` and
//! `tests/it/http/session_front.rs` hold the two to the same answers.
//! What a session needs of rmcp besides the call (that the session exists
//! and belongs to the caller, its idle expiry, log notifications) is
//! `mcp.rs`'s to check before it asks here.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ProtocolVersion, RequestId, ServerResult,
};

use crate::jsonrpc::Call;
use crate::tools;

/// The stateless revision of the protocol.
const STATELESS: &ProtocolVersion = &ProtocolVersion::V_2026_07_28;

/// The protocol version header.
const VERSION_HEADER: &str = "mcp-protocol-version";

/// The `_meta` key of a request's own protocol version.
const VERSION_META: &str = "io.modelcontextprotocol/protocolVersion";

/// A `tools/call` this front answers: its id and parameters (without
/// `_meta`, as rmcp hands them to the handler).
#[derive(Debug)]
pub(super) struct PlainCall {
    pub id: RequestId,
    pub params: CallToolRequestParams,
    /// Whether the call came in a session, whose revision (before
    /// 2026-07-28) gives results their older shape.
    pub in_session: bool,
}

impl PlainCall {
    /// `result` as rmcp's handler answers it for the call's revision: in a
    /// session without the `resultType` discriminator and without a
    /// `structuredContent` that is not an object (which the older revisions
    /// do not have), on 2026-07-28 with the caching hints it fills in (none,
    /// for a call). Errors need nothing: the only one our handler returns, an
    /// unknown tool, never comes here.
    pub fn answer(&self, result: CallToolResult) -> ServerResult {
        let mut result = ServerResult::CallToolResult(result);
        if self.in_session {
            result.strip_result_type_for_legacy_peer();
            result.strip_non_object_output_for_legacy_peer();
        } else {
            result.fill_missing_cache_hints();
        }
        result
    }
}

/// `call` when it is a plain stateless `tools/call` of one of this server's
/// tools, sent with `headers` (see the module's invariant); `None` sends the
/// request to rmcp. Only calls in the shape `jsonrpc::plain_call` parses
/// come here: a call in any other shape goes to rmcp, which answers it the
/// same way, only at a higher cost.
pub(super) fn stateless_call(headers: &HeaderMap, call: Call) -> Option<PlainCall> {
    let Call { id, mut params, .. } = call;
    let meta = params.meta.take()?;
    let version = STATELESS.as_str();
    let name = params.name.as_ref();
    let plain = ours_in_plain_media_types(headers, name)
        && one_header(headers, VERSION_HEADER) == Some(version)
        && one_header(headers, "mcp-method") == Some("tools/call")
        && one_header(headers, "mcp-name") == Some(name)
        && meta.protocol_version().is_some_and(|v| v.as_str() == version)
        && meta.missing_required_keys(STATELESS).is_empty();
    plain.then_some(PlainCall { id, params, in_session: false })
}

/// `call` when it is a plain `tools/call` of one of this server's tools in a
/// session, sent with `headers`; `None` sends the request to rmcp. rmcp
/// serves a request in its session when the request names no version of its
/// own in `_meta` and its version header, if any, is one known revision that
/// has sessions; it checks no other header of such a request than these and
/// the media types.
pub(super) fn session_call(headers: &HeaderMap, call: Call) -> Option<PlainCall> {
    let Call { id, mut params, .. } = call;
    let session_version = match one_header(headers, VERSION_HEADER) {
        Some(version) => ProtocolVersion::KNOWN_VERSIONS
            .iter()
            .any(|known| known.as_str() == version && known.has_initialize()),
        None => !headers.contains_key(VERSION_HEADER),
    };
    // A `_meta` naming a version, valid or not, is left to rmcp to judge.
    let meta = params.meta.take();
    let plain = ours_in_plain_media_types(headers, params.name.as_ref())
        && session_version
        && meta.is_none_or(|meta| !meta.contains_key(VERSION_META));
    plain.then_some(PlainCall { id, params, in_session: true })
}

/// Whether `name` is one of our tools and the media types are in their
/// plainest accepted form.
fn ours_in_plain_media_types(headers: &HeaderMap, name: &str) -> bool {
    tools::NAMES.contains(&name) && accepts_json_and_event_stream(headers) && sends_json(headers)
}

/// The value of a header sent exactly once, if it is visible ASCII.
fn one_header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()
}

/// Whether `Accept` names both media types rmcp requires, in the plainest
/// form: no parameters (a `q=0` would exclude one), no quoting.
fn accepts_json_and_event_stream(headers: &HeaderMap) -> bool {
    let (mut json, mut stream) = (false, false);
    for value in headers.get_all(ACCEPT) {
        let Ok(value) = value.to_str() else { return false };
        if value.contains([';', '"']) {
            return false;
        }
        for entry in value.split(',') {
            let entry = entry.trim();
            json |= entry.eq_ignore_ascii_case("application/json");
            stream |= entry.eq_ignore_ascii_case("text/event-stream");
        }
    }
    json && stream
}

/// Whether the body is declared `application/json` (with any parameters).
fn sends_json(headers: &HeaderMap) -> bool {
    one_header(headers, CONTENT_TYPE.as_str()).is_some_and(|value| {
        let essence = value.split_once(';').map_or(value, |(essence, _)| essence);
        essence.trim().eq_ignore_ascii_case("application/json")
    })
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderName, HeaderValue};
    use serde_json::{Value, json};

    use super::*;

    const ACCEPT_BOTH: &str = "application/json, text/event-stream";

    fn message(method: &str, params: Value) -> Option<Call> {
        let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
        crate::jsonrpc::plain_call(body.to_string().as_bytes())
    }

    fn meta() -> Value {
        json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
        })
    }

    fn call(name: &str) -> Call {
        message("tools/call", json!({"name": name, "arguments": {"query": "hi"}, "_meta": meta()}))
            .unwrap()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        headers
    }

    /// The headers a 2026-07-28 client sends with a call of `name`.
    fn plain(name: &str) -> Vec<(&'static str, String)> {
        vec![
            ("content-type", "application/json".to_owned()),
            ("accept", ACCEPT_BOTH.to_owned()),
            ("mcp-protocol-version", "2026-07-28".to_owned()),
            ("mcp-method", "tools/call".to_owned()),
            ("mcp-name", name.to_owned()),
        ]
    }

    fn decide(pairs: &[(&'static str, String)], message: Call) -> Option<PlainCall> {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
        stateless_call(&headers(&pairs), message)
    }

    fn answered(pairs: &[(&'static str, String)], message: Call) -> bool {
        decide(pairs, message).is_some()
    }

    /// `plain(name)` with `header` replaced by `value`, or removed when `None`.
    fn with(name: &str, header: &'static str, value: Option<&str>) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<_> = plain(name).into_iter().filter(|(n, _)| *n != header).collect();
        if let Some(value) = value {
            pairs.push((header, value.to_owned()));
        }
        pairs
    }

    #[test]
    fn a_plain_call_of_each_tool_is_answered_here_with_its_id_and_arguments() {
        for name in tools::NAMES {
            let call = decide(&plain(name), call(name)).expect(name);
            assert_eq!(call.id, RequestId::Number(7));
            assert_eq!(call.params.name, name);
            assert_eq!(call.params.arguments.unwrap()["query"], "hi");
        }
        // Header names are case-insensitive, Accept may come in two headers
        // and in any order, Content-Type may carry a charset.
        let mut pairs = with("stats", "accept", Some("text/event-stream"));
        pairs.push(("Accept", "APPLICATION/JSON".to_owned()));
        pairs.push(("x-other", "1".to_owned()));
        assert!(answered(&pairs, call("stats")));
        let charset = with("stats", "content-type", Some("application/json; charset=utf-8"));
        assert!(answered(&charset, call("stats")));
    }

    #[test]
    fn anything_but_a_plain_call_of_our_tools_goes_to_rmcp() {
        let name = tools::EXECUTE_PATTERN;
        let mut duplicate = plain(name);
        duplicate.push(("mcp-name", name.to_owned()));
        let cases: Vec<(&str, Vec<(&'static str, String)>)> = vec![
            ("no version header", with(name, "mcp-protocol-version", None)),
            ("a session revision", with(name, "mcp-protocol-version", Some("2025-06-18"))),
            ("an unknown revision", with(name, "mcp-protocol-version", Some("2099-01-01"))),
            ("no Mcp-Method", with(name, "mcp-method", None)),
            ("another Mcp-Method", with(name, "mcp-method", Some("tools/list"))),
            ("no Mcp-Name", with(name, "mcp-name", None)),
            ("another Mcp-Name", with(name, "mcp-name", Some("stats"))),
            ("a Base64 Mcp-Name", with(name, "mcp-name", Some("=?base64?ZXhlY3V0ZV9wYXR0ZXJu?="))),
            ("a duplicated Mcp-Name", duplicate),
            ("no Accept", with(name, "accept", None)),
            ("Accept without the event stream", with(name, "accept", Some("application/json"))),
            ("Accept without JSON", with(name, "accept", Some("text/event-stream"))),
            (
                "Accept with weights",
                with(name, "accept", Some("application/json;q=1, text/event-stream")),
            ),
            ("Accept of anything", with(name, "accept", Some("*/*"))),
            ("no Content-Type", with(name, "content-type", None)),
            ("another Content-Type", with(name, "content-type", Some("text/plain"))),
        ];
        for (why, pairs) in cases {
            assert!(!answered(&pairs, call(name)), "{why}");
        }

        assert!(!answered(&plain("no_such_tool"), call("no_such_tool")), "an unknown tool");
        let plain = plain(name);
        let bare = |meta: Value| {
            message(
                "tools/call",
                json!({"name": name, "arguments": {"query": "hi"}, "_meta": meta}),
            )
            .unwrap()
        };
        let no_meta = message("tools/call", json!({"name": name, "arguments": {"query": "hi"}}));
        assert!(!answered(&plain, no_meta.unwrap()), "no _meta at all");
        assert!(!answered(&plain, bare(json!({}))), "no _meta");
        let mut older = meta();
        older["io.modelcontextprotocol/protocolVersion"] = json!("2025-11-25");
        assert!(!answered(&plain, bare(older)), "_meta names another revision");
        let mut no_capabilities = meta();
        no_capabilities
            .as_object_mut()
            .unwrap()
            .remove("io.modelcontextprotocol/clientCapabilities");
        assert!(!answered(&plain, bare(no_capabilities)), "_meta without capabilities");
        // Another method never reaches the front: only a `tools/call` parses as one.
        assert!(message("tools/list", json!({"_meta": meta()})).is_none(), "another method");
    }

    /// The headers a 2025-06-18 client sends with a call in its session.
    fn in_session() -> Vec<(&'static str, String)> {
        vec![
            ("content-type", "application/json".to_owned()),
            ("accept", ACCEPT_BOTH.to_owned()),
            ("mcp-session-id", "s".to_owned()),
            ("mcp-protocol-version", "2025-06-18".to_owned()),
        ]
    }

    /// A session's call of `name`, with `_meta` when given.
    fn session_message(name: &str, meta: Option<Value>) -> Call {
        let mut params = json!({"name": name, "arguments": {"query": "hi"}});
        if let Some(meta) = meta {
            params["_meta"] = meta;
        }
        message("tools/call", params).unwrap()
    }

    fn in_session_decide(pairs: &[(&'static str, String)], message: Call) -> Option<PlainCall> {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
        session_call(&headers(&pairs), message)
    }

    fn in_session_answered(pairs: &[(&'static str, String)], message: Call) -> bool {
        in_session_decide(pairs, message).is_some()
    }

    #[test]
    fn a_sessions_plain_call_of_each_tool_is_answered_here() {
        for name in tools::NAMES {
            let call = in_session_decide(&in_session(), session_message(name, None)).expect(name);
            assert!(call.in_session);
            assert_eq!(call.id, RequestId::Number(7));
            assert_eq!(call.params.name, name);
            assert_eq!(call.params.arguments.unwrap()["query"], "hi");
        }
        // Every revision with sessions, or none (rmcp then assumes 2025-03-26).
        for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
            let mut pairs = in_session();
            pairs.retain(|(n, _)| *n != "mcp-protocol-version");
            pairs.push(("mcp-protocol-version", version.to_owned()));
            assert!(in_session_answered(&pairs, session_message("stats", None)), "{version}");
        }
        let mut no_version = in_session();
        no_version.retain(|(n, _)| *n != "mcp-protocol-version");
        assert!(in_session_answered(&no_version, session_message("stats", None)));
        // A progress token changes nothing: no tool of ours reports progress.
        let progress = session_message("stats", Some(json!({"progressToken": 3})));
        assert!(in_session_answered(&in_session(), progress));
    }

    #[test]
    fn anything_but_a_sessions_plain_call_of_our_tools_goes_to_rmcp() {
        let name = tools::EXECUTE_PATTERN;
        let without = |header: &str| {
            let mut pairs = in_session();
            pairs.retain(|(n, _)| *n != header);
            pairs
        };
        let with = |header: &'static str, value: &str| {
            let mut pairs = without(header);
            pairs.push((header, value.to_owned()));
            pairs
        };
        let mut twice = in_session();
        twice.push(("mcp-protocol-version", "2025-06-18".to_owned()));
        let cases: Vec<(&str, Vec<(&'static str, String)>)> = vec![
            ("the stateless revision", with("mcp-protocol-version", "2026-07-28")),
            ("an unknown revision", with("mcp-protocol-version", "2099-01-01")),
            ("a version header twice", twice),
            ("no Accept", without("accept")),
            ("Accept without the event stream", with("accept", "application/json")),
            ("Accept with weights", with("accept", "application/json;q=1, text/event-stream")),
            ("no Content-Type", without("content-type")),
            ("another Content-Type", with("content-type", "text/plain")),
        ];
        for (why, pairs) in cases {
            assert!(!in_session_answered(&pairs, session_message(name, None)), "{why}");
        }
        let unknown = session_message("no_such_tool", None);
        assert!(!in_session_answered(&in_session(), unknown), "an unknown tool");
        // A request naming its own version is rmcp's to route, valid or not.
        let stateless = session_message(name, Some(meta()));
        assert!(!in_session_answered(&in_session(), stateless), "a 2026-07-28 _meta");
        let malformed = json!({"io.modelcontextprotocol/protocolVersion": 5});
        let malformed = session_message(name, Some(malformed));
        assert!(!in_session_answered(&in_session(), malformed), "a malformed version in _meta");
    }

    /// rmcp checks `Mcp-Param-*` headers against the arguments a tool's schema
    /// marks with `x-mcp-header`; this front does not, so no tool may have one.
    #[test]
    fn no_tool_of_ours_asks_for_parameter_headers() {
        for tool in tools::all() {
            let schema = serde_json::to_string(&tool.input_schema).unwrap();
            assert!(!schema.contains("x-mcp-header"), "{}", tool.name);
        }
    }
}
