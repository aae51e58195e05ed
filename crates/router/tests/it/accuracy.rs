//! Balanced-mode accuracy on labelled query sets, with a confusion matrix.
//!
//! Every set is a file of `tests/data` (one JSON object a line: `query`,
//! `route`, `why`); `PATTERN_MCP_ROUTING_VERBOSE=1` lists the misses. To
//! score another file, run `cargo run -p pattern-router --example evaluate -- FILE`.

use std::path::PathBuf;

use pattern_core::Route;
use pattern_router::{Router, RouterConfig};

/// The labelled sets, each a file of `tests/data`.
pub const SETS: &[&str] = &[
    "routing-dev.jsonl",
    "routing-heldout.jsonl",
    "routing-domains.jsonl",
    "routing-train.jsonl",
    "routing-validation.jsonl",
    "routing-probe.jsonl",
    "routing-blind.jsonl",
];

#[derive(serde::Deserialize)]
pub struct Labelled {
    pub query: String,
    pub route: Route,
}

/// The queries of `tests/data/<set>`, in file order.
pub fn labelled(set: &str) -> Vec<Labelled> {
    let path = manifest_dir().join("tests/data").join(set);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read the labelled routing data at {}: {e}", path.display())
    });
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), n + 1))
        })
        .collect()
}

struct Report {
    accuracy: f64,
    total: usize,
    /// confusion[expected][predicted], in `Route::ALL` order.
    confusion: [[usize; 3]; 3],
    misses: Vec<(Route, Route, String)>,
}

fn index(r: Route) -> usize {
    Route::ALL.iter().position(|x| *x == r).unwrap()
}

fn evaluate(set: &str) -> Report {
    let router = Router::new(RouterConfig::default());
    let mut confusion = [[0; 3]; 3];
    let mut misses = Vec::new();
    let items = labelled(set);
    for item in &items {
        let got = router.classify(&item.query).route;
        confusion[index(item.route)][index(got)] += 1;
        if got != item.route {
            misses.push((item.route, got, item.query.clone()));
        }
    }
    let correct: usize = (0..3).map(|i| confusion[i][i]).sum();
    Report {
        accuracy: correct as f64 / items.len().max(1) as f64,
        total: items.len(),
        confusion,
        misses,
    }
}

fn print(name: &str, r: &Report) {
    eprintln!("{name}: accuracy {:.3} ({} queries)", r.accuracy, r.total);
    eprintln!("{:>16} {:>14} {:>8} {:>8}", "expected\\got", "infrastructure", "memory", "hybrid");
    for (i, route) in Route::ALL.iter().enumerate() {
        let row = r.confusion[i];
        eprintln!("{:>16} {:>14} {:>8} {:>8}", route.as_str(), row[0], row[1], row[2]);
    }
    if std::env::var_os("PATTERN_MCP_ROUTING_VERBOSE").is_some() {
        for (want, got, q) in &r.misses {
            eprintln!("  want {want:<14} got {got:<14} {q}");
        }
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(set: &str, threshold: f64) {
    let report = evaluate(set);
    print(set, &report);
    assert!(report.accuracy >= threshold, "{set}: accuracy {:.3} < {threshold}", report.accuracy);
}

#[test]
fn balanced_routing_reaches_ninety_percent_on_the_dev_set() {
    check("routing-dev.jsonl", 0.90);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_heldout_set() {
    check("routing-heldout.jsonl", 0.85);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_across_domains() {
    check("routing-domains.jsonl", 0.85);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_training_set() {
    check("routing-train.jsonl", 0.85);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_validation_set() {
    check("routing-validation.jsonl", 0.85);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_operations_probe() {
    check("routing-probe.jsonl", 0.85);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_blind_set() {
    check("routing-blind.jsonl", 0.85);
}
