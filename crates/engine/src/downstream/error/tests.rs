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
    ]
    .iter()
    .map(DownstreamError::is_retryable)
    .collect();
    assert_eq!(retryable, [true, true, true, false, false]);
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
