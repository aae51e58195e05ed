//! Pattern files: the TOML a user writes, read into raw patterns with the line of each.
//!
//! Parsing is two-staged so that one bad pattern does not hide the others:
//! the document is parsed once with spans (a TOML syntax error is fatal),
//! then each `[[pattern]]` table is deserialised on its own into a
//! [`RawPattern`], whose errors belong to that pattern only.

use std::ops::Range;

use pattern_core::{MemorySpec, PatternType, Role, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::error::{PatternError, RegistryError};

/// Top-level key of the `[[pattern]]` tables.
pub(crate) const PATTERN_KEY: &str = "pattern";
/// Top-level key of the route fallbacks, allowed only in the built-in file.
pub(crate) const FALLBACK_KEY: &str = "fallback";

/// A whole pattern file, for its JSON Schema.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pattern-mcp pattern file")]
pub struct PatternFile {
    /// The patterns, one `[[pattern]]` table each. Ties in priority go to the
    /// order of this list (and of the files on the command line).
    #[serde(default)]
    pub pattern: Vec<RawPattern>,
}

/// One `[[pattern]]` table exactly as a user may write it (docs/CONTRACT.md §4).
///
/// Everything optional here gets its default, and everything is checked, in
/// `validate`; what comes out is a `pattern_core::PatternDefinition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPattern {
    /// Unique name; a query that is exactly this name (trimmed,
    /// case-insensitive) selects the pattern without its trigger. A file
    /// pattern with a built-in's name replaces the built-in.
    #[schemars(regex(pattern = r"^[a-z0-9_]{1,64}$"))]
    pub name: String,
    /// The execution path: `infrastructure` calls a downstream tool, `memory`
    /// searches or stores memories, `hybrid` does both.
    #[serde(rename = "type")]
    pub pattern_type: PatternType,
    /// Regex (Rust `regex` syntax) searched for in the trimmed query; named
    /// groups `(?P<name>…)` become captures for the templates. Use `(?i)` for
    /// case-insensitive matching. Required, at most 4096 characters; only the
    /// route fallbacks (`fallback_infrastructure`, `fallback_memory`,
    /// `fallback_hybrid`) have none.
    #[serde(default)]
    #[schemars(length(max = 4096))]
    pub trigger: Option<String>,
    /// Higher is tried first; ties go to file order. -1000..=1000, default 0.
    #[serde(default)]
    #[schemars(range(min = -1000, max = 1000))]
    pub priority: Option<i64>,
    /// The router's prior estimate of the result size in tokens. Default by
    /// type: infrastructure 50, memory 100, hybrid 150.
    #[serde(default)]
    pub cost_tokens: Option<u32>,
    /// Result cache TTL in seconds, at most 86400. `0` never caches. Unset:
    /// the cache tiers' TTLs apply, and results of tools not annotated
    /// read-only are not cached.
    #[serde(default)]
    #[schemars(range(max = 86400))]
    pub cache_ttl_s: Option<u64>,
    /// What the pattern does, for people and for `tools/list` style listings.
    #[serde(default)]
    pub description: Option<String>,
    /// Least role an HTTP principal needs to execute the pattern.
    #[serde(default)]
    pub min_role: Option<Role>,
    /// The downstream tool: required for infrastructure and hybrid patterns.
    #[serde(default)]
    pub tool: Option<ToolSpec>,
    /// The memory operation: required for memory and hybrid patterns.
    #[serde(default)]
    pub memory: Option<MemorySpec>,
}

/// The JSON Schema of a pattern file (`schemas/patterns.schema.json`).
///
/// TOML has no null, so the `null` that schemars allows for every `Option`
/// is taken out: an editor validating a pattern file sees the real shape.
pub fn patterns_file_schema() -> schemars::Schema {
    let mut value = schemars::schema_for!(PatternFile).to_value();
    strip_null(&mut value);
    schemars::Schema::try_from(value).expect("a schema stays an object")
}

/// Removes `null` from `type` arrays and `anyOf` lists, and `"default": null`.
fn strip_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if let [single] = types.as_slice() {
                    let single = single.clone();
                    map.insert("type".to_owned(), single);
                }
            }
            if let Some(Value::Array(any_of)) = map.get_mut("anyOf") {
                any_of.retain(|s| s.get("type").is_none_or(|t| t != "null"));
                if let [single] = any_of.as_slice()
                    && let Some(single) = single.as_object().cloned()
                {
                    map.remove("anyOf");
                    map.extend(single);
                }
            }
            map.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

/// One `[[pattern]]` (or `[[fallback]]`) table, read or not.
#[derive(Debug)]
pub(crate) struct ParsedPattern {
    /// 1-based line of its table header.
    pub line: usize,
    /// The name, when the table has a string `name`: for error messages.
    pub name: Option<String>,
    /// The pattern, or why the table is not one.
    pub raw: Result<RawPattern, String>,
}

/// What a file holds, before validation.
#[derive(Debug, Default)]
pub(crate) struct ParsedFile {
    pub patterns: Vec<ParsedPattern>,
    pub fallbacks: Vec<ParsedPattern>,
    /// Problems outside any pattern (unknown top-level keys).
    pub errors: Vec<PatternError>,
}

/// Parses a pattern file. `[[fallback]]` tables are accepted only when
/// `allow_fallbacks` (the built-in file).
pub(crate) fn parse(
    src: &str,
    file: &str,
    allow_fallbacks: bool,
) -> Result<ParsedFile, RegistryError> {
    let lines = LineIndex::new(src);
    let doc = DeTable::parse(src).map_err(|e| RegistryError::Parse {
        file: file.to_owned(),
        line: e.span().map_or(1, |span| lines.line_of(span.start)),
        message: e.message().to_owned(),
    })?;
    let mut parsed = ParsedFile::default();
    for (key, value) in doc.into_inner() {
        let key_line = lines.line_of(key.span().start);
        let list = match &**key.get_ref() {
            PATTERN_KEY => &mut parsed.patterns,
            FALLBACK_KEY if allow_fallbacks => &mut parsed.fallbacks,
            other => {
                parsed.errors.push(PatternError::new(
                    file,
                    key_line,
                    None,
                    format!("unknown top-level key `{other}` (a pattern file holds only `[[pattern]]` tables)"),
                ));
                continue;
            }
        };
        let DeValue::Array(items) = value.into_inner() else {
            return Err(RegistryError::Parse {
                file: file.to_owned(),
                line: key_line,
                message: format!(
                    "`{}` must be an array of tables: write `[[{0}]]`, not `[{0}]`",
                    key.get_ref()
                ),
            });
        };
        list.extend(items.into_iter().map(|item| read_pattern(item, &lines)));
    }
    // Keys come back sorted by name; errors read best in file order.
    parsed.errors.sort_by_key(|e| e.line);
    Ok(parsed)
}

/// Deserialises one table into a [`RawPattern`], naming the key at fault.
fn read_pattern(item: Spanned<DeValue<'_>>, lines: &LineIndex) -> ParsedPattern {
    let line = lines.line_of(item.span().start);
    let DeValue::Table(table) = item.get_ref() else {
        let found = item.get_ref().type_str();
        return ParsedPattern {
            line,
            name: None,
            raw: Err(format!("expected a table, found {found}")),
        };
    };
    let name = table.get("name").and_then(|v| v.get_ref().as_str()).map(str::to_owned);
    let key_spans: Vec<(String, Range<usize>)> =
        table.iter().map(|(k, v)| (k.get_ref().to_string(), v.span())).collect();
    let raw = RawPattern::deserialize(ValueDeserializer::from(item)).map_err(|e| {
        let key = e.span().and_then(|span| {
            key_spans
                .iter()
                .find(|(_, value)| value.start <= span.start && span.end <= value.end)
                .map(|(key, _)| key)
        });
        match key {
            Some(key) => format!("`{key}`: {}", e.message()),
            None => e.message().to_owned(),
        }
    });
    let raw = raw.and_then(|raw| match raw.tool.as_ref().and_then(non_finite_argument) {
        Some(path) => Err(format!(
            "`{path}`: nan and inf have no JSON form (write a finite number, or a string)"
        )),
        None => Ok(raw),
    });
    ParsedPattern { line, name, raw }
}

/// The path of the first tool argument that was `nan` or `inf` in the file.
///
/// TOML has no null, so a null in the arguments read is a float JSON cannot
/// carry, which serde_json turned into null: the tool would get `null`.
fn non_finite_argument(tool: &ToolSpec) -> Option<String> {
    fn find(value: &serde_json::Value, path: String) -> Option<String> {
        match value {
            serde_json::Value::Null => Some(path),
            serde_json::Value::Array(items) => {
                items.iter().enumerate().find_map(|(i, v)| find(v, format!("{path}[{i}]")))
            }
            serde_json::Value::Object(map) => {
                map.iter().find_map(|(k, v)| find(v, format!("{path}.{k}")))
            }
            _ => None,
        }
    }
    tool.arguments.iter().find_map(|(k, v)| find(v, format!("tool.arguments.{k}")))
}

/// Byte offset → 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(src: &str) -> Self {
        let starts =
            std::iter::once(0).chain(src.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Self { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

#[cfg(test)]
mod tests;
