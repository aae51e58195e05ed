//! Unit tests of `estimate.rs`.

use super::*;

fn estimates() -> Estimates {
    let t = |tokens, latency_ms| Estimate { tokens, latency_ms };
    Estimates::new(0.5, [t(50.0, 25.0), t(100.0, 50.0), t(150.0, 100.0)])
}

#[test]
fn route_average_moves_by_alpha() {
    let e = estimates();
    e.observe("p", Route::Memory, 200, 150.0);
    assert_eq!(e.route(Route::Memory), Estimate { tokens: 150.0, latency_ms: 100.0 });
    assert_eq!(e.route(Route::Hybrid).tokens, 150.0);
}

#[test]
fn unobserved_pattern_uses_its_declared_cost() {
    let e = estimates();
    assert_eq!(e.pattern("p", 70, Route::Hybrid), Estimate { tokens: 70.0, latency_ms: 100.0 });
    e.observe("p", Route::Hybrid, 10, 4.0);
    e.observe("p", Route::Hybrid, 30, 8.0);
    assert_eq!(e.pattern("p", 70, Route::Hybrid), Estimate { tokens: 20.0, latency_ms: 6.0 });
}

#[test]
fn invalid_latency_is_ignored() {
    let e = estimates();
    e.observe("p", Route::Infrastructure, 10, f64::NAN);
    assert_eq!(e.route(Route::Infrastructure).latency_ms, 25.0);
}
