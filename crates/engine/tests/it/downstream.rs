//! Downstream MCP servers: the pool against `pattern-test-server` child processes, and the engine's infrastructure path through it.

mod engine;
mod pool;
mod support;
