//! Unit tests of `tools.rs`.

use rmcp::model::{JsonObject, ToolAnnotations};

use super::*;

fn tool(name: &'static str, read_only: Option<bool>) -> Tool {
    let tool = Tool::new(name, "d", JsonObject::new());
    match read_only {
        Some(flag) => tool.with_annotations(ToolAnnotations::new().read_only(flag)),
        None => tool,
    }
}

#[test]
fn only_an_explicit_read_only_hint_makes_a_tool_read_only() {
    let set =
        ToolSet::new("s", vec![tool("a", Some(true)), tool("b", Some(false)), tool("c", None)]);
    let flags: Vec<(String, bool)> =
        set.entries().map(|e| (e.tool.name.to_string(), e.read_only)).collect();
    assert_eq!(flags, [("a".into(), true), ("b".into(), false), ("c".into(), false)]);
}

#[test]
fn a_name_listed_twice_keeps_its_first_position_and_last_definition() {
    let set = ToolSet::new("s", vec![tool("a", None), tool("b", None), tool("a", Some(true))]);
    assert_eq!(set.len(), 2);
    assert_eq!(set.get("a").map(|k| k.entry.read_only), Some(true));
    assert_eq!(set.entries().next().map(|e| e.tool.name.as_ref()), Some("a"));
}
