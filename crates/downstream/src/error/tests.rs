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

#[test]
fn a_connect_error_keeps_its_source_and_says_whether_to_retry() {
    use std::error::Error as _;

    let missing = ConnectError::Spawn {
        command: "/nonexistent/mcp".into(),
        source: io::Error::from(io::ErrorKind::NotFound),
    };
    let source = missing.source().and_then(|s| s.downcast_ref::<io::Error>()).unwrap();
    assert_eq!(source.kind(), io::ErrorKind::NotFound);
    assert!(missing.is_retryable(), "the program may yet be installed");

    let header = ConnectError::HeaderName {
        name: "two words".into(),
        source: http::HeaderName::try_from("two words").unwrap_err(),
    };
    assert!(!header.is_retryable());
    assert!(header.source().is_some());

    let mute = ConnectError::NoAnswer { after: Duration::from_millis(300) };
    assert_eq!(mute.to_string(), "no answer to `initialize` within 300ms");
    let refused = DownstreamError::not_started("time", &mute);
    assert_eq!(
        refused,
        DownstreamError::NotConnected {
            server: "time".into(),
            reason: "restarting after a failure: no answer to `initialize` within 300ms".into()
        }
    );
    assert!(refused.is_retryable());
    let misconfigured = DownstreamError::not_started("time", &header);
    assert_eq!((misconfigured.reason(), misconfigured.is_retryable()), ("misconfigured", false));
    assert_eq!(misconfigured.server(), "time");
}
