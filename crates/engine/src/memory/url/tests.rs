//! Unit tests of memory store URL parsing.

use std::path::PathBuf;

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

#[test]
fn postgres_urls_are_kept_whole() {
    let url = "postgres://app:secret@db.internal:5432/memory";
    assert_eq!(StoreUrl::parse(url).unwrap(), StoreUrl::Postgres(url.into()));
    assert!(matches!(StoreUrl::parse("postgresql://localhost/x").unwrap(), StoreUrl::Postgres(_)));
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
