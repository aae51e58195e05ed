//! Unit tests of FTS5 expressions and index text.

use rusqlite::Connection;

use super::*;
use crate::SearchTerms;
use crate::sqlite::schema;

#[test]
fn quotes_inside_terms_are_doubled() {
    assert_eq!(quote(r#"say "hi""#), r#""say ""hi""""#);
    assert_eq!(quote("NEAR("), r#""NEAR(""#);
}

#[test]
fn tag_filter_adds_one_required_phrase_per_indexable_tag() {
    let tags = vec!["db".to_owned(), "🔥".to_owned(), "say \"hi\"".to_owned()];
    assert_eq!(
        with_tags(r#""port""#, &tags),
        r#"{body tags}:("port") AND tags:"db" AND tags:"say ""hi""""#
    );
}

#[test]
fn latin_word_is_one_quoted_string() {
    assert_eq!(free_term("port"), Unit::Fts(r#""port""#.into()));
}

#[test]
fn japanese_word_matches_whole_or_by_pairs() {
    assert_eq!(
        free_term("番号は5433"),
        Unit::Fts(r#"(" 番号 号は 5433" OR "番号" OR "号は" OR "5433")"#.into())
    );
}

#[test]
fn single_cjk_character_and_emoji_are_substrings() {
    assert_eq!(free_term("猫"), Unit::Substring("猫".into()));
    assert_eq!(free_term("🎉"), Unit::Substring("🎉".into()));
    assert_eq!(strict_term("は5433"), Unit::Substring("は5433".into()));
    assert_eq!(strict_term("ポート番号"), Unit::Fts(r#"" ポー ート ト番 番号 ""#.into()));
}

#[test]
fn required_phrases_keep_optional_words_for_ranking() {
    let expr = combine(&["\"a b\"".into()], &["\"c\"".into()], &["\"d\"".into()]);
    assert_eq!(expr.as_deref(), Some(r#"("a b" AND ("a b" OR "c")) NOT ("d")"#));
    assert_eq!(combine(&[], &[], &["\"d\"".into()]), None);
}

/// Every expression built from hostile text parses in FTS5.
#[test]
fn metacharacters_never_make_an_fts5_syntax_error() {
    let mut conn = Connection::open_in_memory().unwrap();
    schema::migrate(&mut conn).unwrap();
    let table = schema::index_table(schema::ensure_namespace(&conn, "default").unwrap());
    let long = "w".repeat(10_000);
    let hostile = [
        r#"O'Reilly's 100% \path_x"#,
        r#"" ' \ % _ :* & ! NEAR( AND OR NOT * ^ {body}: ns:x ) ("#,
        r#""unclosed phrase -"#,
        r#"-"NEAR(a b)" -AND -* +x"#,
        "col:term ^start end* \"a\"\"b\"",
        &long,
        "🎉 deploy ✅ データベースのポート番号は5433です 猫 は5433",
    ];
    for text in hostile {
        let terms = SearchTerms::parse(text);
        let fts = |units: &[String], strict: bool| -> Vec<String> {
            units
                .iter()
                .map(|t| if strict { strict_term(t) } else { free_term(t) })
                .filter_map(|u| match u {
                    Unit::Fts(e) => Some(e),
                    Unit::Substring(_) => None,
                })
                .collect()
        };
        let required = fts(&terms.phrases, true);
        let any = fts(&terms.any, false);
        let excluded = fts(&terms.excluded, true);
        let Some(expr) = combine(&required, &any, &excluded) else { continue };
        let expr = with_tags(&expr, &["db".into()]);
        let n: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE {table} MATCH ?1"),
                [&expr],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("{text:?} gave {expr:?}: {e}"));
        assert_eq!(n, 0);
    }
}
