use serde_json::{Map, Value, json};

use super::*;

fn args(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn err(v: Value) -> InputError {
    ExecuteRequest::from_json(&args(v)).unwrap_err()
}

#[test]
fn defaults_fill_missing_fields_and_query_is_trimmed() {
    let r = ExecuteRequest::from_json(&args(json!({"query": "  hello \n"}))).unwrap();
    assert_eq!(r.query, "hello");
    assert_eq!(r.execution_mode, ExecutionMode::Balanced);
    assert!(r.use_cache);
    assert_eq!(r.namespace, "default");
    assert_eq!(r.context, None);
}

#[test]
fn missing_query_names_the_field() {
    let e = err(json!({}));
    assert_eq!(e.field, "query");
    assert!(e.rule.contains("required"));
}

#[test]
fn wrong_types_name_field_and_rule() {
    assert_eq!(err(json!({"query": 5})).field, "query");
    assert_eq!(err(json!({"query": "x", "use_cache": "yes"})).field, "use_cache");
    assert_eq!(err(json!({"query": "x", "execution_mode": 1})).field, "execution_mode");
    assert_eq!(err(json!({"query": "x", "context": []})).field, "context");
    assert_eq!(err(json!({"query": "x", "namespace": 7})).field, "namespace");
}

#[test]
fn query_length_counts_characters_after_trim() {
    let ok = "é".repeat(QUERY_MAX_CHARS);
    assert!(ExecuteRequest::from_json(&args(json!({"query": ok}))).is_ok());
    let e = err(json!({"query": "a".repeat(QUERY_MAX_CHARS + 1)}));
    assert!(e.rule.contains("4096"), "{e}");
    assert_eq!(err(json!({"query": "   "})).field, "query");
}

/// The limit is on the trimmed query (docs/CONTRACT.md §3): whitespace around
/// it, however long, does not make it too long. A byte cap on the untrimmed
/// text refused `"a"` followed by 17,500 spaces as over 4096 characters; the
/// fuzz target `execute_input` (fuzz/) flags that input against its check of
/// the §3 table.
#[test]
fn surrounding_whitespace_does_not_count_towards_the_limit() {
    let padded =
        format!("{}{}{}", " ".repeat(20_000), "é".repeat(QUERY_MAX_CHARS), "\n".repeat(20_000));
    let r = ExecuteRequest::from_json(&args(json!({"query": padded}))).unwrap();
    assert_eq!(r.query, "é".repeat(QUERY_MAX_CHARS));
    let r = ExecuteRequest::from_json(&args(json!({"query": format!("a{}", " ".repeat(17_500))})));
    assert_eq!(r.unwrap().query, "a");
    let e =
        err(json!({"query": format!("{}{}", " ".repeat(20_000), "a".repeat(QUERY_MAX_CHARS + 1))}));
    assert!(e.rule.contains("at most 4096"), "{e}");
}

#[test]
fn one_mebibyte_query_is_refused() {
    let e = err(json!({"query": "a".repeat(1 << 20)}));
    assert_eq!(e.field, "query");
    assert!(e.rule.contains("at most 4096"));
}

#[test]
fn control_characters_are_refused_but_newline_and_tab_pass() {
    let e = err(json!({"query": "abc\u{0}def"}));
    assert!(e.rule.contains("U+0000"), "{e}");
    assert!(err(json!({"query": "a\u{1b}[31m"})).rule.contains("U+001B"));
    assert!(ExecuteRequest::from_json(&args(json!({"query": "a\n\tb"}))).is_ok());
}

#[test]
fn execution_mode_must_be_in_the_enum() {
    let e = err(json!({"query": "x", "execution_mode": "turbo"}));
    assert!(e.rule.contains("fast"), "{e}");
    let r =
        ExecuteRequest::from_json(&args(json!({"query": "x", "execution_mode": "fast"}))).unwrap();
    assert_eq!(r.execution_mode, ExecutionMode::Fast);
}

#[test]
fn namespace_syntax_is_checked() {
    let long = "n".repeat(65);
    for bad in ["", "a b", "../etc", long.as_str(), "ns;drop"] {
        assert_eq!(err(json!({"query": "x", "namespace": bad})).field, "namespace", "{bad}");
    }
    let r = ExecuteRequest::from_json(&args(json!({"query": "x", "namespace": "team-a.prod_1"})))
        .unwrap();
    assert_eq!(r.namespace, "team-a.prod_1");
}

#[test]
fn context_size_and_shape_are_checked() {
    let big = json!({"query": "x", "context": {"blob": "z".repeat(CONTEXT_MAX_BYTES)}});
    assert!(err(big).rule.contains("16384"));
    assert_eq!(err(json!({"query": "x", "context": {"arguments": 3}})).field, "context.arguments");
    assert_eq!(err(json!({"query": "x", "context": {"tool": "nodot"}})).field, "context.tool");
    let r = ExecuteRequest::from_json(&args(json!({
        "query": "x",
        "context": {"tool": "time.get_current_time", "arguments": {"timezone": "UTC"}}
    })))
    .unwrap();
    assert_eq!(r.context_tool(), Some(("time", "get_current_time")));
    assert_eq!(r.context_arguments().unwrap()["timezone"], "UTC");
}

#[test]
fn unknown_fields_are_refused_by_name() {
    let e = err(json!({"query": "x", "qurey": "y"}));
    assert_eq!(e.field, "qurey");
    assert!(e.rule.contains("allowed fields"));
    assert_eq!(StatsRequest::from_json(&args(json!({"x": 1}))).unwrap_err().field, "x");
}

#[test]
fn route_request_applies_the_same_rules() {
    let e = RouteRequest::from_json(&args(json!({"query": "x", "use_cache": true}))).unwrap_err();
    assert_eq!(e.field, "use_cache");
    let r = RouteRequest::from_json(&args(json!({"query": " y "}))).unwrap();
    assert_eq!(r.query, "y");
}

#[test]
fn context_tags_and_importance_are_checked() {
    assert_eq!(err(json!({"query": "x", "context": {"tags": "a"}})).field, "context.tags");
    assert_eq!(err(json!({"query": "x", "context": {"tags": [1]}})).field, "context.tags");
    assert_eq!(
        err(json!({"query": "x", "context": {"importance": 2}})).field,
        "context.importance"
    );
    let ok = json!({"query": "x", "context": {"tags": ["ops"], "importance": 0.9}});
    assert!(ExecuteRequest::from_json(&args(ok)).is_ok());
}

#[test]
fn idempotency_key_and_explain_are_checked() {
    let r = ExecuteRequest::from_json(&args(
        json!({"query": "x", "idempotency_key": "k-1", "explain": true}),
    ))
    .unwrap();
    assert_eq!(r.idempotency_key.as_deref(), Some("k-1"));
    assert!(r.explain);
    let r = ExecuteRequest::from_json(&args(json!({"query": "x"}))).unwrap();
    assert_eq!(r.idempotency_key, None);
    assert!(!r.explain);
    assert_eq!(err(json!({"query": "x", "idempotency_key": ""})).field, "idempotency_key");
    assert_eq!(err(json!({"query": "x", "idempotency_key": 7})).field, "idempotency_key");
    assert_eq!(
        err(json!({"query": "x", "idempotency_key": "k".repeat(129)})).field,
        "idempotency_key"
    );
    assert_eq!(err(json!({"query": "x", "idempotency_key": "a\u{0}b"})).field, "idempotency_key");
    assert_eq!(err(json!({"query": "x", "explain": "yes"})).field, "explain");
}
