//! Unit tests of CJK segmentation.

use super::*;

#[test]
fn japanese_runs_become_overlapping_pairs() {
    assert_eq!(
        segment("ポート番号").split_whitespace().collect::<Vec<_>>(),
        ["ポー", "ート", "ト番", "番号"]
    );
}

#[test]
fn digits_and_latin_are_set_apart_from_cjk() {
    assert_eq!(
        segment("番号は5433です").split_whitespace().collect::<Vec<_>>(),
        ["番号", "号は", "5433", "です"]
    );
}

#[test]
fn a_searched_substring_is_a_consecutive_part_of_the_stored_pairs() {
    let stored = segment("データベースのポート番号は5433です");
    let searched = segment("ポート番号");
    assert!(
        stored
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(&searched.split_whitespace().collect::<Vec<_>>().join(" "))
    );
}

#[test]
fn text_without_cjk_is_unchanged() {
    assert_eq!(segment("the staging port 5433"), "the staging port 5433");
    assert!(!has_cjk("Ünïcödé émoji 🎉"));
}

#[test]
fn single_character_run_stays_whole() {
    assert_eq!(bigrams("猫"), ["猫"]);
    assert!(bigrams("").is_empty());
}

#[test]
fn korean_and_chinese_are_cjk_but_punctuation_is_not() {
    assert!(is_cjk('한'));
    assert!(is_cjk('数'));
    assert!(is_cjk('ー'));
    assert!(!is_cjk('。'));
    assert!(!is_cjk('？'));
}

#[test]
fn runs_alternate_between_cjk_and_other_text() {
    let found: Vec<(&str, bool)> = runs("db番号x").map(|r| (r.text, r.cjk)).collect();
    assert_eq!(found, [("db", false), ("番号", true), ("x", false)]);
}
