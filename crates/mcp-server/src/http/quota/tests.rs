//! The eviction order of `SessionQuota::make_room`.

use std::time::{Duration, Instant};

use super::*;

/// Sessions `(id, owner)`, each used one second after the one before.
fn sessions(list: &[(u32, &'static str)]) -> Vec<(u32, &'static str, Instant)> {
    let start = Instant::now();
    list.iter()
        .enumerate()
        .map(|(i, (id, owner))| (*id, *owner, start + Duration::from_secs(i as u64)))
        .collect()
}

fn room(
    quota: SessionQuota,
    open: &[(u32, &'static str, Instant)],
    pending: usize,
    owner: &str,
) -> Result<Vec<u32>, &'static str> {
    let held = open.iter().map(|(id, owner, last_used)| Held { id, owner, last_used: *last_used });
    quota.make_room(held, pending, owner).map_err(|e| e.reason())
}

const QUOTA: SessionQuota = SessionQuota { per_principal: 2, max: 4 };

#[test]
fn under_both_bounds_nothing_is_ended() {
    let open = sessions(&[(1, "alice"), (2, "bob")]);
    assert_eq!(room(QUOTA, &open, 0, "alice"), Ok(vec![]));
}

#[test]
fn a_principal_at_its_quota_loses_its_longest_idle_session() {
    let mut open = sessions(&[(1, "alice"), (2, "alice"), (3, "bob")]);
    // Session 1 was used again last: 2 is now the longest idle.
    open[0].2 += Duration::from_secs(10);
    assert_eq!(room(QUOTA, &open, 0, "alice"), Ok(vec![2]));
}

#[test]
fn a_full_transport_frees_a_slot_from_the_largest_holder_not_from_single_holders() {
    let open = sessions(&[(1, "bob"), (2, "carol"), (3, "dave"), (4, "dave")]);
    assert_eq!(room(QUOTA, &open, 0, "alice"), Ok(vec![3]));
}

#[test]
fn a_full_transport_frees_the_openers_own_slot_first() {
    let open = sessions(&[(1, "carol"), (2, "carol"), (3, "alice"), (4, "bob")]);
    assert_eq!(room(QUOTA, &open, 0, "alice"), Ok(vec![3]));
}

#[test]
fn only_when_every_session_has_its_own_principal_is_the_opener_refused() {
    let open = sessions(&[(1, "bob"), (2, "carol"), (3, "dave"), (4, "erin")]);
    assert_eq!(room(QUOTA, &open, 0, "alice"), Err("too_many_sessions"));
}

#[test]
fn sessions_being_opened_count_against_the_global_bound() {
    let open = sessions(&[(1, "bob"), (2, "carol")]);
    assert_eq!(room(QUOTA, &open, 2, "alice"), Err("too_many_sessions"));
    assert_eq!(room(QUOTA, &open, 1, "alice"), Ok(vec![]));
}
