//! Unit tests of the embedded built-in file.

use super::*;
use crate::fallback::fallback_route;

#[test]
fn builtin_file_holds_the_nine_patterns_in_order() {
    let names: Vec<&str> = builtins().patterns.iter().map(|c| c.def.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "store_memory",
            "recent_memories",
            "recall_memory",
            "analyze",
            "similar",
            "call_tool",
            "list_tools",
            "list_patterns",
            "service_health"
        ]
    );
    assert!(builtins().patterns.iter().all(|c| c.def.builtin && !c.def.trigger.is_empty()));
    assert!(builtins().patterns.iter().all(|c| c.def.source.file == BUILTIN_FILE));
}

#[test]
fn fallbacks_have_no_trigger_and_the_type_of_their_route() {
    for (route, fallback) in PatternType::ALL.into_iter().zip(&builtins().fallbacks) {
        assert_eq!(fallback.def.name, fallback_name(route));
        assert_eq!(fallback.def.pattern_type, route);
        assert_eq!(fallback.def.trigger, "");
        assert!(fallback.def.builtin);
    }
    let memory = &builtins().fallbacks[1].def;
    assert_eq!(memory.memory.as_ref().unwrap().text.as_deref(), Some("{query}"));
}

#[test]
fn fallback_route_inverts_fallback_name() {
    for route in PatternType::ALL {
        assert_eq!(fallback_route(fallback_name(route)), Some(route));
    }
    assert_eq!(fallback_route("store_memory"), None);
}

#[test]
fn builtin_pattern_lines_point_at_their_headers() {
    for compiled in &builtins().patterns {
        let header = BUILTIN_TOML.lines().nth(compiled.def.source.line - 1).unwrap();
        assert_eq!(header, "[[pattern]]", "{}", compiled.def.name);
    }
}

#[test]
fn builtin_names_the_four_patterns_the_engine_implements_and_no_replacement() {
    let kinds: Vec<(&str, Option<Builtin>)> =
        builtins().patterns.iter().map(|c| (c.def.name.as_str(), Builtin::of(&c.def))).collect();
    let named: Vec<_> = kinds.iter().filter(|(_, b)| b.is_some()).collect();
    assert_eq!(
        named,
        [
            &("call_tool", Some(Builtin::CallTool)),
            &("list_tools", Some(Builtin::ListTools)),
            &("list_patterns", Some(Builtin::ListPatterns)),
            &("service_health", Some(Builtin::ServiceHealth)),
        ]
    );
    let mut replaced =
        builtins().patterns.iter().find(|c| c.def.name == "list_tools").unwrap().def.clone();
    replaced.builtin = false;
    assert_eq!(Builtin::of(&replaced), None);
}
