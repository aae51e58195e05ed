//! The trust rules of the invalidation link, without Redis: heartbeats, resets and the fetch token.

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
    link.on_message(&format!("{HEARTBEAT_PREFIX}someone-else:{}", link.now()));
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
    link.on_message(&format!("{WRITE_PREFIX}ns"));
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
    link.on_message(&format!("{WRITE_PREFIX}other"));
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
