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
/// Every tool this server has.
pub const NAMES: [&str; 3] = [EXECUTE_PATTERN, ROUTE_QUERY, STATS];

const EXECUTE_DESCRIPTION: &str = "Carry out a natural-language request: it is matched to a pattern and \
routed to downstream MCP tools, long-term memory, or both. E.g. \"remember that staging uses port 5433\", \
\"what port does staging use?\", \"list tools\", \"list patterns\", \"call tool time.get_current_time\". \
The result says what ran, what it returned and its token cost.";

const ROUTE_DESCRIPTION: &str = "What execute_pattern would do, without doing it: pattern, route that runs \
(classified_route: what the words ask for), confidence, reasoning, estimates, cacheability.";

const STATS_DESCRIPTION: &str = "This instance's counters since start: executions, latency, tokens, \
cache, registry, router, memory, downstream servers.";

/// JSON Schema of `T` as the object MCP wants for input and output schemas.
pub fn schema_object<T: JsonSchema>() -> JsonObject {
    let schema = schemars::schema_for!(T);
    match serde_json::to_value(schema) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => unreachable!("a struct's JSON Schema is an object"),
    }
}

/// `T`'s schema as `tools/list` sends it: `schemas/` holds the full,
/// documented form; the wire form keeps every property, type, enum, pattern
/// and bound but drops what a client does not need to read a result
/// (`$schema`, titles, numeric formats, `minimum: 0`, `additionalProperties:
/// true`, and in output schemas
/// the descriptions of all but opaque objects, and `required`, since every
/// field is always present),
/// and inlines the `$defs`. Each definition named in `collapse` becomes a
/// plain object with its description, for a part shown in full by another
/// tool's schema. Every tool listing is paid in tokens by the client at every
/// session start, so this keeps `tools/list` small.
pub fn wire_schema<T: JsonSchema>(output: bool, collapse: &[(&str, &str)]) -> JsonObject {
    let mut schema = schema_object::<T>();
    let mut defs = match schema.remove("$defs") {
        Some(serde_json::Value::Object(defs)) => defs,
        _ => serde_json::Map::new(),
    };
    for (name, description) in collapse {
        defs.insert(
            (*name).to_owned(),
            serde_json::json!({"type": "object", "description": description}),
        );
    }
    let mut value = serde_json::Value::Object(schema);
    lean(&mut value, &defs, output, true);
    match value {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("a struct's JSON Schema is an object"),
    }
}

/// One schema node, in place: see [`wire_schema`].
fn lean(
    node: &mut serde_json::Value,
    defs: &serde_json::Map<String, serde_json::Value>,
    output: bool,
    top: bool,
) {
    use serde_json::Value;
    let Value::Object(map) = node else {
        if let Value::Array(items) = node {
            items.iter_mut().for_each(|item| lean(item, defs, output, false));
        }
        return;
    };
    if let Some(Value::String(reference)) = map.get("$ref")
        && let Some(def) = reference.strip_prefix("#/$defs/").and_then(|name| defs.get(name))
    {
        // A property's own description (beside `$ref`) wins over the definition's.
        let own = map.remove("description");
        *node = def.clone();
        if let (Some(own), Value::Object(inlined)) = (own, &mut *node) {
            inlined.insert("description".into(), own);
        }
        return lean(node, defs, output, top);
    }
    // schemars writes a documented enum as `oneOf` of `const`s; `enum` says
    // the same in a third of the bytes (the field's description stays).
    let constants: Option<Vec<Value>> =
        map.get("oneOf").and_then(Value::as_array).and_then(|variants| {
            variants.iter().map(|v| v.get("const").filter(|c| c.is_string()).cloned()).collect()
        });
    if let Some(constants) = constants {
        map.remove("oneOf");
        map.insert("type".into(), "string".into());
        map.insert("enum".into(), Value::Array(constants));
    }
    map.remove("$schema");
    map.remove("title");
    map.remove("format");
    if map.get("additionalProperties") == Some(&Value::Bool(true)) {
        // JSON Schema's default.
        map.remove("additionalProperties");
    }
    if top {
        // The tool's description says what the whole is.
        map.remove("description");
    }
    if map.get("minimum").is_some_and(|m| m.as_f64() == Some(0.0)) {
        map.remove("minimum");
    }
    if output {
        map.remove("required");
        // An object with no declared properties is only described by its
        // description (the payload, the collapsed parts): that one stays.
        let opaque = map.get("type").is_some_and(|t| t == "object")
            && !map.contains_key("properties")
            && !map.contains_key("additionalProperties");
        if !top && !opaque {
            map.remove("description");
        }
    }
    for (key, child) in map.iter_mut() {
        match (key.as_str(), child) {
            ("properties", Value::Object(properties)) => {
                properties.values_mut().for_each(|p| lean(p, defs, output, false));
            }
            (_, child) => lean(child, defs, output, false),
        }
    }
}

/// The tools as listed in `tools/list`.
pub fn all() -> Vec<Tool> {
    vec![
        Tool::new(
            EXECUTE_PATTERN,
            EXECUTE_DESCRIPTION,
            Arc::new(wire_schema::<ExecuteRequest>(false, &[])),
        )
        .with_title("Execute a request")
        .with_raw_output_schema(Arc::new(wire_schema::<ExecutionResult>(
            true,
            &[("RoutingDecision", "With explain: route_query's whole decision.")],
        )))
        .with_annotations(
            ToolAnnotations::new()
                .read_only(false)
                .destructive(false)
                .idempotent(false)
                .open_world(true),
        ),
        Tool::new(ROUTE_QUERY, ROUTE_DESCRIPTION, Arc::new(wire_schema::<RouteRequest>(false, &[])))
            .with_title("Explain routing")
            .with_raw_output_schema(Arc::new(wire_schema::<RoutingDecision>(
                true,
                &[("MatchedKeywords", "Cue words found, per route: infrastructure, memory, hybrid.")],
            )))
            .with_annotations(
                ToolAnnotations::new()
                    .read_only(true)
                    .destructive(false)
                    .idempotent(true)
                    .open_world(false),
            ),
        Tool::new(STATS, STATS_DESCRIPTION, Arc::new(wire_schema::<StatsRequest>(false, &[])))
            .with_title("Server statistics")
            .with_raw_output_schema(Arc::new(wire_schema::<Stats>(
                true,
                &[
                    ("ExecutionStats", "Counts: total, successful, failed, by_type, by_pattern."),
                    (
                        "CacheStats",
                        "local {hits, misses, entries}, redis {hits, misses, errors, available}, hit_rate, coalesced.",
                    ),
                    ("RegistryStats", "patterns, by_type, match_cache {hits, misses, hit_rate}."),
                ],
            )))
            .with_annotations(
                ToolAnnotations::new()
                    .read_only(true)
                    .destructive(false)
                    .idempotent(true)
                    .open_world(false),
            ),
    ]
}
