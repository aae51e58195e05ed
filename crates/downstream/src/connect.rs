//! Opens one MCP session to a downstream server over its transport: spawn (stdio) or dial (HTTP), then `initialize`.

use rmcp::{
    RoleClient, ServiceExt as _, service::RunningService, transport::async_rw::AsyncRwTransport,
};
use tokio_util::sync::CancellationToken;

use super::{
    child::ChildProcess,
    handler::PoolClient,
    line_limit,
    spec::{ServerSpec, Transport},
};

/// A live session and, for stdio, the process behind it.
pub(crate) struct Connection {
    pub running: RunningService<RoleClient, PoolClient>,
    pub child: Option<ChildProcess>,
}

/// Starts a session, bounded by the server's timeout. On failure nothing is
/// left running: a child that was spawned has been stopped and reaped. The
/// error is a sentence for `last_error` and the log.
pub(crate) async fn open(
    spec: &ServerSpec,
    client: PoolClient,
    cancel: CancellationToken,
) -> Result<Connection, String> {
    match &spec.transport {
        Transport::Stdio { command, args, env, cwd } => {
            let (mut child, pipes) =
                ChildProcess::spawn(&spec.name, command, args, env, cwd.as_deref())
                    .map_err(|error| format!("cannot start `{command}`: {error}"))?;
            let stdout = line_limit::guard(
                &spec.name,
                pipes.stdout,
                line_limit::MAX_MESSAGE,
                cancel.clone(),
            );
            // The guard already bounds each line (plus its newline).
            let transport = AsyncRwTransport::new_client(stdout, pipes.stdin)
                .with_max_line_length(line_limit::MAX_MESSAGE + 1);
            let handshake = client.serve_with_ct(transport, cancel);
            let failure = match tokio::time::timeout(spec.timeout, handshake).await {
                Ok(Ok(running)) => {
                    return Ok(Connection { running, child: Some(child) });
                }
                Ok(Err(error)) => format!("initialization failed: {error}"),
                Err(_) => format!("no answer to `initialize` within {:?}", spec.timeout),
            };
            Err(match child.stop().await {
                Some(status) => format!("{failure}; the process ended ({status})"),
                None => failure,
            })
        }
        Transport::Http { url, headers } => open_http(spec, url, headers, client, cancel).await,
    }
}

async fn open_http(
    spec: &ServerSpec,
    url: &str,
    headers: &std::collections::BTreeMap<String, String>,
    client: PoolClient,
    cancel: CancellationToken,
) -> Result<Connection, String> {
    use rmcp::transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    };

    let mut config = StreamableHttpClientTransportConfig::with_uri(url);
    let mut custom = std::collections::HashMap::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("authorization") {
            // rmcp sends the session's token itself and refuses it as a custom header.
            let token = value.strip_prefix("Bearer ").unwrap_or(value);
            config = config.auth_header(token);
            continue;
        }
        let header = http::HeaderName::try_from(name.as_str())
            .map_err(|error| format!("invalid header name `{name}`: {error}"))?;
        let value = http::HeaderValue::try_from(value.as_str())
            .map_err(|error| format!("invalid value for header `{name}`: {error}"))?;
        custom.insert(header, value);
    }
    let transport = StreamableHttpClientTransport::from_config(config.custom_headers(custom));
    match tokio::time::timeout(spec.timeout, client.serve_with_ct(transport, cancel)).await {
        Ok(Ok(running)) => Ok(Connection { running, child: None }),
        Ok(Err(error)) => Err(format!("initialization failed: {error}")),
        Err(_) => Err(format!("no answer to `initialize` within {:?}", spec.timeout)),
    }
}
