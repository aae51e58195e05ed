//! What the pool reports about each server, for `stats`, `/readyz` and the `service_health` pattern.

/// A snapshot of one configured server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStatus {
    pub server: String,
    pub enabled: bool,
    /// A session is up and its tools are listed.
    pub connected: bool,
    /// Tools in the cached list (0 while not connected).
    pub tools: u64,
    /// Calls addressed to this server since start, and how many of them failed.
    pub calls: u64,
    pub errors: u64,
    /// Sessions started after the first one: crashes and failed starts recovered from.
    pub restarts: u64,
    /// Why the server last failed to start or lost its session.
    pub last_error: Option<String>,
    /// The child's process id while a stdio server runs; `None` for HTTP.
    pub pid: Option<u32>,
}
