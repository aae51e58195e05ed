//! One downstream server: its link state, cached tools and counters, and the supervisor task that keeps it connected.

use std::{
    pin::pin,
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use rmcp::{
    Peer, RoleClient, ServiceError,
    model::{CallToolRequestParams, CallToolResult},
};
use serde_json::{Map, Value};
use tokio::{sync::watch, time::Instant};
use tokio_util::sync::CancellationToken;

use super::{
    backoff::Backoff,
    child::ChildProcess,
    connect::{self, Connection},
    error::{ConnectError, DownstreamError, ListToolsError},
    handler::{PoolClient, SessionOwner},
    line_limit,
    spec::{CachePolicy, ServerSpec, Transport},
    status::ServerStatus,
    tools::{ToolEntry, ToolSet},
};

/// Where a server's session stands. Published through a `watch` channel so
/// callers can wait for a server that is starting, without polling.
#[derive(Clone)]
pub(crate) enum Link {
    Disabled,
    /// An attempt to start a session is under way; calls wait for it.
    Connecting,
    Up(Session),
    /// The session ended; the next attempt waits out the backoff.
    Down {
        reason: String,
    },
    /// The last attempt could not open a session. The next one waits out the
    /// backoff, unless the error says another would fail alike: then none follows.
    NotStarted(Arc<ConnectError>),
    /// The pool has shut down.
    Stopped,
}

/// The live session calls go through. Cloning it clones a few `Arc`s.
#[derive(Clone)]
pub(crate) struct Session {
    peer: Peer<RoleClient>,
    generation: u64,
}

impl Session {
    fn is_open(&self) -> bool {
        !self.peer.is_transport_closed()
    }
}

enum SessionEnd {
    Shutdown,
    Failed {
        reason: String,
        stable: bool,
    },
    /// No session could be opened.
    NotStarted(ConnectError),
}

pub(crate) struct Server {
    spec: ServerSpec,
    link: watch::Sender<Link>,
    /// Counts sessions; tells the current session's notifications from a stale one's.
    generation: AtomicU64,
    /// Whether a session was ever up, for `wait_ready`.
    ever_connected: AtomicBool,
    tools: RwLock<Arc<ToolSet>>,
    /// Tickets order concurrent refreshes: a list is stored only if no list
    /// requested after it has been stored already.
    tools_requested: AtomicU64,
    tools_stored: Mutex<u64>,
    calls: AtomicU64,
    errors: AtomicU64,
    restarts: AtomicU64,
    last_error: Mutex<Option<String>>,
    pid: Mutex<Option<u32>>,
    shutdown: CancellationToken,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Server {
    pub fn new(spec: ServerSpec, shutdown: CancellationToken) -> Arc<Self> {
        let link = if spec.enabled { Link::Connecting } else { Link::Disabled };
        Arc::new(Self {
            spec,
            link: watch::Sender::new(link),
            generation: AtomicU64::new(0),
            ever_connected: AtomicBool::new(false),
            tools: RwLock::new(Arc::default()),
            tools_requested: AtomicU64::new(0),
            tools_stored: Mutex::new(0),
            calls: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
            last_error: Mutex::new(None),
            pid: Mutex::new(None),
            shutdown,
        })
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn enabled(&self) -> bool {
        self.spec.enabled
    }

    pub fn cache_policy(&self) -> &CachePolicy {
        &self.spec.cache
    }

    fn current_session(&self) -> Option<Session> {
        match &*self.link.borrow() {
            Link::Up(session) if session.is_open() => Some(session.clone()),
            _ => None,
        }
    }

    /// The cached tools, while a session is up.
    pub fn connected_tools(&self) -> Option<Arc<ToolSet>> {
        self.current_session()?;
        Some(self.tools.read().unwrap_or_else(PoisonError::into_inner).clone())
    }

    pub fn tool(&self, name: &str) -> Option<ToolEntry> {
        self.connected_tools()?.get(name).map(|known| known.entry.clone())
    }

    pub fn status(&self) -> ServerStatus {
        let tools = self.connected_tools();
        ServerStatus {
            server: self.spec.name.clone(),
            enabled: self.spec.enabled,
            connected: tools.is_some(),
            tools: tools.map_or(0, |tools| tools.len() as u64),
            calls: self.calls.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            restarts: self.restarts.load(Ordering::Relaxed),
            last_error: locked(&self.last_error).clone(),
            pid: *locked(&self.pid),
        }
    }

    /// Waits until a session has been up at least once, or `deadline`; false
    /// at once for a server that cannot be started as configured.
    pub async fn wait_connected_once(&self, deadline: Instant) -> bool {
        let mut link = self.link.subscribe();
        let settled = link.wait_for(|link| {
            self.ever_connected.load(Ordering::Acquire)
                || matches!(link, Link::NotStarted(error) if !error.is_retryable())
        });
        let _ = tokio::time::timeout_at(deadline, settled).await;
        self.ever_connected.load(Ordering::Acquire)
    }

    /// Waits until a session is up now, or `deadline`.
    pub async fn wait_connected(&self, deadline: Instant) -> bool {
        let mut link = self.link.subscribe();
        let up = link.wait_for(|link| matches!(link, Link::Up(session) if session.is_open()));
        matches!(tokio::time::timeout_at(deadline, up).await, Ok(Ok(_)))
    }

    /// Calls a tool over the server's session: waits while the server is
    /// starting, checks the arguments, and bounds the whole call by the
    /// server's timeout. Dropping the future, or the timeout, sends
    /// `notifications/cancelled` (rmcp does it when its request future is dropped).
    pub async fn call(
        &self,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<CallToolResult, DownstreamError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let result = self.call_once(tool, arguments).await;
        if let Err(error) = &result {
            self.errors.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(server = %self.spec.name, tool, reason = error.reason(), %error, "downstream call failed");
        }
        result
    }

    async fn call_once(
        &self,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<CallToolResult, DownstreamError> {
        let deadline = Instant::now() + self.spec.timeout;
        let session = self.session_by(deadline).await?;
        let known = self
            .tools
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tool)
            .cloned()
            .ok_or_else(|| DownstreamError::UnknownTool {
                server: self.spec.name.clone(),
                tool: tool.to_owned(),
            })?;
        known.check.check(&arguments).map_err(|fault| DownstreamError::InvalidArguments {
            server: self.spec.name.clone(),
            tool: tool.to_owned(),
            field: fault.field,
            reason: fault.reason,
        })?;
        let mut params = CallToolRequestParams::new(tool.to_owned());
        params.arguments = Some(arguments);
        match tokio::time::timeout_at(deadline, session.peer.call_tool(params)).await {
            Err(_elapsed) => Err(DownstreamError::Timeout {
                server: self.spec.name.clone(),
                tool: tool.to_owned(),
                after: self.spec.timeout,
            }),
            Ok(Ok(result)) if result.is_error == Some(true) => Err(DownstreamError::Tool {
                server: self.spec.name.clone(),
                tool: tool.to_owned(),
                message: text_of(&result),
            }),
            Ok(Ok(result)) => Ok(result),
            Ok(Err(error)) => Err(self.call_error(tool, &session, error)),
        }
    }

    /// The session to call through, waiting (until `deadline`) while one is being started.
    async fn session_by(&self, deadline: Instant) -> Result<Session, DownstreamError> {
        let not_connected = |reason: String| DownstreamError::NotConnected {
            server: self.spec.name.clone(),
            reason,
        };
        let mut link = self.link.subscribe();
        let settled = link.wait_for(|link| !matches!(link, Link::Connecting));
        let link = match tokio::time::timeout_at(deadline, settled).await {
            Ok(Ok(link)) => (*link).clone(),
            Ok(Err(_closed)) => Link::Stopped,
            Err(_elapsed) => {
                return Err(not_connected(format!("still starting after {:?}", self.spec.timeout)));
            }
        };
        match link {
            Link::Up(session) if session.is_open() => Ok(session),
            Link::Up(_) => Err(not_connected("its session closed; restarting".into())),
            Link::Down { reason } => {
                Err(not_connected(format!("restarting after a failure: {reason}")))
            }
            Link::NotStarted(error) => Err(DownstreamError::not_started(&self.spec.name, &error)),
            Link::Disabled => Err(not_connected("disabled in the configuration".into())),
            Link::Stopped | Link::Connecting => Err(not_connected("the pool is shut down".into())),
        }
    }

    fn call_error(&self, tool: &str, session: &Session, error: ServiceError) -> DownstreamError {
        let server = self.spec.name.clone();
        let tool = tool.to_owned();
        let session_lost = match &error {
            ServiceError::TransportClosed => true,
            ServiceError::TransportSend(_) => {
                matches!(self.spec.transport, Transport::Stdio { .. })
            }
            _ => false,
        };
        if session_lost {
            if self.shutdown.is_cancelled() {
                return DownstreamError::NotConnected {
                    server,
                    reason: "the pool is shutting down".into(),
                };
            }
            // The supervisor will notice too, but only once rmcp's task has
            // finished; until then no new call should pick this session.
            if !session.is_open() {
                self.link.send_if_modified(|link| match link {
                    Link::Up(current) if current.generation == session.generation => {
                        *link = Link::Down { reason: "the session closed".into() };
                        true
                    }
                    _ => false,
                });
            }
            return DownstreamError::Crashed { server, tool };
        }
        match error {
            ServiceError::TransportSend(error) => {
                DownstreamError::NotConnected { server, reason: format!("request failed: {error}") }
            }
            ServiceError::McpError(data) if line_limit::is_too_large(&data) => {
                let number = |key: &str| {
                    data.data.as_ref().and_then(|d| d.get(key)).and_then(Value::as_u64).unwrap_or(0)
                };
                DownstreamError::ResultTooLarge {
                    server,
                    tool,
                    bytes: number("bytes"),
                    limit: number("limit"),
                }
            }
            ServiceError::McpError(data) => DownstreamError::Protocol {
                server,
                tool,
                code: Some(data.code.0),
                message: data.message.into_owned(),
            },
            other => {
                DownstreamError::Protocol { server, tool, code: None, message: other.to_string() }
            }
        }
    }

    /// Fetches and caches the tools list of session `generation`. Called once
    /// per session and on every `notifications/tools/list_changed`.
    pub async fn refresh_tools(
        &self,
        peer: &Peer<RoleClient>,
        generation: u64,
    ) -> Result<usize, ListToolsError> {
        let ticket = self.tools_requested.fetch_add(1, Ordering::AcqRel) + 1;
        let tools = match tokio::time::timeout(self.spec.timeout, peer.list_all_tools()).await {
            Ok(Ok(tools)) => tools,
            Ok(Err(source)) => return Err(ListToolsError::Failed { source: Box::new(source) }),
            Err(_) => return Err(ListToolsError::NoAnswer { after: self.spec.timeout }),
        };
        if self.generation.load(Ordering::Acquire) != generation {
            return Err(ListToolsError::Replaced);
        }
        let set = Arc::new(ToolSet::new(&self.spec.name, tools));
        let count = set.len();
        let mut stored = locked(&self.tools_stored);
        if ticket > *stored {
            *stored = ticket;
            *self.tools.write().unwrap_or_else(PoisonError::into_inner) = set;
            tracing::info!(server = %self.spec.name, tools = count, "cached the tools list");
        }
        Ok(count)
    }

    /// Keeps the server connected until shutdown: start, hold the session,
    /// and after a failure wait out the backoff and start again.
    pub async fn supervise(self: Arc<Self>) {
        if !self.spec.enabled {
            return;
        }
        let mut backoff = Backoff::default();
        loop {
            let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
            self.link.send_replace(Link::Connecting);
            let (reason, link) = match self.run_session(generation).await {
                SessionEnd::Shutdown => break,
                SessionEnd::Failed { reason, stable } => {
                    if stable {
                        backoff.reset();
                    }
                    (reason.clone(), Link::Down { reason })
                }
                SessionEnd::NotStarted(error) if !error.is_retryable() => {
                    tracing::error!(server = %self.spec.name, reason = %error, "downstream server cannot be started as configured; not retrying");
                    *locked(&self.last_error) = Some(error.to_string());
                    self.link.send_replace(Link::NotStarted(Arc::new(error)));
                    return;
                }
                SessionEnd::NotStarted(error) => {
                    (error.to_string(), Link::NotStarted(Arc::new(error)))
                }
            };
            let delay = backoff.next_delay();
            tracing::warn!(server = %self.spec.name, %reason, retry_in = ?delay, "downstream server unavailable");
            *locked(&self.last_error) = Some(reason);
            self.link.send_replace(link);
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.shutdown.cancelled() => break,
            }
            self.restarts.fetch_add(1, Ordering::Relaxed);
        }
        self.link.send_replace(Link::Stopped);
    }

    /// One session, from spawn to the end of the process; nothing of it is
    /// left running when this returns.
    async fn run_session(self: &Arc<Self>, generation: u64) -> SessionEnd {
        let client = PoolClient { server: Arc::downgrade(self), generation };
        let cancel = self.shutdown.child_token();
        let opened = connect::open(&self.spec, client, cancel.clone()).await;
        let Connection { running, mut child } = match opened {
            Ok(connection) => connection,
            Err(_) if self.shutdown.is_cancelled() => return SessionEnd::Shutdown,
            Err(error) => return SessionEnd::NotStarted(error),
        };
        *locked(&self.pid) = child.as_ref().and_then(ChildProcess::id);
        let peer = running.peer().clone();

        let mut up_for = Duration::ZERO;
        let mut session = pin!(running.waiting());
        let (mut reason, listed) = match self.refresh_tools(&peer, generation).await {
            Ok(count) => {
                self.ever_connected.store(true, Ordering::Release);
                self.link.send_replace(Link::Up(Session { peer, generation }));
                tracing::info!(server = %self.spec.name, tools = count, pid = ?*locked(&self.pid), "downstream server connected");
                let since = Instant::now();
                let ended = match child.as_mut() {
                    Some(child) => tokio::select! {
                        _ = &mut session => true,
                        _ = child.wait() => false,
                    },
                    None => {
                        let _ = (&mut session).await;
                        true
                    }
                };
                up_for = since.elapsed();
                if !ended {
                    // The process exited but something still holds its stdout open.
                    cancel.cancel();
                    let _ = session.await;
                }
                ("the session closed".to_owned(), true)
            }
            Err(reason) => {
                cancel.cancel();
                let _ = session.await;
                (reason.to_string(), false)
            }
        };
        if let Some(child) = child.as_mut()
            && let Some(status) = child.stop().await
        {
            reason = if listed {
                format!("the process ended ({status})")
            } else {
                format!("{reason}; the process ended ({status})")
            };
        }
        *locked(&self.pid) = None;
        if self.shutdown.is_cancelled() {
            return SessionEnd::Shutdown;
        }
        SessionEnd::Failed { reason, stable: up_for >= Backoff::STABLE_AFTER }
    }
}

impl SessionOwner for Server {
    fn name(&self) -> &str {
        &self.spec.name
    }

    async fn tools_changed(
        &self,
        peer: &Peer<RoleClient>,
        generation: u64,
    ) -> Result<usize, ListToolsError> {
        self.refresh_tools(peer, generation).await
    }
}

/// The text content of a result, joined: the message of a tool error.
fn text_of(result: &CallToolResult) -> String {
    let texts: Vec<&str> = result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.as_str()))
        .collect();
    if texts.is_empty() { "(no text)".to_owned() } else { texts.join("\n") }
}
