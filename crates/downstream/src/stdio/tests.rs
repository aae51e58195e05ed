//! Unit tests of `stdio.rs`: lines read whole and in order over any read
//! sizes, an oversized response answered in place, `tools/call` answers read
//! as such, and what cannot be read.

use rmcp::model::{CallToolRequest, CallToolRequestParams, ErrorCode, NumberOrString};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, DuplexStream};

use super::*;
use crate::line_limit::{TOO_LARGE_CODE, TOO_LARGE_REASON};

type Test = StdioTransport<DuplexStream, DuplexStream>;

/// A transport over two pipes: what the "child" writes to its end of
/// stdout, and what the transport writes to stdin, read from the other end.
fn transport(limit: usize, pipe: usize) -> (Test, DuplexStream, DuplexStream) {
    let (stdout, child_stdout) = tokio::io::duplex(pipe);
    let (stdin, child_stdin) = tokio::io::duplex(64 * 1024);
    (StdioTransport::new("files", stdout, stdin, limit), child_stdout, child_stdin)
}

/// Every message the transport reads from `input`, written 5 bytes at a time.
async fn received(input: &str, limit: usize) -> Vec<Value> {
    let (mut transport, mut child_stdout, _child_stdin) = transport(limit, 5);
    let input = input.to_owned();
    let writer = tokio::spawn(async move {
        child_stdout.write_all(input.as_bytes()).await.unwrap();
    });
    let mut messages = Vec::new();
    while let Some(message) = transport.receive().await {
        messages.push(serde_json::to_value(&message).unwrap());
    }
    writer.await.unwrap();
    messages
}

fn call(id: i64) -> TxJsonRpcMessage<RoleClient> {
    let request = CallToolRequest::new(CallToolRequestParams::new("echo"));
    JsonRpcMessage::request(ClientRequest::CallToolRequest(request), NumberOrString::Number(id))
}

#[tokio::test]
async fn lines_within_the_limit_arrive_whole_and_in_order() {
    let input = concat!(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\r\n",
        "\n",
        "\u{feff}{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[]}}\n",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}",
    );
    let messages = received(input, 64).await;
    // The last line has no newline: the stream ended before it did.
    assert_eq!(
        messages,
        [
            json!({"jsonrpc": "2.0", "id": 1, "result": {}}),
            json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}),
            json!({"jsonrpc": "2.0", "id": 2, "result": {"tools": []}}),
        ]
    );
}

#[tokio::test]
async fn an_oversized_response_becomes_an_error_answer_and_the_next_line_follows() {
    // The id last, after the limit: the scan of the dropped part finds it.
    let big = format!(r#"{{"jsonrpc":"2.0","result":{{"text":"{}"}},"id":12}}"#, "x".repeat(300));
    let input = format!("{big}\n{{\"jsonrpc\":\"2.0\",\"id\":13,\"result\":{{}}}}\n");
    let messages = received(&input, 100).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0]["id"], 12);
    assert_eq!(messages[0]["error"]["code"], TOO_LARGE_CODE);
    assert_eq!(
        messages[0]["error"]["data"],
        json!({"reason": TOO_LARGE_REASON, "bytes": big.len(), "limit": 100})
    );
    assert_eq!(messages[1], json!({"jsonrpc": "2.0", "id": 13, "result": {}}));
}

#[tokio::test]
async fn an_oversized_notification_is_dropped_without_an_answer() {
    let big = format!(
        r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{{"data":"{}"}}}}"#,
        "y".repeat(500)
    );
    let input = format!("{big}\n{{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{{}}}}\n");
    let messages = received(&input, 100).await;
    assert_eq!(messages, [json!({"jsonrpc": "2.0", "id": 1, "result": {}})]);
}

#[tokio::test]
async fn a_line_of_exactly_the_limit_passes() {
    let line = r#"{"jsonrpc":"2.0","id":1,"result":{}}"#;
    let messages = received(&format!("{line}\n"), line.len()).await;
    assert_eq!(messages.len(), 1);
    let messages = received(&format!("{line}\n"), line.len() - 1).await;
    assert_eq!(messages[0]["error"]["code"], TOO_LARGE_CODE);
}

#[tokio::test]
async fn the_answer_to_a_call_is_read_as_a_call_result_once() {
    let (mut transport, mut child_stdout, mut child_stdin) = transport(1024, 1024);
    transport.send(call(7)).await.unwrap();
    let mut sent = vec![0; 1024];
    let n = child_stdin.read(&mut sent).await.unwrap();
    let sent: Value = serde_json::from_slice(&sent[..n]).unwrap();
    assert_eq!((sent["method"].as_str(), &sent["id"]), (Some("tools/call"), &json!(7)));
    assert!(transport.calls.lock().unwrap().contains(&NumberOrString::Number(7)));

    // With `tools` too, the generic parse takes it for a tools list (that
    // type comes first); as the answer to a call it is a call's result.
    let answer = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"tools\":[],\"content\":[]}}\n";
    child_stdout.write_all(answer.as_bytes()).await.unwrap();
    let Some(JsonRpcMessage::Response(response)) = transport.receive().await else {
        panic!("not a response");
    };
    assert!(matches!(response.result, ServerResult::CallToolResult(_)), "{response:?}");
    assert!(transport.calls.lock().unwrap().is_empty());

    // The same answer again is no longer a call's.
    child_stdout.write_all(answer.as_bytes()).await.unwrap();
    let Some(JsonRpcMessage::Response(response)) = transport.receive().await else {
        panic!("not a response");
    };
    assert!(matches!(response.result, ServerResult::ListToolsResult(_)), "{response:?}");
}

#[tokio::test]
async fn an_error_answer_to_a_call_forgets_it() {
    let (mut transport, mut child_stdout, _child_stdin) = transport(1024, 1024);
    transport.send(call(3)).await.unwrap();
    let answer = "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32601,\"message\":\"no\"}}\n";
    child_stdout.write_all(answer.as_bytes()).await.unwrap();
    let Some(JsonRpcMessage::Error(error)) = transport.receive().await else {
        panic!("not an error answer");
    };
    assert_eq!(error.error.code, ErrorCode(-32601));
    assert!(transport.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn calls_never_answered_are_forgotten_past_the_bound() {
    let (mut transport, _child_stdout, child_stdin) = transport(1024, 1024);
    drop(child_stdin);
    for id in 0..=CALLS_REMEMBERED as i64 {
        // The child's stdin is closed: the write fails, the call was still sent as far as we know.
        let _ = transport.send(call(id)).await;
    }
    assert_eq!(transport.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn what_cannot_be_read_is_passed_over_and_a_request_of_another_shape_is_answered() {
    let (mut transport, mut child_stdout, mut child_stdin) = transport(1024, 1024);
    let input = concat!(
        "not json\n",
        "{\"jsonrpc\":\"2.0\",\"method\":7}\n",
        "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}\n",
        "{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{}}\n",
    );
    child_stdout.write_all(input.as_bytes()).await.unwrap();
    let message = serde_json::to_value(transport.receive().await.unwrap()).unwrap();
    assert_eq!(message, json!({"jsonrpc": "2.0", "id": 6, "result": {}}));
    // Only the well-formed message of another shape was answered.
    let mut answer = vec![0; 1024];
    let n = child_stdin.read(&mut answer).await.unwrap();
    let answer: Value = serde_json::from_slice(&answer[..n]).unwrap();
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
}

#[tokio::test]
async fn after_close_nothing_is_sent() {
    let (mut transport, _child_stdout, _child_stdin) = transport(1024, 1024);
    transport.close().await.unwrap();
    let error = transport.send(call(1)).await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::NotConnected);
}
