//! Integration tests of the pattern-mcp library: schemas, tool dispatch, configuration, HTTP.

mod config;
mod cycles;
mod http;
mod http_config;
mod schemas;
mod stdio;
mod tools;
