//! The HTTP app over the real handler, driven in process with `oneshot` (and one socket for `serve`).

mod auth;
mod bodies;
mod cached_calls;
mod downstream;
mod engine;
mod health;
mod host;
mod limits;
mod mcp;
mod metrics;
mod serve;
mod session_front;
mod sessions;
mod sse;
mod stateless_front;
mod support;
