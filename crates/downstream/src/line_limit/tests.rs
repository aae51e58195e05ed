//! Unit tests of `line_limit.rs`: the key scan, and the answer to an oversized response.

use serde_json::json;

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

#[test]
fn the_answer_to_an_oversized_response_is_recognised_as_ours() {
    let ours = too_large("files", 200, 100);
    assert!(is_too_large(&ours));
    assert_eq!(ours.data, Some(json!({"reason": TOO_LARGE_REASON, "bytes": 200, "limit": 100})));
    let theirs = ErrorData::new(ErrorCode(TOO_LARGE_CODE), "the server's own", None);
    assert!(!is_too_large(&theirs));
}
