//! `/mcp`: rmcp's Streamable HTTP service, with one handler per session made from the caller's principal.
//!
//! Requests on `/mcp` are answered by rmcp's `StreamableHttpService`, whatever
//! their protocol version (sessions for the revisions up to 2025-11-25, one
//! stateless exchange per request for 2026-07-28), except a plain
//! `tools/call` of one of our tools: `mcp/front.rs` answers it with the
//! handler method rmcp would call and rmcp's own message types, without the
//! service rmcp builds around each stateless request or the hand-offs of a
//! session's. This file adds what rmcp cannot know: who the caller is, and
//! how many sessions each caller may hold.
//!
//! rmcp's service factory takes no arguments, so the principal reaches it
//! through a task-local set around each request: rmcp calls the factory
//! inside the request's future (when a session is created, and per request
//! on the stateless wire). Beside each session's id are kept its opener,
//! when it was last used, the handler the factory made for it and when rmcp
//! last heard from it; rmcp holds the session itself.
//!
//! A session's call goes to the front only while rmcp would keep the session
//! and the handler sends nothing but the answer:
//! - rmcp ends a session its worker has not heard from for `session_idle`
//!   (five minutes), and calls answered here are not heard: a session's
//!   first request after a fifth of that without one through rmcp goes
//!   through rmcp;
//! - once the client has set a log level, a call sends a log notification
//!   through the session's peer, which only rmcp holds: such a session's
//!   calls go through rmcp.
//!
//! **Invariant:** a session's handler only ever acts for a request whose
//! credential is authenticated (on this request) as exactly the principal
//! that opened the session: same id (static token ids and `jwt:` subjects
//! never collide), same role, same namespaces. Any other request carrying
//! the session's id is answered like an unknown session (404), before rmcp
//! sees it; so is every request to a session rmcp holds without its opener
//! on record.
//!
//! Sessions are bounded per principal and in all (`quota.rs`); a session
//! ended to make room is closed through rmcp's session manager, so rmcp
//! forgets it too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use http_body_util::{BodyExt, LengthLimitError};
use rmcp::model::{ClientJsonRpcMessage, ClientRequest, JsonRpcRequest, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_server::{SessionId, SessionManager};
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::http::config::HttpConfig;
use crate::http::drain::{InFlight, Pending};
use crate::http::error::HttpError;
use crate::http::lock;
use crate::http::quota::{Held, SessionQuota};
use crate::server::PatternServer;
use pattern_engine::Principal;

mod front;
mod sessions;

use front::PlainCall;
use sessions::Sessions;

/// The session header of the Streamable HTTP transport.
pub const SESSION_HEADER: &str = "mcp-session-id";

tokio::task_local! {
    /// The principal of the request rmcp is handling, for the service factory.
    static PRINCIPAL: Caller;
}

/// The principal of a request rmcp is handling, and the handler the factory
/// made for it (the session's, when the request opens one).
struct Caller {
    principal: Principal,
    made: Mutex<Option<PatternServer>>,
}

/// What is kept of an open session besides rmcp's own state.
#[derive(Clone)]
struct Session {
    /// The principal that opened the session, as its credential was
    /// authenticated then; only a request authenticated as the same
    /// principal reaches the session.
    owner: Principal,
    /// When a request last reached the session.
    last_used: Instant,
    /// The handler rmcp made for the session, which answers its calls at the
    /// front too.
    handler: PatternServer,
    /// When a request of the session last went to rmcp.
    rmcp_heard: Instant,
}

impl Session {
    /// Whether rmcp heard from the session less than `window` ago.
    fn heard_within(&self, window: Duration, now: Instant) -> bool {
        now.saturating_duration_since(self.rmcp_heard) < window
    }
}

/// A session id presented with a request.
enum Presented {
    /// rmcp does not hold it: rmcp answers 404.
    Unknown,
    /// Open and the caller's, with its handler when its calls may be
    /// answered at the front.
    Theirs { front: Option<PatternServer> },
    /// Open but opened by another principal, or rmcp holds it without its
    /// opener on record: nobody may use it then (fail closed).
    NotTheirs,
}

/// The sessions we know of, and how many are being opened right now.
#[derive(Default)]
struct Book {
    /// Entries of sessions rmcp has ended by itself (idle expiry, a failed
    /// handshake) are pruned whenever a session is opened.
    opened: HashMap<SessionId, Session>,
    opening: usize,
}

type Handle = Arc<dyn Fn(Request) -> BoxFuture<'static, Response> + Send + Sync>;
type Factory = Arc<dyn Fn(Principal) -> PatternServer + Send + Sync>;

/// The Streamable HTTP endpoint with its sessions.
pub struct StreamableHttp {
    handle: Handle,
    /// The handler of one request, for the calls answered beside rmcp.
    factory: Factory,
    /// Cancelled when the streams end at shutdown: a call answered beside
    /// rmcp ends then too.
    streams_end: CancellationToken,
    sessions: Arc<Sessions>,
    book: Mutex<Book>,
    /// How long after rmcp last heard from a session its calls may be
    /// answered at the front: a fifth of the idle time after which rmcp
    /// ends the session.
    heard_window: Duration,
    quota: SessionQuota,
    max_body_bytes: usize,
    /// POSTs whose answer is not yet sent: shutdown waits for them.
    in_flight: InFlight,
}

impl std::fmt::Debug for StreamableHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamableHttp").field("quota", &self.quota).finish_non_exhaustive()
    }
}

impl StreamableHttp {
    pub fn new<F>(
        factory: Arc<F>,
        config: &HttpConfig,
        shutdown: &CancellationToken,
        in_flight: InFlight,
    ) -> Self
    where
        F: Fn(Principal) -> PatternServer + Send + Sync + 'static,
    {
        let sessions = Arc::new(Sessions::idle_for(config.session_idle));
        let streams_end = shutdown.child_token();
        // Host and Origin are checked for every route by `host::check_host_and_origin`;
        // the body limit is enforced before the body is read by the router's layer,
        // and again by `read_body` while it streams.
        // On the 2026-07-28 wire an answer with nothing before it is sent as
        // `application/json`, not as an event stream of one event: no stream
        // to frame and keep alive per request (sessions of earlier revisions
        // always stream, as rmcp serves them).
        let service_config = StreamableHttpServerConfig::default()
            .with_json_response(true)
            .with_sse_keep_alive(Some(config.sse_keep_alive))
            .with_cancellation_token(streams_end.clone())
            .with_max_request_body_bytes(config.max_body_bytes)
            .disable_allowed_hosts()
            .disable_allowed_origins();
        let for_rmcp = factory.clone();
        let service = StreamableHttpService::new(
            move || {
                PRINCIPAL
                    .try_with(|caller| {
                        let handler = for_rmcp(caller.principal.clone());
                        *lock(&caller.made) = Some(handler.clone());
                        handler
                    })
                    .map_err(|_| {
                        std::io::Error::other("no authenticated principal for this request")
                    })
            },
            sessions.clone(),
            service_config,
        );
        let handle: Handle = Arc::new(move |request| {
            let service = service.clone();
            Box::pin(async move { service.handle(request).await.map(Body::new) })
        });
        Self {
            handle,
            factory,
            streams_end,
            sessions,
            book: Mutex::new(Book::default()),
            heard_window: config.session_idle / 5,
            quota: config.session_quota(),
            max_body_bytes: config.max_body_bytes,
            in_flight,
        }
    }

    /// Sessions open now.
    pub async fn session_count(&self) -> usize {
        self.sessions.local.sessions.read().await.len()
    }

    /// The session `id` as rmcp and the book know it, for a request of
    /// `caller`; marks it used when it is the caller's. When the session's
    /// calls may not go to the front because rmcp has not heard from it
    /// lately, the request is counted as heard: it goes to rmcp.
    async fn open_session(&self, id: &SessionId, caller: &Principal) -> Presented {
        // rmcp ends sessions by itself (DELETE, idle expiry): ask it.
        if !self.sessions.has_session(id).await.unwrap_or(false) {
            return Presented::Unknown;
        }
        let mut book = self.book();
        let Some(session) = book.opened.get_mut(id).filter(|s| s.owner == *caller) else {
            return Presented::NotTheirs;
        };
        let now = Instant::now();
        session.last_used = now;
        let front = if session.heard_within(self.heard_window, now) {
            Some(session.handler.clone()).filter(|h| !h.logs_to_client())
        } else {
            session.rmcp_heard = now;
            None
        };
        Presented::Theirs { front }
    }

    /// Makes room for one more session of `owner` (ending its own longest
    /// idle one, or one of the largest holder's when all are taken) and
    /// counts it as being opened until the returned guard is dropped.
    async fn reserve(&self, owner: &str) -> Result<Opening<'_>, HttpError> {
        let ended = {
            // rmcp's map stays locked while the book is pruned: a session
            // opened and recorded between a copy of the map and the pruning
            // would be dropped from the book though open, escaping both its
            // owner binding and the quotas.
            let live = self.sessions.local.sessions.read().await;
            let mut book = self.book();
            book.opened.retain(|id, _| live.contains_key(id));
            let held = book.opened.iter().map(|(id, s)| Held {
                id,
                owner: &s.owner.id,
                last_used: s.last_used,
            });
            let ended = self.quota.make_room(held, book.opening, owner)?;
            book.opening += 1;
            self.forget(&mut book, &ended)
        };
        let opening = Opening(self);
        self.close(ended, "to make room for a new session").await;
        Ok(opening)
    }

    /// Keeps the session rmcp just opened, then ends the owner's longest
    /// idle sessions beyond its quota (sessions opened concurrently can
    /// all pass `reserve`).
    async fn record(&self, id: SessionId, session: Session) {
        let ended = {
            let mut book = self.book();
            let owner = session.owner.id.clone();
            let own = book.opened.iter().filter(|(_, s)| s.owner.id == owner).map(|(id, s)| Held {
                id,
                owner: &s.owner.id,
                last_used: s.last_used,
            });
            let per_principal = SessionQuota { max: usize::MAX, ..self.quota };
            let ended = per_principal.make_room(own, 0, &owner).unwrap_or_default();
            book.opened.insert(id, session);
            self.forget(&mut book, &ended)
        };
        self.close(ended, "its principal opened more than its quota").await;
    }

    /// Removes `ids` from the book; returns those it held, with their owners.
    fn forget(&self, book: &mut Book, ids: &[SessionId]) -> Vec<(SessionId, String)> {
        ids.iter()
            .filter_map(|id| book.opened.remove(id).map(|s| (id.clone(), s.owner.id)))
            .collect()
    }

    /// Ends sessions through rmcp, which ends their streams and forgets them.
    async fn close(&self, ended: Vec<(SessionId, String)>, why: &str) {
        for (id, owner) in ended {
            tracing::info!(session = %id, principal = %owner, "ending the longest idle session {why}");
            if let Err(e) = self.sessions.close_session(&id).await {
                tracing::debug!(session = %id, error = %e, "the session was already ending");
            }
        }
    }

    fn book(&self) -> MutexGuard<'_, Book> {
        lock(&self.book)
    }

    /// Answers a plain `tools/call` (`front.rs`) with `server`, as rmcp
    /// would: the call's result, or its JSON-RPC error, as one JSON body.
    /// When the streams end at shutdown first, the exchange ends as rmcp ends
    /// a stateless one then.
    async fn call_directly(&self, server: PatternServer, mut call: PlainCall) -> Response {
        let arguments = call.params.arguments.take();
        let outcome = tokio::select! {
            outcome = server.call(&call.params.name, arguments) => outcome,
            // rmcp's own answer then is a 500 as well.
            () = self.streams_end.cancelled() => {
                return internal_error("the server shut down before the call finished");
            }
        };
        let message = match outcome {
            Ok(result) => ServerJsonRpcMessage::response(call.answer(result), call.id),
            Err(error) => ServerJsonRpcMessage::error(error, Some(call.id)),
        };
        match serde_json::to_vec(&message) {
            Ok(body) => {
                (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "application/json")], body)
                    .into_response()
            }
            Err(e) => internal_error(&format!("could not serialise the answer: {e}")),
        }
    }
}

/// A session being opened: counted against the global bound until dropped.
struct Opening<'a>(&'a StreamableHttp);

impl Drop for Opening<'_> {
    fn drop(&mut self) {
        self.0.book().opening -= 1;
    }
}

/// Any method on `/mcp`: refuses a session id presented by anyone but its
/// opener, reads a POST's body within the limit and refuses a malformed one,
/// makes room for a new session within the quotas, and lets rmcp answer
/// with the principal in scope.
pub async fn mcp_endpoint(State(mcp): State<Arc<StreamableHttp>>, request: Request) -> Response {
    let principal =
        request.extensions().get::<Principal>().cloned().unwrap_or_else(Principal::local);
    let session_id: Option<SessionId> =
        request.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(SessionId::from);
    let mut session_front = None;
    let not_theirs = match &session_id {
        Some(id) => match mcp.open_session(id, &principal).await {
            Presented::Theirs { front } => {
                session_front = front;
                false
            }
            Presented::NotTheirs => true,
            Presented::Unknown => false,
        },
        None => false,
    };
    if not_theirs {
        // Read the body first (within the limit): hyper closes a connection
        // whose request body was left unread, and a pooled client would see
        // its next request on it fail.
        let _ = read_body(request.into_body(), mcp.max_body_bytes).await;
        // The same answer as rmcp's for an unknown session: nothing tells
        // the caller that the id exists.
        return (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response();
    }
    let (parts, body) = request.into_parts();
    let mut opening = None;
    let mut pending = None;
    let request = if parts.method == Method::POST {
        // Counted until its answer (a JSON body or an event stream) is sent.
        pending = Some(mcp.in_flight.enter());
        let body = match read_body(body, mcp.max_body_bytes).await {
            Ok(body) => body,
            Err(e) => return e.into_response(),
        };
        // A `tools/call` in its plain shape needs no general check: that
        // would accept it as the same call, and it opens no session.
        let front = match crate::jsonrpc::plain_call(&body) {
            // A stateless call gets a handler made for it, a session's the
            // session's own.
            Some(call) => match &session_id {
                None => front::stateless_call(&parts.headers, call).map(|call| (call, None)),
                Some(_) => session_front.and_then(|handler| {
                    front::session_call(&parts.headers, call).map(|call| (call, Some(handler)))
                }),
            },
            None => {
                let message = match crate::jsonrpc::check(&body) {
                    Ok(message) => message,
                    Err(rejection) => return refused(&rejection),
                };
                if session_id.is_none() && opens_a_session(&message) {
                    match mcp.reserve(&principal.id).await {
                        Ok(reserved) => opening = Some(reserved),
                        Err(e) => return e.into_response(),
                    }
                }
                None
            }
        };
        if let Some((call, handler)) = front {
            let handler = handler.unwrap_or_else(|| (mcp.factory)(principal));
            let response = mcp.call_directly(handler, call).await;
            return answered(response, pending);
        }
        Request::from_parts(parts, Body::from(body))
    } else {
        Request::from_parts(parts, body)
    };
    let owner = principal.clone();
    let is_delete = request.method() == Method::DELETE;
    let caller = Caller { principal, made: Mutex::new(None) };
    let (mut response, made) = PRINCIPAL
        .scope(caller, async {
            let response = (mcp.handle)(request).await;
            (response, PRINCIPAL.with(|caller| lock(&caller.made).take()))
        })
        .await;
    if is_delete && response.status() == StatusCode::ACCEPTED {
        // rmcp answers a session DELETE with 202; clients (the Python SDK
        // among them) expect 200 or 204 and log 202 as a failure.
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    if session_id.is_none()
        && let Some(id) = response.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok())
    {
        let id = SessionId::from(id);
        match made {
            Some(handler) => {
                let now = Instant::now();
                let session = Session { owner, last_used: now, handler, rmcp_heard: now };
                mcp.record(id, session).await;
            }
            // rmcp opens a session only with a handler from the factory,
            // so this cannot happen; if it did, closing it fails closed.
            None => mcp.close(vec![(id, owner.id)], "no handler was made for it").await,
        }
    }
    drop(opening);
    answered(response, pending)
}

/// `response`, counted as in flight (when `pending` is) until hyper has sent
/// or dropped its body.
fn answered(response: Response, pending: Option<Pending>) -> Response {
    match pending {
        // The guard lives in the body, which hyper drops once it has sent it.
        Some(pending) => response.map(|body| {
            Body::new(body.map_frame(move |frame| {
                let _answering = &pending;
                frame
            }))
        }),
        None => response,
    }
}

fn internal_error(why: &str) -> Response {
    tracing::warn!(reason = why, "a stateless call ended without its answer");
    (StatusCode::INTERNAL_SERVER_ERROR, why.to_owned()).into_response()
}

/// 400 for a body that is not one JSON-RPC message rmcp can take (malformed,
/// not UTF-8, too deep, a batch, wrong params), with the JSON-RPC error
/// (`-32700`, `-32600` or `-32602`) and the id the client sent, so the client
/// learns what to fix instead of a media-type error from rmcp.
fn refused(rejection: &crate::jsonrpc::Rejection) -> Response {
    tracing::warn!(
        code = rejection.code(),
        id = rejection.id_text(),
        reason = rejection.message(),
        "refused a JSON-RPC message on /mcp"
    );
    let body = rejection.reply().unwrap_or_else(|| {
        let message = serde_json::Value::String(rejection.message().to_owned());
        format!(
            r#"{{"jsonrpc":"2.0","id":null,"error":{{"code":{},"message":{message}}}}}"#,
            rejection.code()
        )
    });
    (StatusCode::BAD_REQUEST, [(axum::http::header::CONTENT_TYPE, "application/json")], body)
        .into_response()
}

/// The whole body, or 413 once it passes `limit` (a chunked body has no
/// `Content-Length` for the router's layer to refuse it by).
async fn read_body(body: Body, limit: usize) -> Result<Bytes, HttpError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(error) = source {
            if error.is::<LengthLimitError>() {
                return HttpError::PayloadTooLarge(limit);
            }
            source = error.source();
        }
        HttpError::BadRequest(format!("unreadable body: {e}"))
    })
}

/// Whether `message` is an `initialize` request, the only message that makes
/// rmcp open a session.
fn opens_a_session(message: &ClientJsonRpcMessage) -> bool {
    matches!(
        message,
        ClientJsonRpcMessage::Request(JsonRpcRequest {
            request: ClientRequest::InitializeRequest(_),
            ..
        })
    )
}
