//! One MCP client of the load: a pattern-mcp process over stdio or a connection over Streamable HTTP.

use std::time::Duration;

use serde_json::Value;

use crate::http::HttpClient;
use crate::protocol::{Outcome, call_params};
use crate::stdio::StdioClient;

pub enum Client {
    Stdio(StdioClient),
    Http(HttpClient),
}

impl Client {
    /// Calls `execute_pattern` with `arguments`, waiting at most `timeout`.
    pub async fn execute(&mut self, id: u64, arguments: Value, timeout: Duration) -> Outcome {
        match self {
            Client::Stdio(c) => c.call(id, call_params(arguments), timeout).await,
            Client::Http(c) => c.call(id, call_params(arguments), timeout).await,
        }
    }

    /// Ends the client: ends the HTTP session, stops the process.
    pub async fn close(self) {
        match self {
            Client::Stdio(c) => c.close().await,
            Client::Http(c) => c.close().await,
        }
    }
}
