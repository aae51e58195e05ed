//! Validation: a raw pattern becomes a `PatternDefinition` and its compiled trigger, or a list of reasons.

use pattern_core::{MemoryOp, PatternDefinition, PatternSource, PatternType};
use regex::{Regex, RegexBuilder};
use serde_json::Value;

use crate::fallback::fallback_route;
use crate::file::RawPattern;
use crate::template;

/// Longest pattern name.
pub const NAME_MAX_CHARS: usize = 64;
/// Longest trigger source: longer regexes are a mistake, or an attack on start-up time.
pub const TRIGGER_MAX_CHARS: usize = 4096;
/// Size limit of one compiled trigger, in bytes (`RegexBuilder::size_limit`).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Lazy-DFA cache limit of one trigger, in bytes (`RegexBuilder::dfa_size_limit`).
pub const REGEX_DFA_SIZE_LIMIT: usize = 2 << 20;
/// Range of `priority`.
pub const PRIORITY_RANGE: std::ops::RangeInclusive<i64> = -1000..=1000;
/// Largest `cache_ttl_s`: one day.
pub const CACHE_TTL_MAX_S: u64 = 86_400;
/// Range of `memory.limit`.
pub const MEMORY_LIMIT_RANGE: std::ops::RangeInclusive<u32> = 1..=100;
/// `memory.limit` when unset.
pub const DEFAULT_MEMORY_LIMIT: u32 = 10;

/// Where a pattern comes from decides which rules relax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A user's pattern file: every rule applies.
    File,
    /// A built-in pattern: infrastructure and hybrid built-ins may have no
    /// `[pattern.tool]` (the engine implements them by name or by ranking
    /// downstream tools).
    Builtin,
    /// A route fallback (built-in, or a file pattern replacing one): no
    /// trigger, a type fixed by its name, and no tool needed.
    Fallback,
}

/// A valid pattern. Its trigger compiled within the limits; the compiled
/// regex itself is not kept (the matcher compiles it again on first use).
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub def: PatternDefinition,
}

/// The cost estimate of a pattern that does not set `cost_tokens`.
pub fn default_cost_tokens(pattern_type: PatternType) -> u32 {
    match pattern_type {
        PatternType::Infrastructure => 50,
        PatternType::Memory => 100,
        PatternType::Hybrid => 150,
    }
}

/// True for a valid pattern name: `^[a-z0-9_]{1,64}$`.
pub fn valid_name(name: &str) -> bool {
    (1..=NAME_MAX_CHARS).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks every rule of docs/CONTRACT.md §4 and returns all the reasons a pattern
/// is invalid, not only the first.
pub(crate) fn validate(
    raw: RawPattern,
    source: PatternSource,
    origin: Origin,
) -> Result<Compiled, Vec<String>> {
    let mut reasons = Vec::new();
    let pattern_type = raw.pattern_type;

    if !valid_name(&raw.name) {
        reasons.push(format!(
            "invalid name `{}`: 1 to {NAME_MAX_CHARS} characters of a-z, 0-9 and _",
            raw.name.escape_debug()
        ));
    }

    let trigger = raw.trigger.unwrap_or_default();
    let regex = if origin == Origin::Fallback {
        if let Some(route) = fallback_route(&raw.name)
            && route != pattern_type
        {
            reasons.push(format!(
                "`{}` is the {route} fallback: its type must be `{route}`",
                raw.name
            ));
        }
        if !trigger.is_empty() {
            reasons.push(format!(
                "`{}` names a route fallback, which has no trigger (the router chooses it, it is never matched): remove the trigger or choose another name",
                raw.name
            ));
        }
        None
    } else {
        compile_trigger(&trigger).map_err(|reason| reasons.push(reason)).ok()
    };
    let captures: Vec<String> = regex
        .as_ref()
        .map(|r| r.capture_names().flatten().map(str::to_owned).collect())
        .unwrap_or_default();

    let priority = raw.priority.unwrap_or(0);
    if !PRIORITY_RANGE.contains(&priority) {
        reasons.push(format!(
            "priority {priority} is outside {}..={}",
            PRIORITY_RANGE.start(),
            PRIORITY_RANGE.end()
        ));
    }
    if let Some(ttl) = raw.cache_ttl_s
        && ttl > CACHE_TTL_MAX_S
    {
        reasons
            .push(format!("cache_ttl_s {ttl} is over the maximum of {CACHE_TTL_MAX_S} (one day)"));
    }

    let tool_needed = origin == Origin::File;
    let (wants_tool, wants_memory) = match pattern_type {
        PatternType::Infrastructure => (true, false),
        PatternType::Memory => (false, true),
        PatternType::Hybrid => (true, true),
    };
    match (&raw.tool, wants_tool) {
        (None, true) if tool_needed => {
            reasons.push(format!("a {pattern_type} pattern needs a [pattern.tool] table"));
        }
        (Some(_), false) => {
            reasons.push(format!("a {pattern_type} pattern has no [pattern.tool] table"));
        }
        _ => {}
    }
    match (&raw.memory, wants_memory) {
        (None, true) => {
            reasons.push(format!("a {pattern_type} pattern needs a [pattern.memory] table"));
        }
        (Some(_), false) => {
            reasons.push(format!("a {pattern_type} pattern has no [pattern.memory] table"));
        }
        _ => {}
    }

    let mut templates: Vec<(String, &str)> = Vec::new();
    if let Some(tool) = &raw.tool {
        if tool.server.trim().is_empty() {
            reasons.push("`tool.server` is empty".to_owned());
        }
        if tool.name.trim().is_empty() {
            reasons.push("`tool.name` is empty".to_owned());
        }
        for (key, value) in &tool.arguments {
            collect_strings(value, format!("tool.arguments.{key}"), &mut templates);
        }
    }
    let mut memory = raw.memory;
    if let Some(memory) = &mut memory {
        if let Some(limit) = memory.limit
            && !MEMORY_LIMIT_RANGE.contains(&limit)
        {
            reasons.push(format!(
                "memory.limit {limit} is outside {}..={}",
                MEMORY_LIMIT_RANGE.start(),
                MEMORY_LIMIT_RANGE.end()
            ));
        }
        if memory.op != MemoryOp::Store {
            memory.limit.get_or_insert(DEFAULT_MEMORY_LIMIT);
        }
        memory.text.get_or_insert_with(|| template::DEFAULT_MEMORY_TEXT.to_owned());
    }
    if let Some(memory) = &memory {
        if let Some(text) = &memory.text {
            templates.push(("memory.text".to_owned(), text));
        }
        for (i, tag) in memory.tags.iter().enumerate() {
            templates.push((format!("memory.tags[{i}]"), tag));
        }
    }
    // Templates are checked only against a trigger that compiled: otherwise
    // every placeholder would be reported as undefined too.
    if regex.is_some() || origin == Origin::Fallback {
        for (field, text) in templates {
            check_template(&field, text, &captures, &mut reasons);
        }
    }

    if !reasons.is_empty() {
        return Err(reasons);
    }
    let def = PatternDefinition {
        name: raw.name,
        pattern_type,
        trigger,
        priority: i32::try_from(priority).unwrap_or_default(),
        cost_tokens: raw.cost_tokens.unwrap_or_else(|| default_cost_tokens(pattern_type)),
        cache_ttl_s: raw.cache_ttl_s,
        description: raw.description.unwrap_or_default(),
        min_role: raw.min_role,
        tool: raw.tool,
        memory,
        captures,
        source,
        // The caller marks built-ins: a file pattern replacing a fallback is not one.
        builtin: false,
    };
    Ok(Compiled { def })
}

/// Compiles one trigger within the size limits.
pub(crate) fn compile_trigger(trigger: &str) -> Result<Regex, String> {
    if trigger.trim().is_empty() {
        return Err("trigger is empty (only route fallbacks have no trigger)".to_owned());
    }
    let chars = trigger.chars().count();
    if chars > TRIGGER_MAX_CHARS {
        return Err(format!(
            "trigger is {chars} characters long, over the limit of {TRIGGER_MAX_CHARS}"
        ));
    }
    RegexBuilder::new(trigger)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => {
                format!("trigger regex is over the size limit (compiled, it exceeds {limit} bytes)")
            }
            regex::Error::Syntax(message) => {
                format!("trigger is not a valid regex: {}", syntax_reason(&message))
            }
            other => format!("trigger is not a valid regex: {other}"),
        })
}

/// The one-line gist of a multi-line regex syntax error.
fn syntax_reason(message: &str) -> String {
    let gist = message.lines().find_map(|l| l.strip_prefix("error: "));
    match gist {
        Some(gist) => gist.trim().to_owned(),
        None => message.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Every string inside an argument value, with its path for messages.
fn collect_strings<'v>(value: &'v Value, path: String, out: &mut Vec<(String, &'v str)>) {
    match value {
        Value::String(s) => out.push((path, s)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_strings(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                collect_strings(item, format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

/// A template must parse, and name only captures of the trigger or `query`.
/// A default does not excuse an undefined capture: it is a typo.
fn check_template(field: &str, text: &str, captures: &[String], reasons: &mut Vec<String>) {
    match template::placeholders(text) {
        Err(reason) => reasons.push(format!("`{field}`: {reason}")),
        Ok(placeholders) => {
            for placeholder in placeholders {
                let name = placeholder.name;
                if name != template::QUERY && !captures.contains(&name) {
                    let defined = if captures.is_empty() {
                        "the trigger has no named captures".to_owned()
                    } else {
                        format!("captures: {}", captures.join(", "))
                    };
                    reasons.push(format!(
                        "`{field}` uses `{{{name}}}`, which the trigger does not capture ({defined}; `{{query}}` is the whole query)"
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
