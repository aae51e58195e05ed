//! Balanced-mode accuracy on labelled query sets, with a confusion matrix.

use std::path::{Path, PathBuf};

use pattern_core::Route;
use pattern_router::{Router, RouterConfig};

#[derive(serde::Deserialize)]
struct Labelled {
    query: String,
    route: Route,
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

fn evaluate(path: &Path) -> Report {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("cannot read the labelled routing data at {}: {e}", path.display())
    });
    let router = Router::new(RouterConfig::default());
    let mut confusion = [[0; 3]; 3];
    let mut misses = Vec::new();
    let mut total = 0;
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let item: Labelled = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), n + 1));
        let got = router.classify(&item.query, true).route;
        confusion[index(item.route)][index(got)] += 1;
        if got != item.route {
            misses.push((item.route, got, item.query));
        }
        total += 1;
    }
    let correct: usize = (0..3).map(|i| confusion[i][i]).sum();
    Report { accuracy: correct as f64 / total.max(1) as f64, total, confusion, misses }
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

#[test]
fn balanced_routing_reaches_ninety_percent_on_the_dev_set() {
    let path = std::env::var_os("PATTERN_MCP_ROUTING_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../../../shared/data/routing-dev.jsonl"));
    assert!(
        path.exists(),
        "the routing dev set is missing: expected {} (set PATTERN_MCP_ROUTING_DATA to override)",
        path.display()
    );
    let report = evaluate(&path);
    print("routing-dev", &report);
    assert!(report.accuracy >= 0.90, "dev accuracy {:.3} < 0.90", report.accuracy);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_heldout_set() {
    let report = evaluate(&manifest_dir().join("tests/data/routing-heldout.jsonl"));
    print("routing-heldout", &report);
    assert!(report.accuracy >= 0.85, "held-out accuracy {:.3} < 0.85", report.accuracy);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_across_domains() {
    let report = evaluate(&manifest_dir().join("tests/data/routing-domains.jsonl"));
    print("routing-domains", &report);
    assert!(report.accuracy >= 0.85, "domains accuracy {:.3} < 0.85", report.accuracy);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_training_set() {
    let report = evaluate(&manifest_dir().join("tests/data/routing-train.jsonl"));
    print("routing-train", &report);
    assert!(report.accuracy >= 0.85, "training accuracy {:.3} < 0.85", report.accuracy);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_validation_set() {
    let report = evaluate(&manifest_dir().join("tests/data/routing-validation.jsonl"));
    print("routing-validation", &report);
    assert!(report.accuracy >= 0.85, "validation accuracy {:.3} < 0.85", report.accuracy);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_operations_probe() {
    let report = evaluate(&manifest_dir().join("tests/data/routing-probe.jsonl"));
    print("routing-probe", &report);
    assert!(report.accuracy >= 0.85, "probe accuracy {:.3} < 0.85", report.accuracy);
}

#[test]
fn balanced_routing_reaches_eighty_five_percent_on_the_blind_set() {
    let report = evaluate(&manifest_dir().join("tests/data/routing-blind.jsonl"));
    print("routing-blind", &report);
    assert!(report.accuracy >= 0.85, "blind accuracy {:.3} < 0.85", report.accuracy);
}
