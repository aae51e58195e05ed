//! A small check of call arguments against a tool's `inputSchema`, compiled once when the tools list is cached.
//!
//! It covers what callers (LLMs, pattern templates) actually get wrong:
//! `required` properties, primitive `type`s (one or a list, `integer`
//! accepting `1.0` as JSON Schema does), `enum`, `additionalProperties:
//! false`, nested `properties` and array `items`. Every other keyword
//! (`$ref`, `anyOf`, formats, bounds, patterns) is accepted unchecked: the
//! downstream server validates again, so being lenient here costs a round
//! trip, never a wrong answer. The `jsonschema` crate would check all of
//! it, at ~35 more crates and ~55 s more build on our 2-core machines.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Nesting deeper than this is accepted unchecked (a schema is data from a downstream server).
const MAX_DEPTH: usize = 16;

/// The first argument found at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArgumentError {
    /// JSON pointer to the argument without the leading `/`: `b`, `filter/limit`, `ids/2`.
    pub field: String,
    pub reason: String,
}

/// A compiled `inputSchema` (or one property's schema within it).
#[derive(Debug, Clone, Default)]
pub(crate) struct ArgumentCheck {
    types: Vec<JsonType>,
    allowed: Option<Vec<Value>>,
    required: Vec<String>,
    properties: BTreeMap<String, ArgumentCheck>,
    /// `additionalProperties: false`: names outside `properties` are refused.
    closed: bool,
    items: Option<Box<ArgumentCheck>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonType {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
    Null,
}

impl JsonType {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "string" => Self::String,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            "object" => Self::Object,
            "array" => Self::Array,
            "null" => Self::Null,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Object => "object",
            Self::Array => "array",
            Self::Null => "null",
        }
    }

    fn matches(self, value: &Value) -> bool {
        match (self, value) {
            (Self::String, Value::String(_))
            | (Self::Number, Value::Number(_))
            | (Self::Boolean, Value::Bool(_))
            | (Self::Object, Value::Object(_))
            | (Self::Array, Value::Array(_))
            | (Self::Null, Value::Null) => true,
            (Self::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl ArgumentCheck {
    /// Compiles a tool's `inputSchema`. Parts it does not understand check nothing.
    pub fn compile(schema: &Map<String, Value>) -> Self {
        Self::compile_at(schema, 0)
    }

    fn compile_at(schema: &Map<String, Value>, depth: usize) -> Self {
        if depth > MAX_DEPTH {
            return Self::default();
        }
        let types = match schema.get("type") {
            Some(Value::String(name)) => JsonType::parse(name).into_iter().collect(),
            Some(Value::Array(names)) => {
                let parsed: Option<Vec<_>> =
                    names.iter().map(|name| name.as_str().and_then(JsonType::parse)).collect();
                parsed.unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let sub = |value: &Value| match value {
            Value::Object(schema) => Self::compile_at(schema, depth + 1),
            _ => Self::default(),
        };
        Self {
            types,
            allowed: schema.get("enum").and_then(Value::as_array).cloned(),
            required: schema
                .get("required")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            properties: schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| props.iter().map(|(name, s)| (name.clone(), sub(s))).collect())
                .unwrap_or_default(),
            closed: schema.get("additionalProperties") == Some(&Value::Bool(false)),
            items: schema.get("items").map(|s| Box::new(sub(s))),
        }
    }

    /// Checks the `arguments` object of a `tools/call`.
    pub fn check(&self, arguments: &Map<String, Value>) -> Result<(), ArgumentError> {
        self.check_object(arguments, "")
    }

    fn check_value(&self, value: &Value, at: &str) -> Result<(), ArgumentError> {
        if !self.types.is_empty() && !self.types.iter().any(|t| t.matches(value)) {
            let expected: Vec<&str> = self.types.iter().map(|t| t.name()).collect();
            return Err(ArgumentError {
                field: at.to_owned(),
                reason: format!("must be {}, not {}", expected.join(" or "), type_of(value)),
            });
        }
        if let Some(allowed) = &self.allowed
            && !allowed.contains(value)
        {
            let allowed: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return Err(ArgumentError {
                field: at.to_owned(),
                reason: format!("must be one of {}", allowed.join(", ")),
            });
        }
        match value {
            Value::Object(object) => self.check_object(object, at),
            Value::Array(items) => match &self.items {
                Some(check) => items
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, item)| check.check_value(item, &join(at, &i.to_string()))),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn check_object(&self, object: &Map<String, Value>, at: &str) -> Result<(), ArgumentError> {
        if let Some(missing) = self.required.iter().find(|name| !object.contains_key(*name)) {
            return Err(ArgumentError {
                field: join(at, missing),
                reason: "is required".to_owned(),
            });
        }
        for (name, value) in object {
            match self.properties.get(name) {
                Some(check) => check.check_value(value, &join(at, name))?,
                None if self.closed => {
                    let known: Vec<&str> = self.properties.keys().map(String::as_str).collect();
                    return Err(ArgumentError {
                        field: join(at, name),
                        reason: format!("is not accepted (known: {})", known.join(", ")),
                    });
                }
                None => {}
            }
        }
        Ok(())
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() { name.to_owned() } else { format!("{at}/{name}") }
}

#[cfg(test)]
mod tests;
