//! Built-in patterns and the three route fallbacks, shipped as `builtin.toml` inside the binary.

use std::sync::OnceLock;

use pattern_core::{PatternDefinition, PatternSource, PatternType};

use crate::fallback::fallback_name;
use crate::file;
use crate::validate::{self, Compiled, Origin};

/// The file name built-in patterns report in their `PatternSource`.
pub const BUILTIN_FILE: &str = "<builtin>";

/// The embedded pattern file, in the format users write (plus `[[fallback]]`).
pub const BUILTIN_TOML: &str = include_str!("builtin.toml");

/// A built-in pattern the engine implements itself, by name, because it
/// names no downstream tool in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `call_tool`: the tool is named at run time (a capture or `context.tool`).
    CallTool,
    /// `list_tools`: the tools of the downstream servers.
    ListTools,
    /// `list_patterns`: the registered patterns.
    ListPatterns,
    /// `service_health`: the downstream servers and the memory store.
    ServiceHealth,
}

impl Builtin {
    /// What `pattern` is, if it is one of these: a built-in of that name with
    /// no tool of its own. A file pattern that replaces one is not.
    pub fn of(pattern: &PatternDefinition) -> Option<Builtin> {
        if !pattern.builtin || pattern.tool.is_some() {
            return None;
        }
        match pattern.name.as_str() {
            "call_tool" => Some(Builtin::CallTool),
            "list_tools" => Some(Builtin::ListTools),
            "list_patterns" => Some(Builtin::ListPatterns),
            "service_health" => Some(Builtin::ServiceHealth),
            _ => None,
        }
    }
}

/// The parsed and compiled built-in file.
#[derive(Debug)]
pub(crate) struct Builtins {
    /// The matchable built-ins, in file order.
    pub patterns: Vec<Compiled>,
    /// One per route, in `PatternType::ALL` order.
    pub fallbacks: [Compiled; 3],
}

/// The built-ins, parsed and compiled once per process.
///
/// # Panics
/// When `builtin.toml` is invalid: a unit test keeps that from shipping.
pub(crate) fn builtins() -> &'static Builtins {
    static BUILTINS: OnceLock<Builtins> = OnceLock::new();
    BUILTINS.get_or_init(|| {
        let parsed = file::parse(BUILTIN_TOML, BUILTIN_FILE, true)
            .unwrap_or_else(|e| panic!("builtin.toml does not parse: {e}"));
        assert!(parsed.errors.is_empty(), "builtin.toml: {:?}", parsed.errors);
        let compile = |p: file::ParsedPattern, origin: Origin| {
            let raw = p.raw.unwrap_or_else(|e| panic!("builtin.toml:{}: {e}", p.line));
            let mut compiled = validate::validate(raw, PatternSource::builtin(p.line), origin)
                .unwrap_or_else(|e| panic!("builtin.toml:{}: {e:?}", p.line));
            compiled.def.builtin = true;
            compiled
        };
        let patterns = parsed.patterns.into_iter().map(|p| compile(p, Origin::Builtin)).collect();
        let mut fallbacks: Vec<Compiled> =
            parsed.fallbacks.into_iter().map(|p| compile(p, Origin::Fallback)).collect();
        fallbacks.sort_by_key(|c| c.def.pattern_type);
        let fallbacks: [Compiled; 3] =
            fallbacks.try_into().expect("builtin.toml has exactly one fallback per route");
        for (route, fallback) in PatternType::ALL.into_iter().zip(&fallbacks) {
            assert_eq!(fallback.def.name, fallback_name(route), "builtin.toml fallback order");
        }
        Builtins { patterns, fallbacks }
    })
}

#[cfg(test)]
mod tests;
