//! The stdio transport with raw bytes: every request line gets exactly one answer, with its id.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

/// Long enough for a debug build on a busy machine; a missing answer is the
/// failure this suite exists to catch, so it must not wait forever.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// The built binary on a fresh SQLite memory, not yet initialised.
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pattern-mcp"))
            .arg("--memory")
            .arg(format!("sqlite:{}/memory.db", dir.path().display()))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the pattern-mcp binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Server { child, stdin, lines, _dir: dir }
    }

    /// Started and initialised.
    fn ready() -> Server {
        let mut server = Server::start();
        server.send(
            json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":{
                "protocolVersion":"2025-06-18","capabilities":{},
                "clientInfo":{"name":"it","version":"1"}}})
            .to_string()
            .as_bytes(),
        );
        assert_eq!(server.recv()["id"], "init");
        server.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        server
    }

    fn send(&mut self, line: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// The next stdout line, which must be JSON.
    fn recv(&mut self) -> Value {
        let line = self.lines.recv_timeout(ANSWER_WITHIN).expect("an answer within 20 s");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"))
    }

    /// Sends `line`, then a ping, and returns the answer to `line`: the ping's
    /// answer must come next, so a second answer (or none) to `line` shows.
    fn answer_to(&mut self, line: &[u8]) -> Value {
        self.send(line);
        self.send(br#"{"jsonrpc":"2.0","id":"after","method":"ping"}"#);
        let answer = self.recv();
        let ping = self.recv();
        assert_eq!(ping["id"], "after", "expected the ping's answer next, got {ping}");
        answer
    }

    /// Closes stdin and returns stderr once the server has exited.
    fn stop(mut self) -> String {
        drop(self.stdin.take());
        let mut stderr = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the server exits cleanly at EOF: {status}\n{stderr}");
        assert!(self.lines.try_recv().is_err(), "nothing else was written to stdout");
        stderr
    }
}

fn error(answer: &Value) -> (i64, String) {
    let code = answer["error"]["code"].as_i64().unwrap_or_else(|| panic!("an error: {answer}"));
    (code, answer["error"]["message"].as_str().unwrap().to_owned())
}

#[test]
fn a_lone_surrogate_in_a_string_is_answered_with_a_parse_error_and_its_id() {
    let mut server = Server::ready();
    let answer = server.answer_to(
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"execute_pattern","arguments":{"query":"\ud800"}}}"#,
    );
    assert_eq!(answer["id"], 1);
    assert_eq!(error(&answer).0, -32700);
    let stderr = server.stop();
    assert!(stderr.contains("lone surrogate"), "{stderr}");
}

#[test]
fn invalid_utf8_inside_a_string_is_answered_with_a_parse_error_and_its_id() {
    let mut server = Server::ready();
    let answer = server.answer_to(
        b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"execute_pattern\",\"arguments\":{\"query\":\"a\xff\xfeb\"}}}",
    );
    assert_eq!(answer["id"], 2);
    assert_eq!(
        error(&answer),
        (-32700, "Parse error: invalid UTF-8 in a string at byte 104".into())
    );
    server.stop();
}

#[test]
fn a_context_nested_127_levels_is_answered_with_its_id() {
    let mut server = Server::ready();
    let context = format!("{}1{}", r#"{"a":"#.repeat(127), "}".repeat(127));
    let line = format!(
        r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{"name":"execute_pattern","arguments":{{"query":"q","context":{context}}}}}}}"#
    );
    let answer = server.answer_to(line.as_bytes());
    assert_eq!(answer["id"], 3);
    let (code, message) = error(&answer);
    assert_eq!(code, -32600);
    assert!(message.contains("nesting deeper than 127 levels"), "{message}");
    server.stop();
}

#[test]
fn scalar_params_are_answered_with_invalid_request_and_the_id() {
    let mut server = Server::ready();
    for (n, params) in [r#""x""#, "0", "true"].into_iter().enumerate() {
        let line =
            format!(r#"{{"jsonrpc":"2.0","id":{n},"method":"tools/call","params":{params}}}"#);
        let answer = server.answer_to(line.as_bytes());
        assert_eq!(answer["id"], n, "params {params}");
        assert_eq!(error(&answer), (-32600, "params must be an object when present".into()));
    }
    server.stop();
}

#[test]
fn an_id_of_two_to_the_64_comes_back_exactly_as_sent() {
    let mut server = Server::ready();
    server.send(br#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"tools/list"}"#);
    let raw = server.lines.recv_timeout(ANSWER_WITHIN).expect("an answer");
    assert!(raw.contains(r#""id":18446744073709551616,"#), "{raw}");
    let answer: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(error(&answer).0, -32600);
    server.stop();
}

#[test]
fn string_arguments_are_invalid_params_naming_the_parameter() {
    let mut server = Server::ready();
    let answer = server.answer_to(
        br#"{"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"stats","arguments":"{}"}}"#,
    );
    assert_eq!(answer["id"], "s");
    assert_eq!(error(&answer), (-32602, "params.arguments must be an object".into()));
    server.stop();
}

#[test]
fn an_unknown_log_level_is_invalid_params_listing_the_levels() {
    let mut server = Server::ready();
    let answer = server.answer_to(
        br#"{"jsonrpc":"2.0","id":4,"method":"logging/setLevel","params":{"level":"verbose"}}"#,
    );
    assert_eq!(answer["id"], 4);
    assert_eq!(
        error(&answer),
        (
            -32602,
            "params.level must be one of debug, info, notice, warning, error, critical, alert, emergency"
                .into()
        )
    );
    server.stop();
}

#[test]
fn a_request_before_initialize_is_told_to_initialise_first() {
    let mut server = Server::start();
    server.send(br#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#);
    let answer = server.recv();
    assert_eq!(answer["id"], 7);
    assert_eq!(
        error(&answer),
        (-32600, "the session is not initialised: send `initialize` first".into())
    );
    // The session can still be opened afterwards.
    server.send(
        json!({"jsonrpc":"2.0","id":8,"method":"initialize","params":{
            "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"it","version":"1"}}})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(server.recv()["result"]["serverInfo"]["name"], "pattern-mcp");
    server.stop();
}

#[test]
fn two_requests_sent_together_with_one_id_get_two_answers() {
    let mut server = Server::ready();
    let call = br#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"stats","arguments":{}}}"#;
    let mut both = call.to_vec();
    both.push(b'\n');
    both.extend_from_slice(call);
    server.send(&both);
    let answers = [server.recv(), server.recv()];
    for answer in &answers {
        assert_eq!(answer["id"], 9, "{answer}");
        let refused = answer.get("error").is_some_and(|e| {
            e["message"]
                == "request id 9 is already in flight: wait for its answer or use another id"
        });
        assert!(answer.get("result").is_some() || refused, "{answer}");
    }
    assert!(answers.iter().any(|a| a.get("result").is_some()), "the first request is answered");
    server.stop();
}

#[test]
fn an_invalid_notification_gets_no_answer_but_a_log_line() {
    let mut server = Server::ready();
    server.send(
        br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"\udfff"}}"#,
    );
    server.send(br#"{"jsonrpc":"2.0","id":"after","method":"ping"}"#);
    assert_eq!(server.recv()["id"], "after", "no answer to the notification; the ping answers");
    let stderr = server.stop();
    assert!(stderr.contains(r#""answered":false"#), "{stderr}");
}

#[test]
fn an_unreadable_line_gets_a_parse_error_with_a_null_id_and_the_session_goes_on() {
    let mut server = Server::ready();
    let answer = server.answer_to(b"\xff\xfe{{{");
    assert_eq!(answer["id"], Value::Null);
    assert_eq!(error(&answer).0, -32700);
    // Not `answer_to`: a tool call and a ping are handled concurrently, so
    // their answers may come in either order.
    server.send(
        br#"{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"stats","arguments":{}}}"#,
    );
    let stats = server.recv();
    assert_eq!(stats["id"], 10, "{stats}");
    assert_eq!(stats["result"]["isError"], false, "{stats}");
    server.stop();
}
