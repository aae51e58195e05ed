//! Integration tests of pattern-engine, in one binary: the infrastructure path through real downstream servers, and idempotent stores through the engine (SQLite, and PostgreSQL cut mid-write), and two instances sharing Redis.

mod downstream;
mod idempotency;
mod postgres_cut;
mod redis;
