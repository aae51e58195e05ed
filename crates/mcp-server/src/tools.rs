//! The three MCP tools: names, descriptions an LLM can act on, schemas and annotations.

use std::sync::Arc;

use pattern_core::{
    ExecuteRequest, ExecutionResult, RouteRequest, RoutingDecision, Stats, StatsRequest,
};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;

pub const EXECUTE_PATTERN: &str = "execute_pattern";
pub const ROUTE_QUERY: &str = "route_query";
pub const STATS: &str = "stats";

const EXECUTE_DESCRIPTION: &str = "Carry out a natural-language request the cheapest correct way. \
The request is matched to a registered pattern and routed to infrastructure (tools of downstream MCP servers), \
memory (the agent's long-term memory) or both (hybrid). Use it to remember facts (\"remember that the staging \
database listens on port 5433\"), recall them (\"what did we note about the staging database port?\"), list recent \
memories, check service health, or call a downstream tool (\"call tool time.get_current_time\" with \
context.arguments). Repeated read-only requests are answered from cache (see cache_hit). The result says which \
pattern ran, whether it succeeded, what it returned, how long it took and how many tokens the result costs. \
Memories are isolated per `namespace`.";

const ROUTE_DESCRIPTION: &str = "Explain what execute_pattern would do with a request, without doing it: the \
matched pattern and its captures, the route (infrastructure, memory or hybrid) with confidence and one-sentence \
reasoning, estimated token cost and latency, alternative routes, and whether the result would be cached. \
Read-only; nothing is executed.";

const STATS_DESCRIPTION: &str = "Counters of this pattern-mcp instance since start: executions by type and \
pattern, latency percentiles per route, tokens, cache hits per tier, registry and router counters, the memory \
backend and its size, downstream servers. Read-only; takes no arguments.";

/// JSON Schema of `T` as the object MCP wants for input and output schemas.
pub fn schema_object<T: JsonSchema>() -> JsonObject {
    let schema = schemars::schema_for!(T);
    match serde_json::to_value(schema) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => unreachable!("a struct's JSON Schema is an object"),
    }
}

/// The tools as listed in `tools/list`.
pub fn all() -> Vec<Tool> {
    vec![
        Tool::new(
            EXECUTE_PATTERN,
            EXECUTE_DESCRIPTION,
            Arc::new(schema_object::<ExecuteRequest>()),
        )
        .with_title("Execute a request through its pattern")
        .with_raw_output_schema(Arc::new(schema_object::<ExecutionResult>()))
        .with_annotations(
            ToolAnnotations::with_title("Execute a request through its pattern")
                .read_only(false)
                .destructive(false)
                .idempotent(false)
                .open_world(true),
        ),
        Tool::new(ROUTE_QUERY, ROUTE_DESCRIPTION, Arc::new(schema_object::<RouteRequest>()))
            .with_title("Explain how a request would be routed")
            .with_raw_output_schema(Arc::new(schema_object::<RoutingDecision>()))
            .with_annotations(
                ToolAnnotations::with_title("Explain how a request would be routed")
                    .read_only(true)
                    .destructive(false)
                    .idempotent(true)
                    .open_world(false),
            ),
        Tool::new(STATS, STATS_DESCRIPTION, Arc::new(schema_object::<StatsRequest>()))
            .with_title("Server statistics")
            .with_raw_output_schema(Arc::new(schema_object::<Stats>()))
            .with_annotations(
                ToolAnnotations::with_title("Server statistics")
                    .read_only(true)
                    .destructive(false)
                    .idempotent(true)
                    .open_world(false),
            ),
    ]
}
