//! Our side of each downstream session: who we say we are, and what we do on the server's notifications.

use std::sync::Weak;

use rmcp::{
    ClientHandler, RoleClient,
    model::{ClientCapabilities, ClientConfig, Implementation, ProtocolVersion},
    service::NotificationContext,
};

use super::server::Server;

/// One per session; `generation` tells a late notification of an old session from the current one.
pub(crate) struct PoolClient {
    /// Weak: a session must not keep its server (and so the pool) alive.
    pub server: Weak<Server>,
    pub generation: u64,
}

impl ClientHandler for PoolClient {
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
        if let Err(reason) = server.refresh_tools(&context.peer, self.generation).await {
            tracing::warn!(server = %server.name(), %reason, "cannot refresh the tools list");
        }
    }
}
