//! Memory store URLs (`sqlite:PATH`, `sqlite::memory:`, `postgres://…`): which backend, and where.

use std::path::PathBuf;

use super::{MemoryError, default_sqlite_path};

/// A parsed `--memory` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `sqlite::memory:`: a private in-memory database, gone when the store drops.
    SqliteMemory,
    /// `sqlite:PATH` or `sqlite://PATH`; `sqlite:` alone is the default file.
    SqliteFile(PathBuf),
    /// `postgres://…` or `postgresql://…`, kept whole for the driver.
    Postgres(String),
}

const ACCEPTED: &str = "`sqlite:PATH`, `sqlite::memory:` or `postgres://…`";

impl StoreUrl {
    /// Reads a store URL. Errors never repeat the URL: it may hold a password.
    pub fn parse(url: &str) -> Result<Self, MemoryError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres(url.to_owned()));
        }
        let Some(rest) = url.strip_prefix("sqlite:") else {
            let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
                (1..=16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            return Err(MemoryError::InvalidInput(match scheme {
                Some(scheme) => {
                    format!("unsupported memory store scheme `{scheme}`: use {ACCEPTED}")
                }
                None => format!("unsupported memory store URL: use {ACCEPTED}"),
            }));
        };
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path == ":memory:" {
            return Ok(StoreUrl::SqliteMemory);
        }
        if path.is_empty() {
            return default_sqlite_path().map(StoreUrl::SqliteFile).ok_or_else(|| {
                MemoryError::InvalidInput(
                    "`sqlite:` without a path needs a user data directory, and this system has none: give `sqlite:PATH`".into(),
                )
            });
        }
        Ok(StoreUrl::SqliteFile(PathBuf::from(path)))
    }
}

#[cfg(test)]
mod tests;
