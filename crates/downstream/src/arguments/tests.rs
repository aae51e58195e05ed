//! Unit tests of `arguments.rs`.

use serde_json::json;

use super::*;

fn check(schema: Value, arguments: Value) -> Result<(), ArgumentError> {
    let (Value::Object(schema), Value::Object(arguments)) = (schema, arguments) else {
        panic!("schema and arguments must be objects");
    };
    ArgumentCheck::compile(&schema).check(&arguments)
}

fn add_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
        "additionalProperties": false
    })
}

fn fault(field: &str, reason: &str) -> Result<(), ArgumentError> {
    Err(ArgumentError { field: field.into(), reason: reason.into() })
}

#[test]
fn missing_required_property_is_named() {
    assert_eq!(check(add_schema(), json!({"a": 1})), fault("b", "is required"));
}

#[test]
fn wrong_primitive_type_is_named_with_both_types() {
    assert_eq!(
        check(add_schema(), json!({"a": 1, "b": "2"})),
        fault("b", "must be integer, not string")
    );
    assert_eq!(
        check(add_schema(), json!({"a": 1.5, "b": 2})),
        fault("a", "must be integer, not number")
    );
}

#[test]
fn integral_float_counts_as_integer() {
    assert_eq!(check(add_schema(), json!({"a": 1.0, "b": 2})), Ok(()));
}

#[test]
fn unknown_property_is_refused_only_when_schema_is_closed() {
    assert_eq!(
        check(add_schema(), json!({"a": 1, "b": 2, "c": 3})),
        fault("c", "is not accepted (known: a, b)")
    );
    assert_eq!(check(json!({"type": "object", "properties": {}}), json!({"c": 3})), Ok(()));
}

#[test]
fn nested_objects_and_array_items_report_their_path() {
    let schema = json!({
        "type": "object",
        "properties": {
            "filter": {"type": "object", "properties": {"limit": {"type": "integer"}}, "required": ["limit"]},
            "ids": {"type": "array", "items": {"type": "string"}}
        }
    });
    assert_eq!(check(schema.clone(), json!({"filter": {}})), fault("filter/limit", "is required"));
    assert_eq!(
        check(schema, json!({"ids": ["a", "b", 3]})),
        fault("ids/2", "must be string, not integer")
    );
}

#[test]
fn enum_and_nullable_types_are_checked() {
    let schema = json!({
        "type": "object",
        "properties": {
            "unit": {"type": "string", "enum": ["c", "f"]},
            "zone": {"type": ["string", "null"]}
        }
    });
    assert_eq!(
        check(schema.clone(), json!({"unit": "k"})),
        fault("unit", "must be one of \"c\", \"f\"")
    );
    assert_eq!(check(schema, json!({"unit": "c", "zone": null})), Ok(()));
}

#[test]
fn keywords_it_does_not_know_check_nothing() {
    let schema = json!({
        "type": "object",
        "properties": {"x": {"anyOf": [{"type": "string"}, {"type": "integer"}], "minimum": 5}}
    });
    assert_eq!(check(schema, json!({"x": [1]})), Ok(()));
}
