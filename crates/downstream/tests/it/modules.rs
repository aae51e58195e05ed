//! The files of `src/` form no circle: no module imports a sibling that imports it back.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

/// The sibling modules `text` (a top-level module's file, where `super` is the
/// crate root) names through `super::` or `crate::`; a name the crate root
/// re-exports counts as the module it comes from.
fn siblings_named(
    text: &str,
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let mut add = |first: &str| {
        let first = first.trim();
        if modules.contains(first) {
            named.insert(first.to_owned());
        } else if let Some(module) = reexports.get(first) {
            named.insert(module.clone());
        }
    };
    for prefix in ["super::", "crate::"] {
        for (at, _) in text.match_indices(prefix) {
            let rest = &text[at + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `use super::{a, b::c, d::{e, f}}`: the first segment of each top-level item.
                let mut depth = 0usize;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            add(item.split("::").next().unwrap_or_default());
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    item.push(c);
                }
                add(item.split("::").next().unwrap_or_default());
            } else {
                let end =
                    rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
                add(&rest[..end]);
            }
        }
    }
    named
}

#[test]
fn no_file_of_src_imports_a_sibling_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let modules: BTreeSet<String> = lib
        .lines()
        .filter_map(|line| {
            line.trim().strip_prefix("mod ").or_else(|| line.trim().strip_prefix("pub mod "))
        })
        .map(|rest| rest.trim_end_matches(';').trim().to_owned())
        .collect();
    assert!(modules.contains("server") && modules.contains("connect"), "{modules:?}");
    let mut reexports = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else { continue };
        let Some((module, items)) = rest.split_once("::") else { continue };
        for item in items.trim_end_matches(';').trim_matches(|c| c == '{' || c == '}').split(',') {
            reexports.insert(item.trim().to_owned(), module.to_owned());
        }
    }
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for module in &modules {
        // A module is `foo.rs` and the files of its submodules under `foo/`,
        // where `super::` is `foo` itself and `super::super::` the crate root.
        let mut text = std::fs::read_to_string(src.join(format!("{module}.rs"))).unwrap();
        if let Ok(children) = std::fs::read_dir(src.join(module)) {
            for child in children {
                let child = std::fs::read_to_string(child.unwrap().path()).unwrap();
                text.push_str(
                    &child.replace("super::super::", "crate::").replace("super::", "self::"),
                );
            }
        }
        // Comments (doc links among them) import nothing.
        let code: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .map(|line| format!("{line}\n"))
            .collect();
        let mut named = siblings_named(&code, &modules, &reexports);
        named.remove(module);
        imports.insert(module.clone(), named);
    }
    let mut circles = Vec::new();
    for (module, named) in &imports {
        for other in named {
            if module < other && imports[other].contains(module) {
                circles.push(format!("{module} <-> {other}"));
            }
        }
    }
    assert_eq!(circles, Vec::<String>::new(), "imports: {imports:#?}");
    // Longer circles too: the import graph must have a topological order.
    let mut left = imports.clone();
    while !left.is_empty() {
        let leaf = left
            .iter()
            .find(|(_, named)| named.iter().all(|n| !left.contains_key(n)))
            .map(|(module, _)| module.clone());
        let Some(leaf) = leaf else {
            panic!("a circle among {:?}", left.keys().collect::<Vec<_>>());
        };
        left.remove(&leaf);
    }
}
