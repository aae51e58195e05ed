//! Unit tests of `line_limit.rs`: the key scan, and the pump on small limits.

use serde_json::json;
use tokio::io::AsyncReadExt as _;

use super::*;

fn scanned(text: &str) -> TopLevel {
    let mut keys = TopLevel::default();
    // In pieces of 3 bytes: a chunk boundary may fall anywhere.
    for piece in text.as_bytes().chunks(3) {
        keys.feed(piece);
    }
    keys
}

#[test]
fn the_id_of_a_response_is_found_first_or_last() {
    let first =
        r#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"a \"b\" , } c"}]}}"#;
    assert_eq!(scanned(first).response_id(), Some(json!(7)));
    let last = r#"{"result":{"id":99,"text":"x"},"jsonrpc":"2.0","id": "req-1" }"#;
    assert_eq!(scanned(last).response_id(), Some(json!("req-1")));
    let error = r#"{"jsonrpc":"2.0","error":{"code":-1,"message":"m"},"id":3}"#;
    assert_eq!(scanned(error).response_id(), Some(json!(3)));
}

#[test]
fn requests_notifications_and_odd_ids_have_no_response_id() {
    let request =
        r#"{"jsonrpc":"2.0","id":4,"method":"sampling/createMessage","params":{"result":1}}"#;
    assert_eq!(scanned(request).response_id(), None);
    let notification = r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"id":1}}"#;
    assert_eq!(scanned(notification).response_id(), None);
    let nested_only = r#"{"jsonrpc":"2.0","result":{"id":5}}"#;
    assert_eq!(scanned(nested_only).response_id(), None);
    let object_id = r#"{"jsonrpc":"2.0","id":{"a":1},"result":{}}"#;
    assert_eq!(scanned(object_id).response_id(), None);
    assert_eq!(scanned("[1,2]").response_id(), None);
}

async fn through_guard(input: Vec<u8>, limit: usize) -> Vec<String> {
    let mut output = guard("files", std::io::Cursor::new(input), limit, CancellationToken::new());
    let mut text = String::new();
    output.read_to_string(&mut text).await.unwrap();
    text.split('\n').map(str::to_owned).collect()
}

#[tokio::test]
async fn lines_within_the_limit_pass_unchanged() {
    let input = "{\"id\":1,\"result\":{}}\r\n\n{\"id\":2,\"result\":{}}\nno newline at end";
    let lines = through_guard(input.as_bytes().to_vec(), 64).await;
    assert_eq!(
        lines,
        ["{\"id\":1,\"result\":{}}\r", "", "{\"id\":2,\"result\":{}}", "no newline at end"]
    );
}

#[tokio::test]
async fn an_oversized_response_becomes_an_error_answer_and_the_next_line_follows() {
    let big =
        format!(r#"{{"jsonrpc":"2.0","result":{{"text":"{}"}},"id":12}}"#, "x".repeat(200_000));
    let input = format!("{big}\n{{\"jsonrpc\":\"2.0\",\"id\":13,\"result\":{{}}}}\n");
    // The pump reads 64 KiB at a time: the first piece passes, the second crosses the limit.
    let limit = 100_000;
    let lines = through_guard(input.into_bytes(), limit).await;
    assert_eq!(lines.len(), 4, "{lines:?}");
    // What was passed before the limit, cut short: not JSON, so rmcp ignores it.
    assert_eq!(lines[0].len(), CHUNK);
    assert!(big.starts_with(&lines[0]));
    let answer: Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(answer["id"], 12);
    assert_eq!(answer["error"]["code"], TOO_LARGE_CODE);
    assert_eq!(
        answer["error"]["data"],
        json!({"reason": TOO_LARGE_REASON, "bytes": big.len(), "limit": limit})
    );
    assert_eq!(lines[2], r#"{"jsonrpc":"2.0","id":13,"result":{}}"#);
    assert_eq!(lines[3], "");
}

#[tokio::test]
async fn an_oversized_notification_is_dropped_without_an_answer() {
    let big = format!(
        r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{{"data":"{}"}}}}"#,
        "y".repeat(500)
    );
    // Over the limit within the first piece read: nothing of it is passed.
    let lines = through_guard(format!("{big}\nnext\n").into_bytes(), 100).await;
    assert_eq!(lines, ["next", ""]);
}

#[tokio::test]
async fn cancelling_ends_the_pump_while_the_child_side_stays_open() {
    let (_child_side, stdout) = tokio::io::duplex(64);
    let cancel = CancellationToken::new();
    let mut output = guard("files", stdout, 100, cancel.clone());
    cancel.cancel();
    let mut rest = Vec::new();
    // End of file: the pump has dropped its end although `_child_side` is still open.
    assert_eq!(output.read_to_end(&mut rest).await.unwrap(), 0);
}

#[tokio::test]
async fn lines_split_over_many_small_reads_arrive_whole_and_in_order() {
    // The child writes 5 bytes at a time and rmcp reads 3: lines, an
    // oversized response and its answer all cross read boundaries.
    let big = format!(r#"{{"id":7,"result":"{}"}}"#, "z".repeat(80));
    let input = format!("{{\"id\":1,\"result\":1}}\n{big}\n{{\"id\":2,\"result\":2}}\n");
    let (mut child_side, stdout) = tokio::io::duplex(5);
    let writer = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt as _;
        child_side.write_all(input.as_bytes()).await.unwrap();
    });
    let mut output = guard("files", stdout, 60, CancellationToken::new());
    let mut text = Vec::new();
    let mut piece = [0; 3];
    loop {
        let n = output.read(&mut piece).await.unwrap();
        if n == 0 {
            break;
        }
        text.extend_from_slice(&piece[..n]);
    }
    writer.await.unwrap();
    let text = String::from_utf8(text).unwrap();
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[0], r#"{"id":1,"result":1}"#);
    // 60 bytes of the big line were passed before it crossed the limit.
    assert!(big.starts_with(lines[1]) && !lines[1].is_empty(), "{lines:?}");
    let answer: Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(answer["id"], 7);
    assert_eq!(answer["error"]["data"]["bytes"], big.len());
    assert_eq!(lines[3], r#"{"id":2,"result":2}"#);
    assert_eq!(lines[4], "");
}
