//! Typing template-rendered tool arguments: regex captures are text, a tool may want a number or a boolean.

use serde_json::{Map, Value};

/// Turns each string argument whose property in `input_schema` is typed
/// `integer`, `number` or `boolean` (and not also `string`) into that type
/// when the text parses as it; everything else is left for the schema check
/// to judge. Only template-rendered arguments go through this:
/// `context.arguments` are already JSON.
pub fn coerce_to_schema(arguments: &mut Map<String, Value>, input_schema: &Map<String, Value>) {
    let Some(Value::Object(properties)) = input_schema.get("properties") else { return };
    for (name, value) in arguments.iter_mut() {
        let Value::String(text) = value else { continue };
        let Some(types) = properties.get(name).and_then(|p| p.get("type")) else { continue };
        let wants = |kind: &str| match types {
            Value::String(t) => t == kind,
            Value::Array(ts) => ts.iter().any(|t| t == kind),
            _ => false,
        };
        if wants("string") {
            continue;
        }
        let text = text.trim();
        let typed = if wants("integer") { text.parse::<i64>().ok().map(Value::from) } else { None }
            .or_else(|| {
                wants("number")
                    .then(|| text.parse::<f64>().ok().and_then(serde_json::Number::from_f64))
                    .flatten()
                    .map(Value::Number)
            })
            .or_else(|| {
                wants("boolean").then(|| text.parse::<bool>().ok()).flatten().map(Value::Bool)
            });
        if let Some(typed) = typed {
            *value = typed;
        }
    }
}

#[cfg(test)]
mod tests;
