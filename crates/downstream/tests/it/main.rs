//! Integration tests of pattern-downstream: the pool against `pattern-test-server` child processes.

mod pool;
mod support;
