//! Unit tests of pattern file parsing.

use super::*;

const TWO: &str = r#"# comment

[[pattern]]
name = "first"
type = "memory"
trigger = "a"
[pattern.memory]
op = "search"

[[pattern]]
name = "second"
type = "nonsense"
trigger = "b"
"#;

#[test]
fn each_pattern_carries_its_header_line() {
    let parsed = parse(TWO, "f.toml", false).unwrap();
    let lines: Vec<usize> = parsed.patterns.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 10]);
    assert_eq!(parsed.patterns[1].name.as_deref(), Some("second"));
}

#[test]
fn one_bad_table_does_not_hide_the_others() {
    let parsed = parse(TWO, "f.toml", false).unwrap();
    assert_eq!(parsed.patterns[0].raw.as_ref().unwrap().name, "first");
    let reason = parsed.patterns[1].raw.as_ref().unwrap_err();
    assert!(reason.starts_with("`type`: unknown variant `nonsense`"), "{reason}");
}

#[test]
fn unknown_field_is_named() {
    let src = "[[pattern]]\nname = \"x\"\ntype = \"memory\"\ntriger = \"a\"\n";
    let parsed = parse(src, "f.toml", false).unwrap();
    let reason = parsed.patterns[0].raw.as_ref().unwrap_err();
    assert!(reason.contains("unknown field `triger`"), "{reason}");
}

#[test]
fn wrong_type_names_the_key() {
    let src = "[[pattern]]\nname = \"x\"\ntype = \"memory\"\npriority = \"high\"\n";
    let parsed = parse(src, "f.toml", false).unwrap();
    let reason = parsed.patterns[0].raw.as_ref().unwrap_err();
    assert!(reason.starts_with("`priority`: "), "{reason}");
}

#[test]
fn toml_syntax_error_is_fatal_and_has_a_line() {
    let src = "[[pattern]]\nname = \"x\"\ntype = = \"memory\"\n";
    match parse(src, "bad.toml", false) {
        Err(RegistryError::Parse { file, line, .. }) => {
            assert_eq!((file.as_str(), line), ("bad.toml", 3));
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn single_bracket_table_is_a_parse_error() {
    let src = "\n[pattern]\nname = \"x\"\n";
    let err = parse(src, "f.toml", false).unwrap_err();
    assert!(err.to_string().contains("write `[[pattern]]`"), "{err}");
    assert!(err.to_string().starts_with("f.toml:2:"), "{err}");
}

#[test]
fn unknown_top_level_key_is_an_error_with_its_line() {
    let src = "title = 1\n\n[[patterns]]\nname = \"x\"\n";
    let parsed = parse(src, "f.toml", false).unwrap();
    let lines: Vec<usize> = parsed.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [1, 3]);
    assert!(parsed.errors[1].reason.contains("`patterns`"));
}

#[test]
fn fallback_tables_are_reserved_for_the_builtin_file() {
    let src = "[[fallback]]\nname = \"fallback_memory\"\ntype = \"memory\"\n";
    assert_eq!(parse(src, "f.toml", false).unwrap().errors.len(), 1);
    assert_eq!(parse(src, "f.toml", true).unwrap().fallbacks.len(), 1);
}

#[test]
fn inline_array_elements_that_are_not_tables_are_reported() {
    let parsed = parse("pattern = [1]\n", "f.toml", false).unwrap();
    assert_eq!(parsed.patterns[0].raw.as_ref().unwrap_err(), "expected a table, found integer");
}

#[test]
fn line_index_maps_offsets_to_lines() {
    let index = LineIndex::new("a\nbc\n\nd");
    assert_eq!([0, 1, 2, 4, 5, 6].map(|o| index.line_of(o)), [1, 1, 2, 2, 3, 4]);
}

#[test]
fn schema_describes_the_pattern_table() {
    let schema = serde_json::to_value(patterns_file_schema()).unwrap();
    assert_eq!(schema["properties"]["pattern"]["type"], "array");
    let raw = &schema["$defs"]["RawPattern"];
    assert_eq!(raw["additionalProperties"], false);
    assert_eq!(raw["required"], serde_json::json!(["name", "type"]));
    assert_eq!(raw["properties"]["name"]["pattern"], "^[a-z0-9_]{1,64}$");
}

#[test]
fn schema_has_no_null_because_toml_has_none() {
    let schema = serde_json::to_value(patterns_file_schema()).unwrap();
    let raw = &schema["$defs"]["RawPattern"]["properties"];
    assert_eq!(raw["trigger"]["type"], "string");
    assert_eq!(raw["tool"]["$ref"], "#/$defs/ToolSpec");
    assert!(raw["tool"].get("anyOf").is_none());
    assert!(!schema.to_string().contains("null"), "{schema}");
}

/// `nan` and `inf` have no JSON form: read into the arguments, they became
/// `null`, sent to the tool as such, and the pattern could not be written back
/// as TOML (the round trip of the pattern_file fuzz target fails on
/// `fuzz/corpus/pattern_file/nan-argument.toml` without this check).
#[test]
fn non_finite_tool_arguments_are_refused() {
    for (value, path) in [
        ("{ x = nan }", "tool.arguments.x"),
        ("{ x = -inf }", "tool.arguments.x"),
        ("{ o = { list = [1, 2, +inf] } }", "tool.arguments.o.list[2]"),
    ] {
        let src = format!(
            "[[pattern]]\nname = \"n\"\ntype = \"infrastructure\"\ntrigger = \"x\"\n\
             [pattern.tool]\nserver = \"s\"\nname = \"t\"\narguments = {value}\n"
        );
        let parsed = parse(&src, "f.toml", false).unwrap();
        let reason = parsed.patterns[0].raw.as_ref().unwrap_err();
        assert!(reason.starts_with(&format!("`{path}`: nan and inf")), "{value}: {reason}");
    }
    let src = "[[pattern]]\nname = \"n\"\ntype = \"infrastructure\"\ntrigger = \"x\"\n\
               [pattern.tool]\nserver = \"s\"\nname = \"t\"\narguments = { x = 1.5e300 }\n";
    assert!(parse(src, "f.toml", false).unwrap().patterns[0].raw.is_ok());
}
