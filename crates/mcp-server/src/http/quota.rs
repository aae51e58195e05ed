//! Session quotas shared by both transports: at most N sessions per principal, at most M in all.
//!
//! One principal opening sessions without closing them must not lock
//! everyone else out. So when a principal opens one more than its quota,
//! its own least recently used session is ended; and when every slot of
//! the transport is taken, a slot is freed from the principal that holds
//! the most sessions (the opener's own first), never from a principal
//! holding a single one. Only when every open session belongs to a
//! different principal is the opener refused (503).

use std::cmp::Reverse;
use std::collections::HashMap;
use std::hash::Hash;
use std::time::Instant;

use crate::http::error::HttpError;

/// The per-principal and global bounds of one transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionQuota {
    /// Most sessions one principal may hold at once.
    pub per_principal: usize,
    /// Most sessions open at once.
    pub max: usize,
}

/// What the quota needs to know of an open session.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a, Id> {
    pub id: &'a Id,
    /// Principal id of the session's owner.
    pub owner: &'a str,
    /// When the session last received a request: the longest idle goes first.
    pub last_used: Instant,
}

impl SessionQuota {
    /// The sessions to end so that `owner` may open one more, given the
    /// `open` sessions and `pending` ones being opened (counted against the
    /// global bound only); `TooManySessions` if no session may be ended.
    pub fn make_room<'a, Id, I>(
        &self,
        open: I,
        pending: usize,
        owner: &str,
    ) -> Result<Vec<Id>, HttpError>
    where
        Id: Clone + Eq + Hash + 'a,
        I: IntoIterator<Item = Held<'a, Id>>,
    {
        // Each principal's sessions, most recently used first, so the
        // longest idle is at the end.
        let mut by_owner: HashMap<&str, Vec<Held<'a, Id>>> = HashMap::new();
        let mut total = pending;
        for held in open {
            total += 1;
            by_owner.entry(held.owner).or_default().push(held);
        }
        for sessions in by_owner.values_mut() {
            sessions.sort_by_key(|h| Reverse(h.last_used));
        }
        let mut ended = Vec::new();
        let mut end_one = |owner: &str, by_owner: &mut HashMap<&str, Vec<Held<'a, Id>>>| {
            let held = by_owner.get_mut(owner).and_then(Vec::pop)?;
            ended.push(held.id.clone());
            Some(())
        };
        while by_owner.get(owner).map_or(0, Vec::len) >= self.per_principal.max(1) {
            end_one(owner, &mut by_owner);
            total -= 1;
        }
        while total >= self.max {
            let victim = if by_owner.get(owner).is_some_and(|s| !s.is_empty()) {
                owner.to_owned()
            } else {
                let largest = by_owner
                    .iter()
                    .filter(|(_, s)| s.len() >= 2)
                    .max_by_key(|(_, s)| (s.len(), Reverse(s.last().map(|h| h.last_used))));
                match largest {
                    Some((victim, _)) => (*victim).to_owned(),
                    None => return Err(HttpError::TooManySessions(self.max)),
                }
            };
            end_one(&victim, &mut by_owner);
            total -= 1;
        }
        Ok(ended)
    }
}

#[cfg(test)]
mod tests;
