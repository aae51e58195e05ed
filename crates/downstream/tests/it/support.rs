//! Helpers shared by the integration tests: finding the servers, unique temp files, reading /proc.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use pattern_downstream::ServerSpec;
use rmcp::model::CallToolResult;
use serde_json::{Map, Value};

/// Generous: these machines have two shared cores.
pub const READY: Duration = Duration::from_secs(20);

/// Log events written to memory, for tests that check what was logged.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Captures this thread's events (every task of a current-thread runtime) until the guard drops.
    pub fn on_this_thread(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    pub fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap().lines().map(str::to_owned).collect()
    }
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// `pattern-test-server`, built beside this test binary, or wherever
/// `PATTERN_TEST_SERVER_BIN` says. A workspace test run builds it; when only
/// this crate's tests were built, it is built here, once.
pub fn test_server_bin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("PATTERN_TEST_SERVER_BIN") {
                return PathBuf::from(path);
            }
            let exe = std::env::current_exe().expect("the test binary has a path");
            // target/<profile>/deps/it-<hash> -> target/<profile>/pattern-test-server
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .expect("the test binary lives in target/<profile>/deps");
            let path = profile_dir.join("pattern-test-server");
            if !path.exists() {
                let target_dir = profile_dir.parent().expect("target/<profile> has a parent");
                let status = std::process::Command::new(env!("CARGO"))
                    .args(["build", "-p", "pattern-test-server", "--target-dir"])
                    .arg(target_dir)
                    .status()
                    .expect("cargo runs");
                assert!(status.success(), "cargo build -p pattern-test-server failed");
            }
            assert!(
                path.exists(),
                "pattern-test-server not found at {}: build it with \
                 `cargo build -p pattern-test-server` (or set PATTERN_TEST_SERVER_BIN)",
                path.display()
            );
            path
        })
        .clone()
}

/// A fresh path in the temp directory, unique across the tests of this run.
pub fn temp_path(stem: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "pattern-engine-{stem}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// A `pattern-test-server` spec whose received cancellations are written to the returned file.
pub fn test_server(name: &str) -> (ServerSpec, PathBuf) {
    let log = temp_path("cancelled");
    let spec = ServerSpec::stdio(name, test_server_bin().to_string_lossy(), Vec::<String>::new())
        .with_env([("TEST_SERVER_LOG", log.to_string_lossy().into_owned())]);
    (spec, log)
}

pub fn args(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("arguments must be an object, not {other}"),
    }
}

pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `pid` still exists in any form (a zombie counts: it has not been reaped).
pub fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Polls `condition` every 20 ms for up to `limit`: for effects in another
/// process (a file it writes) that this process cannot await.
pub async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
