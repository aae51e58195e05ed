//! Integration tests of pattern-engine, in one binary: the shared memory store suite, the SQLite store, the PostgreSQL store and idempotent stores through the engine.

mod downstream;
mod guarded;
mod idempotency;
mod postgres;
mod sqlite;
mod store_suite;
