//! `/sse` + `/message`: the legacy HTTP+SSE transport (MCP 2024-11-05), built on rmcp's Sink+Stream transport.
//!
//! `GET /sse` opens a session: its first event is `endpoint` with the URL to
//! POST to, then one `message` event per server→client JSON-RPC message,
//! with comment lines as keep-alives. `POST /message?sessionId=ID` hands one
//! client→server message to the session and answers 202; the reply comes on
//! the stream. The session (and its rmcp service) ends when the stream is
//! dropped: client gone, or server shutting down.

mod registry;

use std::collections::hash_map::Entry;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::SinkExt;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, Stream, StreamExt};
use rmcp::model::{ClientJsonRpcMessage, GetExtensions, JsonRpcMessage, ServerJsonRpcMessage};
use rmcp::{ServerHandler, ServiceExt};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, PollSendError, PollSender};

pub use registry::SseSessions;
use registry::{Mailbox, Unanswered};

use crate::http::config::HttpConfig;
use crate::http::drain::InFlight;
use crate::http::error::HttpError;
use crate::http::lock;
use crate::stdio::session::{Admit, Session};
use pattern_engine::Principal;

/// Messages buffered per direction per session; a full inbox makes the
/// POST wait, a full outbox makes the handler wait.
const CHANNEL_CAPACITY: usize = 32;

/// The path clients POST to; sent in the `endpoint` event.
pub const MESSAGE_PATH: &str = "/message";

/// Runs one session's rmcp service until the client leaves or `cancel` fires.
type ServeSession = Arc<
    dyn Fn(
            Principal,
            PollSender<ServerJsonRpcMessage>,
            mpsc::Receiver<ClientJsonRpcMessage>,
            CancellationToken,
        ) -> BoxFuture<'static, ()>
        + Send
        + Sync,
>;

/// The legacy transport: its sessions and how to serve one.
pub struct LegacySse {
    sessions: SseSessions,
    serve: ServeSession,
    keep_alive: Duration,
    /// Cancelled when the server shuts down; ends every stream.
    shutdown: CancellationToken,
    /// Requests whose answers are not yet on their stream: shutdown waits
    /// for them.
    in_flight: InFlight,
}

impl std::fmt::Debug for LegacySse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacySse").field("sessions", &self.sessions).finish_non_exhaustive()
    }
}

impl LegacySse {
    pub fn new<H, F>(
        factory: Arc<F>,
        config: &HttpConfig,
        shutdown: CancellationToken,
        in_flight: InFlight,
    ) -> Self
    where
        H: ServerHandler + Send + 'static,
        F: Fn(Principal) -> H + Send + Sync + 'static,
    {
        let serve: ServeSession = Arc::new(move |principal, outbox, inbox, cancel| {
            let handler = factory(principal);
            Box::pin(async move {
                // The session rules of stdio stand between the POSTs and rmcp:
                // a request before `initialize` is told so (rmcp would take it
                // for the initialize-free lifecycle and answer about `_meta`),
                // and a request whose id is in flight is refused.
                let rules = Arc::new(Mutex::new(Session::default()));
                let (admitted_tx, mut admitted) = mpsc::channel(CHANNEL_CAPACITY);
                tokio::spawn(admit(inbox, admitted_tx, outbox.clone(), Arc::clone(&rules)));
                let outbox = outbox.with(move |message: ServerJsonRpcMessage| {
                    lock(&rules).sent(&message);
                    futures::future::ready(Ok::<_, PollSendError<ServerJsonRpcMessage>>(message))
                });
                let inbox = futures::stream::poll_fn(move |cx| admitted.poll_recv(cx));
                match handler.serve_with_ct((outbox, inbox), cancel).await {
                    Ok(running) => {
                        let reason = running.waiting().await;
                        tracing::debug!(?reason, "SSE session ended");
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "SSE session ended before initialization")
                    }
                }
            })
        });
        Self {
            sessions: SseSessions::new(config.session_quota()),
            serve,
            keep_alive: config.sse_keep_alive,
            shutdown,
            in_flight,
        }
    }

    pub fn sessions(&self) -> &SseSessions {
        &self.sessions
    }
}

/// Hands each POSTed message that the session rules admit to rmcp, and
/// answers a refused request on the stream itself.
async fn admit(
    mut inbox: mpsc::Receiver<ClientJsonRpcMessage>,
    admitted: mpsc::Sender<ClientJsonRpcMessage>,
    mut outbox: PollSender<ServerJsonRpcMessage>,
    rules: Arc<Mutex<Session>>,
) {
    while let Some(message) = inbox.recv().await {
        let decision = lock(&rules).admit(message);
        match decision {
            Admit::Forward(message) => {
                if admitted.send(*message).await.is_err() {
                    return;
                }
            }
            Admit::Reject(rejection) => {
                tracing::warn!(
                    code = rejection.code(),
                    id = rejection.id_text(),
                    reason = rejection.message(),
                    "refused a JSON-RPC message on /message"
                );
                let Some(reply) = rejection.reply() else { continue };
                match serde_json::from_str::<ServerJsonRpcMessage>(&reply) {
                    Ok(reply) => {
                        if outbox.send(reply).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "a refusal could not be framed; dropped"),
                }
            }
            Admit::Drop(why) => tracing::warn!(reason = why, "message ignored on /message"),
        }
    }
}

/// `GET /sse`: opens a session for the authenticated principal.
pub async fn sse_endpoint(
    State(sse): State<Arc<LegacySse>>,
    parts: Parts,
) -> Result<Response, HttpError> {
    let principal = parts.extensions.get::<Principal>().cloned().unwrap_or_else(Principal::local);
    let (inbox_tx, inbox_rx) = mpsc::channel(CHANNEL_CAPACITY);
    let (outbox_tx, outbox_rx) = mpsc::channel::<ServerJsonRpcMessage>(CHANNEL_CAPACITY);
    let cancel = sse.shutdown.child_token();
    let unanswered = Unanswered::default();
    let mailbox = Mailbox { inbox: inbox_tx, unanswered: Arc::clone(&unanswered) };
    let id = sse.sessions.open(&principal, mailbox, cancel.clone())?;
    tracing::debug!(session = %id, principal = %principal.id, "SSE session opened");

    let service = (sse.serve)(principal, PollSender::new(outbox_tx), inbox_rx, cancel.clone());
    let cleanup = SessionGuard { id: id.clone(), sse: sse.clone(), cancel: cancel.clone() };
    tokio::spawn(async move {
        service.await;
        // The service ended on its own (or was cancelled): end the stream too.
        drop(cleanup);
    });

    let endpoint =
        Event::default().event("endpoint").data(format!("{MESSAGE_PATH}?sessionId={id}"));
    let mut outbox_rx = outbox_rx;
    let messages = futures::stream::poll_fn(move |cx| outbox_rx.poll_recv(cx))
        .filter_map(move |message| futures::future::ready(event_of(&message, &unanswered)));
    let events = futures::stream::once(async move { endpoint })
        .chain(messages)
        .map(Ok::<_, Infallible>)
        .take_until(cancel.clone().cancelled_owned())
        .boxed();
    let keep_alive = sse.keep_alive;
    let guard = SessionGuard { id, sse, cancel };
    let stream = GuardedStream { events, _guard: guard };
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(keep_alive)).into_response())
}

/// The `message` event of a server message. An answer is no longer in
/// flight once it is the stream's next event.
fn event_of(message: &ServerJsonRpcMessage, unanswered: &Unanswered) -> Option<Event> {
    let id = match message {
        JsonRpcMessage::Response(response) => Some(&response.id),
        JsonRpcMessage::Error(error) => error.id.as_ref(),
        _ => None,
    };
    if let Some(id) = id {
        lock(unanswered).remove(id);
    }
    match serde_json::to_string(message) {
        Ok(json) => Some(Event::default().event("message").data(json)),
        Err(e) => {
            tracing::warn!(error = %e, "a server message could not be serialised; dropped");
            None
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MessageQuery {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
}

/// `POST /message?sessionId=ID`: 202 once the message is handed to the
/// session, 404 for an unknown session or one opened by another principal
/// (or the same principal id with other rights), 400 for a body that is not
/// one JSON-RPC message.
pub async fn message_endpoint(
    State(sse): State<Arc<LegacySse>>,
    query: Result<Query<MessageQuery>, QueryRejection>,
    parts: Parts,
    body: Bytes,
) -> Result<StatusCode, HttpError> {
    let principal = parts.extensions.get::<Principal>().cloned().unwrap_or_else(Principal::local);
    let session_id = query.ok().and_then(|Query(q)| q.session_id).ok_or_else(|| {
        HttpError::BadRequest("the `sessionId` query parameter is required".into())
    })?;
    let mailbox = sse
        .sessions
        .mailbox(&session_id, &principal)
        .ok_or_else(|| HttpError::UnknownSseSession(shown(&session_id)))?;
    let mut message: ClientJsonRpcMessage = serde_json::from_slice(&body)
        .map_err(|e| HttpError::BadRequest(format!("the body is not a JSON-RPC message: {e}")))?;
    let mut counted = None;
    // As rmcp's Streamable HTTP does: handlers find the HTTP request (and the
    // principal in its extensions) in `RequestContext::extensions`.
    match &mut message {
        ClientJsonRpcMessage::Request(request) => {
            request.request.extensions_mut().insert(parts);
            // In flight until its answer is on the stream. A second request
            // with an id already in flight is refused on the stream with that
            // id; it is not counted again.
            if let Entry::Vacant(entry) = lock(&mailbox.unanswered).entry(request.id.clone()) {
                entry.insert(sse.in_flight.enter());
                counted = Some(request.id.clone());
            }
        }
        ClientJsonRpcMessage::Notification(notification) => {
            notification.notification.extensions_mut().insert(parts);
        }
        _ => {}
    }
    if mailbox.inbox.send(message).await.is_err() {
        if let Some(id) = counted {
            lock(&mailbox.unanswered).remove(&id);
        }
        return Err(HttpError::UnknownSseSession(shown(&session_id)));
    }
    Ok(StatusCode::ACCEPTED)
}

fn shown(session_id: &str) -> String {
    session_id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect()
}

/// Ends a session when dropped: cancels its service and forgets its id.
struct SessionGuard {
    id: String,
    sse: Arc<LegacySse>,
    cancel: CancellationToken,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.sse.sessions.close(&self.id);
    }
}

/// The event stream of one session, owning the guard that ends it.
struct GuardedStream {
    events: BoxStream<'static, Result<Event, Infallible>>,
    _guard: SessionGuard,
}

impl Stream for GuardedStream {
    type Item = Result<Event, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_next_unpin(cx)
    }
}
