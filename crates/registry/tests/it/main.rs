//! Integration tests of pattern-registry: one binary, one module per concern.

mod builtins;
mod load;
mod matching;
mod templates;
mod validation;

use std::path::PathBuf;

use pattern_registry::{LoadOptions, Loaded, Registry, RegistryError};

/// Writes `content` to `name` inside `dir` and returns the path.
pub fn write(dir: &tempfile::TempDir, name: &str, content: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Options without the built-in patterns, so tests see only their own.
pub fn without_builtins() -> LoadOptions {
    LoadOptions { builtins: false, ..LoadOptions::default() }
}

/// Loads one TOML text named `patterns.toml` with `opts`.
pub fn load_str(src: &str, opts: &LoadOptions) -> Result<Loaded, RegistryError> {
    Registry::from_toml_str(src, "patterns.toml", opts)
}

/// A memory search pattern as TOML.
pub fn memory_pattern(name: &str, trigger: &str, priority: i32) -> String {
    format!(
        "[[pattern]]\nname = \"{name}\"\ntype = \"memory\"\ntrigger = '{trigger}'\npriority = {priority}\n[pattern.memory]\nop = \"search\"\n\n"
    )
}

/// The name of the pattern `query` selects, if any.
pub fn matched(registry: &Registry, query: &str) -> Option<String> {
    registry.match_query(query).map(|m| m.pattern.name.clone())
}
