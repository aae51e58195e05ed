//! Integration tests of the pattern-mcp library: schemas, tool dispatch, configuration.

mod config;
mod schemas;
mod tools;
