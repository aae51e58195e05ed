//! `execute_pattern` input validation (`ExecuteRequest::from_json`, docs/CONTRACT.md §3).
//!
//! Raw bytes are parsed as a JSON object (as the tool call's `arguments`) and
//! validated. Properties:
//! - validation never panics;
//! - it accepts exactly the objects an independent check of the §3 table
//!   accepts (written here from the table, not from `request.rs`), and a
//!   refusal names a field the independent check also finds at fault;
//! - an accepted request holds the values the check expects (trimmed query,
//!   defaults), and validating its own JSON again gives the same request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pattern_core::{ExecuteRequest, ExecutionMode};
use serde_json::{Map, Value};

const FIELDS: [&str; 7] =
    ["query", "execution_mode", "context", "use_cache", "namespace", "idempotency_key", "explain"];

/// Unicode general category Cc: U+0000..=U+001F and U+007F..=U+009F.
fn is_cc(c: char) -> bool {
    matches!(c as u32, 0x00..=0x1F | 0x7F..=0x9F)
}

/// The §3 table as a checker: the request it describes, or every field at fault.
/// `null` counts as absent for every field.
fn expected(args: &Map<String, Value>) -> Result<ExecuteRequest, Vec<String>> {
    let mut bad: Vec<String> = Vec::new();
    let get = |k: &str| args.get(k).filter(|v| !v.is_null());
    for key in args.keys() {
        if !FIELDS.contains(&key.as_str()) {
            bad.push(key.chars().take(64).collect());
        }
    }
    // query: required string; trimmed; 1 to 4096 characters; no control
    // characters but newline and tab.
    let query = match get("query") {
        Some(Value::String(s)) => {
            let t = s.trim();
            let n = t.chars().count();
            let ok =
                (1..=4096).contains(&n) && !t.chars().any(|c| is_cc(c) && c != '\n' && c != '\t');
            ok.then(|| t.to_owned())
        }
        _ => None,
    };
    if query.is_none() {
        bad.push("query".into());
    }
    let mode = match get("execution_mode") {
        None => Some(ExecutionMode::Balanced),
        Some(Value::String(s)) if s == "fast" => Some(ExecutionMode::Fast),
        Some(Value::String(s)) if s == "balanced" => Some(ExecutionMode::Balanced),
        Some(Value::String(s)) if s == "comprehensive" => Some(ExecutionMode::Comprehensive),
        Some(_) => None,
    };
    if mode.is_none() {
        bad.push("execution_mode".into());
    }
    let context = match get("context") {
        None => Some(None),
        Some(Value::Object(ctx)) => {
            let size_ok =
                serde_json::to_string(&Value::Object(ctx.clone())).unwrap().len() <= 16 * 1024;
            if !size_ok {
                bad.push("context".into());
            }
            let field = |k: &str| ctx.get(k).filter(|v| !v.is_null());
            if !field("arguments").is_none_or(Value::is_object) {
                bad.push("context.arguments".into());
            }
            // `tool` names a downstream tool as "server.tool": both parts
            // non-empty (split at the first dot). request.rs also bounds it to
            // 256 bytes, a rule §3 does not state.
            let tool_ok = field("tool").is_none_or(|t| {
                t.as_str().is_some_and(|s| {
                    let dot = s.find('.');
                    dot.is_some_and(|d| d > 0 && d + 1 < s.len()) && s.len() <= 256
                })
            });
            if !tool_ok {
                bad.push("context.tool".into());
            }
            let tags_ok = field("tags").is_none_or(|t| {
                t.as_array().is_some_and(|tags| {
                    tags.len() <= 32
                        && tags.iter().all(|tag| {
                            tag.as_str().is_some_and(|s| (1..=64).contains(&s.chars().count()))
                        })
                })
            });
            if !tags_ok {
                bad.push("context.tags".into());
            }
            let importance_ok = field("importance")
                .is_none_or(|i| i.as_f64().is_some_and(|x| (0.0..=1.0).contains(&x)));
            if !importance_ok {
                bad.push("context.importance".into());
            }
            (size_ok && tool_ok && tags_ok && importance_ok).then(|| Some(ctx.clone()))
        }
        Some(_) => None,
    };
    if context.is_none() && !bad.iter().any(|f| f.starts_with("context")) {
        bad.push("context".into());
    }
    let boolean = |k: &str, default: bool, bad: &mut Vec<String>| match get(k) {
        None => default,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            bad.push(k.into());
            default
        }
    };
    let use_cache = boolean("use_cache", true, &mut bad);
    let explain = boolean("explain", false, &mut bad);
    // namespace: ^[A-Za-z0-9_.-]{1,64}$, default "default".
    let namespace = match get("namespace") {
        None => "default".to_owned(),
        Some(Value::String(s))
            if (1..=64).contains(&s.chars().count())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) =>
        {
            s.clone()
        }
        Some(_) => {
            bad.push("namespace".into());
            String::new()
        }
    };
    // idempotency_key: 1 to 128 characters. request.rs also refuses control
    // characters, which §3 does not state.
    let idempotency_key = match get("idempotency_key") {
        None => None,
        Some(Value::String(s))
            if (1..=128).contains(&s.chars().count()) && !s.chars().any(is_cc) =>
        {
            Some(s.clone())
        }
        Some(_) => {
            bad.push("idempotency_key".into());
            None
        }
    };
    if !bad.is_empty() {
        return Err(bad);
    }
    Ok(ExecuteRequest {
        query: query.unwrap(),
        execution_mode: mode.unwrap(),
        context: context.unwrap(),
        use_cache,
        namespace,
        idempotency_key,
        explain,
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(args) = serde_json::from_slice::<Map<String, Value>>(data) else { return };
    let got = ExecuteRequest::from_json(&args);
    match (got, expected(&args)) {
        (Ok(request), Ok(want)) => {
            assert_eq!(request, want);
            let Value::Object(again) = serde_json::to_value(&request).unwrap() else {
                panic!("a request serialises to an object")
            };
            assert_eq!(ExecuteRequest::from_json(&again).as_ref(), Ok(&request), "not idempotent");
        }
        (Err(error), Err(fields)) => assert!(
            fields.contains(&error.field),
            "refused for `{}` ({}), but the table finds fault with {fields:?}",
            error.field,
            error.rule
        ),
        (Ok(request), Err(fields)) => {
            panic!("accepted {request:?}, but the table finds fault with {fields:?}")
        }
        (Err(error), Ok(want)) => panic!("refused `{}` ({}) of {want:?}", error.field, error.rule),
    }
});
