//! Unit tests of combining `tsquery` texts, and, against the test server, of what they match and of asking the server for each word once.

use super::*;
use crate::postgres::tests::{drop_schema, store_in_own_schema};

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn queries_are_joined_in_parentheses_without_the_empty_ones() {
    assert_eq!(any(&["'a'", "", "'b' <-> 'c'"]).as_deref(), Some("('a') | ('b' <-> 'c')"));
    assert_eq!(all(&["'a'", "'b'"]).as_deref(), Some("('a') & ('b')"));
    assert_eq!(any(&["'a'"]).as_deref(), Some("('a')"));
    assert_eq!(any::<&str>(&[]), None);
    assert_eq!(all(&["", " "]), None);
}

#[test]
fn at_least_k_of_n_expands_like_the_schema_function() {
    let units = texts(&["'a'", "'b'", "'c'"]);
    assert_eq!(at_least(&units, 0), any(&units));
    assert_eq!(at_least(&units, 1), any(&units));
    assert_eq!(at_least(&units, 3), all(&units));
    assert_eq!(at_least(&units, 4), all(&units));
    assert_eq!(at_least(&units, 2).as_deref(), Some("(('a') & (('b') | ('c'))) | (('b') & ('c'))"));
    assert_eq!(at_least(&[], 1), None);
}

/// Every `at_least` text matches exactly the memories that the schema's
/// `memory_at_least` matches, for every `k` and every combination of the
/// words a memory may hold, with a phrase and a word of two pieces among
/// the units.
#[tokio::test]
async fn at_least_matches_what_the_schema_function_matches() {
    let (store, schema) = store_in_own_schema("at_least").await;
    let client = store.inner.client().await.unwrap();
    let words = ["alpha", "mysql-ro-2", "staging", "O'Reilly's", "ポート"];
    let tsqueries = store.inner.words.tsqueries(&client, &words).await.unwrap();
    // The last word as its two CJK pairs, either of which may match.
    let pairs = store.inner.words.tsqueries(&client, &["ポー", "ート"]).await.unwrap();
    let mut units = tsqueries[..4].to_vec();
    units.push(any(&pairs).unwrap());
    let documents: Vec<String> = (0..32u32)
        .map(|mask| {
            let held = ["alpha", "mysql-ro-2", "staging", "o'reilly's", "ポー"];
            let held: Vec<&str> = (0..5).filter(|b| mask >> b & 1 == 1).map(|b| held[b]).collect();
            format!("note {}", held.join(" filler "))
        })
        .collect();
    for k in 0..=6 {
        let text = at_least(&units, k).unwrap();
        let mismatches: i64 = client
            .query_one(
                "SELECT count(*) FROM unnest($1::text[]) AS d (doc),
                     LATERAL (SELECT to_tsvector('memory_search', d.doc) AS v) AS v
                 WHERE (v.v @@ $2::text::tsquery)
                       <> (v.v @@ memory_at_least($3::text[]::tsquery[], $4::int4))",
                &[&documents, &text, &units, &(k as i32)],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(mismatches, 0, "at least {k}: {text}");
    }
    drop(client);
    drop_schema(store, &schema).await;
}

#[tokio::test]
async fn each_word_is_asked_of_the_server_once() {
    let (store, schema) = store_in_own_schema("words").await;
    let client = store.inner.client().await.unwrap();
    let long = "w".repeat(MAX_KEPT_BYTES + 1);
    let words = ["staging", "O'Reilly's", "staging", "_", long.as_str()];
    let tsqueries = store.inner.words.tsqueries(&client, &words).await.unwrap();
    assert_eq!(tsqueries[0], "'stage'");
    assert_eq!(tsqueries[1], "'o' <-> 'reilli' <-> 's'");
    assert_eq!(tsqueries[2], tsqueries[0]);
    assert_eq!(tsqueries[3], "", "a word without a lexeme");
    assert_eq!(tsqueries[4], format!("'{long}'"));
    {
        let mut known = store.inner.words.known.lock().unwrap();
        assert_eq!(known.len(), 3, "long words are not kept: {known:?}");
        // Answers come from what is known from now on: change one to see it.
        known.insert("staging".to_owned(), "'remembered'".to_owned());
    }
    let again = store.inner.words.tsqueries(&client, &["staging", "port"]).await.unwrap();
    assert_eq!(again, ["'remembered'", "'port'"]);
    drop(client);
    drop_schema(store, &schema).await;
}
