//! Scores the balanced-mode classifier on labelled JSONL files (one `{"query", "route"}` a line).
//!
//! `cargo run -p pattern-router --example evaluate -- FILE…`, or with no
//! argument the file named by `PATTERN_MCP_ROUTING_DATA`. Prints accuracy,
//! the misses and the confidence levels; no test depends on it.

use std::process::ExitCode;

use pattern_core::Route;
use pattern_router::{Router, RouterConfig};

#[derive(serde::Deserialize)]
struct Labelled {
    query: String,
    route: Route,
}

fn main() -> ExitCode {
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        files.extend(std::env::var("PATTERN_MCP_ROUTING_DATA"));
    }
    if files.is_empty() {
        eprintln!("usage: evaluate FILE… (or set PATTERN_MCP_ROUTING_DATA)");
        return ExitCode::from(2);
    }
    let router = Router::new(RouterConfig::default());
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{file}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let (mut right, mut total, mut confidence) = (0, 0, 0.0);
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let item: Labelled = match serde_json::from_str(line) {
                Ok(item) => item,
                Err(e) => {
                    eprintln!("{file}:{}: {e}", n + 1);
                    return ExitCode::FAILURE;
                }
            };
            let c = router.classify(&item.query);
            total += 1;
            confidence += c.confidence;
            if c.route == item.route {
                right += 1;
            } else {
                println!(
                    "  want {:<14} got {:<14} ({:.2}) {}",
                    item.route.as_str(),
                    c.route.as_str(),
                    c.confidence,
                    item.query
                );
            }
        }
        let accuracy = f64::from(right) / f64::from(total.max(1));
        let mean = confidence / f64::from(total.max(1));
        println!(
            "{file}: {right}/{total} right, accuracy {accuracy:.3}, mean confidence {mean:.3}"
        );
    }
    ExitCode::SUCCESS
}
