//! Templates filled from a real match.

use pattern_registry::template;

use crate::{load_str, without_builtins};

const TIME: &str = r#"
[[pattern]]
name = "current_time"
type = "infrastructure"
trigger = '(?i)\bwhat time is it(?: in (?P<timezone>[A-Za-z_/]+))?'
[pattern.tool]
server = "time"
name = "get_current_time"
arguments = { timezone = "{timezone|UTC}", raw = "{query}", fixed = 3, nested = ["{timezone}"] }
"#;

#[test]
fn captures_fill_templates_with_defaults() {
    let registry = load_str(TIME, &without_builtins()).unwrap().registry;
    let query = "what time is it in Asia/Tokyo";
    let m = registry.match_query(query).unwrap();
    let args = template::tool_arguments(&m.pattern, &m.captures, query);
    assert_eq!(
        serde_json::Value::Object(args),
        serde_json::json!({"fixed": 3, "nested": ["Asia/Tokyo"], "raw": query, "timezone": "Asia/Tokyo"})
    );

    let query = "What time is it?";
    let m = registry.match_query(query).unwrap();
    assert!(m.captures.is_empty());
    let args = template::tool_arguments(&m.pattern, &m.captures, query);
    assert_eq!(args["timezone"], "UTC");
    assert_eq!(args["nested"], serde_json::json!([""]));
}

#[test]
fn memory_text_defaults_to_the_whole_query() {
    let src = "[[pattern]]\nname = \"tagged\"\ntype = \"memory\"\ntrigger = '(?P<topic>db|cache) notes'\n[pattern.memory]\nop = \"search\"\ntags = [\"{topic}\", \"{topic|x}-team\"]\n";
    let registry = load_str(src, &without_builtins()).unwrap().registry;
    let m = registry.match_query("show db notes").unwrap();
    assert_eq!(
        template::memory_text(&m.pattern, &m.captures, "show db notes").as_deref(),
        Some("show db notes")
    );
    assert_eq!(template::memory_tags(&m.pattern, &m.captures, "show db notes"), ["db", "db-team"]);
}
