//! The open legacy SSE sessions: where each one's client messages go, who opened it, and the quotas.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rmcp::model::{ClientJsonRpcMessage, RequestId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::http::drain::Pending;
use crate::http::error::HttpError;
use crate::http::quota::{Held, SessionQuota};
use pattern_engine::Principal;

/// The requests of one session whose answers are not yet on its stream, by
/// id: `POST /message` adds them, the stream removes each as its answer
/// goes out, so shutdown ends no stream an answer is still due on.
pub type Unanswered = Arc<Mutex<HashMap<RequestId, Pending>>>;

/// Where a session's messages go, and the requests it has yet to answer.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub inbox: mpsc::Sender<ClientJsonRpcMessage>,
    pub unanswered: Unanswered,
}

/// Sessions by id, within `quota`.
#[derive(Debug)]
pub struct SseSessions {
    sessions: Mutex<HashMap<String, SseSession>>,
    quota: SessionQuota,
}

#[derive(Debug, Clone)]
struct SseSession {
    /// Messages POSTed to `/message` go here, to the session's rmcp service.
    mailbox: Mailbox,
    /// The principal that opened the stream; only a request authenticated
    /// as exactly this principal may post to the session.
    owner: Principal,
    /// Cancelled when the session ends; the entry may outlive it briefly.
    cancel: CancellationToken,
    /// When the session was opened or last received a message.
    last_used: Instant,
}

impl SseSessions {
    pub fn new(quota: SessionQuota) -> Self {
        Self { sessions: Mutex::new(HashMap::new()), quota }
    }

    /// Registers a session and returns its new id (a random UUID, which is
    /// what makes the unauthenticated `sessionId` unguessable). To stay
    /// within the quota it first ends the owner's longest idle session (or
    /// one of the largest holder's when all are taken).
    pub fn open(
        &self,
        owner: &Principal,
        mailbox: Mailbox,
        cancel: CancellationToken,
    ) -> Result<String, HttpError> {
        let mut sessions = self.lock();
        sessions.retain(|_, s| !s.cancel.is_cancelled());
        let held =
            sessions.iter().map(|(id, s)| Held { id, owner: &s.owner.id, last_used: s.last_used });
        for ended in self.quota.make_room(held, 0, &owner.id)? {
            if let Some(session) = sessions.remove(&ended) {
                tracing::info!(
                    session = %ended,
                    principal = %session.owner.id,
                    "ending the longest idle SSE session to make room for a new one"
                );
                // Ends the stream and the session's service.
                session.cancel.cancel();
            }
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let session =
            SseSession { mailbox, owner: owner.clone(), cancel, last_used: Instant::now() };
        sessions.insert(id.clone(), session);
        Ok(id)
    }

    /// Where `principal` may send messages for session `id`; `None` when
    /// the session does not exist, has ended, or was opened by anyone else
    /// (the three are not told apart).
    pub fn mailbox(&self, id: &str, principal: &Principal) -> Option<Mailbox> {
        let mut sessions = self.lock();
        let session =
            sessions.get_mut(id).filter(|s| s.owner == *principal && !s.cancel.is_cancelled())?;
        session.last_used = Instant::now();
        Some(session.mailbox.clone())
    }

    pub fn close(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Sessions open now (ended ones not yet forgotten are not counted).
    pub fn len(&self) -> usize {
        self.lock().values().filter(|s| !s.cancel.is_cancelled()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SseSession>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pattern_core::Role;

    fn principal(id: &str) -> Principal {
        Principal { id: id.into(), role: Role::Agent, namespaces: Some(vec![id.into()]) }
    }

    fn mailbox() -> (Mailbox, mpsc::Receiver<ClientJsonRpcMessage>) {
        let (inbox, rx) = mpsc::channel(1);
        (Mailbox { inbox, unanswered: Unanswered::default() }, rx)
    }

    fn quota(per_principal: usize, max: usize) -> SessionQuota {
        SessionQuota { per_principal, max }
    }

    #[test]
    fn sessions_are_bounded_and_freed_on_close() {
        let sessions = SseSessions::new(quota(1, 2));
        let (tx, _rx) = mailbox();
        let id = sessions.open(&principal("alice"), tx.clone(), CancellationToken::new()).unwrap();
        sessions.open(&principal("bob"), tx.clone(), CancellationToken::new()).unwrap();
        let refused =
            sessions.open(&principal("carol"), tx.clone(), CancellationToken::new()).unwrap_err();
        assert_eq!(refused.reason(), "too_many_sessions");
        sessions.close(&id);
        assert_eq!(sessions.len(), 1);
        assert_eq!(
            sessions
                .open(&principal("carol"), tx, CancellationToken::new())
                .map(|id| id.len())
                .unwrap(),
            32
        );
    }

    #[test]
    fn only_the_opener_reaches_a_session() {
        let sessions = SseSessions::new(quota(4, 4));
        let (tx, _rx) = mailbox();
        let alice = principal("alice");
        let id = sessions.open(&alice, tx, CancellationToken::new()).unwrap();
        assert!(sessions.mailbox(&id, &alice).is_some());
        assert!(sessions.mailbox(&id, &principal("mallory")).is_none());
        assert!(sessions.mailbox("no-such-session", &alice).is_none());
    }

    #[test]
    fn the_same_id_with_other_rights_does_not_reach_a_session() {
        let sessions = SseSessions::new(quota(4, 4));
        let (tx, _rx) = mailbox();
        let id = sessions.open(&principal("alice"), tx, CancellationToken::new()).unwrap();
        let readonly = Principal { role: Role::Readonly, ..principal("alice") };
        assert!(sessions.mailbox(&id, &readonly).is_none());
        let elsewhere = Principal { namespaces: None, ..principal("alice") };
        assert!(sessions.mailbox(&id, &elsewhere).is_none());
    }

    #[test]
    fn a_principal_over_its_quota_loses_its_longest_idle_session() {
        let sessions = SseSessions::new(quota(2, 8));
        let (tx, _rx) = mailbox();
        let alice = principal("alice");
        let (first, second) = (CancellationToken::new(), CancellationToken::new());
        let first_id = sessions.open(&alice, tx.clone(), first.clone()).unwrap();
        let second_id = sessions.open(&alice, tx.clone(), second.clone()).unwrap();
        // A message makes the first session the most recently used.
        assert!(sessions.mailbox(&first_id, &alice).is_some());
        sessions.open(&alice, tx, CancellationToken::new()).unwrap();
        assert!(second.is_cancelled());
        assert!(!first.is_cancelled());
        assert!(sessions.mailbox(&second_id, &alice).is_none());
        assert_eq!(sessions.len(), 2);
    }

    #[test]
    fn an_ended_session_is_unreachable_and_uncounted_before_it_is_forgotten() {
        let sessions = SseSessions::new(quota(1, 1));
        let (tx, _rx) = mailbox();
        let cancel = CancellationToken::new();
        let alice = principal("alice");
        let id = sessions.open(&alice, tx.clone(), cancel.clone()).unwrap();
        cancel.cancel();
        assert!(sessions.mailbox(&id, &alice).is_none());
        assert_eq!(sessions.len(), 0);
        assert!(sessions.open(&principal("bob"), tx, CancellationToken::new()).is_ok());
    }
}
