//! Unit tests of the matcher: priority order, captures, and agreement with trying every regex in turn.

use super::*;

fn matcher(triggers: &[&str]) -> Matcher {
    Matcher::new(triggers.iter().map(|t| Trigger::new(t)).collect()).unwrap()
}

#[test]
fn lowest_matching_index_wins() {
    let m = matcher(&["never", "b", "a"]);
    assert_eq!(m.find("a b").map(|(i, _)| i), Some(1));
    assert_eq!(m.find("a").map(|(i, _)| i), Some(2));
    assert_eq!(m.find("zzz"), None);
}

#[test]
fn only_participating_groups_are_captured() {
    let m = matcher(&[r"time(?: in (?P<tz>\w+))?(?P<q>\?)?"]);
    let (_, caps) = m.find("time in Paris").unwrap();
    assert_eq!(caps.into_iter().collect::<Vec<_>>(), [("tz".to_owned(), "Paris".to_owned())]);
    let (_, caps) = m.find("time?").unwrap();
    assert_eq!(caps.keys().collect::<Vec<_>>(), ["q"]);
}

#[test]
fn empty_matcher_matches_nothing() {
    assert_eq!(matcher(&[]).find("anything"), None);
}

#[test]
fn a_trigger_whose_needle_is_absent_is_never_compiled() {
    let m = matcher(&[r"(?i)\bdeploy\s+(?P<svc>\w+)", r"(?i)\brollback\b", r"^\d+$"]);
    assert_eq!(m.find("nothing to see"), None);
    assert!(!m.is_compiled(0), "`deploy` is not in the query");
    assert!(!m.is_compiled(1), "`rollback` is not in the query");
    // A trigger with no needles is tried on every query.
    assert!(m.is_compiled(2));
    assert_eq!(
        m.find("DEPLOY web").map(|(i, c)| (i, c["svc"].clone())),
        Some((0, "web".to_owned()))
    );
    assert!(m.is_compiled(0));
    assert!(!m.is_compiled(1));
}

#[test]
fn compiled_regexes_are_bounded_and_an_evicted_one_compiles_again() {
    let triggers = ["alpha (?P<n>\\d+)", "beta (?P<n>\\d+)", "gamma (?P<n>\\d+)"];
    let m = Matcher::with_capacity(triggers.iter().map(|t| Trigger::new(t)).collect(), 2).unwrap();
    let found = |q: &str| m.find(q).map(|(i, c)| (i, c["n"].clone()));
    assert_eq!(found("alpha 1"), Some((0, "1".to_owned())));
    assert_eq!(found("beta 2"), Some((1, "2".to_owned())));
    assert_eq!(found("gamma 3"), Some((2, "3".to_owned())));
    assert!(!m.is_compiled(0), "the least recently used is evicted");
    assert!(m.is_compiled(1) && m.is_compiled(2));
    assert_eq!(found("alpha 4"), Some((0, "4".to_owned())));
    assert!(m.is_compiled(0) && !m.is_compiled(1));
}

/// Whatever the prefilter skips, the answer is the one of trying every regex in priority order.
#[test]
fn agrees_with_trying_every_regex_in_turn() {
    let triggers = [
        r"(?i)\bmake\s+(?P<what>\w+)",
        r"(?i)\bstatus\b",
        r"(?i)\b(?:recall|retrieve)\s+(?P<topic>.+)",
        r"(?ix) ^\s* (?:please\s+)? remember \s+ (?P<content>.*[^?\s]) \s*$",
        r"(?i)grüße",
        r"\bport\s+(?P<port>\d{1,5})\b",
        r"(?i)\w+\s+now",
        r"(?:x|y)z?",
        r"(?i)\bcommand_1\b",
        r"(?i)\bcommand_12\b",
    ];
    let queries = [
        "MAKE coffee",
        "ma\u{212A}e coffee",  // KELVIN SIGN: (?i)k matches it
        "\u{17F}tatus please", // LONG S
        "what is the Status",
        "Recall the staging port",
        "please remember the port is 8080",
        "please remember what?",
        "GRÜSSE",
        "Grüße aus Berlin",
        "open port 443 now",
        "run command_12 then command_1",
        "run command_123",
        "nothing here",
        "",
        "xz",
    ];
    let m = matcher(&triggers);
    let regexes: Vec<Regex> = triggers.iter().map(|t| Regex::new(t).unwrap()).collect();
    for query in queries {
        let expected = regexes.iter().position(|r| r.is_match(query));
        assert_eq!(m.find(query).map(|(i, _)| i), expected, "query {query:?}");
    }
}
