//! Unit tests of the JSON-RPC front check and its scanner.

use serde_json::Value;

use super::*;

fn refused(line: &[u8]) -> Rejection {
    match check(line) {
        Ok(message) => panic!("accepted {}: {message:?}", String::from_utf8_lossy(line)),
        Err(rejection) => rejection,
    }
}

fn reply(line: &[u8]) -> Value {
    let rejection = refused(line);
    let text = rejection.reply().expect("a reply");
    serde_json::from_str(&text).expect("the reply is JSON")
}

#[test]
fn a_valid_tool_call_is_accepted() {
    let line = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"stats","arguments":{}}}"#;
    let message = check(line).expect("accepted");
    assert!(matches!(message, ClientJsonRpcMessage::Request(r) if r.id == RequestId::Number(7)));
}

#[test]
fn a_lone_surrogate_is_a_parse_error_answered_with_the_id() {
    let line = br#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"stats","arguments":{"q":"\ud800"}},"id":41}"#;
    let r = refused(line);
    assert_eq!((r.code(), r.id_text()), (PARSE_ERROR, "41"));
    assert!(r.message().contains("lone surrogate"), "{}", r.message());
}

#[test]
fn a_bare_string_with_a_lone_surrogate_is_a_parse_error_answered_with_null() {
    // Not an object, so not a notification: it gets its answer (it got none).
    let answer = reply(br#""\ud800""#);
    assert_eq!(answer["id"], Value::Null);
    assert_eq!(answer["error"]["code"], PARSE_ERROR);
}

#[test]
fn invalid_utf8_inside_a_string_is_a_parse_error_answered_with_the_id() {
    let line = b"{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\",\"params\":{\"name\":\"x\xff\xfe\"}}";
    let r = refused(line);
    assert_eq!((r.code(), r.id_text()), (PARSE_ERROR, "\"a\""));
    assert!(r.message().contains("invalid UTF-8"), "{}", r.message());
}

#[test]
fn deep_nesting_is_an_invalid_request_answered_with_the_id() {
    let deep = format!("{}1{}", "[".repeat(127), "]".repeat(127));
    let line = format!(
        r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{"name":"execute_pattern","arguments":{{"query":"q","context":{{"a":{deep}}}}}}}}}"#
    );
    let r = refused(line.as_bytes());
    assert_eq!((r.code(), r.id_text()), (INVALID_REQUEST, "3"));
    assert!(r.message().contains("nesting deeper than 127"), "{}", r.message());
}

#[test]
fn scalar_params_are_an_invalid_request_and_array_params_invalid_params() {
    for params in [r#""x""#, "0", "true"] {
        let line = format!(r#"{{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{params}}}"#);
        let r = refused(line.as_bytes());
        assert_eq!((r.code(), r.id_text()), (INVALID_REQUEST, "5"), "params {params}");
        assert_eq!(r.message(), "params must be an object when present");
    }
    let r = refused(br#"{"jsonrpc":"2.0","id":5,"method":"tools/list","params":[]}"#);
    assert_eq!(r.code(), INVALID_PARAMS);
}

#[test]
fn an_id_beyond_i64_is_echoed_exactly() {
    let v = reply(br#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}"#);
    let text =
        refused(br#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}"#).reply().unwrap();
    assert!(text.contains(r#""id":18446744073709551616,"#), "{text}");
    assert_eq!(v["error"]["code"], INVALID_REQUEST);
}

#[test]
fn a_string_arguments_is_invalid_params_naming_the_parameter() {
    let v = reply(br#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"stats","arguments":"x"}}"#);
    assert_eq!(v["id"], 9);
    assert_eq!(v["error"]["code"], INVALID_PARAMS);
    assert_eq!(v["error"]["message"], "params.arguments must be an object");
}

#[test]
fn an_unknown_log_level_is_invalid_params_listing_the_levels() {
    let v = reply(
        br#"{"jsonrpc":"2.0","id":"l","method":"logging/setLevel","params":{"level":"loud"}}"#,
    );
    assert_eq!(v["id"], "l");
    assert_eq!(v["error"]["code"], INVALID_PARAMS);
    assert_eq!(
        v["error"]["message"],
        "params.level must be one of debug, info, notice, warning, error, critical, alert, emergency"
    );
}

#[test]
fn an_unknown_method_goes_to_rmcp_for_method_not_found() {
    let line = br#"{"jsonrpc":"2.0","id":1,"method":"nope/nothing","params":{}}"#;
    assert!(check(line).is_ok());
}

#[test]
fn unreadable_lines_are_parse_errors_with_a_null_id() {
    for line in
        [&b"{not json"[..], b"\xff\xfe", b"{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":"]
    {
        let v = reply(line);
        assert_eq!(v["id"], Value::Null, "{}", String::from_utf8_lossy(line));
        assert_eq!(v["error"]["code"], PARSE_ERROR);
    }
}

#[test]
fn a_truncated_line_is_answered_with_the_id_read_before_the_break() {
    let v = reply(br#"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"st"#);
    assert_eq!(
        (v["id"].clone(), v["error"]["code"].clone()),
        (Value::from(12), Value::from(PARSE_ERROR))
    );
}

#[test]
fn an_invalid_notification_gets_no_reply() {
    let r = refused(br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":"x"}"#);
    assert_eq!(r.reply_to(), &ReplyTo::Nobody);
    assert!(r.reply().is_none());
    let r = refused(br#"{"jsonrpc":"2.0","method":"x","params":{"s":"\udc00"}}"#);
    assert!(r.reply().is_none());
}

#[test]
fn wrong_id_types_are_answered_with_a_null_id() {
    for id in ["true", "{}", "[1]", "null"] {
        let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
        let v = reply(line.as_bytes());
        assert_eq!(v["id"], Value::Null, "id {id}");
        assert_eq!(v["error"]["code"], INVALID_REQUEST, "id {id}");
    }
}

#[test]
fn a_fractional_id_is_refused_and_echoed() {
    let text = refused(br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#).reply().unwrap();
    assert!(text.contains(r#""id":1.5,"#), "{text}");
}

#[test]
fn a_batch_is_refused() {
    let v = reply(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#);
    assert_eq!(v["error"]["code"], INVALID_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("batches"));
}

#[test]
fn a_wrong_jsonrpc_version_is_an_invalid_request() {
    let v = reply(br#"{"jsonrpc":"1.0","id":2,"method":"ping"}"#);
    assert_eq!(
        (v["id"].clone(), v["error"]["code"].clone()),
        (Value::from(2), Value::from(INVALID_REQUEST))
    );
}

#[test]
fn an_over_long_line_is_answered_with_the_id_in_its_prefix() {
    let r = too_long(br#"{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"name":"#, 64);
    assert_eq!((r.code(), r.id_text()), (INVALID_REQUEST, "\"big\""));
    assert_eq!(r.message(), "message is longer than the 64-byte limit");
}

#[test]
fn the_scanner_survives_nesting_far_beyond_any_stack() {
    let deep = format!(r#"{{"id":1,"x":{}0{}}}"#, "[".repeat(200_000), "]".repeat(200_000));
    let found = scan::scan(deep.as_bytes());
    assert_eq!(found.fatal, None);
    assert_eq!(found.id.map(|i| i.kind), Some(scan::IdKind::Integer));
}

#[test]
fn the_scanner_rejects_what_json_rejects() {
    for bad in [
        &b"{\"a\":01}"[..],
        b"{\"a\":1,}",
        b"{\"a\" 1}",
        b"[1 2]",
        b"{\"a\":tru}",
        b"{}x",
        b"\"\\x\"",
    ] {
        assert!(scan::scan(bad).fatal.is_some(), "{}", String::from_utf8_lossy(bad));
        assert!(serde_json::from_slice::<Value>(bad).is_err());
    }
    for good in [&b"{\"a\":[1,-0.5e+3,\"\\ud83d\\ude00\",null,true,{}]}"[..], b" [ ] "] {
        let found = scan::scan(good);
        assert_eq!((found.fatal, found.problem), (None, None), "{}", String::from_utf8_lossy(good));
    }
}

/// `plain_call` is only a cheaper way to what `check` accepts: for each of
/// these messages, either it declines (and `check` decides) or `check`
/// accepts the message as the same `tools/call`: same id, name, arguments
/// and `_meta`.
#[test]
fn whatever_the_plain_parse_takes_the_general_check_takes_as_the_same_call() {
    use rmcp::model::{ClientJsonRpcMessage, ClientRequest, GetMeta};

    let meta = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#;
    let taken = [
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"stats"}}"#.to_owned(),
        r#"{"id":"a-b","params":{"arguments":{"query":"x"},"name":"execute_pattern"},"method":"tools/call","jsonrpc":"2.0"}"#.to_owned(),
        format!(r#"{{"jsonrpc":"2.0","id":-3,"method":"tools/call","params":{{"name":"t","arguments":null,{meta}}}}}"#),
        format!(r#" {{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/call","params":{{"name":"é\u00e9","arguments":{{"n":[1,2.5,{{"deep":true}}],"s":"\"q\"\n"}},{meta}}}}} "#),
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x","requestState":"s","unknownParam":1}}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x","arguments":{"a":1,"a":2}}}"#.to_owned(),
    ];
    for line in &taken {
        let call = plain_call(line.as_bytes()).unwrap_or_else(|| panic!("declined {line}"));
        let Ok(ClientJsonRpcMessage::Request(request)) = check(line.as_bytes()) else {
            panic!("check refused what the plain parse took: {line}");
        };
        assert_eq!(request.id, call.id, "{line}");
        let ClientRequest::CallToolRequest(checked) = &request.request else {
            panic!("check took {line} as another request");
        };
        let mut params = call.params.clone();
        let meta = params.meta.take().unwrap_or_default();
        assert_eq!(checked.params, params, "{line}");
        assert_eq!(request.request.get_meta(), &meta, "{line}");
    }

    let declined = [
        // Another method, a notification, a response.
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#,
        r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
        // A member more, or one missing, or repeated.
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"},"extra":1}"#,
        r#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"x"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#,
        r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"x"}}"#,
        // Wrong types or values.
        r#"{"jsonrpc":"1.0","id":1,"method":"tools/call","params":{"name":"x"}}"#,
        r#"{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"x"}}"#,
        r#"{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"x"}}"#,
        r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"tools/call","params":{"name":"x"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":"q"}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[]}"#,
        // Not one JSON object.
        "\u{feff}{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}",
        r#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}]"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}"#,
        "",
    ];
    for line in declined {
        assert!(plain_call(line.as_bytes()).is_none(), "took {line}");
    }
}
