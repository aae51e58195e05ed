//! Unit tests of the key encoding: canonical forms and field boundaries.

use pattern_core::ExecutionMode;
use serde_json::{Map, Value, json};

use super::*;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn parts<'a>(query: &'a str) -> KeyParts<'a> {
    KeyParts {
        query,
        mode: ExecutionMode::Balanced,
        context: None,
        namespace: "default",
        principal: LOCAL_PRINCIPAL,
        pattern_set_version: "v1",
        pattern: "recall_memory",
        generation: Some(0),
    }
}

#[test]
fn canonical_context_sorts_keys_at_every_depth() {
    let context = object(json!({"b": {"z": 1, "a": [{"y": true, "x": null}]}, "a": "s"}));
    assert_eq!(
        canonical_context(Some(&context)),
        r#"{"a":"s","b":{"a":[{"x":null,"y":true}],"z":1}}"#
    );
}

#[test]
fn canonical_context_is_valid_json_with_escapes() {
    let context = object(json!({"k\"ey": "line\nbreak \\ tab\t \u{1} é"}));
    let canonical = canonical_context(Some(&context));
    let reparsed: Value = serde_json::from_str(&canonical).unwrap();
    assert_eq!(reparsed, Value::Object(context));
}

#[test]
fn empty_context_is_the_same_request_as_no_context() {
    let empty = Map::new();
    let with_empty = KeyParts { context: Some(&empty), ..parts("q") };
    assert_eq!(cache_key(&with_empty), cache_key(&parts("q")));
}

#[test]
fn array_order_in_context_changes_the_key() {
    let a = object(json!({"ids": [1, 2]}));
    let b = object(json!({"ids": [2, 1]}));
    assert_ne!(
        cache_key(&KeyParts { context: Some(&a), ..parts("q") }),
        cache_key(&KeyParts { context: Some(&b), ..parts("q") })
    );
}

#[test]
fn field_boundaries_are_unambiguous() {
    let a = KeyParts { namespace: "ab", principal: "c", ..parts("q") };
    let b = KeyParts { namespace: "a", principal: "bc", ..parts("q") };
    assert_ne!(cache_key(&a), cache_key(&b));
}

#[test]
fn missing_generation_differs_from_generation_zero() {
    let none = KeyParts { generation: None, ..parts("q") };
    assert_ne!(cache_key(&none), cache_key(&parts("q")));
}

#[test]
fn normalize_query_trims_lowercases_and_collapses_whitespace() {
    assert_eq!(normalize_query("  What\tDID  we\n\nDecide?  "), "what did we decide?");
    assert_eq!(normalize_query("ΟΔΟΣ Ärger"), "οδος ärger");
}

#[test]
fn key_is_md5_of_length_prefixed_fields() {
    let mut encoded = Vec::new();
    let fields: [&[u8]; 9] = [
        KEY_VERSION,
        b"what did we decide?",
        b"balanced",
        br#"{"arguments":{"a":1,"b":2}}"#,
        b"default",
        b"local",
        b"v1",
        b"recall_memory",
        b"7",
    ];
    for field in fields {
        encoded.extend_from_slice(&(field.len() as u64).to_le_bytes());
        encoded.extend_from_slice(field);
    }
    let context = object(json!({"arguments": {"b": 2, "a": 1}}));
    let key = KeyParts {
        query: "  What did we DECIDE?",
        context: Some(&context),
        generation: Some(7),
        ..parts("")
    };
    assert_eq!(cache_key(&key), format!("{:x}", md5::compute(&encoded)));
}

#[test]
fn key_is_stable_across_releases() {
    // Instances of one release share Redis: the encoding must not drift by
    // accident. Changing it on purpose means bumping KEY_VERSION and this value.
    assert_eq!(cache_key(&parts("what did we decide?")), "828d417c140fd5bd0c80aaa7263393c7");
}
