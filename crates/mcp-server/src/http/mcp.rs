//! `/mcp`: rmcp's Streamable HTTP service, with one handler per session made from the caller's principal.
//!
//! rmcp's service factory takes no arguments, so the principal reaches it
//! through a task-local set around each request: rmcp calls the factory
//! inside the request's future (when a session is created, and per request
//! in stateless mode). The handler it makes is kept beside the session's
//! id, with the principal that opened it: its id presented with another
//! principal's token is answered like an unknown session, and a cached call
//! of the session is answered with that handler without rmcp
//! (`cached_call.rs`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use rmcp::transport::streamable_http_server::SessionId;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::http::cached_call;
use crate::http::config::HttpConfig;
use crate::http::error::HttpError;
use crate::http::state::AppState;
use crate::server::PatternServer;
use pattern_engine::Principal;

/// The session header of the Streamable HTTP transport.
pub const SESSION_HEADER: &str = "mcp-session-id";

tokio::task_local! {
    /// The request rmcp is handling: its principal, for the service factory,
    /// and the handler the factory made for it, if it made one.
    static REQUEST: RequestScope;
}

struct RequestScope {
    principal: Principal,
    made: RefCell<Option<PatternServer>>,
}

/// What is kept of an open session besides rmcp's own state.
#[derive(Clone)]
struct Session {
    /// Principal id of the session's opener.
    owner: String,
    /// A clone of the handler rmcp serves the session with (clones share
    /// the session's state, such as the log level it asked for).
    handler: PatternServer,
}

type Handle = Arc<dyn Fn(Request) -> BoxFuture<'static, Response> + Send + Sync>;

/// The Streamable HTTP endpoint with its sessions.
pub struct StreamableHttp {
    handle: Handle,
    sessions: Arc<LocalSessionManager>,
    /// Owner and handler of each session. Entries of ended sessions are
    /// pruned whenever a session is opened, so the map stays bounded by
    /// `max_sessions`.
    opened: Mutex<HashMap<SessionId, Session>>,
    max_sessions: usize,
    max_body_bytes: usize,
}

impl std::fmt::Debug for StreamableHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamableHttp")
            .field("max_sessions", &self.max_sessions)
            .finish_non_exhaustive()
    }
}

impl StreamableHttp {
    pub fn new<F>(factory: Arc<F>, config: &HttpConfig, shutdown: &CancellationToken) -> Self
    where
        F: Fn(Principal) -> PatternServer + Send + Sync + 'static,
    {
        let sessions = Arc::new(LocalSessionManager::default());
        // Host and Origin are checked for every route by `host::check_host_and_origin`;
        // the body limit is enforced before the body is read by the router's layer,
        // and again here while it streams.
        let service_config = StreamableHttpServerConfig::default()
            .with_sse_keep_alive(Some(config.sse_keep_alive))
            .with_cancellation_token(shutdown.child_token())
            .with_max_request_body_bytes(config.max_body_bytes)
            .disable_allowed_hosts()
            .disable_allowed_origins();
        let service = StreamableHttpService::new(
            move || {
                REQUEST
                    .try_with(|scope| {
                        let handler = factory(scope.principal.clone());
                        *scope.made.borrow_mut() = Some(handler.clone());
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
            sessions,
            opened: Mutex::new(HashMap::new()),
            max_sessions: config.max_sessions,
            max_body_bytes: config.max_body_bytes,
        }
    }

    /// Sessions open now.
    pub async fn session_count(&self) -> usize {
        self.sessions.sessions.read().await.len()
    }

    /// The session `id` if it is still open.
    async fn open_session(&self, id: &SessionId) -> Option<Session> {
        let session = self.opened.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned()?;
        // rmcp ends sessions by itself (DELETE, idle expiry): ask it.
        self.sessions.sessions.read().await.contains_key(id).then_some(session)
    }

    async fn record_session(&self, id: SessionId, session: Session) {
        let live: Vec<SessionId> = self.sessions.sessions.read().await.keys().cloned().collect();
        let mut opened = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        opened.retain(|id, _| live.contains(id));
        opened.insert(id, session);
    }
}

/// Any method on `/mcp`: checks the session's owner and the session bound,
/// answers a cached call of an open session itself, and lets rmcp answer
/// everything else with the principal in scope.
pub async fn mcp_endpoint(State(state): State<AppState>, request: Request) -> Response {
    let mcp = state.mcp();
    let principal =
        request.extensions().get::<Principal>().cloned().unwrap_or_else(Principal::local);
    let session_id: Option<SessionId> =
        request.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(SessionId::from);
    let session = match &session_id {
        Some(id) => mcp.open_session(id).await,
        None => None,
    };
    if session.as_ref().is_some_and(|s| s.owner != principal.id) {
        // The same answer as for an unknown session: nothing tells the
        // caller that the id exists.
        return (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response();
    }
    if session_id.is_none()
        && request.method() == Method::POST
        && mcp.session_count().await >= mcp.max_sessions
    {
        return HttpError::TooManySessions(mcp.max_sessions).into_response();
    }
    let request = match session {
        Some(session) => {
            match cached_call::answer(&session.handler, request, mcp.max_body_bytes).await {
                Ok(answered) => return answered,
                Err(request) => request,
            }
        }
        None => request,
    };
    let owner = principal.id.clone();
    let is_delete = request.method() == Method::DELETE;
    let scope = RequestScope { principal, made: RefCell::new(None) };
    let (mut response, made) = REQUEST
        .scope(scope, async {
            let response = (mcp.handle)(request).await;
            (response, REQUEST.with(|scope| scope.made.take()))
        })
        .await;
    if is_delete && response.status() == StatusCode::ACCEPTED {
        // rmcp answers a session DELETE with 202; clients (the Python SDK
        // among them) expect 200 or 204 and log 202 as a failure.
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    if session_id.is_none()
        && let Some(id) = response.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok())
        && let Some(handler) = made
    {
        mcp.record_session(SessionId::from(id), Session { owner, handler }).await;
    }
    response
}
