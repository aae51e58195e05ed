//! Unit tests of `lexicon.rs`.

use super::*;

#[test]
fn inflections_map_to_the_written_word() {
    let lex = lexicon();
    assert_eq!(lex.canonical("restarting"), "restart");
    assert_eq!(lex.canonical("stopped"), "stop");
    assert_eq!(lex.canonical("running"), "running");
    // A written word is never folded into another one.
    assert_eq!(lex.canonical("saved"), "saved");
    assert_eq!(lex.canonical("unknownword"), "unknownword");
}

#[test]
fn phrases_start_with_their_longest_form() {
    let lex = lexicon();
    let first = &lex.phrases("remember")[0];
    assert!(!first.rest.is_empty(), "{}", first.text);
    assert!(lex.phrases("kubectl").iter().any(|p| p.kind == Kind::Cmd));
}

#[test]
fn past_forms_are_recognised() {
    let lex = lexicon();
    assert!(lex.is_past("flagged") && lex.is_past("gave") && !lex.is_past("need"));
    assert!(!lex.is_past("exceed"));
    assert!(lex.is_romance_perfect("avons", "fixé") && lex.is_romance_perfect("abbiamo", "deciso"));
    assert!(lex.is_german_perfect("notiert", "habe"));
}

#[test]
fn interjections_are_known_however_long_they_are_held() {
    let lex = lexicon();
    for w in ["hmm", "hmmmmm", "hm", "ok", "okkk", "umm", "thanks", "coool"] {
        assert!(lex.is_interjection(w), "{w}");
    }
    for w in ["billing", "port", "asdf", "deploy", "hammer"] {
        assert!(!lex.is_interjection(w), "{w}");
    }
}
