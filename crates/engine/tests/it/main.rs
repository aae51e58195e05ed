//! Integration tests of pattern-engine, in one binary: the shared memory store suite, the SQLite store and the PostgreSQL store.

mod downstream;
mod guarded;
mod postgres;
mod sqlite;
mod store_suite;
