//! Shared helpers: the app over a real engine (in-memory SQLite), request builders, SSE and JSON-RPC readers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, BodyDataStream};
use axum::http::{Request, Response, header};
use futures::StreamExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use pattern_core::Role;
use pattern_engine::Principal;
use pattern_engine::{Engine, EngineConfig};
use pattern_mcp::http::{
    AppState, HttpConfig, JwtConfig, PrincipalRateLimiter, Readiness, StaticReadiness, TokenConfig,
    TokenSecret, app, handler_factory, install_crypto_provider, sha256_hex,
};
use pattern_memory::SqliteStore;
use pattern_registry::{LoadOptions, Registry};
use serde_json::{Value, json};
use tower::ServiceExt;

/// A plain token of principal `ci` (agent).
pub const CI_TOKEN: &str = "ci-token-0123456789";
/// A token of principal `ops` (admin), configured by its SHA-256 only.
pub const OPS_TOKEN: &str = "ops-token-0123456789";
pub const JWT_SECRET: &[u8] = b"jwt-secret-jwt-secret-jwt-secret";
pub const ACCEPT_BOTH: &str = "application/json, text/event-stream";

pub fn config() -> HttpConfig {
    HttpConfig {
        tokens: vec![
            TokenConfig {
                secret: TokenSecret::Plain(CI_TOKEN.into()),
                principal: Principal { id: "ci".into(), role: Role::Agent, namespaces: None },
            },
            TokenConfig {
                secret: TokenSecret::parse(&format!("sha256:{}", sha256_hex(OPS_TOKEN))),
                principal: Principal { id: "ops".into(), role: Role::Admin, namespaces: None },
            },
        ],
        jwt: Some(JwtConfig {
            secret: JWT_SECRET.to_vec(),
            issuer: None,
            audience: None,
            leeway: Duration::ZERO,
        }),
        ..HttpConfig::default()
    }
}

/// An engine with the built-in patterns over an in-memory SQLite store.
pub async fn test_engine() -> Arc<Engine> {
    let registry = Registry::load(&LoadOptions { files: vec![], builtins: true, strict: true })
        .unwrap()
        .registry;
    let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    Arc::new(Engine::new(Arc::new(registry), store, EngineConfig::default()))
}

/// The app, its state, and every principal a handler was made for.
pub struct Harness {
    pub app: Router,
    pub state: AppState,
    pub principals: Arc<Mutex<Vec<Principal>>>,
}

impl Harness {
    pub async fn new(config: HttpConfig) -> Self {
        Self::with_readiness(config, Arc::new(StaticReadiness::ready())).await
    }

    pub async fn with_readiness(config: HttpConfig, readiness: Arc<dyn Readiness>) -> Self {
        Self::build(config, readiness, None, None).await
    }

    /// The app as `serve_engine` builds it: the real handler factory, an
    /// optional tool-call limiter and an optional readiness of its own.
    pub async fn build(
        config: HttpConfig,
        readiness: Arc<dyn Readiness>,
        limiter: Option<Arc<PrincipalRateLimiter>>,
        engine: Option<Arc<Engine>>,
    ) -> Self {
        let engine = match engine {
            Some(engine) => engine,
            None => test_engine().await,
        };
        let principals = Arc::new(Mutex::new(Vec::new()));
        let seen = principals.clone();
        let make = handler_factory(engine, limiter);
        let factory = move |principal: Principal| {
            seen.lock().unwrap().push(principal.clone());
            make(principal)
        };
        let state = AppState::new(config, factory, readiness, None).unwrap();
        Self { app: app(state.clone()), state, principals }
    }

    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(request).await.unwrap()
    }

    pub fn principals(&self) -> Vec<Principal> {
        self.principals.lock().unwrap().clone()
    }
}

/// A request to `uri` with `Host: localhost`.
pub fn request(method: &str, uri: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(uri).header(header::HOST, "localhost:8080")
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// An `Accept` rmcp takes and the front (`src/http/mcp/front.rs`) does not.
pub const WEIGHTED: &str = "application/json;q=1, text/event-stream;q=0.5";

/// A Streamable HTTP POST of `message` with `token`.
pub fn mcp_post(token: Option<&str>, session: Option<&str>, message: &Value) -> Request<Body> {
    mcp_post_accepting(token, session, message, ACCEPT_BOTH)
}

/// [`mcp_post`] with `accept` as its `Accept` header.
pub fn mcp_post_accepting(
    token: Option<&str>,
    session: Option<&str>,
    message: &Value,
    accept: &str,
) -> Request<Body> {
    let mut builder = request("POST", "/mcp")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, accept);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, bearer(token));
    }
    if let Some(session) = session {
        builder =
            builder.header("mcp-session-id", session).header("mcp-protocol-version", "2025-06-18");
    }
    builder.body(Body::from(message.to_string())).unwrap()
}

/// `message` as a 2026-07-28 client sends it: no session, the protocol
/// version in the request's `_meta` and in the headers (SEP-2243).
pub fn stateless_post(token: &str, message: Value) -> Request<Body> {
    stateless_post_accepting(token, message, ACCEPT_BOTH)
}

/// [`stateless_post`] with `accept` as its `Accept` header.
pub fn stateless_post_accepting(token: &str, mut message: Value, accept: &str) -> Request<Body> {
    message["params"]["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "it", "version": "0"},
    });
    let mut builder = request("POST", "/mcp")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, accept)
        .header(header::AUTHORIZATION, bearer(token))
        .header("mcp-protocol-version", "2026-07-28");
    if let Some(method) = message["method"].as_str() {
        builder = builder.header("mcp-method", method);
    }
    if let Some(name) = message["params"]["name"].as_str() {
        builder = builder.header("mcp-name", name);
    }
    builder.body(Body::from(message.to_string())).unwrap()
}

pub fn initialize(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "it", "version": "0"}
    }})
}

pub fn initialized() -> Value {
    json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
}

pub fn call_tool(id: u64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
}

pub async fn body_bytes(response: Response<Body>) -> Vec<u8> {
    let bytes = tokio::time::timeout(
        Duration::from_secs(10),
        axum::body::to_bytes(response.into_body(), 1 << 20),
    )
    .await
    .expect("the body did not end")
    .unwrap();
    bytes.to_vec()
}

pub async fn body_text(response: Response<Body>) -> String {
    String::from_utf8(body_bytes(response).await).unwrap()
}

pub async fn body_json(response: Response<Body>) -> Value {
    serde_json::from_slice(&body_bytes(response).await).unwrap()
}

/// The JSON-RPC messages of an answer's body: the body itself when it is one
/// JSON message (a call answered at the front), else every `data:` line of
/// an event stream that holds JSON.
pub fn messages_in(body: &str) -> Vec<Value> {
    if let Ok(message) = serde_json::from_str::<Value>(body) {
        return vec![message];
    }
    body.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str(data.trim()).ok())
        .collect()
}

/// Initializes a Streamable HTTP session as `token`; returns its id.
pub async fn open_mcp_session(harness: &Harness, token: &str) -> String {
    let response = harness.send(mcp_post(Some(token), None, &initialize(1))).await;
    assert_eq!(response.status(), 200);
    let session = response.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let messages = messages_in(&body_text(response).await);
    assert_eq!(messages[0]["result"]["serverInfo"]["name"], "pattern-mcp");
    let response = harness.send(mcp_post(Some(token), Some(&session), &initialized())).await;
    assert_eq!(response.status(), 202);
    session
}

/// An `execute_pattern` call that stores a memory (needs role agent or more).
pub fn remember(id: u64, text: &str) -> Value {
    call_tool(id, "execute_pattern", json!({"query": format!("remember that {text}")}))
}

/// The `structuredContent` of a `tools/call` result.
pub fn structured(message: &Value) -> &Value {
    &message["result"]["structuredContent"]
}

/// The text of the first content block of a `tools/call` result.
pub fn tool_text(message: &Value) -> &str {
    message["result"]["content"][0]["text"].as_str().unwrap_or_default()
}

/// One event of an SSE stream.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
    /// True for a comment-only block (a keep-alive).
    pub comment: bool,
}

/// Reads events from a streaming response body.
pub struct SseReader {
    stream: BodyDataStream,
    buffer: String,
}

impl SseReader {
    pub fn new(response: Response<Body>) -> Self {
        Self { stream: response.into_body().into_data_stream(), buffer: String::new() }
    }

    /// The next event, or `None` when the stream ends.
    pub async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent::default();
                let mut has_field = false;
                for line in block.lines() {
                    if let Some(name) = line.strip_prefix("event:") {
                        event.event = Some(name.trim().to_owned());
                        has_field = true;
                    } else if let Some(data) = line.strip_prefix("data:") {
                        event.data.push_str(data.trim_start());
                        has_field = true;
                    }
                }
                event.comment = !has_field;
                return Some(event);
            }
            let chunk = self.stream.next().await?.ok()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).ok()?);
        }
    }

    /// The next event that is not a keep-alive, within 10 s.
    pub async fn next_message(&mut self) -> Option<SseEvent> {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match self.next().await {
                    Some(event) if event.comment => continue,
                    other => return other,
                }
            }
        })
        .await
        .expect("no event within 10 s")
    }
}

/// An HS256 JWT with `claims`, signed with `JWT_SECRET`.
pub fn jwt(claims: Value) -> String {
    install_crypto_provider();
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(JWT_SECRET)).unwrap()
}

pub fn in_an_hour() -> u64 {
    jsonwebtoken::get_current_timestamp() + 3600
}

/// The seconds of a refusal `<prefix>N s`; panics if `text` is not one.
pub fn retry_in(text: &str, prefix: &str) -> u64 {
    text.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(" s"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not `{prefix}N s`: {text}"))
}

/// Opens a legacy SSE stream as `token`: the reader, and the `/message?sessionId=` endpoint it announced.
pub async fn open_sse(harness: &Harness, token: &str) -> (SseReader, String) {
    let response = harness
        .send(
            request("GET", "/sse")
                .header(header::AUTHORIZATION, bearer(token))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut reader = SseReader::new(response);
    let endpoint = reader.next_message().await.unwrap();
    assert_eq!(endpoint.event.as_deref(), Some("endpoint"));
    assert!(endpoint.data.starts_with("/message?sessionId="), "{}", endpoint.data);
    (reader, endpoint.data)
}

/// What differs between two answers of one call by nature: its id, its
/// timings, and `tokens_used`, which counts the answer's whole text, timings
/// included (`0.04` and `0.113` are not the same number of tokens).
const VOLATILE: [&str; 4] = ["request_id", "execution_time_ms", "decision_time_us", "tokens_used"];

/// `message` without its volatile fields, the text of each content block read
/// as JSON when it is.
pub fn comparable(mut message: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for key in VOLATILE {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            Value::String(text) => {
                if let Ok(mut parsed) = serde_json::from_str::<Value>(text)
                    && parsed.is_object()
                {
                    strip(&mut parsed);
                    *value = parsed;
                }
            }
            _ => {}
        }
    }
    strip(&mut message);
    message
}

/// Calls the fronts' tests send both ways (at the front and to rmcp) on
/// either wire, each with what it tries: ids 3, 5, 6 and 7.
pub fn calls_either_way() -> Vec<(&'static str, Value)> {
    vec![
        ("a string id", {
            let mut message =
                call_tool(3, "route_query", json!({"query": "restart the web server"}));
            message["id"] = json!("call-3");
            message
        }),
        ("arguments of the wrong type", call_tool(5, "execute_pattern", json!({"query": 5}))),
        (
            "an unknown argument",
            call_tool(6, "execute_pattern", json!({"query": "hi", "colour": 1})),
        ),
        (
            "no arguments",
            json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                "params": {"name": "route_query"}}),
        ),
    ]
}
