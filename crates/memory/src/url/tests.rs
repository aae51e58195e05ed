//! Unit tests of memory store URL parsing.

use std::path::PathBuf;
use std::time::Duration;

use super::*;

#[test]
fn sqlite_memory_url_is_in_memory() {
    assert_eq!(StoreUrl::parse("sqlite::memory:").unwrap(), StoreUrl::SqliteMemory);
    assert_eq!(StoreUrl::parse("sqlite://:memory:").unwrap(), StoreUrl::SqliteMemory);
}

#[test]
fn sqlite_path_forms_all_name_the_file() {
    let abs = StoreUrl::SqliteFile(PathBuf::from("/var/lib/p/memory.db"));
    assert_eq!(StoreUrl::parse("sqlite:/var/lib/p/memory.db").unwrap(), abs);
    assert_eq!(StoreUrl::parse("sqlite:///var/lib/p/memory.db").unwrap(), abs);
    assert_eq!(
        StoreUrl::parse("sqlite:data/memory.db").unwrap(),
        StoreUrl::SqliteFile(PathBuf::from("data/memory.db"))
    );
    assert_eq!(
        StoreUrl::parse("sqlite://data/memory.db").unwrap(),
        StoreUrl::SqliteFile(PathBuf::from("data/memory.db"))
    );
}

#[test]
fn bare_sqlite_is_the_default_file() {
    if let Some(default) = default_sqlite_path() {
        assert_eq!(StoreUrl::parse("sqlite:").unwrap(), StoreUrl::SqliteFile(default));
    }
}

fn postgres(url: &str) -> PostgresUrl {
    match StoreUrl::parse(url).unwrap() {
        StoreUrl::Postgres(parsed) => parsed,
        other => panic!("expected a postgres URL, got {other:?}"),
    }
}

#[test]
fn postgres_url_without_options_goes_whole_to_the_driver_with_defaults() {
    let url = "postgres://app:secret@db.internal:5432/memory";
    let parsed = postgres(url);
    assert_eq!(parsed.connection(), url);
    assert_eq!(parsed.pool_size, 20);
    assert_eq!(parsed.connect_timeout, Duration::from_secs(5));
    assert_eq!(parsed.statement_timeout, Duration::from_millis(2000));
    assert_eq!(parsed.schema, "pattern_mcp");
    assert_eq!(postgres("postgresql://localhost/x").connection(), "postgresql://localhost/x");
}

#[test]
fn postgres_options_are_taken_out_and_the_rest_passed_on() {
    let parsed = postgres(
        "postgres://u@h/db?pool_size=4&application_name=pm&connect_timeout_s=2&statement_timeout_ms=250&schema=pmcp_test_1&sslmode=disable",
    );
    assert_eq!(parsed.connection(), "postgres://u@h/db?application_name=pm");
    assert_eq!(parsed.ssl_mode, SslMode::Disable);
    assert_eq!(parsed.pool_size, 4);
    assert_eq!(parsed.connect_timeout, Duration::from_secs(2));
    assert_eq!(parsed.statement_timeout, Duration::from_millis(250));
    assert_eq!(parsed.schema, "pmcp_test_1");
    assert_eq!(parsed.synchronous_commit, None);
    assert_eq!(
        postgres("postgres://u@h/db?synchronous_commit=off").synchronous_commit.as_deref(),
        Some("off")
    );
    assert_eq!(postgres("postgres://u@h/db?pool_size=1").connection(), "postgres://u@h/db");
}

#[test]
fn bad_postgres_options_name_the_option_and_never_the_url() {
    for (url, option) in [
        ("postgres://u:pw@h/db?pool_size=0", "pool_size"),
        ("postgres://u:pw@h/db?pool_size=many", "pool_size"),
        ("postgres://u:pw@h/db?connect_timeout_s=", "connect_timeout_s"),
        ("postgres://u:pw@h/db?statement_timeout_ms=-5", "statement_timeout_ms"),
        ("postgres://u:pw@h/db?schema=Public", "schema"),
        ("postgres://u:pw@h/db?schema=a;drop", "schema"),
        ("postgres://u:pw@h/db?schema=pg_catalog", "schema"),
        ("postgres://u:pw@h/db?schema=1abc", "schema"),
        ("postgres://u:pw@h/db?options=-csearch_path%3Dx", "options"),
        ("postgres://u:pw@h/db?connect_timeout=3", "connect_timeout"),
        ("postgres://u:pw@h/db?synchronous_commit=maybe", "synchronous_commit"),
    ] {
        let err = StoreUrl::parse(url).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, MemoryError::InvalidInput(_)), "{url}: {text}");
        assert!(text.contains(&format!("`{option}`")), "{url}: {text}");
        assert!(!text.contains("pw@h"), "{text}");
    }
}

#[test]
fn postgres_url_debug_hides_the_password() {
    let shown = format!("{:?}", postgres("postgres://app:s3cret@db/x?pool_size=3"));
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("pool_size: 3"), "{shown}");
}

#[test]
fn unknown_scheme_names_the_accepted_ones_and_never_the_url() {
    let err = StoreUrl::parse("mysql://root:hunter2@localhost/db").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, MemoryError::InvalidInput(_)));
    assert!(text.contains("`mysql`"), "{text}");
    assert!(text.contains("sqlite:PATH") && text.contains("postgres://"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn url_without_scheme_is_refused() {
    let err = StoreUrl::parse("/tmp/memory.db").unwrap_err();
    assert!(err.to_string().contains("sqlite:PATH"), "{err}");
}

#[test]
fn sslmode_and_sslrootcert_are_read_here_and_not_passed_to_the_driver() {
    let url = PostgresUrl::parse(
        "postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
    )
    .unwrap();
    assert_eq!(url.ssl_mode, SslMode::VerifyFull);
    assert_eq!(url.ssl_root_cert, Some(PathBuf::from("/etc/ca.pem")));
    assert_eq!(url.connection(), "postgres://u@h/db?application_name=x");
    assert_eq!(PostgresUrl::parse("postgres://u@h/db").unwrap().ssl_mode, SslMode::Prefer);
    let system = PostgresUrl::parse("postgres://u@h/db?sslrootcert=system").unwrap();
    assert_eq!(system.ssl_root_cert, None);
    let err = PostgresUrl::parse("postgres://u@h/db?sslmode=allow").unwrap_err();
    assert!(err.to_string().contains("verify-full"), "{err}");
}
