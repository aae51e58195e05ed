//! Unit tests of `coerce.rs`.

use serde_json::json;

use super::*;

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

#[test]
fn captured_text_becomes_the_number_or_boolean_the_schema_asks_for() {
    let schema = object(json!({"properties": {
        "a": {"type": "integer"}, "x": {"type": "number"}, "on": {"type": "boolean"},
        "s": {"type": "string"}, "either": {"type": ["string", "integer"]}, "bad": {"type": "integer"}
    }}));
    let mut args = object(json!({
        "a": "42", "x": "2.5", "on": "true", "s": "7", "either": "8", "bad": "two", "free": "1"
    }));
    coerce_to_schema(&mut args, &schema);
    assert_eq!(
        Value::Object(args),
        json!({"a": 42, "x": 2.5, "on": true, "s": "7", "either": "8", "bad": "two", "free": "1"})
    );
}
