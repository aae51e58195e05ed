//! How driver errors are classified, with errors made by the test server
//! (`PATTERN_MCP_TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`).

use super::*;
use crate::postgres::tests::{drop_schema, store_in_own_schema};

#[tokio::test]
async fn a_value_of_the_wrong_type_is_an_internal_error_not_an_outage() {
    let (store, schema) = store_in_own_schema("wrong_type").await;
    let client = store.inner.client().await.unwrap();
    let error = client.query("SELECT $1::int4", &[&"not a number"]).await.unwrap_err();
    assert!(error.code().is_none(), "{error}");
    let classified = pg_error(error);
    assert!(
        matches!(classified, MemoryError::Internal { .. }),
        "a client-side conversion is not the server being unreachable: {classified:?}"
    );
    let error = client.query_one("SELECT NULL::int4", &[]).await.unwrap().try_get::<_, i32>(0);
    assert!(matches!(pg_error(error.unwrap_err()), MemoryError::Internal { .. }));
    drop(client);
    drop_schema(store, &schema).await;
}

#[tokio::test]
async fn a_server_error_is_classified_by_its_sqlstate() {
    let (store, schema) = store_in_own_schema("sqlstate").await;
    let client = store.inner.client().await.unwrap();
    let cancelled = client.batch_execute("SET statement_timeout = 1; SELECT pg_sleep(1)").await;
    assert!(matches!(pg_error(cancelled.unwrap_err()), MemoryError::Timeout { .. }));
    client.batch_execute("RESET statement_timeout").await.unwrap();
    let odd = client.batch_execute("SELECT 1/0").await.unwrap_err();
    assert!(matches!(pg_error(odd), MemoryError::Internal { .. }));
    drop(client);
    drop_schema(store, &schema).await;
}
