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

/// The tools of `mcp-server-time`, as it lists them.
fn time_server() -> Vec<ToolEntry> {
    vec![
        entry("time", "get_current_time", "Get current time in a specific timezone", &["timezone"]),
        entry(
            "time",
            "convert_time",
            "Convert time between timezones",
            &["source_timezone", "time", "target_timezone"],
        ),
    ]
}

#[test]
fn asking_for_the_time_somewhere_ranks_the_current_time_first() {
    for tools in [time_server(), [time_server(), catalogue()[2..].to_vec()].concat()] {
        let ranked = rank_tools(&tools, "what is the time in Asia/Tokyo", 5);
        assert_eq!(names(&ranked), ["time.get_current_time", "time.convert_time"]);
        assert!(ranked[0].score > ranked[1].score);
    }
}

#[test]
fn asking_to_convert_a_time_ranks_the_conversion_first() {
    for tools in [time_server(), [time_server(), catalogue()[2..].to_vec()].concat()] {
        let ranked = rank_tools(&tools, "convert 14:00 from Tokyo to Berlin time", 5);
        assert_eq!(names(&ranked), ["time.convert_time", "time.get_current_time"]);
    }
}

#[test]
fn a_word_repeated_in_a_description_and_parameters_counts_once() {
    // `time` is in both names; `convert_time` says it three times more.
    let tools = time_server();
    let get = document_terms(&tools[0]);
    let convert = document_terms(&tools[1]);
    assert_eq!((get["time"], convert["time"]), (NAME_WEIGHT, NAME_WEIGHT));
    assert_eq!(convert["timezone"], 1.0, "`timezones` and `source_timezone` are one word");
}

#[test]
fn plurals_fold_to_the_singular_but_not_words_that_only_end_in_s() {
    assert_eq!(
        terms("Lists files of directories, its status and process names"),
        ["list", "file", "directory", "its", "status", "process", "name"]
    );
}
