//! One client over Streamable HTTP: its own HTTP/1.1 connection, on the 2025-06-18 session wire or the
//! 2026-07-28 stateless wire.
//!
//! - **sessions**: `initialize` (the answer's `Mcp-Session-Id` names the
//!   session), `notifications/initialized`, then every call carries
//!   `Mcp-Session-Id` and `Mcp-Protocol-Version: 2025-06-18`. A session the
//!   server ended (404) is counted as a transport error and opened again for
//!   the next call.
//! - **stateless**: no session. Every request carries the protocol version,
//!   client capabilities and client info in `params._meta`, and the headers
//!   `Mcp-Protocol-Version: 2026-07-28`, `Mcp-Method` and `Mcp-Name`. The
//!   client starts with `server/discover`, the stateless wire's first request.
//!
//! Answers come as `application/json` or as an event stream whose `data:`
//! lines carry the messages; both are read. Plain `http://` only.

use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;

use crate::protocol::{Outcome, SESSION_VERSION, STATELESS_VERSION, classify, initialize_params};

/// Which Streamable HTTP wire a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Wire {
    /// MCP 2025-06-18: initialize, Mcp-Session-Id, notifications/initialized, calls.
    Sessions,
    /// MCP 2026-07-28: no session; version and client info in every request's `_meta`.
    Stateless,
}

impl Wire {
    pub fn name(self) -> &'static str {
        match self {
            Wire::Sessions => "sessions",
            Wire::Stateless => "stateless",
        }
    }
}

/// Where a client sends its requests.
#[derive(Debug, Clone)]
pub struct Target {
    pub uri: Uri,
    /// `host:port`, for the connection and the `Host` header.
    pub authority: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Self> {
        let uri: Uri = url.parse().with_context(|| format!("`{url}` is not a URL"))?;
        if uri.scheme_str() != Some("http") {
            bail!(
                "`{url}`: only http:// URLs are supported (put a TLS terminator in front for https)"
            );
        }
        let host = uri.host().with_context(|| format!("`{url}` has no host"))?;
        let port = uri.port_u16().unwrap_or(80);
        Ok(Self { authority: format!("{host}:{port}"), uri })
    }
}

pub struct HttpClient {
    target: Target,
    wire: Wire,
    token: Option<String>,
    sender: Option<SendRequest<Full<Bytes>>>,
    session: Option<String>,
}

/// What one POST brought back.
struct Answer {
    status: StatusCode,
    session: Option<String>,
    messages: Vec<Value>,
}

impl HttpClient {
    /// Connects and initializes (a session, or `server/discover` on the stateless wire).
    pub async fn start(target: Target, wire: Wire, token: Option<String>) -> Result<Self> {
        let mut client = Self { target, wire, token, sender: None, session: None };
        client.initialize(Duration::from_secs(30)).await?;
        Ok(client)
    }

    async fn initialize(&mut self, timeout: Duration) -> Result<()> {
        let url = self.target.uri.clone();
        match self.wire {
            Wire::Sessions => {
                self.session = None;
                let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": initialize_params()});
                let answer = self
                    .post(&init, timeout)
                    .await
                    .map_err(|o| anyhow::anyhow!("{url}: initialize: {o:?}"))?;
                let reply = answer.messages.iter().find(|m| m.get("id") == Some(&json!(0)));
                match reply {
                    Some(m) if answer.status == StatusCode::OK && m.get("result").is_some() => {}
                    _ => {
                        bail!(
                            "{url}: initialize answered {} {}",
                            answer.status,
                            Value::Array(answer.messages)
                        )
                    }
                }
                self.session = Some(
                    answer
                        .session
                        .with_context(|| format!("{url}: initialize opened no session"))?,
                );
                let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
                let answer = self
                    .post(&note, timeout)
                    .await
                    .map_err(|o| anyhow::anyhow!("{url}: initialized: {o:?}"))?;
                if !answer.status.is_success() {
                    bail!("{url}: notifications/initialized answered {}", answer.status);
                }
            }
            Wire::Stateless => {
                let discover = json!({"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": {"_meta": meta()}});
                let answer = self
                    .post(&discover, timeout)
                    .await
                    .map_err(|o| anyhow::anyhow!("{url}: server/discover: {o:?}"))?;
                let reply = answer.messages.iter().find(|m| m.get("id") == Some(&json!(0)));
                match reply {
                    Some(m) if answer.status == StatusCode::OK && m.get("result").is_some() => {}
                    _ => bail!(
                        "{url}: server/discover answered {} {} (does the server speak MCP {STATELESS_VERSION}?)",
                        answer.status,
                        Value::Array(answer.messages)
                    ),
                }
            }
        }
        Ok(())
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, Outcome> {
        if let Some(sender) = &mut self.sender {
            if sender.ready().await.is_ok() {
                return Ok(self.sender.as_mut().expect("just checked"));
            }
            self.sender = None;
        }
        let stream = TcpStream::connect(&self.target.authority)
            .await
            .map_err(|_| Outcome::Transport("connect".into()))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| Outcome::Transport("connect".into()))?;
        tokio::spawn(connection);
        Ok(self.sender.insert(sender))
    }

    async fn post(&mut self, message: &Value, timeout: Duration) -> Result<Answer, Outcome> {
        let result = tokio::time::timeout(timeout, self.post_now(message)).await;
        match result {
            Ok(answer) => answer,
            Err(_) => {
                // The connection is still busy with the request: open a new one next time.
                self.sender = None;
                Err(Outcome::Timeout)
            }
        }
    }

    async fn post_now(&mut self, message: &Value) -> Result<Answer, Outcome> {
        let method = message.get("method").and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut request = Request::post(self.target.uri.clone())
            .header("host", &self.target.authority)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        match self.wire {
            Wire::Sessions => {
                if let Some(session) = &self.session {
                    request = request
                        .header("mcp-session-id", session)
                        .header("mcp-protocol-version", SESSION_VERSION);
                }
            }
            Wire::Stateless => {
                request = request
                    .header("mcp-protocol-version", STATELESS_VERSION)
                    .header("mcp-method", &method);
                if let Some(name) = message.pointer("/params/name").and_then(Value::as_str) {
                    request = request.header("mcp-name", name);
                }
            }
        }
        let body = Bytes::from(serde_json::to_vec(message).expect("serializable"));
        let request =
            request.body(Full::new(body)).map_err(|_| Outcome::Transport("request".into()))?;
        let sender = self.connect().await?;
        let response = match sender.send_request(request).await {
            Ok(response) => response,
            Err(_) => {
                self.sender = None;
                return Err(Outcome::Transport("io".into()));
            }
        };
        let status = response.status();
        let session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let event_stream = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let body = match response.into_body().collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => {
                self.sender = None;
                return Err(Outcome::Transport("io".into()));
            }
        };
        let messages = if body.is_empty() {
            Vec::new()
        } else if event_stream {
            let text = String::from_utf8_lossy(&body);
            text.lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .filter(|data| !data.trim().is_empty())
                .filter_map(|data| serde_json::from_str(data).ok())
                .collect()
        } else {
            serde_json::from_slice::<Value>(&body).map(|m| vec![m]).unwrap_or_default()
        };
        Ok(Answer { status, session, messages })
    }

    /// One `tools/call` with `params`.
    pub async fn call(&mut self, id: u64, mut params: Value, timeout: Duration) -> Outcome {
        if self.wire == Wire::Sessions
            && self.session.is_none()
            && self.initialize(timeout).await.is_err()
        {
            return Outcome::Transport("session".into());
        }
        if self.wire == Wire::Stateless {
            params["_meta"] = meta();
        }
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
        let answer = match self.post(&request, timeout).await {
            Ok(answer) => answer,
            Err(outcome) => return outcome,
        };
        if answer.status != StatusCode::OK {
            if answer.status == StatusCode::NOT_FOUND && self.wire == Wire::Sessions {
                // The server ended the session: open another for the next call.
                self.session = None;
            }
            return Outcome::Transport(format!("http_{}", answer.status.as_u16()));
        }
        match answer.messages.iter().find(|m| m.get("id").and_then(Value::as_u64) == Some(id)) {
            Some(message) => classify(message),
            None => Outcome::Transport("no_answer".into()),
        }
    }

    /// Ends the session (DELETE), so a long benchmark does not fill the server's session table.
    pub async fn close(mut self) {
        let Some(session) = self.session.take() else { return };
        let mut request = Request::delete(self.target.uri.clone())
            .header("host", &self.target.authority)
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", SESSION_VERSION);
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let Ok(request) = request.body(Full::new(Bytes::new())) else { return };
        if let Ok(sender) = self.connect().await {
            let _ =
                tokio::time::timeout(Duration::from_secs(2), sender.send_request(request)).await;
        }
    }
}

/// The request metadata of the stateless wire.
fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "pattern-loadgen", "version": env!("CARGO_PKG_VERSION")}
    })
}
