//! `/mcp`: rmcp's Streamable HTTP service, with one handler per session made from the caller's principal.
//!
//! rmcp's service factory takes no arguments, so the principal reaches it
//! through a task-local set around each request: rmcp calls the factory
//! inside the request's future (when a session is created, and per request
//! in stateless mode). Each session is bound to the principal that opened
//! it; its id presented with another principal's token is answered like an
//! unknown session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use rmcp::ServerHandler;
use rmcp::transport::streamable_http_server::SessionId;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::http::config::HttpConfig;
use crate::http::error::HttpError;
use crate::http::state::AppState;
use pattern_engine::Principal;

/// The session header of the Streamable HTTP transport.
pub const SESSION_HEADER: &str = "mcp-session-id";

tokio::task_local! {
    /// The principal of the request rmcp is handling, for the service factory.
    static REQUEST_PRINCIPAL: Principal;
}

type Handle = Arc<dyn Fn(Request) -> BoxFuture<'static, Response> + Send + Sync>;

/// The Streamable HTTP endpoint with its sessions.
pub struct StreamableHttp {
    handle: Handle,
    sessions: Arc<LocalSessionManager>,
    /// Principal id of each session's opener. Entries of ended sessions are
    /// pruned whenever a session is opened, so the map stays bounded by
    /// `max_sessions`.
    owners: Mutex<HashMap<SessionId, String>>,
    max_sessions: usize,
}

impl std::fmt::Debug for StreamableHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamableHttp")
            .field("max_sessions", &self.max_sessions)
            .finish_non_exhaustive()
    }
}

impl StreamableHttp {
    pub fn new<H, F>(factory: Arc<F>, config: &HttpConfig, shutdown: &CancellationToken) -> Self
    where
        H: ServerHandler + Send + 'static,
        F: Fn(Principal) -> H + Send + Sync + 'static,
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
                REQUEST_PRINCIPAL.try_with(|principal| factory(principal.clone())).map_err(|_| {
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
            owners: Mutex::new(HashMap::new()),
            max_sessions: config.max_sessions,
        }
    }

    /// Sessions open now.
    pub async fn session_count(&self) -> usize {
        self.sessions.sessions.read().await.len()
    }

    fn owner(&self, id: &SessionId) -> Option<String> {
        self.owners.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    async fn record_owner(&self, id: SessionId, principal_id: String) {
        let live: Vec<SessionId> = self.sessions.sessions.read().await.keys().cloned().collect();
        let mut owners = self.owners.lock().unwrap_or_else(|p| p.into_inner());
        owners.retain(|id, _| live.contains(id));
        owners.insert(id, principal_id);
    }
}

/// Any method on `/mcp`: checks the session's owner and the session bound,
/// then lets rmcp answer with the principal in scope.
pub async fn mcp_endpoint(State(state): State<AppState>, request: Request) -> Response {
    let mcp = state.mcp();
    let principal =
        request.extensions().get::<Principal>().cloned().unwrap_or_else(Principal::local);
    let session: Option<SessionId> =
        request.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(SessionId::from);
    if let Some(id) = &session
        && mcp.owner(id).is_some_and(|owner| owner != principal.id)
    {
        // The same answer as for an unknown session: nothing tells the
        // caller that the id exists.
        return (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response();
    }
    if session.is_none()
        && request.method() == Method::POST
        && mcp.session_count().await >= mcp.max_sessions
    {
        return HttpError::TooManySessions(mcp.max_sessions).into_response();
    }
    let principal_id = principal.id.clone();
    let is_delete = request.method() == Method::DELETE;
    let mut response = REQUEST_PRINCIPAL.scope(principal, (mcp.handle)(request)).await;
    if is_delete && response.status() == StatusCode::ACCEPTED {
        // rmcp answers a session DELETE with 202; clients (the Python SDK
        // among them) expect 200 or 204 and log 202 as a failure.
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    if session.is_none()
        && let Some(id) = response.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok())
    {
        mcp.record_owner(SessionId::from(id), principal_id).await;
    }
    response
}
