//! Unit tests of `backoff.rs`.

use super::*;

#[test]
fn delays_double_from_half_a_second_up_to_thirty_seconds() {
    let mut backoff = Backoff::default();
    let delays: Vec<u64> = (0..9).map(|_| backoff.next_delay().as_millis() as u64).collect();
    assert_eq!(delays, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
}

#[test]
fn reset_starts_again_from_the_initial_delay() {
    let mut backoff = Backoff::default();
    backoff.next_delay();
    backoff.next_delay();
    backoff.reset();
    assert_eq!(backoff.next_delay(), Duration::from_millis(500));
}
