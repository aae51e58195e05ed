//! The failures of a downstream call that a caller acts on, with fixed metric labels, and why a session could not be opened.

use std::{io, process::ExitStatus, time::Duration};

use rmcp::service::ClientInitializeError;

/// Why [`DownstreamPool::call`](super::DownstreamPool::call) failed.
///
/// Messages name the server and the tool, never our internals; the text of a
/// `Tool` or `Protocol` error is the downstream server's own.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DownstreamError {
    #[error("unknown downstream server `{server}`")]
    UnknownServer { server: String },

    #[error("downstream server `{server}` has no tool `{tool}`")]
    UnknownTool { server: String, tool: String },

    /// The server is disabled, restarting after a failure, still starting
    /// after the call's timeout, or the pool is shutting down.
    #[error("downstream server `{server}` is not connected: {reason}")]
    NotConnected { server: String, reason: String },

    /// The server cannot be started as configured (a header that is not
    /// valid HTTP, say); it is not retried until the configuration changes.
    #[error("downstream server `{server}` cannot be started as configured: {reason}")]
    Misconfigured { server: String, reason: String },

    /// Caught before the call was sent, against the tool's `inputSchema`.
    #[error("invalid arguments for `{server}.{tool}`: `{field}` {reason}")]
    InvalidArguments {
        server: String,
        tool: String,
        /// The argument at fault, as a JSON pointer without the leading `/` (`a`, `items/0`).
        field: String,
        reason: String,
    },

    /// `notifications/cancelled` has been sent for the request.
    #[error("`{server}.{tool}` did not answer within {after:?}")]
    Timeout { server: String, tool: String, after: Duration },

    /// The child process died, or the connection closed, while the call was in flight.
    #[error(
        "downstream server `{server}` exited during the call to `{tool}`; it is being restarted"
    )]
    Crashed { server: String, tool: String },

    /// The server's answer was longer than one downstream message may be; it
    /// was dropped unread and the session goes on with the next message.
    #[error(
        "`{server}.{tool}` answered {bytes} bytes, over the limit of {limit} bytes on one message from a downstream server"
    )]
    ResultTooLarge { server: String, tool: String, bytes: u64, limit: u64 },

    /// The tool ran and answered `isError: true`; `message` is its text content.
    #[error("`{server}.{tool}` returned an error: {message}")]
    Tool { server: String, tool: String, message: String },

    /// A JSON-RPC error answer, or an answer that is not a tool result.
    #[error("`{server}.{tool}` failed: {message}")]
    Protocol {
        server: String,
        tool: String,
        /// The JSON-RPC error code, when the server sent one.
        code: Option<i32>,
        message: String,
    },
}

impl DownstreamError {
    /// A fixed label for metrics and logs (`outcome` of `pattern_downstream_calls_total`).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::UnknownServer { .. } => "unknown_server",
            Self::UnknownTool { .. } => "unknown_tool",
            Self::NotConnected { .. } => "not_connected",
            Self::Misconfigured { .. } => "misconfigured",
            Self::InvalidArguments { .. } => "invalid_arguments",
            Self::Timeout { .. } => "timeout",
            Self::Crashed { .. } => "crashed",
            Self::ResultTooLarge { .. } => "result_too_large",
            Self::Tool { .. } => "tool_error",
            Self::Protocol { .. } => "protocol_error",
        }
    }

    /// Whether the same call may succeed if tried again later: the failure was
    /// the server's state, not the request. A timed-out or crashed call may
    /// already have taken effect, so only retry tools that are read-only. A
    /// result too large would be as large again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::NotConnected { .. } | Self::Timeout { .. } | Self::Crashed { .. })
    }

    /// The server the failed call was addressed to.
    pub fn server(&self) -> &str {
        match self {
            Self::UnknownServer { server }
            | Self::UnknownTool { server, .. }
            | Self::NotConnected { server, .. }
            | Self::Misconfigured { server, .. }
            | Self::InvalidArguments { server, .. }
            | Self::Timeout { server, .. }
            | Self::Crashed { server, .. }
            | Self::ResultTooLarge { server, .. }
            | Self::Tool { server, .. }
            | Self::Protocol { server, .. } => server,
        }
    }
}

/// Why a session to a downstream server could not be opened (`connect.rs`).
///
/// Each message repeats the text of its source, because it becomes the
/// server's one-line `last_error`; `source()` still gives the typed cause.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    #[error("cannot start `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: io::Error,
    },

    #[error("invalid header name `{name}`: {source}")]
    HeaderName {
        name: String,
        #[source]
        source: http::header::InvalidHeaderName,
    },

    #[error("invalid value for header `{name}`: {source}")]
    HeaderValue {
        name: String,
        #[source]
        source: http::header::InvalidHeaderValue,
    },

    /// The transport failed or the server's answer to `initialize` was not one.
    #[error("initialization failed: {source}")]
    Initialize {
        #[source]
        source: Box<ClientInitializeError>,
    },

    #[error("no answer to `initialize` within {after:?}")]
    NoAnswer { after: Duration },

    /// A stdio child was stopped after the handshake failed with `cause`.
    #[error("{cause}; the process ended ({status})")]
    Exited {
        #[source]
        cause: Box<ConnectError>,
        status: ExitStatus,
    },
}

impl ConnectError {
    /// Whether another attempt may succeed with the same configuration: a
    /// program may yet be installed and a server may yet answer, but a header
    /// that is not valid HTTP stays so.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::HeaderName { .. } | Self::HeaderValue { .. } => false,
            Self::Exited { cause, .. } => cause.is_retryable(),
            Self::Spawn { .. } | Self::Initialize { .. } | Self::NoAnswer { .. } => true,
        }
    }
}

/// Why the tools list of a session could not be fetched and stored (`server.rs`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ListToolsError {
    #[error("tools/list failed: {source}")]
    Failed {
        #[source]
        source: Box<rmcp::ServiceError>,
    },

    #[error("no answer to tools/list within {after:?}")]
    NoAnswer { after: Duration },

    /// Another session replaced this one while its list was on the way.
    #[error("the session was replaced")]
    Replaced,
}

impl DownstreamError {
    /// A call to `server`, whose last attempt to start failed with `error`: it
    /// is being restarted (`not_connected`, retryable) or cannot be started
    /// as configured (`misconfigured`, not retryable).
    pub(crate) fn not_started(server: &str, error: &ConnectError) -> Self {
        let server = server.to_owned();
        if error.is_retryable() {
            Self::NotConnected { server, reason: format!("restarting after a failure: {error}") }
        } else {
            Self::Misconfigured { server, reason: error.to_string() }
        }
    }
}

#[cfg(test)]
mod tests;
