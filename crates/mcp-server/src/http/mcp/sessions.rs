//! rmcp's `LocalSessionManager`, with each request of a session routed by an id no other
//! request of that session holds while it is in flight.
//!
//! rmcp's session worker finds the HTTP stream a response goes to by the
//! response's JSON-RPC id. When a client sends two requests with one id at
//! once on one session (the JSON-RPC spec forbids it, some clients do it), the
//! second registration replaces the first: the first answer is sent to the
//! second request's stream, which then closes, and the other answer has
//! nowhere to go, so one request waits until the client or the request
//! timeout gives up. Here a request whose id is already in flight in its
//! session enters rmcp under a private id, and its answer leaves with the
//! client's id again: everything else (framing, sessions, the handler) stays
//! rmcp's. A request whose id is free, the usual case, enters unchanged, so a
//! `notifications/cancelled` naming it still reaches it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt};
use rmcp::model::{ClientJsonRpcMessage, JsonRpcMessage, RequestId, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};
use rmcp::transport::streamable_http_server::session::{EventStore, ServerSseMessage};
use rmcp::transport::streamable_http_server::{RestoreOutcome, SessionId, SessionManager};

use crate::http::lock;

/// How many requests of each (session, id) are in flight.
type InFlight = Arc<Mutex<HashMap<(SessionId, RequestId), usize>>>;

/// rmcp's local sessions, with the ids of requests in flight.
#[derive(Debug, Default)]
pub struct Sessions {
    pub local: LocalSessionManager,
    in_flight: InFlight,
    next_private: AtomicU64,
}

/// Counts one request in flight until dropped (when its answer stream ends).
struct Counted {
    in_flight: InFlight,
    key: (SessionId, RequestId),
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut in_flight = lock(&self.in_flight);
        if let Some(count) = in_flight.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&self.key);
            }
        }
    }
}

/// `event` with `private` replaced by `client` as the id of a response.
fn restore_id(
    mut event: ServerSseMessage,
    private: &RequestId,
    client: &RequestId,
) -> ServerSseMessage {
    let Some(message) = &event.message else { return event };
    let renamed = match message.as_ref() {
        JsonRpcMessage::Response(response) if &response.id == private => {
            let mut response = response.clone();
            response.id = client.clone();
            ServerJsonRpcMessage::Response(response)
        }
        JsonRpcMessage::Error(error) if error.id.as_ref() == Some(private) => {
            let mut error = error.clone();
            error.id = Some(client.clone());
            ServerJsonRpcMessage::Error(error)
        }
        _ => return event,
    };
    event.message = Some(Arc::new(renamed));
    event
}

impl Sessions {
    /// Sessions that rmcp ends after `idle` without a request.
    pub fn idle_for(idle: Duration) -> Self {
        let mut sessions = Self::default();
        sessions.local.session_config.keep_alive = Some(idle);
        sessions
    }
}

impl SessionManager for Sessions {
    type Error = LocalSessionManagerError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        self.local.create_session().await
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        self.local.initialize_session(id, message).await
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        self.local.has_session(id).await
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        self.local.close_session(id).await
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let ClientJsonRpcMessage::Request(mut request) = message else {
            let stream = self.local.create_stream(id, message).await?;
            return Ok(stream.map(|event| event).left_stream());
        };
        let key = (id.clone(), request.id.clone());
        let renamed = {
            let mut in_flight = lock(&self.in_flight);
            let count = in_flight.entry(key.clone()).or_insert(0);
            *count += 1;
            (*count > 1).then(|| {
                let n = self.next_private.fetch_add(1, Ordering::Relaxed);
                let private = RequestId::String(format!("pattern-mcp/in-flight-twice/{n}").into());
                (std::mem::replace(&mut request.id, private.clone()), private)
            })
        };
        let counted = Counted { in_flight: self.in_flight.clone(), key };
        let stream = self.local.create_stream(id, ClientJsonRpcMessage::Request(request)).await?;
        Ok(stream
            .map(move |event| {
                let _counted = &counted;
                match &renamed {
                    Some((client, private)) => restore_id(event, private, client),
                    None => event,
                }
            })
            .right_stream())
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.local.accept_message(id, message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.local.create_standalone_stream(id).await
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.local.resume(id, last_event_id).await
    }

    async fn restore_session(
        &self,
        id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        self.local.restore_session(id).await
    }

    fn event_store(&self) -> Option<Arc<dyn EventStore>> {
        self.local.event_store()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::{ErrorData, ServerResult};

    #[test]
    fn only_the_private_id_is_given_back_as_the_clients() {
        let private = RequestId::String("pattern-mcp/in-flight-twice/0".into());
        let client = RequestId::Number(7);
        let answer = |id: RequestId| {
            ServerSseMessage::new(
                "0/1",
                ServerJsonRpcMessage::response(ServerResult::empty(()), id),
            )
        };
        let restored = restore_id(answer(private.clone()), &private, &client);
        let JsonRpcMessage::Response(response) = restored.message.as_deref().unwrap() else {
            panic!("not a response")
        };
        assert_eq!(response.id, client);
        assert_eq!(restored.event_id.as_deref(), Some("0/1"));

        let other = restore_id(answer(RequestId::Number(3)), &private, &client);
        let JsonRpcMessage::Response(response) = other.message.as_deref().unwrap() else {
            panic!("not a response")
        };
        assert_eq!(response.id, RequestId::Number(3));

        let error = ServerSseMessage::from_message(ServerJsonRpcMessage::error(
            ErrorData::internal_error("boom", None),
            Some(private.clone()),
        ));
        let restored = restore_id(error, &private, &client);
        let JsonRpcMessage::Error(error) = restored.message.as_deref().unwrap() else {
            panic!("not an error")
        };
        assert_eq!(error.id, Some(client));
    }
}
