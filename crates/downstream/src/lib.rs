//! The downstream MCP client pool: one long-lived rmcp client session per configured server.
//!
//! [`DownstreamPool::start`] returns at once; every enabled server is started
//! concurrently in the background by its own supervisor task (`server.rs`),
//! which restarts it with exponential backoff whenever it fails to start or its
//! session ends. Calls share the server's one session (JSON-RPC multiplexing),
//! are checked against the tool's `inputSchema` first (`arguments.rs`), carry
//! the server's timeout, and send `notifications/cancelled` downstream when
//! they time out or their caller drops them. Each server's tools list is cached
//! and refreshed on `notifications/tools/list_changed` (`handler.rs`). A stdio
//! child's session runs over `stdio.rs`, which reads its lines in rmcp's
//! session task and fails a response over 16 MiB at once (`line_limit.rs`,
//! `result_too_large`); its stderr goes through `stderr.rs`, which rate-limits
//! it.
//!
//! **Invariant:** no lock is held across an `.await` but a stdio child's
//! stdin, held by one write of one whole line at a time; the call path takes
//! two short read locks and clones an `Arc` and a `Peer`.

mod arguments;
mod backoff;
mod check;
mod child;
mod coerce;
mod connect;
mod error;
mod handler;
mod line_limit;
mod pool;
mod rank;
mod server;
mod spec;
mod status;
mod stderr;
mod stdio;
mod tools;

pub use check::unknown_tools;
pub use coerce::coerce_to_schema;
pub use error::DownstreamError;
pub use pool::DownstreamPool;
pub use rank::{RankedTool, rank_tools};
pub use spec::{CachePolicy, ServerSpec, ToolCachePolicy, Transport};
pub use status::ServerStatus;
pub use tools::ToolEntry;
