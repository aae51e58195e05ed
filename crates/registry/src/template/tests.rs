//! Unit tests of template parsing and rendering.

use super::*;

fn caps(pairs: &[(&str, &str)]) -> Captures {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn captures_and_query_are_substituted() {
    let c = caps(&[("tz", "Europe/Paris")]);
    assert_eq!(
        render("time in {tz} for '{query}'", &c, "what time"),
        "time in Europe/Paris for 'what time'"
    );
}

#[test]
fn default_applies_when_capture_is_absent_or_empty() {
    assert_eq!(render("{tz|UTC}", &caps(&[]), "q"), "UTC");
    assert_eq!(render("{tz|UTC}", &caps(&[("tz", "")]), "q"), "UTC");
    assert_eq!(render("{tz|UTC}", &caps(&[("tz", "CET")]), "q"), "CET");
    assert_eq!(render("[{tz|}]", &caps(&[]), "q"), "[]");
}

#[test]
fn missing_capture_without_default_renders_empty() {
    assert_eq!(render("a{missing}b", &caps(&[]), "q"), "ab");
}

#[test]
fn doubled_braces_are_literal() {
    assert_eq!(render("{{\"k\": \"{v}\"}}", &caps(&[("v", "x")]), "q"), "{\"k\": \"x\"}");
    assert_eq!(
        placeholders("{{not}} {a}").unwrap(),
        vec![Placeholder { name: "a".into(), default: None }]
    );
}

#[test]
fn placeholders_lists_names_and_defaults_in_order() {
    let got = placeholders("{a} and {b|x y} and {query}").unwrap();
    assert_eq!(
        got,
        vec![
            Placeholder { name: "a".into(), default: None },
            Placeholder { name: "b".into(), default: Some("x y".into()) },
            Placeholder { name: "query".into(), default: None },
        ]
    );
}

#[test]
fn unbalanced_braces_are_errors() {
    assert!(placeholders("{a").unwrap_err().contains("unclosed"));
    assert!(placeholders("a}").unwrap_err().contains("unmatched"));
    assert!(placeholders("{a {b}").unwrap_err().contains("unclosed"));
    assert!(placeholders("{}").unwrap_err().contains("invalid placeholder"));
    assert!(placeholders("{two words}").unwrap_err().contains("invalid placeholder"));
}

#[test]
fn malformed_template_renders_as_itself() {
    assert_eq!(render("{oops", &caps(&[]), "q"), "{oops");
}

#[test]
fn render_value_renders_nested_strings_only() {
    let v = serde_json::json!({"a": "{x}", "n": 3, "list": ["{x}-{query}", true], "o": {"{x}": "{x|d}"}});
    let got = render_value(&v, &caps(&[("x", "1")]), "q");
    assert_eq!(
        got,
        serde_json::json!({"a": "1", "n": 3, "list": ["1-q", true], "o": {"{x}": "1"}})
    );
}

#[test]
fn non_ascii_text_survives_rendering() {
    assert_eq!(render("café {x} ☕", &caps(&[("x", "naïve")]), "q"), "café naïve ☕");
}

/// Found by `cargo fuzz run template`: the regex crate takes Unicode letters
/// and digits in a group name, and a template must be able to name any group.
#[test]
fn placeholders_take_every_name_a_capture_group_may_have() {
    for name in ["città", "名前", "_x٣", "d[0]뿽", "a.b"] {
        assert!(regex::Regex::new(&format!("(?P<{name}>x)")).is_ok(), "{name} is a group name");
        let template = format!("<{{{name}}}>");
        let found = placeholders(&template).unwrap();
        assert_eq!(found, [Placeholder { name: name.to_owned(), default: None }]);
        assert_eq!(render(&template, &caps(&[(name, "v")]), "q"), "<v>");
    }
    for name in ["٣x", "a b", "a-b", "·x"] {
        assert!(regex::Regex::new(&format!("(?P<{name}>x)")).is_err(), "{name} is no group name");
        assert!(placeholders(&format!("{{{name}}}")).is_err(), "{name}");
    }
}
