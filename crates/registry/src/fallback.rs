//! The route fallbacks' names: the pattern the router falls back to for each route when no pattern matched.

use pattern_core::PatternType;

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
