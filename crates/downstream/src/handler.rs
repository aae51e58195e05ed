//! Our side of each downstream session: who we say we are, and what we do on the server's notifications.

use std::{future::Future, sync::Weak};

use rmcp::{
    ClientHandler, Peer, RoleClient,
    model::{ClientCapabilities, ClientConfig, Implementation, ProtocolVersion},
    service::NotificationContext,
};

use crate::error::ListToolsError;

/// What a session's notifications act on: the server that owns the session.
/// A trait, so that this file does not depend on `server.rs`, which builds the
/// handler for each session it opens.
pub(crate) trait SessionOwner: Send + Sync + 'static {
    /// The server's name, for the log.
    fn name(&self) -> &str;

    /// Fetches and caches the tools list of session `generation` again.
    fn tools_changed(
        &self,
        peer: &Peer<RoleClient>,
        generation: u64,
    ) -> impl Future<Output = Result<usize, ListToolsError>> + Send;
}

/// One per session; `generation` tells a late notification of an old session from the current one.
pub(crate) struct PoolClient<S> {
    /// Weak: a session must not keep its server (and so the pool) alive.
    pub server: Weak<S>,
    pub generation: u64,
}

impl<S: SessionOwner> ClientHandler for PoolClient<S> {
    fn get_info(&self) -> ClientConfig {
        // The newest revision that still has the `initialize` handshake: every
        // server in the wild answers it, negotiating down where it must, and
        // list-changed notifications then reach `on_tool_list_changed`.
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("pattern-mcp", env!("CARGO_PKG_VERSION")),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }

    async fn on_tool_list_changed(&self, context: NotificationContext<RoleClient>) {
        // rmcp runs each notification handler in a task of its own, so waiting
        // here for our own `tools/list` answer blocks nothing else.
        let Some(server) = self.server.upgrade() else {
            return;
        };
        if let Err(reason) = server.tools_changed(&context.peer, self.generation).await {
            tracing::warn!(server = %server.name(), %reason, "cannot refresh the tools list");
        }
    }
}
