//! Integration tests of pattern-cache, through its public API only.

mod coalescing;
mod expiry;
mod generation;
mod key;
mod policy;
mod redis;
mod redis_cluster;
mod redis_sentinel;
mod redis_support;
mod shared;
mod stats;
mod support;
