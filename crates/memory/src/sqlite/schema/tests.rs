//! Unit tests of the SQLite schema.

use rusqlite::Connection;

use super::*;

fn migrated() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn).unwrap();
    conn
}

#[test]
fn migration_sets_the_schema_version_and_is_idempotent() {
    let mut conn = migrated();
    migrate(&mut conn).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, VERSION);
}

#[test]
fn database_from_a_newer_build_is_refused() {
    let mut conn = migrated();
    conn.pragma_update(None, "user_version", VERSION + 1).unwrap();
    let err = migrate(&mut conn).unwrap_err();
    assert!(err.to_string().contains("newer than this build"), "{err}");
}

#[test]
fn each_namespace_gets_its_own_index_table_once() {
    let conn = migrated();
    assert_eq!(namespace_id(&conn, "ops").unwrap(), None);
    let ops = ensure_namespace(&conn, "ops").unwrap();
    let dev = ensure_namespace(&conn, "dev").unwrap();
    assert_ne!(ops, dev);
    assert_eq!(ensure_namespace(&conn, "ops").unwrap(), ops);
    assert_eq!(namespace_id(&conn, "ops").unwrap(), Some(ops));
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN (?1, ?2)",
            [index_table(ops), index_table(dev)],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 2);
}
