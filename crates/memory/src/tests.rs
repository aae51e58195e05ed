//! Unit tests of choosing a memory store from its URL.

use super::*;

#[tokio::test]
async fn sqlite_memory_url_opens_an_empty_sqlite_store() {
    let store = open_store("sqlite::memory:").await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    assert_eq!(store.total(), 0);
    assert_eq!(store.count(None).await.unwrap(), 0);
}

#[tokio::test]
async fn unreachable_postgres_opens_a_store_that_reports_unavailable_without_the_url() {
    // Port 1 on the loopback: nothing listens, the connection is refused.
    let store = open_store("postgres://app:s3cret@127.0.0.1:1/memory?connect_timeout_s=1")
        .await
        .expect("an unreachable server must not stop the start");
    assert_eq!(store.backend(), "postgres");
    assert_eq!(store.total(), 0);
    assert!(!store.has_memories("default"));
    let err = store.health().await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, MemoryError::Unavailable { backend: "postgres", .. }), "{text}");
    assert!(text.starts_with("memory store `postgres` is unavailable"), "{text}");
    assert!(!text.contains("s3cret") && !text.contains("127.0.0.1"), "{text}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn unreadable_postgres_url_is_invalid_input() {
    let err = match open_store("postgres://app:s3cret@db.internal:notaport/memory").await {
        Ok(_) => panic!("a URL the driver cannot read must be refused"),
        Err(err) => err,
    };
    let text = err.to_string();
    assert!(matches!(err, MemoryError::InvalidInput(_)), "{text}");
    assert!(!text.contains("s3cret") && !text.contains("db.internal"), "{text}");
}

#[test]
fn default_sqlite_path_is_in_the_user_data_directory() {
    if let Some(path) = default_sqlite_path() {
        assert!(path.ends_with("pattern-mcp/memory.db"), "{}", path.display());
        assert_eq!(path.parent().unwrap().parent(), dirs::data_dir().as_deref());
    }
}

#[test]
fn error_labels_are_fixed_and_retryability_follows_the_kind() {
    let cases = [
        (MemoryError::Unavailable { backend: "sqlite", reason: "x".into() }, "unavailable", true),
        (MemoryError::InvalidInput("x".into()), "invalid_input", false),
        (MemoryError::Timeout { backend: "sqlite" }, "timeout", true),
        (MemoryError::Internal { backend: "sqlite", reason: "x".into() }, "internal", false),
    ];
    for (err, reason, retryable) in cases {
        assert_eq!(err.reason(), reason);
        assert_eq!(err.is_retryable(), retryable, "{err}");
    }
}
