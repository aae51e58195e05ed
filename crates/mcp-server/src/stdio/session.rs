//! The stdio session's rules in front of rmcp: initialise first, one request per id at a time.

use std::collections::HashSet;

use rmcp::model::{
    ClientJsonRpcMessage, ClientNotification, ClientRequest, GetMeta, RequestId,
    ServerJsonRpcMessage,
};

use crate::jsonrpc::{INVALID_REQUEST, Rejection};

/// What to do with a message the check accepted.
#[derive(Debug)]
pub enum Admit {
    /// Hand it to rmcp.
    Forward(Box<ClientJsonRpcMessage>),
    /// Answer it with this error instead.
    Reject(Rejection),
    /// Neither: a notification or response rmcp must not see now (logged).
    Drop(&'static str),
}

#[derive(Debug, Default)]
pub struct Session {
    phase: Phase,
    /// Requests handed to rmcp and not yet answered.
    in_flight: HashSet<RequestId>,
    /// Requests that open the session once answered with success: `initialize`,
    /// or a request carrying its protocol version in `_meta` (the
    /// initialize-free lifecycle).
    openers: HashSet<RequestId>,
}

#[derive(Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    New,
    /// `initialize` went to rmcp, which queues what follows until it answers.
    Opening,
    Open,
}

impl Session {
    /// Applies the session rules to one incoming message.
    pub fn admit(&mut self, message: ClientJsonRpcMessage) -> Admit {
        match &message {
            ClientJsonRpcMessage::Request(request) => {
                let id = &request.id;
                if self.in_flight.contains(id) {
                    return Admit::Reject(Rejection::for_request(
                        id,
                        INVALID_REQUEST,
                        format!(
                            "request id {id} is already in flight: wait for its answer or use another id"
                        ),
                    ));
                }
                if self.phase == Phase::New {
                    match &request.request {
                        ClientRequest::InitializeRequest(_) => {
                            self.openers.insert(id.clone());
                            self.phase = Phase::Opening;
                        }
                        ClientRequest::PingRequest(_) | ClientRequest::DiscoverRequest(_) => {}
                        other if other.get_meta().protocol_version().is_some() => {
                            self.openers.insert(id.clone());
                        }
                        _ => {
                            return Admit::Reject(Rejection::for_request(
                                id,
                                INVALID_REQUEST,
                                "the session is not initialised: send `initialize` first",
                            ));
                        }
                    }
                }
                self.in_flight.insert(id.clone());
                Admit::Forward(Box::new(message))
            }
            // rmcp ends the session on anything but a request before it is open.
            _ if self.phase == Phase::New => Admit::Drop("the session is not initialised yet"),
            ClientJsonRpcMessage::Notification(notification) => {
                // rmcp never answers a cancelled request, so its id is free again.
                if let ClientNotification::CancelledNotification(cancelled) =
                    &notification.notification
                    && let Some(id) = &cancelled.params.request_id
                {
                    self.in_flight.remove(id);
                }
                Admit::Forward(Box::new(message))
            }
            ClientJsonRpcMessage::Response(_) | ClientJsonRpcMessage::Error(_) => {
                Admit::Forward(Box::new(message))
            }
        }
    }

    /// Notes a message rmcp sends: an answer frees its id; a successful answer
    /// to an opener opens the session.
    pub fn sent(&mut self, message: &ServerJsonRpcMessage) {
        let (id, ok) = match message {
            ServerJsonRpcMessage::Response(response) => (&response.id, true),
            ServerJsonRpcMessage::Error(error) => match &error.id {
                Some(id) => (id, false),
                None => return,
            },
            _ => return,
        };
        self.in_flight.remove(id);
        if self.openers.remove(id) {
            if ok {
                self.phase = Phase::Open;
                self.openers.clear();
            } else if self.phase == Phase::Opening {
                self.phase = Phase::New;
            }
        }
    }
}
