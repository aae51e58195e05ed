//! The behaviour every `MemoryStore` backend must show: one suite, run against each backend.
//!
//! Each test takes a fresh store and a namespace prefix unique to the test
//! run, so backends that share one database across tests (PostgreSQL) see
//! no interference. A backend module runs the whole list with
//! `memory_store_suite!(factory)`, where `factory` is an
//! `async fn() -> Arc<dyn MemoryStore>`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use pattern_core::{Memory, NewMemory, SearchQuery};
use pattern_memory::{MemoryError, MemoryStore, Stored};

/// Declares one `#[tokio::test]` per suite test, each on a store from `$factory`.
macro_rules! memory_store_suite {
    ($factory:path) => {
        $crate::store_suite::memory_store_suite!(@tests $factory;
            store_then_search_finds_by_natural_language,
            stop_words_are_ignored_and_terms_are_ored,
            words_match_their_other_forms,
            results_are_ranked_best_first,
            ties_go_to_the_more_important_then_the_newer,
            namespaces_are_isolated,
            recent_returns_newest_first,
            tags_filter_requires_all_tags,
            quoted_phrase_is_required,
            minus_term_excludes,
            fts_metacharacters_are_searched_literally,
            japanese_text_is_findable,
            emoji_are_findable,
            identifiers_are_found_by_their_parts,
            count_and_availability_follow_writes,
            empty_namespace_finds_nothing,
            limit_is_respected,
            invalid_input_is_refused_and_nothing_is_written,
            concurrent_writes_are_all_kept,
            a_repeated_idempotency_key_returns_the_first_memory_and_writes_nothing,
            the_same_idempotency_key_in_another_namespace_is_another_memory,
            a_reused_idempotency_key_with_other_content_is_refused,
            concurrent_stores_of_one_idempotency_key_write_once,
        );
    };
    (@tests $factory:path; $($test:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                let store = $factory().await;
                $crate::store_suite::$test(store, $crate::store_suite::unique_prefix()).await;
            }
        )+
    };
}
pub(crate) use memory_store_suite;

/// A namespace prefix no other test (in this run or an earlier one) uses.
pub fn unique_prefix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
    format!(
        "t{:x}{:x}{}",
        std::process::id(),
        nanos & 0xffff_ffff_ffff,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn ns(prefix: &str, name: &str) -> String {
    format!("{prefix}-{name}")
}

async fn put(store: &dyn MemoryStore, namespace: &str, content: &str) -> Memory {
    store.store(NewMemory::new(namespace, content)).await.expect("store").memory
}

async fn put_with(
    store: &dyn MemoryStore,
    namespace: &str,
    content: &str,
    tags: &[&str],
    importance: f64,
) -> Memory {
    let mut memory = NewMemory::new(namespace, content);
    memory.tags = tags.iter().map(|t| t.to_string()).collect();
    memory.importance = importance;
    store.store(memory).await.expect("store").memory
}

/// A search of `text` in `namespace` for up to ten memories, no tag filter.
pub fn query(namespace: &str, text: &str) -> SearchQuery {
    SearchQuery { namespace: namespace.into(), text: text.into(), limit: 10, tags: Vec::new() }
}

async fn search(store: &dyn MemoryStore, namespace: &str, text: &str) -> Vec<Memory> {
    store.search(query(namespace, text)).await.unwrap_or_else(|e| panic!("search {text:?}: {e}"))
}

/// The contents found, best first.
async fn found(store: &dyn MemoryStore, namespace: &str, text: &str) -> Vec<String> {
    search(store, namespace, text).await.into_iter().map(|m| m.content).collect()
}

const STAGING_PORT: &str = "the staging database listens on port 5433";

pub async fn store_then_search_finds_by_natural_language(
    store: Arc<dyn MemoryStore>,
    prefix: String,
) {
    let ns = ns(&prefix, "notes");
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let mut new = NewMemory::new(&ns, STAGING_PORT);
    new.tags = vec!["db".into(), "staging".into()];
    new.importance = 0.8;
    new.metadata.insert("source".into(), serde_json::json!("standup"));
    let stored = store.store(new).await.unwrap();
    assert!(!stored.replayed);
    let stored = stored.memory;
    assert!(stored.id > 0);
    assert_eq!(stored.namespace, ns);
    assert_eq!(stored.content, STAGING_PORT);
    assert_eq!(stored.tags, ["db", "staging"]);
    assert_eq!(stored.importance, 0.8);
    assert_eq!(stored.metadata["source"], "standup");
    assert!(stored.created_at >= before && stored.created_at <= chrono::Utc::now());
    assert_eq!(stored.score, None);
    put(&*store, &ns, "lunch is at noon on fridays").await;

    let hits = search(&*store, &ns, "what did we note about the staging database port?").await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    let hit = &hits[0];
    assert!(hit.score.is_some_and(|s| s > 0.0), "{hit:?}");
    assert_eq!(Memory { score: None, ..hit.clone() }, stored);
    store.health().await.unwrap();
}

pub async fn stop_words_are_ignored_and_terms_are_ored(
    store: Arc<dyn MemoryStore>,
    prefix: String,
) {
    let ns = ns(&prefix, "notes");
    put(&*store, &ns, STAGING_PORT).await;
    put(&*store, &ns, "what did we do about it").await;
    put(&*store, &ns, "kubernetes runs in the eu-west region").await;

    // Stop words ("what", "did", "we", "about", "the", "note") match nothing.
    assert_eq!(
        found(&*store, &ns, "what did we note about the staging database port?").await,
        [STAGING_PORT]
    );
    // Any remaining word is enough.
    let mut either = found(&*store, &ns, "kubernetes port").await;
    either.sort();
    assert_eq!(either, ["kubernetes runs in the eu-west region", STAGING_PORT]);
    // Only stop words: they are searched after all.
    assert_eq!(found(&*store, &ns, "what did we do?").await, ["what did we do about it"]);
}

pub async fn words_match_their_other_forms(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "notes");
    put(&*store, &ns, STAGING_PORT).await;
    put(&*store, &ns, "Café opening hours changed").await;
    assert_eq!(found(&*store, &ns, "which ports do the databases listen on").await, [STAGING_PORT]);
    assert_eq!(found(&*store, &ns, "STAGING").await, [STAGING_PORT]);
    assert_eq!(found(&*store, &ns, "cafe").await, ["Café opening hours changed"]);
}

pub async fn results_are_ranked_best_first(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "notes");
    put(&*store, &ns, "the staging cluster was upgraded on monday").await;
    put(&*store, &ns, "backups of the billing database run nightly").await;
    put(&*store, &ns, STAGING_PORT).await;
    put(&*store, &ns, "lunch is at noon on fridays").await;
    put(&*store, &ns, "the office coffee machine is broken").await;
    put(&*store, &ns, "alice prefers tabs over spaces").await;

    let hits = search(&*store, &ns, "which port does the staging database use?").await;
    let contents: Vec<&str> = hits.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents.len(), 3, "{contents:?}");
    assert_eq!(contents[0], STAGING_PORT);
    assert!(contents.contains(&"the staging cluster was upgraded on monday"));
    assert!(contents.contains(&"backups of the billing database run nightly"));
    let scores: Vec<f64> = hits.iter().map(|m| m.score.expect("search sets score")).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores[0] > scores[1], "{scores:?}");
    // One scale on every backend: the best hit is 1, the others a share of it.
    assert_eq!(scores[0], 1.0);
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
}

pub async fn ties_go_to_the_more_important_then_the_newer(
    store: Arc<dyn MemoryStore>,
    prefix: String,
) {
    let ns = ns(&prefix, "notes");
    let text = "deploy checklist lives in the wiki";
    let older = put_with(&*store, &ns, text, &[], 0.5).await;
    let important = put_with(&*store, &ns, text, &[], 0.9).await;
    let newer = put_with(&*store, &ns, text, &[], 0.5).await;
    let ids: Vec<i64> =
        search(&*store, &ns, "deploy checklist").await.iter().map(|m| m.id).collect();
    assert_eq!(ids, [important.id, newer.id, older.id]);

    // The tie reaches past the limit: the most important of the tied win.
    let ns = format!("{ns}-cut");
    let mut ids = Vec::new();
    for importance in [0.1, 0.9, 0.5, 0.9, 0.3] {
        ids.push(put_with(&*store, &ns, text, &[], importance).await.id);
    }
    let mut q = query(&ns, "deploy checklist");
    q.limit = 2;
    let best: Vec<i64> = store.search(q).await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(best, [ids[3], ids[1]]);
}

pub async fn namespaces_are_isolated(store: Arc<dyn MemoryStore>, prefix: String) {
    let (a, b) = (ns(&prefix, "a"), ns(&prefix, "b"));
    let in_a = put(&*store, &a, STAGING_PORT).await;
    let in_b = put(&*store, &b, STAGING_PORT).await;
    put(&*store, &b, "the production database listens on port 5432").await;

    let hits = search(&*store, &a, "staging database port").await;
    assert_eq!(hits.iter().map(|m| m.id).collect::<Vec<_>>(), [in_a.id]);
    assert_eq!(hits[0].namespace, a);
    let recent = store.recent(&a, 10).await.unwrap();
    assert_eq!(recent.iter().map(|m| m.id).collect::<Vec<_>>(), [in_a.id]);
    assert_eq!(store.count(Some(&a)).await.unwrap(), 1);
    assert_eq!(store.count(Some(&b)).await.unwrap(), 2);
    assert!(found(&*store, &a, "production").await.is_empty());
    assert_eq!(search(&*store, &b, "staging").await[0].id, in_b.id);
}

pub async fn recent_returns_newest_first(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "log");
    for content in ["first note", "second note", "third note"] {
        put(&*store, &ns, content).await;
    }
    let recent = store.recent(&ns, 10).await.unwrap();
    let contents: Vec<&str> = recent.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents, ["third note", "second note", "first note"]);
    assert!(recent.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    assert!(recent.iter().all(|m| m.score.is_none()));
    let latest = store.recent(&ns, 1).await.unwrap();
    assert_eq!(latest[0].content, "third note");
}

pub async fn tags_filter_requires_all_tags(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "tagged");
    let both = put_with(&*store, &ns, "staging db port is 5433", &["db", "staging"], 0.5).await;
    let db = put_with(&*store, &ns, "production db port is 5432", &["db"], 0.5).await;
    put_with(&*store, &ns, "staging web port is 8080", &["staging", "web"], 0.5).await;

    let tagged = |tags: &[&str]| SearchQuery {
        namespace: ns.clone(),
        text: "port".into(),
        limit: 10,
        tags: tags.iter().map(|t| t.to_string()).collect(),
    };
    let hits = store.search(tagged(&["db", "staging"])).await.unwrap();
    assert_eq!(hits.iter().map(|m| m.id).collect::<Vec<_>>(), [both.id]);
    assert_eq!(hits[0].tags, ["db", "staging"]);
    let mut ids: Vec<i64> =
        store.search(tagged(&["db"])).await.unwrap().iter().map(|m| m.id).collect();
    ids.sort();
    assert_eq!(ids, [both.id, db.id]);
    assert!(store.search(tagged(&["db", "missing"])).await.unwrap().is_empty());
    let hot = put_with(&*store, &ns, "hot fix port is 9000", &["🔥", "db-admin"], 0.5).await;
    let hits = store.search(tagged(&["🔥"])).await.unwrap();
    assert_eq!(hits.iter().map(|m| m.id).collect::<Vec<_>>(), [hot.id]);
    // A tag is matched whole: "db" is not "db-admin".
    assert!(!store.search(tagged(&["db"])).await.unwrap().iter().any(|m| m.id == hot.id));
    assert_eq!(store.search(tagged(&["db-admin"])).await.unwrap()[0].id, hot.id);
    // The same filter when a term sends the search past the index.
    let scanned = SearchQuery { text: "9000 🔥".into(), ..tagged(&["db-admin"]) };
    assert_eq!(
        store.search(scanned).await.unwrap().iter().map(|m| m.id).collect::<Vec<_>>(),
        [hot.id]
    );
    assert_eq!(store.search(tagged(&[])).await.unwrap().len(), 4);
}

pub async fn quoted_phrase_is_required(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "notes");
    put(&*store, &ns, STAGING_PORT).await;
    put(&*store, &ns, "the database for staging is on port 6543").await;
    put(&*store, &ns, "port forwarding is disabled").await;

    assert_eq!(found(&*store, &ns, r#""staging database" port"#).await, [STAGING_PORT]);
    assert_eq!(
        found(&*store, &ns, r#""database for staging""#).await,
        ["the database for staging is on port 6543"]
    );
    assert_eq!(found(&*store, &ns, "staging database port").await.len(), 3);
    assert!(found(&*store, &ns, r#""port staging""#).await.is_empty());
}

pub async fn minus_term_excludes(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "notes");
    put(&*store, &ns, STAGING_PORT).await;
    put(&*store, &ns, "the production database listens on port 5432").await;
    put(&*store, &ns, "the staging web server listens on port 8080").await;

    assert_eq!(
        found(&*store, &ns, "database port -staging").await,
        ["the production database listens on port 5432"]
    );
    assert_eq!(
        found(&*store, &ns, "port -Staging -\"production database\"").await,
        Vec::<String>::new()
    );
    let mut rest = found(&*store, &ns, "-production").await;
    rest.sort();
    assert_eq!(rest, [STAGING_PORT, "the staging web server listens on port 8080"]);
}

pub async fn fts_metacharacters_are_searched_literally(
    store: Arc<dyn MemoryStore>,
    prefix: String,
) {
    let ns = ns(&prefix, "meta");
    let oreilly = r"O'Reilly's 100% guide keeps files in C:\path_x";
    let operators = "the grammar has NEAR( AND OR NOT * ^ :* & ! operators";
    let long_word = "z".repeat(10_000);
    let long = format!("token {long_word} end");
    put(&*store, &ns, oreilly).await;
    put(&*store, &ns, operators).await;
    put(&*store, &ns, &long).await;
    put(&*store, &ns, "plain sentence about nothing special").await;

    assert_eq!(found(&*store, &ns, r"O'Reilly's 100% \path_x").await[0], oreilly);
    assert_eq!(found(&*store, &ns, "reilly").await, [oreilly]);
    for text in ["NEAR(", "AND", "OR", "NOT", "grammar NEAR(a b)", "operators^", "\"NOT *\""] {
        assert_eq!(found(&*store, &ns, text).await, [operators], "query {text:?}");
    }
    for (text, expected) in [
        ("%", oreilly),
        ("'", oreilly),
        (r"\", oreilly),
        ("_", oreilly),
        (":*", operators),
        ("&", operators),
        ("!", operators),
        ("*", operators),
        ("^", operators),
    ] {
        assert_eq!(found(&*store, &ns, text).await, [expected], "query {text:?}");
    }
    assert_eq!(found(&*store, &ns, &long_word).await, std::slice::from_ref(&long));
    for hostile in [
        "\"",
        "\"\"",
        "(",
        ")",
        "ns:x",
        "{body}: x",
        "'; DROP TABLE memories; --",
        "a\" OR \"b",
        "-",
        "--",
    ] {
        let hits = search(&*store, &ns, hostile).await;
        assert!(hits.iter().all(|m| m.namespace == ns), "{hostile:?}");
    }
    assert_eq!(store.count(Some(&ns)).await.unwrap(), 4);
}

pub async fn japanese_text_is_findable(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "ja");
    let port = "データベースのポート番号は5433です";
    let weather = "今日の天気は晴れです";
    put(&*store, &ns, port).await;
    put(&*store, &ns, weather).await;
    put(&*store, &ns, "the staging database listens on port 5433").await;

    for text in ["ポート番号", "番号", "データベース", "番", "ポート番号は？"]
    {
        assert_eq!(found(&*store, &ns, text).await, [port], "query {text:?}");
    }
    assert_eq!(found(&*store, &ns, "データベースのポート番号は何ですか").await[0], port);
    assert_eq!(found(&*store, &ns, "天気").await, [weather]);
    assert_eq!(found(&*store, &ns, "\"ポート番号\"").await, [port]);
    assert_eq!(found(&*store, &ns, "です -天気").await, [port]);
}

pub async fn emoji_are_findable(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "emoji");
    put(&*store, &ns, "release 2.4 shipped 🎉 on friday").await;
    put(&*store, &ns, "release 2.5 slipped to monday").await;
    assert_eq!(found(&*store, &ns, "🎉").await, ["release 2.4 shipped 🎉 on friday"]);
    assert_eq!(found(&*store, &ns, "🎉 release").await[0], "release 2.4 shipped 🎉 on friday");
}

pub async fn identifiers_are_found_by_their_parts(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "ids");
    let job = "job run-117 failed on db-01.eu-west reading mysql-ro-2";
    put(&*store, &ns, job).await;
    put(&*store, &ns, "job run-118 passed on db-02.us-east").await;
    put(&*store, &ns, "mysql is the legacy database").await;
    for text in
        ["run-117", "117", "db-01", "eu-west", "mysql-ro-2", "mysql-ro", "why did run-117 fail?"]
    {
        assert_eq!(found(&*store, &ns, text).await[0], job, "query {text:?}");
    }
    assert_eq!(found(&*store, &ns, "db-02").await[0], "job run-118 passed on db-02.us-east");
}

pub async fn count_and_availability_follow_writes(store: Arc<dyn MemoryStore>, prefix: String) {
    let (a, b) = (ns(&prefix, "a"), ns(&prefix, "b"));
    let total = store.total();
    let everywhere = store.count(None).await.unwrap();
    assert_eq!(store.count(Some(&a)).await.unwrap(), 0);
    assert!(!store.has_memories(&a));

    put(&*store, &a, "one").await;
    assert!(store.has_memories(&a));
    assert!(!store.has_memories(&b));
    put(&*store, &a, "two").await;
    put(&*store, &b, "three").await;

    assert!(store.has_memories(&b));
    assert_eq!(store.count(Some(&a)).await.unwrap(), 2);
    assert_eq!(store.count(Some(&b)).await.unwrap(), 1);
    assert_eq!(store.total(), total + 3);
    assert!(store.count(None).await.unwrap() >= everywhere + 3);
}

pub async fn empty_namespace_finds_nothing(store: Arc<dyn MemoryStore>, prefix: String) {
    let (full, empty) = (ns(&prefix, "full"), ns(&prefix, "empty"));
    put(&*store, &full, STAGING_PORT).await;
    assert!(search(&*store, &empty, "staging database port").await.is_empty());
    assert!(search(&*store, &empty, "番").await.is_empty());
    assert!(search(&*store, &empty, "-staging").await.is_empty());
    assert!(store.recent(&empty, 10).await.unwrap().is_empty());
    assert_eq!(store.count(Some(&empty)).await.unwrap(), 0);
    assert!(!store.has_memories(&empty));
    assert!(search(&*store, &full, "").await.is_empty());
    assert!(search(&*store, &full, "   ?! ").await.is_empty());
}

pub async fn limit_is_respected(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "many");
    for i in 0..15 {
        put(&*store, &ns, &format!("deploy number {i} of the api")).await;
    }
    let mut q = query(&ns, "deploy api");
    q.limit = 5;
    assert_eq!(store.search(q.clone()).await.unwrap().len(), 5);
    q.limit = 0;
    assert!(store.search(q.clone()).await.unwrap().is_empty());
    q.limit = 100;
    assert_eq!(store.search(q).await.unwrap().len(), 15);
    assert_eq!(store.recent(&ns, 3).await.unwrap().len(), 3);
    assert_eq!(store.recent(&ns, 3).await.unwrap()[0].content, "deploy number 14 of the api");
    let mut scan = query(&ns, "番 deploy");
    scan.limit = 4;
    assert_eq!(store.search(scan).await.unwrap().len(), 4);
}

pub async fn invalid_input_is_refused_and_nothing_is_written(
    store: Arc<dyn MemoryStore>,
    prefix: String,
) {
    let ns = ns(&prefix, "strict");
    let invalid = |result: Result<Stored, MemoryError>| match result {
        Err(err @ MemoryError::InvalidInput(_)) => {
            assert_eq!(err.reason(), "invalid_input");
            assert!(!err.is_retryable());
            err.to_string()
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    };
    assert!(invalid(store.store(NewMemory::new(&ns, "  ")).await).contains("content"));
    let mut heavy = NewMemory::new(&ns, "x");
    heavy.importance = 1.5;
    assert!(invalid(store.store(heavy).await).contains("importance"));
    assert!(
        invalid(store.store(NewMemory::new("no spaces allowed", "x")).await).contains("namespace")
    );
    let err = store.search(query("bad/namespace", "x")).await.unwrap_err();
    assert!(matches!(err, MemoryError::InvalidInput(_)), "{err}");
    assert_eq!(store.count(Some(&ns)).await.unwrap(), 0);
    assert!(!store.has_memories(&ns));
}

pub async fn concurrent_writes_are_all_kept(store: Arc<dyn MemoryStore>, prefix: String) {
    let ns = ns(&prefix, "busy");
    let writes = (0..40).map(|i| {
        let store = Arc::clone(&store);
        let ns = ns.clone();
        tokio::spawn(
            async move { store.store(NewMemory::new(ns, format!("event {i} logged"))).await },
        )
    });
    let reads = (0..10).map(|_| {
        let store = Arc::clone(&store);
        let ns = ns.clone();
        tokio::spawn(async move { store.search(query(&ns, "event logged")).await.map(|_| ()) })
    });
    let reads: Vec<_> = reads.collect();
    let mut ids = Vec::new();
    for write in writes.collect::<Vec<_>>() {
        ids.push(write.await.unwrap().unwrap().memory.id);
    }
    for read in reads {
        read.await.unwrap().unwrap();
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    assert_eq!(store.count(Some(&ns)).await.unwrap(), 40);
    let mut q = query(&ns, "event");
    q.limit = 100;
    assert_eq!(store.search(q).await.unwrap().len(), 40);
}

fn keyed(namespace: &str, content: &str, key: &str) -> NewMemory {
    NewMemory { idempotency_key: Some(key.into()), ..NewMemory::new(namespace, content) }
}

pub async fn a_repeated_idempotency_key_returns_the_first_memory_and_writes_nothing(
    store: Arc<dyn MemoryStore>,
    prefix: String,
) {
    let ns = ns(&prefix, "once");
    let first = store.store(keyed(&ns, STAGING_PORT, "note-1")).await.unwrap();
    assert!(!first.replayed);
    let mut again = keyed(&ns, STAGING_PORT, "note-1");
    // What the retry carries besides the content does not matter: the
    // answer is the memory as first stored.
    again.tags = vec!["retry".into()];
    let second = store.store(again).await.unwrap();
    assert!(second.replayed);
    assert_eq!(second.memory, first.memory);
    assert_eq!(store.count(Some(&ns)).await.unwrap(), 1);
    assert_eq!(store.total(), 1);
    assert_eq!(search(&*store, &ns, "staging port").await.len(), 1);
    // Unkeyed writes of the same text are separate memories, as before.
    put(&*store, &ns, STAGING_PORT).await;
    put(&*store, &ns, STAGING_PORT).await;
    assert_eq!(store.count(Some(&ns)).await.unwrap(), 3);
    let third = store.store(keyed(&ns, STAGING_PORT, "note-1")).await.unwrap();
    assert_eq!((third.replayed, third.memory.id), (true, first.memory.id));
}

pub async fn the_same_idempotency_key_in_another_namespace_is_another_memory(
    store: Arc<dyn MemoryStore>,
    prefix: String,
) {
    let (a, b) = (ns(&prefix, "a"), ns(&prefix, "b"));
    let in_a = store.store(keyed(&a, STAGING_PORT, "k")).await.unwrap();
    let in_b = store.store(keyed(&b, STAGING_PORT, "k")).await.unwrap();
    assert!(!in_a.replayed && !in_b.replayed);
    assert_ne!(in_a.memory.id, in_b.memory.id);
    assert_eq!(in_b.memory.namespace, b);
    assert_eq!(store.count(None).await.unwrap(), 2);
    assert!(store.has_memories(&b));
}

pub async fn a_reused_idempotency_key_with_other_content_is_refused(
    store: Arc<dyn MemoryStore>,
    prefix: String,
) {
    let ns = ns(&prefix, "clash");
    let first = store.store(keyed(&ns, STAGING_PORT, "k")).await.unwrap().memory;
    let err = store.store(keyed(&ns, "the production port is 5432", "k")).await.unwrap_err();
    assert!(matches!(err, MemoryError::IdempotencyConflict { id, .. } if id == first.id), "{err}");
    assert_eq!(err.reason(), "idempotency_conflict");
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("idempotency_key") && text.contains("different content"), "{text}");
    assert_eq!(store.count(Some(&ns)).await.unwrap(), 1);
    assert!(found(&*store, &ns, "production").await.is_empty());
}

pub async fn concurrent_stores_of_one_idempotency_key_write_once(
    store: Arc<dyn MemoryStore>,
    prefix: String,
) {
    let ns = ns(&prefix, "race");
    // The namespace exists already, so every writer goes straight to the insert.
    put(&*store, &ns, "warm-up").await;
    let writers: Vec<_> = (0..16)
        .map(|_| {
            let store = Arc::clone(&store);
            let ns = ns.clone();
            tokio::spawn(async move { store.store(keyed(&ns, STAGING_PORT, "race")).await })
        })
        .collect();
    let mut answers = Vec::new();
    for writer in writers {
        answers.push(writer.await.unwrap().unwrap());
    }
    assert_eq!(answers.iter().filter(|a| !a.replayed).count(), 1);
    assert!(answers.iter().all(|a| a.memory == answers[0].memory));
    assert_eq!(store.count(Some(&ns)).await.unwrap(), 2);
    assert_eq!(store.total(), 2);
}
