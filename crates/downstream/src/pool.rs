//! `DownstreamPool`: the configured downstream servers, started together and called by name.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use pattern_cache::ToolCaching;
use rmcp::model::CallToolResult;
use serde_json::{Map, Value};
use tokio::{task::JoinHandle, time::Instant};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::{
    error::DownstreamError, server::Server, spec::ServerSpec, status::ServerStatus,
    tools::ToolEntry,
};

/// One long-lived MCP client session per configured server, shared by all
/// calls to it. Send + Sync; held in an `Arc` by the engine.
pub struct DownstreamPool {
    /// In configuration order: listings follow it.
    servers: Vec<Arc<Server>>,
    by_name: HashMap<String, usize>,
    shutdown: CancellationToken,
    supervisors: Mutex<Vec<JoinHandle<()>>>,
}

impl DownstreamPool {
    /// Starts every enabled server concurrently in the background and returns
    /// at once. A server that fails to start is retried with backoff without
    /// holding up the others. Of two specs with one name, the first is kept.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    pub fn start(specs: Vec<ServerSpec>) -> Arc<Self> {
        let shutdown = CancellationToken::new();
        let mut servers = Vec::with_capacity(specs.len());
        let mut by_name = HashMap::with_capacity(specs.len());
        for spec in specs {
            if by_name.contains_key(&spec.name) {
                tracing::warn!(server = %spec.name, "a second downstream server with this name is ignored");
                continue;
            }
            by_name.insert(spec.name.clone(), servers.len());
            servers.push(Server::new(spec, shutdown.clone()));
        }
        let supervisors = servers
            .iter()
            .filter(|server| server.enabled())
            .map(|server| {
                let span = tracing::info_span!("downstream", server = %server.name());
                tokio::spawn(Arc::clone(server).supervise().instrument(span))
            })
            .collect();
        Arc::new(Self { servers, by_name, shutdown, supervisors: Mutex::new(supervisors) })
    }

    fn server(&self, name: &str) -> Result<&Arc<Server>, DownstreamError> {
        self.by_name
            .get(name)
            .map(|&index| &self.servers[index])
            .ok_or_else(|| DownstreamError::UnknownServer { server: name.to_owned() })
    }

    /// Whether a server of this name is configured (enabled or not).
    pub fn has_server(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// Whether no server is configured at all.
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }

    /// Waits until every enabled server has connected once, or `timeout`;
    /// true if all did. For tests and `pattern-mcp check`: serving never waits.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut all = true;
        for server in self.servers.iter().filter(|server| server.enabled()) {
            all &= server.wait_connected_once(deadline).await;
        }
        all
    }

    /// Waits until `server` has a session up now (after a restart, say), or `timeout`.
    pub async fn wait_connected(&self, server: &str, timeout: Duration) -> bool {
        match self.server(server) {
            Ok(server) => server.wait_connected(Instant::now() + timeout).await,
            Err(_) => false,
        }
    }

    /// The cached tools of every connected server, in configuration order,
    /// each server's in the order it listed them.
    pub fn tools(&self) -> Vec<ToolEntry> {
        self.servers
            .iter()
            .filter_map(|server| server.connected_tools())
            .flat_map(|tools| tools.entries().cloned().collect::<Vec<_>>())
            .collect()
    }

    /// What decides whether a result of `server.tool` may be cached: the
    /// tool's annotation (side-effecting unless its connected server lists it
    /// as read-only) and the operator's settings for it.
    pub fn tool_caching(&self, server: &str, tool: &str) -> ToolCaching {
        let Ok(known) = self.server(server) else {
            return ToolCaching::default();
        };
        let (ttl_s, side_effects) = known.cache_policy().for_tool(tool);
        let read_only = known.tool(tool).is_some_and(|entry| entry.read_only);
        ToolCaching { read_only, ttl_s, side_effects }
    }

    /// One cached tool, if its server is connected and lists it.
    pub fn tool(&self, server: &str, name: &str) -> Option<ToolEntry> {
        self.server(server).ok()?.tool(name)
    }

    /// Calls `server.tool` with `arguments`, checked first against the tool's
    /// `inputSchema`. The whole call is bounded by the server's timeout; a
    /// timed-out or dropped call sends `notifications/cancelled` downstream.
    /// A result with `isError: true` comes back as [`DownstreamError::Tool`].
    pub async fn call(
        &self,
        server: &str,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<CallToolResult, DownstreamError> {
        self.server(server)?.call(tool, arguments).await
    }

    /// A snapshot of every configured server, in configuration order.
    pub fn status(&self) -> Vec<ServerStatus> {
        self.servers.iter().map(|server| server.status()).collect()
    }

    /// Ends every session and stops and reaps every child process (closing
    /// its stdin, then `SIGTERM`, then `SIGKILL`, a few seconds apart at
    /// most); returns when all are gone. Calls made afterwards fail with
    /// `NotConnected`.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        let supervisors =
            std::mem::take(&mut *self.supervisors.lock().unwrap_or_else(PoisonError::into_inner));
        for supervisor in supervisors {
            if let Err(error) = supervisor.await {
                tracing::error!(%error, "a downstream supervisor task failed");
            }
        }
    }
}

impl Drop for DownstreamPool {
    /// Without `shutdown`, sessions still end and children are killed (not waited for).
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
