//! Unit tests of the RegexSet matcher.

use super::*;

fn matcher(triggers: &[&str]) -> Matcher {
    Matcher::new(triggers.iter().map(|t| Regex::new(t).unwrap()).collect()).unwrap()
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
