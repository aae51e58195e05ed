//! `pattern-mcp schema`: the JSON Schemas of the tools, the pattern file and the config file.

use std::path::Path;

use pattern_core::{
    ExecuteRequest, ExecutionResult, RouteRequest, RoutingDecision, Stats, StatsRequest,
};
use serde_json::Value;

use crate::config::RawConfig;
use crate::tools::schema_object;

/// Every schema file, by name, as pretty JSON with a trailing newline.
pub fn all() -> Vec<(&'static str, String)> {
    let files: Vec<(&'static str, Value)> = vec![
        ("execute_pattern.input.schema.json", Value::Object(schema_object::<ExecuteRequest>())),
        ("execute_pattern.output.schema.json", Value::Object(schema_object::<ExecutionResult>())),
        ("route_query.input.schema.json", Value::Object(schema_object::<RouteRequest>())),
        ("route_query.output.schema.json", Value::Object(schema_object::<RoutingDecision>())),
        ("stats.input.schema.json", Value::Object(schema_object::<StatsRequest>())),
        ("stats.output.schema.json", Value::Object(schema_object::<Stats>())),
        (
            "patterns.schema.json",
            serde_json::to_value(pattern_registry::patterns_file_schema()).unwrap_or_default(),
        ),
        ("config.schema.json", Value::Object(schema_object::<RawConfig>())),
    ];
    files
        .into_iter()
        .map(|(name, v)| (name, serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"))
        .collect()
}

/// Writes every schema into `dir`.
pub fn write(dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, text) in all() {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path.display().to_string());
    }
    Ok(written)
}
