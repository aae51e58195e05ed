//! The PostgreSQL memory store against the real server: the shared suite, migrations, counters, hostile input, agreement with SQLite, and (in `faults`) outages.
//!
//! The server is `PATTERN_MCP_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). Every store gets a schema of
//! its own, `pmcp_test_<pid>_<n>`, dropped when the store is: parallel tests
//! and reruns never see each other's rows. A server that cannot be reached
//! fails the tests, saying how to start it; nothing is skipped.

use std::str::FromStr;
use std::sync::Arc;

use pattern_core::{MemoryAvailability, NewMemory, SearchQuery};
use pattern_memory::{MemoryStore, PostgresStore, PostgresUrl, SqliteStore};

use crate::guarded::Guarded;
use crate::store_suite::{memory_store_suite, query};

mod cut;
mod faults;
mod proxy;
mod server;
mod tls;

pub use server::{DropSchema, START_HINT, fresh_schema, raw_client, server_url, with_options};

/// Drops `pmcp_test_<pid>_*` schemas whose process no longer runs (a run
/// that was killed before it could clean up).
async fn drop_abandoned_schemas() {
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let client = raw_client().await;
        let rows = client
            .query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pmcp\\_test\\_%'", &[])
            .await
            .unwrap();
        for row in rows {
            let name: String = row.get(0);
            let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                    .await;
            }
        }
    })
    .await;
}

/// The parsed options of a store URL in `schema`.
pub fn store_url(url: &str, schema: &str, options: &str) -> PostgresUrl {
    let url = with_options(url, &format!("schema={schema}&pool_size=4{options}"));
    PostgresUrl::parse(&url).expect("test store URL")
}

/// A migrated store in a schema of its own.
pub async fn open_in(schema: &str) -> PostgresStore {
    drop_abandoned_schemas().await;
    PostgresStore::open_ready(&store_url(&server_url(), schema, ""))
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL test server unreachable ({e}); {START_HINT}"))
}

/// The suite's factory: a fresh schema per store, dropped with it.
async fn store() -> Arc<dyn MemoryStore> {
    let schema = fresh_schema();
    let store = open_in(&schema).await;
    Arc::new(Guarded { store: Arc::new(store), _guard: DropSchema(schema) })
}

mod suite {
    super::memory_store_suite!(super::store);
}

#[tokio::test]
async fn migrations_are_recorded_once_even_when_two_instances_start_together() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let url = store_url(&server_url(), &schema, "");
    drop_abandoned_schemas().await;
    let (a, b) = tokio::join!(PostgresStore::open_ready(&url), PostgresStore::open_ready(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    a.store(NewMemory::new("shared", "written by the first instance")).await.unwrap();
    let hits = b.search(query("shared", "first instance")).await.unwrap();
    assert_eq!(hits.len(), 1);

    let client = raw_client().await;
    let rows = client
        .query(
            &format!("SELECT version, description FROM \"{schema}\".memory_schema_migrations"),
            &[],
        )
        .await
        .unwrap();
    let versions: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(versions, [1, 2]);
    drop((a, b));
    // Opening again finds the schema current and changes nothing.
    let again = open_in(&schema).await;
    assert_eq!(again.total(), 1);
    let count: i64 = client
        .query_one(&format!("SELECT count(*) FROM \"{schema}\".memory_schema_migrations"), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 2);
}

#[tokio::test]
async fn search_uses_the_namespace_partition_and_its_gin_index() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let store = open_in(&schema).await;
    let batch: Vec<NewMemory> = (0..2_000)
        .map(|i| {
            NewMemory::new(format!("team-{}", i % 2), format!("deploy note {i} for the gateway"))
        })
        .collect();
    store.store_batch(batch).await.unwrap();
    store
        .store(NewMemory::new("team-0", "the staging database listens on port 5433"))
        .await
        .unwrap();
    let client = raw_client().await;
    // A thousand rows per partition are few enough for a sequential scan to
    // look cheaper: switch that off to see which index the search can use.
    client
        .batch_execute(&format!(
            "SET search_path = \"{schema}\"; ANALYZE memories; SET enable_seqscan = off"
        ))
        .await
        .unwrap();
    let plan: Vec<String> = client
        .query(
            "EXPLAIN SELECT id FROM memories WHERE namespace = 'team-0' \
             AND search @@ phraseto_tsquery('memory_search', 'staging')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("Bitmap Index Scan on memories_1_search_idx"), "{plan}");
    assert!(!plan.contains("memories_2"), "only the namespace's partition is read: {plan}");
    let partitions: i64 =
        client.query_one("SELECT count(*) FROM memory_namespaces", &[]).await.unwrap().get(0);
    assert_eq!(partitions, 2);
}

#[tokio::test]
async fn availability_is_loaded_once_at_open() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    {
        let store = open_in(&schema).await;
        store.store(NewMemory::new("written", "before the restart")).await.unwrap();
        store.store(NewMemory::new("written", "also before")).await.unwrap();
    }
    let store = open_in(&schema).await;
    assert!(store.has_memories("written"));
    assert!(!store.has_memories("never"));
    assert_eq!(store.total(), 2);

    // A row written behind the store's back is not seen: availability comes
    // from the counters, never from a query per request.
    let client = raw_client().await;
    client
        .batch_execute(&format!(
            "SET search_path = \"{schema}\";
             SELECT memory_add_namespace('sideways');
             INSERT INTO memories (namespace, content) VALUES ('sideways', 'x');"
        ))
        .await
        .unwrap();
    assert!(!store.has_memories("sideways"));
    assert_eq!(store.count(Some("sideways")).await.unwrap(), 1);
    store.store(NewMemory::new("sideways", "through the store")).await.unwrap();
    assert!(store.has_memories("sideways"));
    assert_eq!(store.total(), 3);
}

#[tokio::test]
async fn hostile_text_is_only_ever_a_bound_parameter() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let store = open_in(&schema).await;
    let long_word = "w".repeat(5_000);
    let hostile = [
        "'",
        "\\",
        "%",
        "_",
        ":*",
        "&",
        "!",
        "|",
        "<->",
        "$1",
        "'); DROP TABLE memories; --",
        "ポート番号",
        long_word.as_str(),
    ];
    let mut ids = Vec::new();
    for (i, text) in hostile.iter().enumerate() {
        let mut memory = NewMemory::new("hostile", format!("item{i} holds {text} inside"));
        memory.tags = vec![format!("tag{i}"), (*text).to_owned()];
        memory.metadata.insert((*text).to_owned(), serde_json::json!(text));
        let stored = store.store(memory).await.unwrap().memory;
        assert_eq!(stored.tags[1], *text);
        ids.push(stored.id);
    }
    for (i, text) in hostile.iter().enumerate() {
        let hits = store.search(query("hostile", text)).await.unwrap();
        assert!(hits.iter().any(|m| m.id == ids[i]), "query {text:?} finds its memory: {hits:?}");
        assert!(hits.iter().all(|m| m.namespace == "hostile"), "query {text:?}");
        let tagged =
            SearchQuery { tags: vec![(*text).to_owned()], ..query("hostile", &format!("item{i}")) };
        let hits = store.search(tagged).await.unwrap();
        assert_eq!(hits.iter().map(|m| m.id).collect::<Vec<_>>(), [ids[i]], "tag {text:?}");
        assert_eq!(hits[0].metadata[*text], serde_json::json!(text));
    }
    assert_eq!(store.count(Some("hostile")).await.unwrap(), hostile.len() as u64);
    let err = store.store(NewMemory::new("hostile", "nul \0 inside")).await.unwrap_err();
    assert!(err.to_string().contains("NUL"), "{err}");
}

/// Memories and queries of the shared suite, written to both backends:
/// both must put the same memories first.
#[tokio::test]
async fn sqlite_and_postgres_agree_on_the_top_results() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let postgres = open_in(&schema).await;
    let sqlite = SqliteStore::open_in_memory().await.unwrap();
    let contents = [
        "the staging database listens on port 5433",
        "the production database listens on port 5432",
        "the staging web server listens on port 8080",
        "the staging cluster was upgraded on monday",
        "backups of the billing database run nightly",
        "lunch is at noon on fridays",
        "the office coffee machine is broken",
        "alice prefers tabs over spaces",
        "kubernetes runs in the eu-west region",
        "what did we do about it",
        "Café opening hours changed",
        "the database for staging is on port 6543",
        "port forwarding is disabled",
        "O'Reilly's 100% guide keeps files in C:\\path_x",
        "the grammar has NEAR( AND OR NOT * ^ :* & ! operators",
        "データベースのポート番号は5433です",
        "今日の天気は晴れです",
        "release 2.4 shipped 🎉 on friday",
        "release 2.5 slipped to monday",
        "job run-117 failed on db-01.eu-west reading mysql-ro-2",
    ];
    for content in contents {
        let memory = NewMemory::new("parity", content);
        postgres.store(memory.clone()).await.unwrap();
        sqlite.store(memory).await.unwrap();
    }
    let queries = [
        "what did we note about the staging database port?",
        "which port does the staging database use?",
        "which ports do the databases listen on",
        "STAGING",
        "cafe",
        "production",
        "database port -staging",
        r#""staging database" port"#,
        r#""database for staging""#,
        "reilly",
        "O'Reilly's 100% \\path_x",
        "NEAR(",
        ":*",
        "%",
        "ポート番号",
        "データベースのポート番号は何ですか",
        "天気",
        "です -天気",
        "🎉",
        "🎉 release",
        "backups nightly",
        "who prefers tabs",
        "run-117",
        "mysql-ro",
    ];
    for text in queries {
        let from_postgres = postgres.search(query("parity", text)).await.unwrap();
        let from_sqlite = sqlite.search(query("parity", text)).await.unwrap();
        let top = |hits: &[pattern_core::Memory]| hits.first().map(|m| m.content.clone());
        assert_eq!(top(&from_postgres), top(&from_sqlite), "top result of {text:?}");
        let mut a: Vec<_> = from_postgres.iter().map(|m| m.content.clone()).collect();
        let mut b: Vec<_> = from_sqlite.iter().map(|m| m.content.clone()).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "results of {text:?}");
    }
}

#[test]
fn the_test_server_url_is_readable_and_takes_a_schema() {
    let url = server_url();
    let config = tokio_postgres::Config::from_str(&url).expect("PATTERN_MCP_TEST_DATABASE_URL");
    assert!(!config.get_hosts().is_empty(), "{url} names a host");
    assert_eq!(store_url(&url, "pmcp_x", "").schema, "pmcp_x");
}

/// A tier matching more memories than are scored by `ts_rank_cd` still puts
/// the best first: the memory holding the words side by side, among a
/// hundred holding them far apart and a hundred holding one of them.
#[tokio::test]
async fn the_closest_match_wins_among_more_memories_than_are_fully_ranked() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let store = open_in(&schema).await;
    let mut memories: Vec<NewMemory> = (0..100)
        .map(|i| {
            NewMemory::new(
                "crowd",
                format!(
                    "gateway {i} notes from the weekly review, later the timeout was discussed"
                ),
            )
        })
        .collect();
    memories.extend((0..100).map(|i| NewMemory::new("crowd", format!("gateway {i} is healthy"))));
    // Written first, so neither the newest nor the last id can be why it is found.
    memories.insert(0, NewMemory::new("crowd", "the gateway timeout is 30 seconds"));
    store.store_batch(memories).await.unwrap();

    let hits = store.search(query("crowd", "gateway timeout")).await.unwrap();
    assert_eq!(hits.len(), 10);
    assert_eq!(hits[0].content, "the gateway timeout is 30 seconds");
    assert!(hits.iter().all(|m| m.content.contains("timeout")), "{hits:?}");
}

fn keyed(namespace: &str, content: &str, key: &str) -> NewMemory {
    NewMemory { idempotency_key: Some(key.into()), ..NewMemory::new(namespace, content) }
}

#[tokio::test]
async fn an_idempotency_key_still_replays_after_a_restart() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let first = {
        let store = open_in(&schema).await;
        store.store(keyed("team", "the staging port is 5433", "k-1")).await.unwrap()
    };
    let store = open_in(&schema).await;
    let again = store.store(keyed("team", "the staging port is 5433", "k-1")).await.unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(again.memory, first.memory);
    assert_eq!(store.count(Some("team")).await.unwrap(), 1);
    assert_eq!(store.total(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_storing_one_idempotency_key_at_once_write_it_once() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    let (a, b) = (Arc::new(open_in(&schema).await), Arc::new(open_in(&schema).await));
    // A fresh namespace each round: its partition is made by the race too.
    for round in 0..5 {
        let namespace = format!("race-{round}");
        let writers: Vec<_> = (0..16)
            .map(|i| {
                let store = if i % 2 == 0 { Arc::clone(&a) } else { Arc::clone(&b) };
                let namespace = namespace.clone();
                tokio::spawn(
                    async move { store.store(keyed(&namespace, "one note", "same")).await },
                )
            })
            .collect();
        let mut answers = Vec::new();
        for writer in writers {
            answers.push(writer.await.unwrap().unwrap());
        }
        assert_eq!(answers.iter().filter(|s| !s.replayed).count(), 1, "round {round}");
        assert!(answers.iter().all(|s| s.memory == answers[0].memory), "round {round}");
        assert_eq!(a.count(Some(&namespace)).await.unwrap(), 1, "round {round}");
    }
}

#[tokio::test]
async fn a_version_1_schema_is_migrated_with_its_partitions_and_memories() {
    let schema = fresh_schema();
    let _drop = DropSchema(schema.clone());
    {
        let store = open_in(&schema).await;
        store.store(NewMemory::new("team", "written by version 1")).await.unwrap();
    }
    // Back to version 1: no key column, no index, one migration recorded.
    let client = raw_client().await;
    client
        .batch_execute(&format!(
            "SET search_path = \"{schema}\";
             DROP INDEX memories_namespace_idempotency_key;
             ALTER TABLE memories DROP COLUMN idempotency_key;
             DELETE FROM memory_schema_migrations WHERE version > 1;"
        ))
        .await
        .unwrap();
    let store = open_in(&schema).await;
    assert_eq!(store.recent("team", 5).await.unwrap()[0].content, "written by version 1");
    let first = store.store(keyed("team", "written by version 2", "k")).await.unwrap();
    let again = store.store(keyed("team", "written by version 2", "k")).await.unwrap();
    assert!(!first.replayed && again.replayed);
    let elsewhere = store.store(keyed("new-team", "written by version 2", "k")).await.unwrap();
    assert!(!elsewhere.replayed);
    assert_eq!(store.count(None).await.unwrap(), 3);
}
