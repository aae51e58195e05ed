//! Built-in patterns and the three route fallbacks, shipped as `builtin.toml` inside the binary.

use std::sync::OnceLock;

use pattern_core::{PatternSource, PatternType};

use crate::file;
use crate::validate::{self, Compiled, Origin};

/// The file name built-in patterns report in their `PatternSource`.
pub const BUILTIN_FILE: &str = "<builtin>";

/// The embedded pattern file, in the format users write (plus `[[fallback]]`).
pub const BUILTIN_TOML: &str = include_str!("builtin.toml");

/// Name of the fallback pattern of each route.
pub fn fallback_name(route: PatternType) -> &'static str {
    match route {
        PatternType::Infrastructure => "fallback_infrastructure",
        PatternType::Memory => "fallback_memory",
        PatternType::Hybrid => "fallback_hybrid",
    }
}

/// The route whose fallback has this name, if it is one.
pub fn fallback_route(name: &str) -> Option<PatternType> {
    PatternType::ALL.into_iter().find(|&route| fallback_name(route) == name)
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
