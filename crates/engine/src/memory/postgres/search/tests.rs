//! Unit tests of turning search terms into what the PostgreSQL statements bind.

use super::*;

fn plan(text: &str) -> Plan {
    Plan::new(&SearchTerms::parse(text))
}

#[test]
fn natural_language_becomes_one_unit_per_remaining_word() {
    let p = plan("what did we note about the staging database port?");
    assert_eq!(p.pieces, ["staging", "database", "port"]);
    assert_eq!(p.unit_of, [1, 2, 3]);
    assert_eq!(p.units(), 3);
    assert_eq!(p.path(), Path::Indexed);
    assert_eq!(p.tiers(), [3, 2, 1]);
    assert!(p.identifiers.is_empty());
}

#[test]
fn a_japanese_word_is_one_unit_of_its_character_pairs() {
    let p = plan("ポート番号は？");
    assert_eq!(p.pieces, ["ポー", "ート", "ト番", "番号", "号は"]);
    assert_eq!(p.unit_of, [1, 1, 1, 1, 1]);
    assert_eq!(p.tiers(), [1]);
    let mixed = plan("v2ポート");
    assert_eq!(mixed.pieces, ["v2", "ポー", "ート"]);
}

#[test]
fn what_the_index_cannot_hold_is_a_substring_and_scans() {
    for (text, substring) in [("🎉", "🎉"), ("番", "番"), ("%", "%"), (":*", ":*")] {
        let p = plan(text);
        assert_eq!(p.any_substrings, [substring], "{text}");
        assert_eq!(p.path(), Path::Scan, "{text}");
    }
    let long = "z".repeat(MAX_WORD_BYTES + 1);
    assert_eq!(plan(&long).any_substrings, std::slice::from_ref(&long));
    let mixed = plan("🎉 release");
    assert_eq!(
        (mixed.pieces.as_slice(), mixed.path()),
        (["release".to_owned()].as_slice(), Path::Scan)
    );
}

#[test]
fn phrases_and_exclusions_are_strict_pieces() {
    let p = plan(r#""staging database" port -"production db" -番 -天気"#);
    assert_eq!(p.phrases, ["staging database"]);
    assert_eq!(p.pieces, ["port"]);
    assert_eq!(p.excluded, ["production db", "天気"]);
    assert_eq!(p.excluded_substrings, ["番"]);
    assert_eq!(p.path(), Path::Indexed);
    assert_eq!(plan(r#""ポート番号""#).phrases, ["ポー ート ト番 番号"]);
    assert_eq!(plan(r#""ポート番号""#).tiers(), [0]);
}

#[test]
fn only_exclusions_scan_and_nothing_finds_nothing() {
    assert_eq!(plan("-production").path(), Path::Scan);
    assert_eq!(plan("").path(), Path::Nothing);
    assert_eq!(plan("   ?! ").path(), Path::Scan); // bare punctuation is searched literally
}

#[test]
fn identifiers_get_the_trigram_fallback() {
    let p = plan("why did run-117 fail on db-01.eu-west with p99 latency");
    assert_eq!(p.identifiers, ["run-117", "db-01.eu-west", "p99"]);
    assert!(plan("latency ok").identifiers.is_empty());
}

#[test]
fn tiers_skip_those_with_too_many_combinations() {
    let words: Vec<String> = (0..10).map(|i| format!("word{}", "x".repeat(i))).collect();
    let p = plan(&words.join(" "));
    assert_eq!(p.units(), 10);
    // C(10, k) for k = 10..1: 1 10 45 120 210 252 210 120 45 10.
    assert_eq!(p.tiers(), [10, 9, 8, 2, 1]);
    assert_eq!(binomial(5, 2), 10);
    assert_eq!(binomial(32, 16), 601_080_390);
}

#[test]
fn user_text_never_reaches_the_sql() {
    let p = plan("'; DROP TABLE memories; -- \"a' OR 'b\"");
    for sql in [indexed_sql(), scan_sql(), identifier_sql()] {
        assert!(!sql.contains("DROP"), "{sql}");
        assert!(sql.contains("$4::text[]") && sql.contains("$1"), "{sql}");
    }
    assert!(p.pieces.iter().any(|w| w == "DROP"));
}
