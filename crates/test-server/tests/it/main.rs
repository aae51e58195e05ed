//! `pattern-test-server` driven over raw JSON-RPC lines, as any MCP client would.
//!
//! Having an integration test also makes `cargo test --workspace` build the
//! binary that the pool's tests run.

use std::{
    io::{BufRead as _, BufReader, Write as _},
    process::{Command, Stdio},
};

use serde_json::{Value, json};

fn exchange(requests: &[Value]) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pattern-test-server"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("test-server starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut answers = Vec::new();
    for request in requests {
        writeln!(stdin, "{request}").expect("test-server reads its stdin");
        if request.get("id").is_some() {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("test-server answers");
            answers.push(serde_json::from_str(&line).expect("one JSON answer per line"));
        }
    }
    drop(stdin);
    let status = child.wait().expect("test-server exits");
    assert!(status.success(), "test-server exited with {status}");
    answers
}

fn handshake() -> [Value; 2] {
    [
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "it", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    ]
}

#[test]
fn lists_its_tools_with_read_only_hints_and_list_changed_capability() {
    let mut requests = handshake().to_vec();
    requests.push(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
    let answers = exchange(&requests);
    assert_eq!(answers[0]["result"]["capabilities"]["tools"]["listChanged"], true);
    let tools: Vec<(String, bool)> = answers[1]["result"]["tools"]
        .as_array()
        .expect("a tools array")
        .iter()
        .map(|tool| {
            let name = tool["name"].as_str().unwrap_or_default().to_owned();
            (name, tool["annotations"]["readOnlyHint"] == true)
        })
        .collect();
    let expected = [
        ("echo", true),
        ("sleep", true),
        ("fail", true),
        ("exit", false),
        ("add", true),
        ("toggle_tools", false),
        ("counter", false),
        ("big", true),
    ]
    .map(|(name, read_only)| (name.to_owned(), read_only));
    assert_eq!(tools, expected);
}

#[test]
fn add_returns_structured_sum_and_fail_returns_a_tool_error() {
    let mut requests = handshake().to_vec();
    requests.push(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 40}}}));
    requests.push(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "fail", "arguments": {"message": "boom"}}}));
    let answers = exchange(&requests);
    assert_eq!(answers[1]["result"]["structuredContent"], json!({"sum": 42}));
    assert_eq!(answers[2]["result"]["isError"], true);
    assert_eq!(answers[2]["result"]["content"][0]["text"], "boom");
}

#[test]
fn exits_at_start_with_the_code_asked_for() {
    let status = Command::new(env!("CARGO_BIN_EXE_pattern-test-server"))
        .env("TEST_SERVER_EXIT_AT_START", "3")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("test-server runs");
    assert_eq!(status.code(), Some(3));
}

#[test]
fn big_returns_a_text_of_the_size_asked_for() {
    let mut requests = handshake().to_vec();
    requests.push(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "big", "arguments": {"bytes": 1000}}}));
    let answers = exchange(&requests);
    let text = answers[1]["result"]["content"][0]["text"].as_str().expect("a text block");
    assert_eq!((text.len(), text.trim_start_matches('x')), (1000, ""));
}

#[test]
fn the_stderr_flood_writes_every_line_it_was_asked_for() {
    let output = Command::new(env!("CARGO_BIN_EXE_pattern-test-server"))
        .env("TEST_SERVER_STDERR_LINES", "5000")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("test-server runs");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    let floods = stderr.lines().filter(|line| line.starts_with("flood line ")).count();
    assert_eq!(floods, 5000);
    assert!(stderr.lines().any(|line| line == "flood done"), "{stderr}");
}
