//! Unit tests of `error.rs`.

use super::*;

#[test]
fn transient_failures_are_retryable_and_request_failures_are_not() {
    let server = || "time".to_owned();
    let tool = || "now".to_owned();
    let retryable: Vec<bool> = [
        DownstreamError::NotConnected { server: server(), reason: "starting".into() },
        DownstreamError::Timeout { server: server(), tool: tool(), after: Duration::from_secs(1) },
        DownstreamError::Crashed { server: server(), tool: tool() },
        DownstreamError::UnknownTool { server: server(), tool: tool() },
        DownstreamError::Tool { server: server(), tool: tool(), message: "no".into() },
        DownstreamError::ResultTooLarge { server: server(), tool: tool(), bytes: 20, limit: 10 },
    ]
    .iter()
    .map(DownstreamError::is_retryable)
    .collect();
    assert_eq!(retryable, [true, true, true, false, false, false]);
}

#[test]
fn invalid_arguments_message_names_tool_and_field() {
    let error = DownstreamError::InvalidArguments {
        server: "calc".into(),
        tool: "add".into(),
        field: "b".into(),
        reason: "is required".into(),
    };
    assert_eq!(error.to_string(), "invalid arguments for `calc.add`: `b` is required");
    assert_eq!(error.reason(), "invalid_arguments");
    assert_eq!(error.server(), "calc");
}

#[test]
fn result_too_large_names_the_server_the_size_and_the_limit() {
    let error = DownstreamError::ResultTooLarge {
        server: "files".into(),
        tool: "read".into(),
        bytes: 17_000_000,
        limit: 16_777_216,
    };
    assert_eq!(error.reason(), "result_too_large");
    assert_eq!(
        error.to_string(),
        "`files.read` answered 17000000 bytes, over the limit of 16777216 bytes on one message from a downstream server"
    );
}
