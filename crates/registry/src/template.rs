//! Capture templates: `{name}`, `{name|default}`, `{query}`, and `{{` / `}}` for literal braces.
//!
//! Templates fill a pattern's tool arguments, memory text and memory tags
//! from the named captures of its trigger. `{query}` is the whole trimmed
//! query. A capture that did not participate in the match, or matched the
//! empty string, renders as its default, or as nothing without one.

use pattern_core::{Captures, PatternDefinition};
use serde_json::{Map, Value};

/// The name every template may use besides the trigger's captures.
pub const QUERY: &str = "query";

/// The text `memory.text` renders from when a pattern does not set it.
pub const DEFAULT_MEMORY_TEXT: &str = "{query}";

/// One `{name}` or `{name|default}` of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    /// Literal text used when the capture is absent or empty.
    pub default: Option<String>,
}

/// A piece of a parsed template.
enum Piece<'t> {
    Literal(&'t str),
    Placeholder { name: &'t str, default: Option<&'t str> },
}

/// Splits a template into literal text and placeholders, or says why it is malformed.
fn parse(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let bytes = template.as_bytes();
    let mut pieces = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'}' if bytes.get(i + 1) == Some(&bytes[i]) => {
                // `{{` or `}}`: keep one brace as text.
                pieces.push(Piece::Literal(&template[literal_start..=i]));
                i += 2;
                literal_start = i;
            }
            b'{' => {
                let rest = &template[i + 1..];
                let Some(len) = rest.find(['{', '}']).filter(|&j| rest.as_bytes()[j] == b'}')
                else {
                    return Err(format!(
                        "unclosed `{{` at byte {i} (write `{{{{` for a literal brace)"
                    ));
                };
                let inner = &rest[..len];
                let (name, default) = match inner.split_once('|') {
                    Some((name, default)) => (name, Some(default)),
                    None => (inner, None),
                };
                if !valid_name(name) {
                    return Err(format!(
                        "invalid placeholder `{{{inner}}}`: a name is a letter or `_` followed by letters, digits, `_`, `.`, `[` or `]` (write `{{{{` for a literal brace)"
                    ));
                }
                if i > literal_start {
                    pieces.push(Piece::Literal(&template[literal_start..i]));
                }
                pieces.push(Piece::Placeholder { name, default });
                i += len + 2;
                literal_start = i;
            }
            b'}' => {
                return Err(format!(
                    "unmatched `}}` at byte {i} (write `}}}}` for a literal brace)"
                ));
            }
            _ => i += 1,
        }
    }
    if literal_start < bytes.len() {
        pieces.push(Piece::Literal(&template[literal_start..]));
    }
    Ok(pieces)
}

/// The names a regex capture group may have, so any group can be referenced:
/// the `regex` crate takes a letter or `_`, then letters, digits, `_`, `.`,
/// `[` and `]`, letters and digits being Unicode ones (`(?P<città>…)`).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
}

/// The placeholders of a template, in order; an error on unbalanced braces
/// or a malformed placeholder. Used to validate patterns at load.
pub fn placeholders(template: &str) -> Result<Vec<Placeholder>, String> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Literal(_) => None,
            Piece::Placeholder { name, default } => {
                Some(Placeholder { name: name.to_owned(), default: default.map(str::to_owned) })
            }
        })
        .collect())
}

/// Renders a template. A template that does not parse (never the case for a
/// validated pattern) renders as itself.
pub fn render(template: &str, captures: &Captures, query: &str) -> String {
    let Ok(pieces) = parse(template) else {
        return template.to_owned();
    };
    let mut out = String::with_capacity(template.len() + query.len());
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Placeholder { name, default } => {
                let value = if name == QUERY {
                    Some(query)
                } else {
                    captures.get(name).map(String::as_str).filter(|v| !v.is_empty())
                };
                out.push_str(value.or(default).unwrap_or(""));
            }
        }
    }
    out
}

/// Renders every string inside a JSON value (object values and array items,
/// recursively; object keys are left alone). Strings stay strings, other
/// values are copied.
pub fn render_value(value: &Value, captures: &Captures, query: &str) -> Value {
    match value {
        Value::String(s) => Value::String(render(s, captures, query)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| render_value(v, captures, query)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter().map(|(k, v)| (k.clone(), render_value(v, captures, query))).collect(),
        ),
        other => other.clone(),
    }
}

/// The rendered `[pattern.tool].arguments` of a pattern (empty without a tool).
pub fn tool_arguments(
    pattern: &PatternDefinition,
    captures: &Captures,
    query: &str,
) -> Map<String, Value> {
    pattern
        .tool
        .iter()
        .flat_map(|tool| tool.arguments.iter())
        .map(|(k, v)| (k.clone(), render_value(v, captures, query)))
        .collect()
}

/// The rendered `[pattern.memory].text` (`{query}` when unset); `None`
/// without a memory spec.
pub fn memory_text(
    pattern: &PatternDefinition,
    captures: &Captures,
    query: &str,
) -> Option<String> {
    let memory = pattern.memory.as_ref()?;
    let template = memory.text.as_deref().unwrap_or(DEFAULT_MEMORY_TEXT);
    Some(render(template, captures, query))
}

/// The rendered `[pattern.memory].tags`, empty ones dropped.
pub fn memory_tags(pattern: &PatternDefinition, captures: &Captures, query: &str) -> Vec<String> {
    pattern
        .memory
        .iter()
        .flat_map(|memory| memory.tags.iter())
        .map(|tag| render(tag, captures, query))
        .filter(|tag| !tag.is_empty())
        .collect()
}

#[cfg(test)]
mod tests;
