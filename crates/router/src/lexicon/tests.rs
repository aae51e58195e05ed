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

#[test]
fn each_language_inflects_by_its_own_rules() {
    let lex = lexicon();
    // English suffixes apply to English words only.
    assert_eq!(lex.canonical("restarts"), "restart");
    assert_eq!(lex.canonical("copies"), "copies");
    // French: plural and the polite imperative of -er verbs.
    assert_eq!(lex.canonical("redémarrez"), "redémarrer");
    assert_eq!(lex.canonical("conteneurs"), "conteneurs");
    // Spanish plural after a consonant, Italian plural of -o.
    assert_eq!(lex.canonical("servidores"), "servidores");
    assert_eq!(lex.canonical("prezzi"), "prezzi");
    assert_eq!(lex.canonical("stati"), "stato");
    // German adjective ending.
    assert_eq!(lex.canonical("aktuellen"), "aktuellen");
    assert_eq!(lex.canonical("festgelegte"), "festgelegte");
}

#[test]
fn inflection_rules_follow_their_patterns() {
    let file = parse::parse(
        "[inflection]\nmin-length 3\nascii-only\nwhen ^e add ed\nwhen Cy cut 1 add ies\nwhen CVK max-length 4 double add ing\n",
    )
    .unwrap();
    assert_eq!(file.inflection.forms("stop"), ["stoped", "stopping"]);
    assert_eq!(file.inflection.forms("copy"), ["copyed", "copies"]);
    assert_eq!(file.inflection.forms("bake"), Vec::<String>::new());
    assert!(file.inflection.forms("go").is_empty(), "shorter than min-length");
    assert!(file.inflection.forms("café").is_empty(), "ascii-only");
}

#[test]
fn a_malformed_lexicon_line_is_refused_with_its_line() {
    for (text, want) in [
        ("act 1.0 run", "line 1: a line before any `[section]`"),
        ("[cues]\nact heavy run", "line 2: weight `heavy` is not a number"),
        ("[cues]\nshout 1.0 run", "line 2: unknown kind `shout`"),
        ("[cues]\nact 1.0", "line 2: expected `KIND WEIGHT PHRASE`"),
        ("[inflection]\nwhen X add s", "line 2: unknown pattern letter `X`"),
        ("[nope]\nx", "line 2: unknown section `[nope]`"),
    ] {
        assert_eq!(parse::parse(text).unwrap_err(), want, "{text}");
    }
}
