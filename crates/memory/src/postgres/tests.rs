//! Unit tests of the PostgreSQL store's pure parts (what the index holds); the store itself is tested against a server in `tests/it/postgres.rs`.
//!
//! Also the helpers of the unit tests of its statements
//! (`search/tests.rs`, `tsquery/tests.rs`), which need the test server
//! (`PATTERN_MCP_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`).

use super::*;

/// A migrated store in a schema of its own, named as the integration tests
/// name theirs (`pmcp_test_<pid>_…`), so that a run that dies before
/// dropping it has it removed by the next.
pub(super) async fn store_in_own_schema(name: &str) -> (PostgresStore, String) {
    let server = std::env::var("PATTERN_MCP_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = format!("pmcp_test_{}_unit_{name}", std::process::id());
    let separator = if server.contains('?') { '&' } else { '?' };
    let url = PostgresUrl::parse(&format!("{server}{separator}schema={schema}&pool_size=2"))
        .expect("test server URL");
    let store = PostgresStore::open_ready(&url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL test server unreachable ({e})"));
    (store, schema)
}

/// Drops the schema of [`store_in_own_schema`] at the end of a test.
pub(super) async fn drop_schema(store: PostgresStore, schema: &str) {
    let client = store.inner.client().await.unwrap();
    client.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).await.unwrap();
}

#[test]
fn index_body_is_absent_for_plain_text() {
    assert_eq!(index_body("the staging database listens on port 5433"), None);
}

#[test]
fn index_body_splits_cjk_runs_into_pairs() {
    assert_eq!(index_body("ポート番号は5433").as_deref(), Some(" ポー ート ト番 番号 号は 5433"));
}

#[test]
fn index_body_of_long_content_is_cut_on_a_character_boundary() {
    let long = "é".repeat(INDEX_BYTES); // two bytes each
    let body = index_body(&long).unwrap();
    assert_eq!(body.len(), INDEX_BYTES);
    assert!(body.chars().all(|c| c == 'é'));
    let odd = format!("x{long}");
    assert_eq!(index_body(&odd).unwrap().len(), INDEX_BYTES - 1);
}

#[test]
fn index_tags_join_and_segment_the_tags() {
    assert_eq!(index_tags(&["db".into(), "staging".into()]), "db staging");
    assert_eq!(index_tags(&["番号".into()]), " 番号 ");
    assert_eq!(index_tags(&[]), "");
}

#[test]
fn nul_characters_are_refused_before_the_database() {
    for memory in [
        NewMemory::new("ns", "a\0b"),
        NewMemory { tags: vec!["t\0".into()], ..NewMemory::new("ns", "x") },
        NewMemory {
            metadata: serde_json::json!({"k": "v\u{0}"}).as_object().unwrap().clone(),
            ..NewMemory::new("ns", "x")
        },
    ] {
        let err = checked(memory).unwrap_err();
        assert!(err.to_string().contains("NUL"), "{err}");
    }
    assert!(checked(NewMemory::new("ns", "fine")).is_ok());
}

#[test]
fn statistics_are_refreshed_at_each_doubling_from_64() {
    assert!(!crosses_refresh(0, 1));
    assert!(!crosses_refresh(10, 63));
    assert!(crosses_refresh(63, 64));
    assert!(crosses_refresh(0, 10_000));
    assert!(!crosses_refresh(64, 127));
    assert!(crosses_refresh(127, 128));
    assert!(crosses_refresh(1000, 1024));
    assert!(!crosses_refresh(1024, 2047));
}

#[test]
fn session_options_carry_schema_timeouts_and_commit_mode() {
    let url =
        PostgresUrl::parse("postgres://u@h/db?schema=team_a&statement_timeout_ms=750").unwrap();
    assert_eq!(
        session_options(&url),
        "-c search_path=team_a -c statement_timeout=750 -c lock_timeout=750 \
         -c plan_cache_mode=force_generic_plan"
    );
    let url = PostgresUrl::parse("postgres://u@h/db?synchronous_commit=off").unwrap();
    assert!(session_options(&url).ends_with(" -c synchronous_commit=off"));
}
