//! Unit tests of needle extraction: what each trigger shape requires, and that unsure means `None`.

use super::*;

fn of(trigger: &str) -> Option<Vec<String>> {
    needles(trigger).map(|set| set.into_iter().map(|n| String::from_utf8(n).unwrap()).collect())
}

#[test]
fn a_case_insensitive_word_is_one_lowercase_needle() {
    assert_eq!(of(r"(?i)\bcommand_7\b\s+(?P<arg>\w+)"), Some(vec!["command_7".to_owned()]));
    assert_eq!(of(r"Deploy \w+"), Some(vec!["deploy ".to_owned()]));
}

#[test]
fn an_alternation_needs_one_needle_per_branch() {
    assert_eq!(
        of(r"(?i)\b(?:fetch|retrieve)\b"),
        Some(vec!["fetch".to_owned(), "retrieve".to_owned()])
    );
    // The parser lifts a common prefix out of the branches (`re(?:call|trieve)`):
    // the needles are what is left, still each required in its branch.
    assert_eq!(
        of(r"(?i)\b(?:recall|retrieve)\b"),
        Some(vec!["call".to_owned(), "trieve".to_owned()])
    );
    // One branch without a literal: nothing is required.
    assert_eq!(of(r"(?i)\b(?:recall|\d+)\b"), None);
}

#[test]
fn the_longest_required_run_wins() {
    // `please` is optional; `reboot` is required and longer than `the`.
    assert_eq!(
        of(r"(?i)(?:please\s+)?reboot\s+the\s+(?P<svc>\w+)"),
        Some(vec!["reboot".to_owned()])
    );
    assert_eq!(of(r"(?i)a\s+(?:alpha|beta)"), Some(vec!["alpha".to_owned(), "beta".to_owned()]));
}

#[test]
fn letters_with_non_ascii_case_variants_end_a_needle() {
    // (?i)k also matches U+212A KELVIN SIGN and (?i)s U+017F LONG S.
    assert_eq!(of(r"(?i)make"), Some(vec!["ma".to_owned()]));
    assert_eq!(of(r"(?i)status"), Some(vec!["tatu".to_owned()]));
    assert_eq!(of(r"(?i)sks"), None);
}

#[test]
fn optional_and_open_ended_triggers_have_no_needles() {
    assert_eq!(of(r"\w+\s+now?"), Some(vec!["no".to_owned()]));
    assert_eq!(of(r"(?:now)?"), None);
    assert_eq!(of(r"(?:now)*x?"), None);
    assert_eq!(of(r"^\s*$"), None);
    assert_eq!(of(r"[a-z]+"), None);
    assert_eq!(of(r"(unclosed"), None);
}

#[test]
fn a_repetition_of_at_least_one_keeps_its_needles() {
    assert_eq!(of(r"(?:go)+ home"), Some(vec![" home".to_owned()]));
    assert_eq!(of(r"(?:gone)+\d"), Some(vec!["gone".to_owned()]));
}

#[test]
fn non_ascii_literals_are_kept_as_bytes() {
    assert_eq!(of(r"grüße \w+"), Some(vec!["grüße ".to_owned()]));
    // Case-insensitive ü is [Üü]: not an ASCII pair, so it ends the needle.
    assert_eq!(of(r"(?i)grüne"), Some(vec!["gr".to_owned()]));
}

#[test]
fn too_many_needles_means_none() {
    let words: Vec<String> = (0..=MAX_NEEDLES).map(|i| format!("w{i}x")).collect();
    assert_eq!(of(&format!("(?:{})", words.join("|"))), None);
    let words = &words[..MAX_NEEDLES];
    assert_eq!(of(&format!("(?:{})", words.join("|"))).map(|s| s.len()), Some(MAX_NEEDLES));
}
