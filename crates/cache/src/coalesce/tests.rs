//! Unit tests of the flight map: joining, completing, abandoning.

use super::*;

type Outcome = Result<u32, String>;

fn leader<'a>(inflight: &'a Inflight, key: &'a str) -> Leader<'a, u32, String> {
    match inflight.join::<u32, String>(key) {
        Join::Leader(leader) => leader,
        Join::Waiter(_) => panic!("expected to lead {key}"),
    }
}

fn waiter(inflight: &Inflight, key: &str) -> Waiter<u32, String> {
    match inflight.join::<u32, String>(key) {
        Join::Waiter(waiter) => waiter,
        Join::Leader(_) => panic!("expected to wait for {key}"),
    }
}

#[tokio::test]
async fn second_caller_waits_and_gets_the_leaders_outcome() {
    let inflight = Inflight::default();
    let leader = leader(&inflight, "k");
    let waiter = waiter(&inflight, "k");
    leader.complete(Ok(7));
    assert_eq!(waiter.outcome().await, Some(Ok::<u32, String>(7)));
    assert_eq!(inflight.len(), 0);
}

#[tokio::test]
async fn errors_reach_the_waiters() {
    let inflight = Inflight::default();
    let leader = leader(&inflight, "k");
    let waiter = waiter(&inflight, "k");
    leader.complete(Err("down".to_owned()));
    assert_eq!(waiter.outcome().await, Some(Err::<u32, String>("down".to_owned())));
}

#[tokio::test]
async fn dropped_leader_ends_the_flight_without_an_outcome() {
    let inflight = Inflight::default();
    let leader = leader(&inflight, "k");
    let waiter = waiter(&inflight, "k");
    drop(leader);
    assert_eq!(waiter.outcome().await, None::<Outcome>);
    assert_eq!(inflight.len(), 0);
    // The next caller leads a new flight.
    assert!(matches!(inflight.join::<u32, String>("k"), Join::Leader(_)));
}

#[test]
fn different_keys_fly_separately() {
    let inflight = Inflight::default();
    let _a = leader(&inflight, "a");
    let _b = leader(&inflight, "b");
    assert_eq!(inflight.len(), 2);
}

#[test]
fn caller_with_another_error_type_computes_alone() {
    let inflight = Inflight::default();
    let _leader = leader(&inflight, "k");
    match inflight.join::<u32, std::io::ErrorKind>("k") {
        Join::Leader(alone) => assert_eq!(alone.id, None),
        Join::Waiter(_) => panic!("a flight of another error type must not be joined"),
    }
    // Its end leaves the registered flight in place.
    assert_eq!(inflight.len(), 1);
}

#[test]
fn stale_leader_does_not_remove_its_successor() {
    let inflight = Inflight::default();
    let mut first = leader(&inflight, "k");
    // Simulate the first flight having been replaced under the same key.
    first.deregister();
    first.id = Some(u64::MAX);
    let _second = leader(&inflight, "k");
    drop(first);
    assert_eq!(inflight.len(), 1);
}

#[test]
fn abandoned_flight_left_in_the_map_is_replaced_not_joined() {
    let inflight = Inflight::default();
    let mut lost = leader(&inflight, "k");
    // Drop the sender without deregistering.
    lost.id = None;
    drop(lost);
    assert_eq!(inflight.len(), 1);
    assert!(matches!(inflight.join::<u32, String>("k"), Join::Leader(ref l) if l.id.is_some()));
}
