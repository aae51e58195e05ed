//! The open legacy SSE sessions: where each one's client messages go and who opened it.

use std::collections::HashMap;
use std::sync::Mutex;

use rmcp::model::ClientJsonRpcMessage;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::http::error::HttpError;

/// Sessions by id, at most `max` at once.
#[derive(Debug)]
pub struct SseSessions {
    sessions: Mutex<HashMap<String, SseSession>>,
    max: usize,
}

#[derive(Debug, Clone)]
struct SseSession {
    /// Messages POSTed to `/message` go here, to the session's rmcp service.
    inbox: mpsc::Sender<ClientJsonRpcMessage>,
    /// Principal id of the opener; only it may post to the session.
    owner: String,
    /// Cancelled when the session ends; the entry may outlive it briefly.
    cancel: CancellationToken,
}

impl SseSessions {
    pub fn new(max: usize) -> Self {
        Self { sessions: Mutex::new(HashMap::new()), max }
    }

    /// Registers a session and returns its new id (a random UUID, which is
    /// what makes the unauthenticated `sessionId` unguessable).
    pub fn open(
        &self,
        owner: &str,
        inbox: mpsc::Sender<ClientJsonRpcMessage>,
        cancel: CancellationToken,
    ) -> Result<String, HttpError> {
        let mut sessions = self.lock();
        sessions.retain(|_, s| !s.cancel.is_cancelled());
        if sessions.len() >= self.max {
            return Err(HttpError::TooManySessions(self.max));
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        sessions.insert(id.clone(), SseSession { inbox, owner: owner.to_owned(), cancel });
        Ok(id)
    }

    /// Where `principal_id` may send messages for session `id`; `None` when
    /// the session does not exist, has ended, or belongs to someone else
    /// (the three are not told apart).
    pub fn inbox(
        &self,
        id: &str,
        principal_id: &str,
    ) -> Option<mpsc::Sender<ClientJsonRpcMessage>> {
        self.lock()
            .get(id)
            .filter(|s| s.owner == principal_id && !s.cancel.is_cancelled())
            .map(|s| s.inbox.clone())
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

    #[test]
    fn sessions_are_bounded_and_freed_on_close() {
        let sessions = SseSessions::new(1);
        let (tx, _rx) = mpsc::channel(1);
        let id = sessions.open("alice", tx.clone(), CancellationToken::new()).unwrap();
        let refused = sessions.open("alice", tx.clone(), CancellationToken::new()).unwrap_err();
        assert_eq!(refused.reason(), "too_many_sessions");
        sessions.close(&id);
        assert!(sessions.is_empty());
        assert_eq!(
            sessions.open("alice", tx, CancellationToken::new()).map(|id| id.len()).unwrap(),
            32
        );
    }

    #[test]
    fn only_the_opener_reaches_a_session() {
        let sessions = SseSessions::new(4);
        let (tx, _rx) = mpsc::channel(1);
        let id = sessions.open("alice", tx, CancellationToken::new()).unwrap();
        assert!(sessions.inbox(&id, "alice").is_some());
        assert!(sessions.inbox(&id, "mallory").is_none());
        assert!(sessions.inbox("no-such-session", "alice").is_none());
    }

    #[test]
    fn an_ended_session_is_unreachable_and_uncounted_before_it_is_forgotten() {
        let sessions = SseSessions::new(1);
        let (tx, _rx) = mpsc::channel(1);
        let cancel = CancellationToken::new();
        let id = sessions.open("alice", tx.clone(), cancel.clone()).unwrap();
        cancel.cancel();
        assert!(sessions.inbox(&id, "alice").is_none());
        assert_eq!(sessions.len(), 0);
        assert!(sessions.open("alice", tx, CancellationToken::new()).is_ok());
    }
}
