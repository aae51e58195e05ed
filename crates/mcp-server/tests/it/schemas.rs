//! `schemas/` must be exactly what `pattern-mcp schema` writes.

use std::path::PathBuf;

#[test]
fn committed_schemas_match_the_code() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let mut stale = Vec::new();
    for (name, text) in pattern_mcp::schema::all() {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(committed) if committed == text => {}
            Ok(_) => stale.push(format!("{name} differs")),
            Err(_) => stale.push(format!("{name} is missing")),
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/ is out of date ({}); regenerate with `cargo run -p pattern-mcp -- schema --out schemas`",
        stale.join(", ")
    );
}

#[test]
fn tool_schemas_are_objects_with_documented_fields() {
    let all = pattern_mcp::schema::all();
    let input: serde_json::Value = serde_json::from_str(&all[0].1).unwrap();
    assert_eq!(input["type"], "object");
    assert_eq!(input["properties"]["query"]["maxLength"], 4096);
    assert_eq!(input["properties"]["namespace"]["pattern"], "^[A-Za-z0-9_.-]{1,64}$");
    assert_eq!(input["additionalProperties"], false);
    let patterns: serde_json::Value = serde_json::from_str(&all[6].1).unwrap();
    assert!(patterns.to_string().contains("trigger"));
}
