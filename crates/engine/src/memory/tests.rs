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
async fn postgres_url_says_the_backend_is_not_built_and_hides_the_password() {
    let err = match open_store("postgres://app:s3cret@db.internal/memory").await {
        Ok(_) => panic!("postgres must not open in this build"),
        Err(err) => err,
    };
    let text = err.to_string();
    assert!(text.contains("postgres memory backend is not built yet"), "{text}");
    assert!(!text.contains("s3cret") && !text.contains("db.internal"), "{text}");
    assert!(!err.is_retryable());
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
