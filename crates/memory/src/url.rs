//! Memory store URLs (`sqlite:PATH`, `sqlite::memory:`, `postgres://…`): which backend, and where.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::{MemoryError, default_sqlite_path};

/// A parsed `--memory` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `sqlite::memory:`: a private in-memory database, gone when the store drops.
    SqliteMemory,
    /// `sqlite:PATH` or `sqlite://PATH`; `sqlite:` alone is the default file.
    SqliteFile(PathBuf),
    /// `postgres://…` or `postgresql://…`, with this program's own options
    /// taken out of the query string.
    Postgres(PostgresUrl),
}

const ACCEPTED: &str = "`sqlite:PATH`, `sqlite::memory:` or `postgres://…`";

impl StoreUrl {
    /// Reads a store URL. Errors never repeat the URL: it may hold a password.
    pub fn parse(url: &str) -> Result<Self, MemoryError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return PostgresUrl::parse(url).map(StoreUrl::Postgres);
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

/// A PostgreSQL store URL: where the server is, for the driver, and how this
/// program uses it, from options of the query string that the driver never
/// sees: `postgres://user@host:5432/db?pool_size=20&connect_timeout_s=5&statement_timeout_ms=2000&schema=pattern_mcp&synchronous_commit=off`.
/// `sslmode` and `sslrootcert` choose TLS (see [`SslMode`]). Other query
/// options (`application_name`, …) go to the driver.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    /// The URL for the driver. It may hold a password: never shown.
    connection: String,
    /// Most connections open at once (`pool_size`, default 20): the number of
    /// memory operations that run at the same time; the rest wait their turn.
    pub pool_size: usize,
    /// How long opening one connection may take (`connect_timeout_s`,
    /// default 5), and so how long a request waits for a free connection.
    pub connect_timeout: Duration,
    /// How long one statement may run (`statement_timeout_ms`, default
    /// 2000), enforced by the server and, in case the server stops
    /// answering, by this program as well.
    pub statement_timeout: Duration,
    /// The schema holding the store's tables (`schema`, default
    /// `pattern_mcp`), created if missing: several stores can share one
    /// database, and tests each use their own.
    pub schema: String,
    /// PostgreSQL's `synchronous_commit` for the store's connections
    /// (`synchronous_commit`, default the server's): `off` makes a write
    /// return before its commit reaches the disk, several times faster on
    /// slow disks, at the price of losing the last moments of writes (never
    /// corrupting anything) if the server crashes.
    pub synchronous_commit: Option<String>,
    /// Whether and how connections are encrypted (`sslmode`, default
    /// `prefer`, as libpq).
    pub ssl_mode: SslMode,
    /// PEM file of the certificate authorities to trust (`sslrootcert`);
    /// without it (or with `system`), `verify-ca` and `verify-full` trust
    /// the operating system's store.
    pub ssl_root_cert: Option<PathBuf>,
}

/// `sslmode`, with libpq's meanings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Never encrypted.
    Disable,
    /// Encrypted if the server offers TLS, else plain; the certificate is
    /// not checked.
    #[default]
    Prefer,
    /// Always encrypted; the certificate is not checked, unless
    /// `sslrootcert` is given: then as `verify-ca`.
    Require,
    /// Encrypted, and the certificate must chain to a trusted authority
    /// (its host name is not checked).
    VerifyCa,
    /// Encrypted, the certificate chained to a trusted authority and valid
    /// for the host name connected to.
    VerifyFull,
}

impl SslMode {
    const VALUES: [&str; 5] = ["disable", "prefer", "require", "verify-ca", "verify-full"];

    fn parse(value: &str) -> Result<Self, MemoryError> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => {
                return Err(MemoryError::InvalidInput(format!(
                    "postgres URL option `sslmode` must be one of {}",
                    Self::VALUES.join(", ")
                )));
            }
        })
    }
}

impl PostgresUrl {
    pub const DEFAULT_POOL_SIZE: usize = 20;
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_millis(2000);
    pub const DEFAULT_SCHEMA: &'static str = "pattern_mcp";

    /// Reads a `postgres://` URL, taking out and checking this program's
    /// options. Errors name the option, never the URL.
    pub fn parse(url: &str) -> Result<Self, MemoryError> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut parsed = PostgresUrl {
            connection: String::new(),
            pool_size: Self::DEFAULT_POOL_SIZE,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            statement_timeout: Self::DEFAULT_STATEMENT_TIMEOUT,
            schema: Self::DEFAULT_SCHEMA.to_owned(),
            synchronous_commit: None,
            ssl_mode: SslMode::default(),
            ssl_root_cert: None,
        };
        let mut passed = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "pool_size" => parsed.pool_size = number(key, value, 1, 1000)? as usize,
                "connect_timeout_s" => {
                    parsed.connect_timeout = Duration::from_secs(number(key, value, 1, 600)?)
                }
                "statement_timeout_ms" => {
                    parsed.statement_timeout =
                        Duration::from_millis(number(key, value, 1, 3_600_000)?)
                }
                "schema" => parsed.schema = schema_name(value)?,
                "synchronous_commit" => {
                    const VALUES: [&str; 5] =
                        ["on", "off", "local", "remote_write", "remote_apply"];
                    if !VALUES.contains(&value) {
                        return Err(MemoryError::InvalidInput(format!(
                            "postgres URL option `synchronous_commit` must be one of {}",
                            VALUES.join(", ")
                        )));
                    }
                    parsed.synchronous_commit = Some(value.to_owned());
                }
                "sslmode" => parsed.ssl_mode = SslMode::parse(value)?,
                "sslrootcert" => {
                    let path = percent_decoded(value).filter(|p| !p.is_empty()).ok_or_else(|| {
                        MemoryError::InvalidInput(
                            "postgres URL option `sslrootcert` must be a file path (percent-encoded UTF-8) or `system`".into(),
                        )
                    })?;
                    parsed.ssl_root_cert = (path != "system").then(|| PathBuf::from(path));
                }
                "connect_timeout" | "options" => {
                    return Err(MemoryError::InvalidInput(format!(
                        "postgres URL option `{key}` is set by pattern-mcp: use `connect_timeout_s`, `statement_timeout_ms` or `schema`"
                    )));
                }
                _ => passed.push(pair),
            }
        }
        parsed.connection = if passed.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", passed.join("&"))
        };
        Ok(parsed)
    }

    /// The URL for the driver, without this program's options.
    pub(crate) fn connection(&self) -> &str {
        &self.connection
    }
}

/// Never prints the connection URL: it may hold a password.
impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresUrl")
            .field("connection", &"<hidden>")
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .field("schema", &self.schema)
            .field("synchronous_commit", &self.synchronous_commit)
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_root_cert", &self.ssl_root_cert)
            .finish()
    }
}

/// `%XX` escapes decoded; `None` when they do not make UTF-8.
fn percent_decoded(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn number(key: &str, value: &str, min: u64, max: u64) -> Result<u64, MemoryError> {
    value.parse::<u64>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| {
        MemoryError::InvalidInput(format!(
            "postgres URL option `{key}` must be a whole number from {min} to {max}"
        ))
    })
}

/// A schema name that needs no quoting: `^[a-z_][a-z0-9_]{0,62}$`.
fn schema_name(value: &str) -> Result<String, MemoryError> {
    let ok = (1..=63).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !value.as_bytes()[0].is_ascii_digit()
        && !value.starts_with("pg_");
    if ok {
        Ok(value.to_owned())
    } else {
        Err(MemoryError::InvalidInput(
            "postgres URL option `schema` must be 1 to 63 lowercase letters, digits or `_`, not starting with a digit or `pg_`".into(),
        ))
    }
}

#[cfg(test)]
mod tests;
