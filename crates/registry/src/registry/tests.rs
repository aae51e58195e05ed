//! Unit tests of registry internals: ordering and the version hash.

use super::*;

const FILE: &str = r#"
[[pattern]]
name = "a"
type = "memory"
trigger = "alpha"
priority = 1
[pattern.memory]
op = "search"

[[pattern]]
name = "b"
type = "memory"
trigger = "beta"
priority = 5
[pattern.memory]
op = "search"
"#;

fn load(src: &str, file: &str) -> Registry {
    let opts = LoadOptions { builtins: false, ..LoadOptions::default() };
    Registry::from_toml_str(src, file, &opts).unwrap().registry
}

#[test]
fn patterns_are_in_priority_order() {
    let registry = load(FILE, "f.toml");
    let names: Vec<&str> = registry.patterns().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["b", "a"]);
}

#[test]
fn version_ignores_where_patterns_come_from() {
    let moved = format!("\n\n# moved down\n{FILE}");
    assert_eq!(load(FILE, "one.toml").version(), load(&moved, "two.toml").version());
}

#[test]
fn version_is_md5_hex_and_changes_with_content() {
    let version = load(FILE, "f.toml").version().to_owned();
    assert_eq!(version.len(), 32);
    assert!(version.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(version, load(&FILE.replace("priority = 5", "priority = 6"), "f.toml").version());
}

#[test]
fn canonical_sorts_object_keys_recursively() {
    let value = serde_json::json!({"b": 1, "a": {"d": [ {"z": 1, "y": 2} ], "c": 3}});
    assert_eq!(canonical(&value).to_string(), r#"{"a":{"c":3,"d":[{"y":2,"z":1}]},"b":1}"#);
}

#[test]
fn registry_is_send_and_sync() {
    fn shared<T: Send + Sync + 'static>() -> &'static str {
        std::any::type_name::<T>()
    }
    assert!(shared::<Registry>().ends_with("Registry"));
}
