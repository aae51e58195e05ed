//! Opens one MCP session to a downstream server over its transport: spawn (stdio) or dial (HTTP), then `initialize`.

use std::collections::{BTreeMap, HashMap};

use rmcp::{ClientHandler, RoleClient, ServiceExt as _, service::RunningService};
use tokio_util::sync::CancellationToken;

use super::{
    child::ChildProcess,
    error::ConnectError,
    line_limit,
    spec::{ServerSpec, Transport},
    stdio::StdioTransport,
};

/// A live session and, for stdio, the process behind it.
pub(crate) struct Connection<H: ClientHandler> {
    pub running: RunningService<RoleClient, H>,
    pub child: Option<ChildProcess>,
}

/// Starts a session with `client` as our side of it, bounded by the server's
/// timeout. On failure nothing is left running: a child that was spawned has
/// been stopped and reaped.
pub(crate) async fn open<H: ClientHandler>(
    spec: &ServerSpec,
    client: H,
    cancel: CancellationToken,
) -> Result<Connection<H>, ConnectError> {
    match &spec.transport {
        Transport::Stdio { command, args, env, cwd } => {
            let (mut child, pipes) =
                ChildProcess::spawn(&spec.name, command, args, env, cwd.as_deref())
                    .map_err(|source| ConnectError::Spawn { command: command.clone(), source })?;
            let transport =
                StdioTransport::new(&spec.name, pipes.stdout, pipes.stdin, line_limit::MAX_MESSAGE);
            let handshake = client.serve_with_ct(transport, cancel);
            let failure = match tokio::time::timeout(spec.timeout, handshake).await {
                Ok(Ok(running)) => {
                    return Ok(Connection { running, child: Some(child) });
                }
                Ok(Err(source)) => ConnectError::Initialize { source: Box::new(source) },
                Err(_) => ConnectError::NoAnswer { after: spec.timeout },
            };
            Err(match child.stop().await {
                Some(status) => ConnectError::Exited { cause: Box::new(failure), status },
                None => failure,
            })
        }
        Transport::Http { url, headers } => open_http(spec, url, headers, client, cancel).await,
    }
}

async fn open_http<H: ClientHandler>(
    spec: &ServerSpec,
    url: &str,
    headers: &BTreeMap<String, String>,
    client: H,
    cancel: CancellationToken,
) -> Result<Connection<H>, ConnectError> {
    use rmcp::transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    };

    let mut config = StreamableHttpClientTransportConfig::with_uri(url);
    let mut custom = HashMap::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("authorization") {
            // rmcp sends the session's token itself and refuses it as a custom header.
            let token = value.strip_prefix("Bearer ").unwrap_or(value);
            config = config.auth_header(token);
            continue;
        }
        let header = http::HeaderName::try_from(name.as_str())
            .map_err(|source| ConnectError::HeaderName { name: name.clone(), source })?;
        let value = http::HeaderValue::try_from(value.as_str())
            .map_err(|source| ConnectError::HeaderValue { name: name.clone(), source })?;
        custom.insert(header, value);
    }
    let transport = StreamableHttpClientTransport::from_config(config.custom_headers(custom));
    match tokio::time::timeout(spec.timeout, client.serve_with_ct(transport, cancel)).await {
        Ok(Ok(running)) => Ok(Connection { running, child: None }),
        Ok(Err(source)) => Err(ConnectError::Initialize { source: Box::new(source) }),
        Err(_) => Err(ConnectError::NoAnswer { after: spec.timeout }),
    }
}
