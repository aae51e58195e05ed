//! Unit tests of natural-language query parsing.

use super::*;

fn any(text: &str) -> Vec<String> {
    SearchTerms::parse(text).any
}

#[test]
fn question_keeps_only_the_subject_words() {
    assert_eq!(
        any("what did we note about the staging database port?"),
        ["staging", "database", "port"]
    );
}

#[test]
fn all_stop_words_are_searched_anyway() {
    assert_eq!(any("what is it?"), ["what", "is", "it"]);
}

#[test]
fn stop_words_are_recognised_in_any_case_and_with_curly_apostrophes() {
    assert!(is_stop_word("The"));
    assert!(is_stop_word("WHAT’S"));
    assert!(!is_stop_word("database"));
}

#[test]
fn stop_word_list_is_sorted_lowercase_and_unique() {
    for pair in STOP_WORDS.windows(2) {
        assert!(pair[0] < pair[1], "{:?} must sort before {:?}", pair[0], pair[1]);
    }
    assert!(STOP_WORDS.iter().all(|w| *w == w.to_lowercase()));
}

#[test]
fn operations_words_are_not_stop_words() {
    assert_eq!(any("is staging down"), ["staging", "down"]);
}

#[test]
fn quoted_phrase_is_kept_whole_with_its_stop_words() {
    let terms = SearchTerms::parse(r#"the  "port of   the database" staging"#);
    assert_eq!(terms.phrases, ["port of the database"]);
    assert_eq!(terms.any, ["staging"]);
}

#[test]
fn phrase_alone_drops_the_stop_words_around_it() {
    let terms = SearchTerms::parse(r#"what about "staging database""#);
    assert_eq!(terms.phrases, ["staging database"]);
    assert!(terms.any.is_empty());
}

#[test]
fn unclosed_quote_is_read_as_words() {
    let terms = SearchTerms::parse(r#""staging database"#);
    assert!(terms.phrases.is_empty());
    assert_eq!(terms.any, ["staging", "database"]);
}

#[test]
fn minus_excludes_words_and_phrases() {
    let terms = SearchTerms::parse(r#"database -staging -"port 5433" e-mail --verbose"#);
    assert_eq!(terms.any, ["database", "e-mail", "verbose"]);
    assert_eq!(terms.excluded, ["staging", "port 5433"]);
}

#[test]
fn lone_minus_is_ignored() {
    let terms = SearchTerms::parse("staging - port");
    assert_eq!(terms.any, ["staging", "port"]);
    assert!(terms.excluded.is_empty());
}

#[test]
fn exclusions_alone_search_nothing_positive() {
    let terms = SearchTerms::parse("-staging");
    assert!(!terms.has_positive());
    assert!(!terms.is_empty());
    assert_eq!(terms.excluded, ["staging"]);
}

#[test]
fn surrounding_punctuation_is_trimmed_but_inner_kept() {
    assert_eq!(any("(NEAR O'Reilly's, 100% \\path_x!"), ["NEAR", "O'Reilly's", "100", "path_x"]);
}

#[test]
fn punctuation_is_searched_only_when_nothing_else_is_asked() {
    assert_eq!(any("& :*"), ["&", ":*"]);
    assert_eq!(any("R & D"), ["R", "D"]);
}

#[test]
fn emoji_are_search_terms() {
    assert_eq!(any("deploy 🎉!"), ["deploy", "🎉"]);
}

#[test]
fn japanese_punctuation_is_trimmed() {
    assert_eq!(any("ポート番号は？"), ["ポート番号は"]);
}

#[test]
fn repeated_words_are_searched_once() {
    assert_eq!(any("Port port PORT ports"), ["Port", "ports"]);
}

#[test]
fn very_long_queries_are_capped() {
    let text = (0..1000).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ");
    assert_eq!(SearchTerms::parse(&text).any.len(), MAX_TERMS);
}

#[test]
fn empty_and_blank_text_has_no_terms() {
    assert!(SearchTerms::parse("").is_empty());
    assert!(SearchTerms::parse("  \n\t ").is_empty());
    assert!(SearchTerms::parse("\"\"").is_empty());
    assert!(SearchTerms::parse("\"").is_empty());
    assert!(SearchTerms::parse(" \" ").is_empty());
}
