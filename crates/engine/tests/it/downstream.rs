//! The engine's infrastructure path through the pool, against `pattern-test-server` child processes.

mod engine;
// The pool's own test support, shared rather than repeated (this binary uses part of it).
#[allow(dead_code)]
#[path = "../../../downstream/tests/it/support.rs"]
mod support;
