//! The trust rules of the invalidation link, without Redis: heartbeats, resets, the fetch token, and when a write has settled.

use std::time::Duration;

use super::*;

fn state() -> LinkState {
    LinkState::new("me".into(), Duration::from_secs(3600))
}

fn own_heartbeat(link: &LinkState) {
    let beat = link.heartbeat();
    link.on_message(&beat);
}

#[test]
fn link_is_untrusted_until_an_own_heartbeat_comes_back() {
    let link = state();
    assert!(!link.trusted());
    link.on_message(&format!("{HEARTBEAT_PREFIX}someone-else:500:{}", link.now()));
    assert!(!link.trusted(), "another instance's heartbeat proves nothing about this link");
    own_heartbeat(&link);
    assert!(link.trusted());
}

#[test]
fn heartbeat_published_before_a_reset_does_not_restore_trust() {
    let link = state();
    let early = link.heartbeat();
    link.reset();
    link.on_message(&early);
    assert!(!link.trusted());
    own_heartbeat(&link);
    assert!(link.trusted());
}

#[test]
fn trust_lapses_after_the_window() {
    let link = LinkState::new("me".into(), Duration::from_millis(1));
    own_heartbeat(&link);
    std::thread::sleep(Duration::from_millis(5));
    assert!(!link.trusted());
    assert_eq!(link.known("ns"), None);
}

#[test]
fn remembered_generation_is_forgotten_on_announced_write_and_on_reset() {
    let link = state();
    own_heartbeat(&link);
    let token = link.before_fetch();
    link.remember(token, "ns", 4);
    assert_eq!(link.known("ns"), Some(4));
    link.on_message(&format!("{WRITE_PREFIX}peer:1:ns"));
    assert_eq!(link.known("ns"), None);

    link.remember(link.before_fetch(), "ns", 5);
    assert_eq!(link.known("ns"), Some(5));
    let resets = link.resets();
    link.reset();
    assert_eq!(link.known("ns"), None);
    assert!(resets.has_changed().unwrap());
}

#[test]
fn fetch_spanning_a_write_is_not_remembered() {
    let link = state();
    own_heartbeat(&link);
    let token = link.before_fetch();
    link.on_message(&format!("{WRITE_PREFIX}peer:1:other"));
    link.remember(token, "ns", 4);
    assert_eq!(link.known("ns"), None);
}

#[test]
fn fetch_started_while_untrusted_is_not_remembered() {
    let link = state();
    let token = link.before_fetch();
    assert_eq!(token, None);
    own_heartbeat(&link);
    link.remember(token, "ns", 4);
    assert_eq!(link.known("ns"), None);
}

/// A heartbeat of instance `id` announcing a trust window of `window_ms`.
fn peer_heartbeat(link: &LinkState, id: &str, window_ms: u64) {
    assert_eq!(link.on_message(&format!("{HEARTBEAT_PREFIX}{id}:{window_ms}:1")), None);
}

fn is_settled(link: &LinkState, write: u64) -> bool {
    *link.settled(write).1.expect("the write is pending").borrow()
}

#[test]
fn another_instances_write_is_forgotten_then_acknowledged_to_its_writer() {
    let link = state();
    own_heartbeat(&link);
    link.remember(link.before_fetch(), "a:b", 4);
    let ack = link.on_message(&format!("{WRITE_PREFIX}peer:17:a:b"));
    assert_eq!(ack.as_deref(), Some("a:me:peer:17"), "namespaces may hold colons");
    assert_eq!(link.known("a:b"), None);
}

#[test]
fn own_write_settles_when_it_comes_back_and_no_peer_was_heard() {
    let link = state();
    let (write, message) = link.begin_write("ns");
    assert!(!is_settled(&link, write));
    assert_eq!(link.on_message(&message), None, "no acknowledgement of its own write");
    assert!(is_settled(&link, write));
    link.end_write(write);
    assert!(link.settled(write).1.is_none());
}

#[test]
fn own_write_waits_for_every_peer_heard_within_its_window() {
    let link = state();
    peer_heartbeat(&link, "b", 60_000);
    peer_heartbeat(&link, "c", 60_000);
    let (write, message) = link.begin_write("ns");
    link.on_message(&message);
    assert!(!is_settled(&link, write));
    // Another writer's acknowledgements and unknown writes change nothing.
    link.on_message(&format!("{ACK_PREFIX}b:someone:{write}"));
    link.on_message(&format!("{ACK_PREFIX}b:me:{}", write + 1));
    assert!(!is_settled(&link, write));
    link.on_message(&format!("{ACK_PREFIX}b:me:{write}"));
    assert!(!is_settled(&link, write), "c has not acknowledged yet");
    link.on_message(&format!("{ACK_PREFIX}c:me:{write}"));
    assert!(is_settled(&link, write));
    assert_eq!(link.settled(write).0, Duration::from_secs(3600), "the longest window, its own");
}

#[test]
fn peer_silent_for_longer_than_its_window_is_not_waited_for() {
    let link = state();
    peer_heartbeat(&link, "gone", 1);
    std::thread::sleep(Duration::from_millis(5));
    let (write, message) = link.begin_write("ns");
    link.on_message(&message);
    assert!(is_settled(&link, write));
}

#[test]
fn write_coming_back_soon_after_a_reset_waits_for_its_deadline() {
    let link = state();
    link.reset();
    let (write, message) = link.begin_write("ns");
    link.on_message(&message);
    assert!(!is_settled(&link, write), "heartbeats may have been lost in the reset");
    assert_eq!(link.on_message(&format!("{ACK_PREFIX}b:me:{write}")), None);
    assert!(!is_settled(&link, write));
}

#[test]
fn deadline_is_the_longest_window_heard() {
    let link = LinkState::new("me".into(), Duration::from_millis(500));
    peer_heartbeat(&link, "slow", 2_000);
    let (write, _) = link.begin_write("ns");
    assert_eq!(link.settled(write).0, Duration::from_secs(2));
}

#[test]
fn malformed_messages_are_ignored() {
    let link = state();
    own_heartbeat(&link);
    link.remember(link.before_fetch(), "ns", 4);
    for message in
        ["w:", "w:peer", "w:peer:1", "a:", "a:b:me", "a:b:me:x", "h:", "h:b", "h:b:x:1", "x:y", ""]
    {
        assert_eq!(link.on_message(message), None, "{message:?}");
    }
    assert_eq!(link.known("ns"), Some(4));
    assert!(link.trusted());
}

#[test]
fn oldest_write_is_dropped_past_the_bound_and_never_reads_as_settled() {
    let link = state();
    let (first, _) = link.begin_write("ns");
    let receiver = link.settled(first).1.expect("the write is pending");
    for _ in 0..MAX_TRACKED {
        link.begin_write("ns");
    }
    assert!(link.settled(first).1.is_none(), "dropped: its writer waits for the deadline");
    assert!(!*receiver.borrow());
    assert!(receiver.has_changed().is_err(), "its channel is closed, not settled");
}
