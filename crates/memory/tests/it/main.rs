//! Integration tests of pattern-memory, in one binary: the shared store suite, the SQLite store and the PostgreSQL store (against the real server, with outages played through proxies).

mod guarded;
mod postgres;
mod sqlite;
mod store_suite;
