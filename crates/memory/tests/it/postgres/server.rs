//! The shared PostgreSQL test server: its URL, a schema per store dropped with it, and its address for proxies.
//!
//! Standard library and `tokio-postgres` only: the engine's tests include this
//! file too (`#[path]`), to cut a store mid-write through the engine.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio_postgres::NoTls;
use tokio_postgres::config::Host;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// How to bring the test server up, for failure messages.
pub const START_HINT: &str = "start it with `pg_ctlcluster $(ls /etc/postgresql) main start` \
    (tools/test.sh does this), or point PATTERN_MCP_TEST_DATABASE_URL at a server";

/// The test server's URL, without options.
pub fn server_url() -> String {
    std::env::var("PATTERN_MCP_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// `url` with more query options.
pub fn with_options(url: &str, options: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{options}")
}

/// A schema name no other test, in this run or another, uses.
pub fn fresh_schema() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("pmcp_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A direct connection to the test server, outside any store.
pub async fn raw_client() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&server_url(), NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL test server unreachable ({e}); {START_HINT}"));
    tokio::spawn(connection);
    client
}

/// Drops the schema when the store using it is dropped, and, the first
/// time, the schemas of test processes that are gone.
pub struct DropSchema(pub String);

impl Drop for DropSchema {
    fn drop(&mut self) {
        let schema = self.0.clone();
        // The test's runtime may be shutting down: use a thread of our own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok((client, connection)) =
                        tokio_postgres::connect(&server_url(), NoTls).await
                    {
                        tokio::spawn(connection);
                        let _ = client
                            // A store of the test may still hold a lock (its runtime is
                            // blocked on this very drop): give up rather than wait forever;
                            // `drop_abandoned_schemas` removes the schema on the next run.
                            .batch_execute(&format!(
                                "SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
                            ))
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

/// The test server's address, for the proxy to forward to.
pub fn server_addr() -> SocketAddr {
    let config = tokio_postgres::Config::from_str(&server_url()).unwrap();
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let host = if host == "localhost" { "127.0.0.1".to_owned() } else { host };
    SocketAddr::new(host.parse().expect("the test server host is an IP address"), port)
}

/// The test server's URL with `port` in place of the server's, in `schema`.
pub fn through_port(port: u16, schema: &str, options: &str) -> String {
    let config = tokio_postgres::Config::from_str(&server_url()).unwrap();
    let user = config.get_user().unwrap_or("postgres");
    let password = config
        .get_password()
        .map(|p| format!(":{}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    let dbname = config.get_dbname().unwrap_or("test");
    with_options(
        &format!("postgres://{user}{password}@127.0.0.1:{port}/{dbname}"),
        &format!(
            "schema={schema}&pool_size=4&connect_timeout_s=1&statement_timeout_ms=1000{options}"
        ),
    )
}
