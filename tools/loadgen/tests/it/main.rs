//! loadgen against the debug pattern-mcp binary: over stdio, and over Streamable HTTP on both wires.
//!
//! The binary is `$PATTERN_MCP_BIN`, else `target/debug/pattern-mcp` of this
//! workspace (`cargo build -p pattern-mcp`); a missing binary fails the tests.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const TOKEN: &str = "loadgen-test-token-0123456789";

fn pattern_mcp() -> PathBuf {
    if let Some(bin) = std::env::var_os("PATTERN_MCP_BIN") {
        let bin = PathBuf::from(bin);
        assert!(bin.is_file(), "PATTERN_MCP_BIN={} is not a file", bin.display());
        return bin;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let bin = target.join("debug/pattern-mcp");
    assert!(
        bin.is_file(),
        "the pattern-mcp binary is missing at {}: build it first (`cargo build -p pattern-mcp`), or set PATTERN_MCP_BIN",
        bin.display()
    );
    bin
}

/// Runs loadgen with `args`, returning its output and its JSON report.
fn loadgen(args: &[&str]) -> (Output, Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["--quiet", "--json", json.to_str().unwrap()])
        .args(args)
        .env("PATTERN_MCP_BIN", pattern_mcp())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "loadgen {args:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (output, report)
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// The counts of a report add up: sent = ok + errors, per route and per error kind too; rates are fractions.
fn check_counts(report: &Value, requests: u64) {
    let sent = n(&report["sent"]);
    assert_eq!(sent, requests, "{report:#}");
    assert_eq!(sent, n(&report["ok"]) + n(&report["errors"]), "{report:#}");
    let routes = report["routes"].as_object().unwrap();
    assert_eq!(routes.values().map(|r| n(&r["count"])).sum::<u64>(), sent, "{report:#}");
    for r in routes.values() {
        assert_eq!(n(&r["count"]), n(&r["ok"]) + n(&r["errors"]), "{report:#}");
        assert!(r["p50"].as_f64().unwrap() <= r["max"].as_f64().unwrap(), "{report:#}");
    }
    let kinds = &report["error_kinds"];
    let by_kind: u64 =
        ["transport", "jsonrpc", "tool", "timeout"].iter().map(|k| n(&kinds[k]["total"])).sum();
    assert_eq!(by_kind, n(&report["errors"]), "{report:#}");
    for kind in ["transport", "jsonrpc", "tool"] {
        let by: u64 = kinds[kind]["by"].as_object().unwrap().values().map(n).sum();
        assert_eq!(by, n(&kinds[kind]["total"]), "{report:#}");
    }
    let cache = &report["cache"];
    assert_eq!(n(&cache["results"]), n(&report["ok"]), "{report:#}");
    let tiers = n(&cache["by_tier"]["local"]["hits"]) + n(&cache["by_tier"]["redis"]["hits"]);
    assert_eq!(n(&cache["hits"]), tiers, "{report:#}");
    for rate in
        [&cache["hit_rate"], &cache["by_tier"]["local"]["rate"], &cache["by_tier"]["redis"]["rate"]]
    {
        let rate = rate.as_f64().unwrap();
        assert!((0.0..=1.0).contains(&rate), "{report:#}");
    }
    assert!(report["throughput_rps"].as_f64().unwrap() > 0.0, "{report:#}");
}

/// The cached profile: no error, and repeats answered from the local tier (no Redis here).
fn check_cached(report: &Value, requests: u64) {
    check_counts(report, requests);
    assert_eq!(n(&report["errors"]), 0, "{report:#}");
    let cache = &report["cache"];
    assert!(n(&cache["hits"]) > 0, "the cached profile produced no hit: {report:#}");
    assert_eq!(n(&cache["by_tier"]["redis"]["hits"]), 0, "{report:#}");
    assert!(report["routes"]["memory"]["count"].as_u64().unwrap() > 0, "{report:#}");
}

#[test]
fn stdio_cached_profile_counts_add_up_and_hits() {
    let (output, report) = loadgen(&[
        "--stdio",
        "-c",
        "2",
        "-n",
        "120",
        "--warmup",
        "0",
        "--profile",
        "cached",
        "--",
        "--memory",
        "sqlite::memory:",
    ]);
    check_cached(&report, 120);
    assert_eq!(report["config"]["transport"], "stdio");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("cache hit rate"), "{table}");
    assert!(table.contains("memory"), "{table}");
}

#[test]
fn stdio_memory_profile_stores_with_idempotency_keys() {
    let (_, report) = loadgen(&[
        "--stdio",
        "-c",
        "2",
        "-n",
        "150",
        "--warmup",
        "0",
        "--profile",
        "memory",
        "--seed",
        "3",
        "--",
        "--memory",
        "sqlite::memory:",
    ]);
    check_counts(&report, 150);
    assert_eq!(n(&report["errors"]), 0, "{report:#}");
}

#[test]
fn use_cache_false_turns_every_hit_off() {
    let (_, report) = loadgen(&[
        "--stdio",
        "-c",
        "1",
        "-n",
        "60",
        "--warmup",
        "0",
        "--use-cache",
        "false",
        "--",
        "--memory",
        "sqlite::memory:",
    ]);
    check_counts(&report, 60);
    assert_eq!(n(&report["cache"]["hits"]), 0, "{report:#}");
    assert_eq!(report["config"]["use_cache"], false);
}

/// pattern-mcp over HTTP on a free port, stopped when dropped.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(pattern_mcp())
            .args([
                "--memory",
                "sqlite::memory:",
                "--http",
                &format!("127.0.0.1:{port}"),
                "--auth-token",
                TOKEN,
            ])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self { child, url: format!("http://127.0.0.1:{port}/mcp") };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if healthz(port) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "pattern-mcp --http never answered /healthz on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn healthz(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let request =
        format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 200")
}

/// The `cached` profile, 150 calls from 3 clients, against one server over `wire`.
fn cached_profile_over(wire: &str) {
    let server = HttpServer::start();
    let (_, report) = loadgen(&[
        "--url",
        &server.url,
        "--wire",
        wire,
        "--token",
        TOKEN,
        "-c",
        "3",
        "-n",
        "150",
        "--warmup",
        "0",
    ]);
    check_cached(&report, 150);
    assert_eq!(report["config"]["wire"], wire);
}

#[test]
fn http_session_wire_cached_profile() {
    cached_profile_over("sessions");
}

#[test]
fn http_stateless_wire_cached_profile() {
    cached_profile_over("stateless");
}

#[test]
fn http_duration_run_with_warmup_and_two_urls() {
    let (a, b) = (HttpServer::start(), HttpServer::start());
    let (_, report) = loadgen(&[
        "--url",
        &a.url,
        "--url",
        &b.url,
        "--wire",
        "stateless",
        "--token",
        TOKEN,
        "-c",
        "2",
        "--duration",
        "1",
        "--warmup",
        "0.5",
        "--profile",
        "memory",
    ]);
    let sent = n(&report["sent"]);
    assert!(sent > 0, "{report:#}");
    check_counts(&report, sent);
    assert_eq!(n(&report["errors"]), 0, "{report:#}");
    assert!(report["elapsed_s"].as_f64().unwrap() >= 1.0, "{report:#}");
}

/// Paced clients offer what `--rate` says, however fast the server answers (closed-loop clients would send
/// thousands of requests in this second).
#[test]
fn rate_paces_the_offered_load() {
    let server = HttpServer::start();
    let (_, report) = loadgen(&[
        "--url",
        &server.url,
        "--token",
        TOKEN,
        "-c",
        "2",
        "--rate",
        "20",
        "--duration",
        "1",
        "--warmup",
        "0.2",
        "--profile",
        "cached",
    ]);
    let sent = n(&report["sent"]);
    check_counts(&report, sent);
    assert_eq!(report["config"]["rate"].as_f64(), Some(20.0), "{report:#}");
    // Each client sends every 0.1 s: at most 11 in the measured second, and at least one.
    assert!((1..=22).contains(&sent), "{sent} requests at 20 per second over 1 s: {report:#}");
}

#[test]
fn a_wrong_token_fails_the_run_with_the_status() {
    let server = HttpServer::start();
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["--quiet", "--url", &server.url, "--token", "wrong", "-c", "1", "-n", "5"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("401"), "{stderr}");
}

fn test_server() -> PathBuf {
    let bin = pattern_mcp().with_file_name("pattern-test-server");
    assert!(
        bin.is_file(),
        "the pattern-test-server binary is missing at {}: build it first (`cargo build -p pattern-test-server`)",
        bin.display()
    );
    bin
}

#[test]
fn stdio_infra_profile_counts_the_failing_tool_as_a_tool_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pattern-mcp.toml");
    let command = test_server().display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
    std::fs::write(&config, format!("[servers.test]\ncommand = \"{command}\"\ncache_ttl_s = 60\n"))
        .unwrap();
    let (_, report) = loadgen(&[
        "--stdio",
        "-c",
        "2",
        "-n",
        "400",
        "--warmup",
        "1",
        "--profile",
        "infra",
        "--seed",
        "5",
        "--",
        "--memory",
        "sqlite::memory:",
        "--config",
        config.to_str().unwrap(),
    ]);
    check_counts(&report, 400);
    // `fail` is drawn about 1 time in 60 and is the only error the profile sends.
    let kinds = &report["error_kinds"];
    assert_eq!(n(&report["errors"]), n(&kinds["tool"]["by"]["tool_error"]), "{report:#}");
    assert!(n(&report["errors"]) > 0, "{report:#}");
    assert_eq!(n(&report["routes"]["infrastructure"]["count"]), 400, "{report:#}");
    assert!(n(&report["cache"]["hits"]) > 0, "{report:#}");
}
