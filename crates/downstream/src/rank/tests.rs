//! Unit tests of `rank.rs`.

use rmcp::model::{JsonObject, Tool};
use serde_json::json;

use super::*;

fn entry(
    server: &str,
    name: &'static str,
    description: &'static str,
    params: &[&str],
) -> ToolEntry {
    let properties: serde_json::Map<String, serde_json::Value> =
        params.iter().map(|p| ((*p).to_owned(), json!({"type": "string"}))).collect();
    let schema: JsonObject = match json!({"type": "object", "properties": properties}) {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    };
    ToolEntry::new(server, Tool::new(name, description, schema))
}

fn catalogue() -> Vec<ToolEntry> {
    vec![
        entry("time", "get_current_time", "Get the current time in a timezone", &["timezone"]),
        entry(
            "time",
            "convert_time",
            "Convert a time between timezones",
            &["source_timezone", "time", "target_timezone"],
        ),
        entry("fs", "list_directory", "List the files of a directory", &["path"]),
        entry("fs", "read_file", "Read a file", &["path"]),
    ]
}

fn names(ranked: &[RankedTool]) -> Vec<String> {
    ranked.iter().map(|r| format!("{}.{}", r.entry.server, r.entry.tool.name)).collect()
}

#[test]
fn the_tool_whose_words_match_the_query_ranks_first() {
    let ranked = rank_tools(&catalogue(), "list the files in /tmp", 5);
    assert_eq!(names(&ranked)[0], "fs.list_directory");
    assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn parameter_names_and_camel_case_count_as_words() {
    let ranked = rank_tools(&catalogue(), "timezone", 5);
    assert_eq!(names(&ranked), ["time.get_current_time", "time.convert_time"]);
    assert_eq!(terms("getCurrentTime"), ["get", "current", "time"]);
}

#[test]
fn tools_sharing_no_word_with_the_query_are_left_out_and_limit_applies() {
    assert!(rank_tools(&catalogue(), "weather forecast", 5).is_empty());
    assert_eq!(rank_tools(&catalogue(), "time file", 2).len(), 2);
    assert!(rank_tools(&[], "time", 5).is_empty());
}
