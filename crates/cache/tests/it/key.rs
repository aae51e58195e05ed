//! Cache keys: what makes two requests the same, and what tells them apart.

use pattern_cache::{KeyParts, LOCAL_PRINCIPAL, cache_key};
use pattern_core::ExecutionMode;
use serde_json::{Map, Value, json};

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn request(query: &str) -> KeyParts<'_> {
    KeyParts {
        query,
        mode: ExecutionMode::Balanced,
        context: None,
        namespace: "default",
        principal: LOCAL_PRINCIPAL,
        pattern_set_version: "3f2a",
        pattern: "current_time",
        generation: None,
    }
}

#[test]
fn identical_requests_share_a_key() {
    let context = object(json!({"arguments": {"timezone": "UTC"}}));
    let a = KeyParts { context: Some(&context), ..request("what time is it") };
    let b = KeyParts { context: Some(&context.clone()), ..request("what time is it") };
    assert_eq!(cache_key(&a), cache_key(&b));
}

#[test]
fn key_is_32_lowercase_hex_digits() {
    let key = cache_key(&request("what time is it"));
    assert_eq!(key.len(), 32);
    assert!(key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{key}");
}

#[test]
fn key_ignores_whitespace_and_case_of_query() {
    let plain = cache_key(&request("what time is it in Europe/Paris"));
    for spelling in [
        "  What TIME is it in europe/paris  ",
        "what\ttime  is\n\nit in EUROPE/PARIS",
        "WHAT TIME IS IT IN EUROPE/PARIS",
    ] {
        assert_eq!(cache_key(&request(spelling)), plain, "{spelling:?}");
    }
    assert_ne!(cache_key(&request("what time is it in Europe/London")), plain);
}

#[test]
fn context_key_order_does_not_change_the_key() {
    let a =
        object(json!({"tool": "time.now", "arguments": {"tz": "UTC", "fmt": {"b": 1, "a": 2}}}));
    let b =
        object(json!({"arguments": {"fmt": {"a": 2, "b": 1}, "tz": "UTC"}, "tool": "time.now"}));
    assert_eq!(
        cache_key(&KeyParts { context: Some(&a), ..request("q") }),
        cache_key(&KeyParts { context: Some(&b), ..request("q") })
    );
    let c =
        object(json!({"arguments": {"fmt": {"a": 2, "b": 1}, "tz": "CET"}, "tool": "time.now"}));
    assert_ne!(
        cache_key(&KeyParts { context: Some(&a), ..request("q") }),
        cache_key(&KeyParts { context: Some(&c), ..request("q") })
    );
}

#[test]
fn principal_separates_keys() {
    let alice = KeyParts { principal: "alice", ..request("q") };
    let bob = KeyParts { principal: "bob", ..request("q") };
    assert_ne!(cache_key(&alice), cache_key(&bob));
    assert_ne!(cache_key(&alice), cache_key(&request("q")));
}

#[test]
fn every_other_field_separates_keys() {
    let base = cache_key(&request("q"));
    let variants = [
        KeyParts { mode: ExecutionMode::Fast, ..request("q") },
        KeyParts { namespace: "team", ..request("q") },
        KeyParts { pattern_set_version: "3f2b", ..request("q") },
        KeyParts { pattern: "list_tools", ..request("q") },
        KeyParts { generation: Some(0), ..request("q") },
    ];
    let keys: Vec<String> = variants.iter().map(|parts| cache_key(parts).into()).collect();
    for (i, key) in keys.iter().enumerate() {
        assert_ne!(base, *key, "variant {i}");
        assert!(keys[i + 1..].iter().all(|other| other != key), "variant {i} collides");
    }
}
