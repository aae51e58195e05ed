//! Integration tests of pattern-engine, in one binary: the shared memory store suite and the SQLite store.

mod sqlite;
mod store_suite;
