//! Unit tests of the generation map: monotonic per namespace, bounded.

use super::*;

#[test]
fn generation_starts_at_zero_and_counts_writes() {
    let generations = Generations::new(8);
    assert_eq!(generations.get("ns"), 0);
    assert_eq!(generations.bump("ns"), 1);
    assert_eq!(generations.bump("ns"), 2);
    assert_eq!(generations.get("ns"), 2);
}

#[test]
fn namespaces_have_their_own_generation() {
    let generations = Generations::new(8);
    generations.bump("a");
    generations.bump("a");
    assert_eq!(generations.get("a"), 2);
    assert_eq!(generations.get("b"), 0);
}

#[test]
fn full_map_moves_every_namespace_past_all_it_held() {
    let generations = Generations::new(2);
    generations.bump("a");
    generations.bump("a");
    generations.bump("a"); // a = 3
    generations.bump("b"); // b = 1
    let quiet_before = generations.get("quiet");
    assert_eq!(quiet_before, 0);

    // A third namespace overflows the map: a and b are forgotten.
    assert_eq!(generations.bump("c"), 5);
    assert_eq!(generations.get("a"), 4, "a must never return to a generation it had");
    assert_eq!(generations.get("b"), 4);
    assert_eq!(generations.get("quiet"), 4);
    assert_eq!(generations.bump("a"), 5);
}

#[test]
fn concurrent_bumps_are_all_counted() {
    let generations = std::sync::Arc::new(Generations::new(8));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let generations = std::sync::Arc::clone(&generations);
            std::thread::spawn(move || {
                for _ in 0..250 {
                    generations.bump("ns");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(generations.get("ns"), 1000);
}
