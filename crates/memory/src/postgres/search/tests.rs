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
fn queries_group_pieces_by_word_and_leave_out_words_without_lexemes() {
    let p = plan(r#"alpha ポート beta "x y" -gone"#);
    assert_eq!(p.words(), ["alpha", "ポー", "ート", "beta", "x y", "gone"]);
    // What the server would answer; `beta` holds no lexeme here.
    let answers = ["'alpha'", "'ポー'", "'ート'", "", "'x' <-> 'y'", "'gone'"];
    let q = Queries::new(&p, &answers.map(str::to_owned));
    assert_eq!(q.units, ["('alpha')", "('ポー') | ('ート')"]);
    assert_eq!(q.required.as_deref(), Some("('x' <-> 'y')"));
    assert_eq!(q.excluded.as_deref(), Some("('gone')"));
    assert_eq!(q.ranker.as_deref(), Some("(('alpha')) | (('ポー') | ('ート')) | ('x' <-> 'y')"));
    // Three words, two with lexemes: "at least 3" is "at least 2", tried once.
    assert_eq!(p.tiers(), [3, 2, 1]);
    assert_eq!(
        q.tiers(&p.tiers()),
        [
            "((('alpha')) & (('ポー') | ('ート'))) & (('x' <-> 'y'))",
            "((('alpha')) | (('ポー') | ('ート'))) & (('x' <-> 'y'))",
        ]
    );
    let nothing = Queries::new(&plan("beta"), &[String::new()]);
    assert!(nothing.units.is_empty() && nothing.tiers(&[1]).is_empty(), "{nothing:?}");
}

#[test]
fn user_text_never_reaches_the_sql() {
    let p = plan("'; DROP TABLE memories; -- \"a' OR 'b\"");
    for sql in [indexed_sql(), scan_sql(), identifier_sql()] {
        assert!(!sql.contains("DROP"), "{sql}");
        assert!(sql.contains("$4::text::tsquery") && sql.contains("$1"), "{sql}");
    }
    assert!(p.pieces.iter().any(|w| w == "DROP"));
}

/// Tests of the statements against the test server
/// (`PATTERN_MCP_TEST_DATABASE_URL`, default
/// `postgres://postgres@127.0.0.1:5432/test`).
mod on_the_server {
    use pattern_core::NewMemory;

    use super::*;
    use crate::postgres::tests::{drop_schema, store_in_own_schema};
    use crate::{MemoryStore, PostgresStore};

    /// 48 memories holding each combination of four words three times,
    /// the words sometimes side by side, sometimes apart, every third
    /// memory tagged `ops`: every tier of a four-word search holds a
    /// different number of them (3, 15, 33, 45).
    async fn graded_store(name: &str) -> (PostgresStore, String) {
        let (store, schema) = store_in_own_schema(name).await;
        let words = ["alpha", "beta", "gamma", "delta"];
        let memories = (0..48)
            .map(|i| {
                let held: Vec<&str> =
                    (0..4).filter(|b| (i % 16) >> b & 1 == 1).map(|b| words[b]).collect();
                let gap = if i % 2 == 0 { " " } else { " and then later " };
                let mut memory = NewMemory::new("graded", format!("note {i}: {}", held.join(gap)));
                memory.importance = (i % 7) as f64 / 6.0;
                if i % 3 == 0 {
                    memory.tags = vec!["ops".to_owned()];
                }
                memory
            })
            .collect();
        store.store_batch(memories).await.unwrap();
        (store, schema)
    }

    fn query(text: &str, limit: usize, tags: &[&str]) -> SearchQuery {
        SearchQuery {
            namespace: "graded".to_owned(),
            text: text.to_owned(),
            limit,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    /// Runs the tiers statement for `tiers` and gives what it found; with
    /// `explain`, how many tiers it tried instead (the rows its loop over
    /// the tiers read).
    async fn run_tiers(
        store: &PostgresStore,
        query: &SearchQuery,
        tiers: &[i32],
        explain: bool,
    ) -> Result<Vec<Memory>, u64> {
        let client = store.inner.client().await.unwrap();
        let plan = plan(&query.text);
        let queries = Queries::new(
            &plan,
            &store.inner.words.tsqueries(&client, &plan.words()).await.unwrap(),
        );
        let tags = unique(query.tags.clone());
        let binds =
            Binds { namespace: &query.namespace, plan: &plan, queries: &queries, tags: &tags };
        let limit = query.limit as i64;
        let tiers = queries.tiers(tiers);
        if !explain {
            return Ok(indexed(&client, &binds, &limit, &tiers).await.unwrap());
        }
        let params = binds.params(&limit, &tiers, &queries.ranker);
        let sql = format!("EXPLAIN (ANALYZE, FORMAT JSON) {}", indexed_sql());
        let rows = client.query(&sql, &params).await.unwrap();
        let explained: tokio_postgres::types::Json<serde_json::Value> = rows[0].get(0);
        Err(tiers_tried(&explained.0).expect("the plan scans the tiers"))
    }

    /// The rows the plan's scan of the tiers (`unnest(...) AS t`) returned.
    fn tiers_tried(node: &serde_json::Value) -> Option<u64> {
        if node["Node Type"] == "Function Scan" && node["Alias"] == "t" {
            return node["Actual Rows"].as_u64();
        }
        let children = node.as_array().into_iter().flatten();
        let children = children.chain(node["Plan"].as_object().map(|_| &node["Plan"]));
        let children = children.chain(node["Plans"].as_array().into_iter().flatten());
        children.filter_map(tiers_tried).next()
    }

    /// What trying the tiers one statement each finds: the first tier with
    /// `limit` hits, or the last.
    async fn tier_by_tier(store: &PostgresStore, query: &SearchQuery) -> Vec<Memory> {
        let mut found = Vec::new();
        for tier in plan(&query.text).tiers() {
            found = run_tiers(store, query, &[tier], false).await.unwrap();
            if found.len() >= query.limit {
                break;
            }
        }
        found
    }

    fn ranked(memories: &[Memory]) -> Vec<(i64, Option<f64>)> {
        memories.iter().map(|m| (m.id, m.score)).collect()
    }

    #[tokio::test]
    async fn one_statement_finds_what_trying_each_tier_in_turn_finds() {
        let (store, schema) = graded_store("same").await;
        let cases = [
            ("alpha beta gamma delta", 3, &[][..]), // the first tier, exactly
            ("alpha beta gamma delta", 4, &[]),     // the second
            ("alpha beta gamma delta", 20, &[]),    // the third
            ("alpha beta gamma delta", 40, &[]),    // the last, full
            ("alpha beta gamma delta", 50, &[]),    // the last, short of the limit
            ("alpha beta gamma delta", 2, &["ops"]), // tags leave one in the first
            ("what about the gamma and delta notes", 5, &[]),
            (r#""alpha beta" gamma delta"#, 4, &[]),
            (r#""alpha beta""#, 10, &[]), // no optional words: one tier
            ("alpha beta -delta", 6, &[]),
            ("gamma", 1, &[]),
            ("zeta", 10, &[]),
        ];
        for (text, limit, tags) in cases {
            let query = query(text, limit, tags);
            let expected = tier_by_tier(&store, &query).await;
            let all = run_tiers(&store, &query, &plan(text).tiers(), false).await.unwrap();
            assert_eq!(ranked(&all), ranked(&expected), "{text:?}, limit {limit}, tags {tags:?}");
            let searched = store.search(query).await.unwrap();
            let relative = crate::relative_scores(expected);
            assert_eq!(ranked(&searched), ranked(&relative), "{text:?}, limit {limit}");
        }
        // The cases reach every tier, and not only empty ones.
        let firsts = tier_by_tier(&store, &query("alpha beta gamma delta", 3, &[])).await;
        let all_four =
            |m: &Memory| ["alpha", "beta", "gamma", "delta"].iter().all(|w| m.content.contains(w));
        assert!(firsts.len() == 3 && firsts.iter().all(all_four), "{firsts:?}");
        let everything = tier_by_tier(&store, &query("alpha beta gamma delta", 50, &[])).await;
        assert_eq!(everything.len(), 45);
        drop_schema(store, &schema).await;
    }

    #[tokio::test]
    async fn tiers_after_the_first_with_enough_hits_never_run() {
        let (store, schema) = graded_store("lazy").await;
        let tiers = plan("alpha beta gamma delta").tiers();
        for (limit, tried) in [(3, 1), (4, 2), (20, 3), (50, 4)] {
            let query = query("alpha beta gamma delta", limit, &[]);
            let explained = run_tiers(&store, &query, &tiers, true).await.unwrap_err();
            assert_eq!(explained, tried, "limit {limit}");
        }
        drop_schema(store, &schema).await;
    }
}
