//! What a run measured: counts, latency per route, errors by kind, cache hits by tier; as a table and as JSON.
//!
//! The JSON report (`--json FILE`):
//!
//! ```text
//! {
//!   "loadgen": 1,                                   format version
//!   "config": {"transport": "stdio"|"http", "wire": "sessions"|"stateless"|null, "targets": [..],
//!              "connections": N, "mix": "cached", "mix_entries": N, "namespace": "..", "use_cache": bool|null,
//!              "warmup_s": f, "duration_s": f|null, "rate": f|null, "requests": N|null, "timeout_s": f, "seed": N},
//!   "elapsed_s": f,                                 measured time: from the end of the warm-up to the last answer
//!   "sent": N, "ok": N, "errors": N,                sent = ok + errors (measured requests only)
//!   "throughput_rps": f,                            sent / elapsed_s
//!   "latency_ms": {"p50", "p95", "p99", "max", "mean"},          every measured request
//!   "routes": {ROUTE: {"count", "ok", "errors", "p50", "p95", "p99", "max", "mean"}},
//!                                                   ROUTE: the result's routing.route, else its pattern_type,
//!                                                   `none` when there is no result (transport, JSON-RPC, timeout)
//!   "error_kinds": {"transport": {"total": N, "by": {LABEL: N}},  connect, io, exited, http_503, session, ...
//!                   "jsonrpc":   {"total": N, "by": {CODE: N}},
//!                   "tool":      {"total": N, "by": {REASON: N}}, metadata.error_reason, `none` without one
//!                   "timeout":   {"total": N}},
//!   "cache": {"results": N,                         successful results (the denominator)
//!             "hits": N, "hit_rate": f,             0..1
//!             "by_tier": {"local": {"hits": N, "rate": f}, "redis": {"hits": N, "rate": f}}}
//! }
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Map, Value, json};

use crate::protocol::Outcome;

/// Format version of the JSON report.
pub const FORMAT: u64 = 1;

fn histogram() -> Histogram<u64> {
    // Microseconds, 1 µs to 10 min, 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid bounds")
}

#[derive(Debug, Clone)]
struct Latencies {
    histogram: Histogram<u64>,
    count: u64,
    ok: u64,
}

impl Default for Latencies {
    fn default() -> Self {
        Self { histogram: histogram(), count: 0, ok: 0 }
    }
}

impl Latencies {
    fn record(&mut self, micros: u64, ok: bool) {
        self.histogram.saturating_record(micros.max(1));
        self.count += 1;
        self.ok += u64::from(ok);
    }

    fn merge(&mut self, other: &Self) {
        self.histogram.add(&other.histogram).expect("same bounds");
        self.count += other.count;
        self.ok += other.ok;
    }

    fn quantiles(&self) -> Map<String, Value> {
        let ms = |micros: u64| (micros as f64) / 1000.0;
        let h = &self.histogram;
        let mut out = Map::new();
        for (name, q) in [("p50", 0.50), ("p95", 0.95), ("p99", 0.99)] {
            out.insert(name.into(), json!(ms(h.value_at_quantile(q))));
        }
        out.insert("max".into(), json!(ms(h.max())));
        out.insert("mean".into(), json!(h.mean() / 1000.0));
        out
    }
}

/// What one client (or, merged, the whole run) measured.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    all: Latencies,
    routes: BTreeMap<String, Latencies>,
    transport: BTreeMap<String, u64>,
    jsonrpc: BTreeMap<String, u64>,
    tool: BTreeMap<String, u64>,
    timeout: u64,
    results: u64,
    hits_local: u64,
    hits_redis: u64,
    hits_other: u64,
}

impl Stats {
    pub fn record(&mut self, outcome: &Outcome, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let ok = matches!(outcome, Outcome::Ok(_));
        let route = outcome
            .result()
            .and_then(|r| r.pointer("/routing/route").or_else(|| r.get("pattern_type")))
            .and_then(Value::as_str)
            .unwrap_or("none");
        self.all.record(micros, ok);
        self.routes.entry(route.to_owned()).or_default().record(micros, ok);
        match outcome {
            Outcome::Ok(result) => {
                self.results += 1;
                if result.get("cache_hit") == Some(&Value::Bool(true)) {
                    match result.get("cache_tier").and_then(Value::as_str) {
                        Some("local") => self.hits_local += 1,
                        Some("redis") => self.hits_redis += 1,
                        _ => self.hits_other += 1,
                    }
                }
            }
            Outcome::Tool(result) => {
                let reason = result
                    .as_ref()
                    .and_then(|r| r.pointer("/metadata/error_reason"))
                    .and_then(Value::as_str)
                    .unwrap_or("none");
                *self.tool.entry(reason.to_owned()).or_default() += 1;
            }
            Outcome::JsonRpc(code) => *self.jsonrpc.entry(code.to_string()).or_default() += 1,
            Outcome::Transport(label) => *self.transport.entry(label.clone()).or_default() += 1,
            Outcome::Timeout => self.timeout += 1,
        }
    }

    pub fn merge(&mut self, other: &Self) {
        self.all.merge(&other.all);
        for (route, latencies) in &other.routes {
            self.routes.entry(route.clone()).or_default().merge(latencies);
        }
        for (mine, theirs) in [
            (&mut self.transport, &other.transport),
            (&mut self.jsonrpc, &other.jsonrpc),
            (&mut self.tool, &other.tool),
        ] {
            for (label, n) in theirs {
                *mine.entry(label.clone()).or_default() += n;
            }
        }
        self.timeout += other.timeout;
        self.results += other.results;
        self.hits_local += other.hits_local;
        self.hits_redis += other.hits_redis;
        self.hits_other += other.hits_other;
    }

    pub fn sent(&self) -> u64 {
        self.all.count
    }

    /// The JSON report; `config` is put in as given.
    pub fn to_json(&self, config: Value, elapsed: Duration) -> Value {
        let elapsed_s = elapsed.as_secs_f64();
        let sent = self.all.count;
        let errors = sent - self.all.ok;
        let rate = |n: u64| if self.results == 0 { 0.0 } else { n as f64 / self.results as f64 };
        let hits = self.hits_local + self.hits_redis + self.hits_other;
        let routes: Map<String, Value> = self
            .routes
            .iter()
            .map(|(route, l)| {
                let mut entry = Map::new();
                entry.insert("count".into(), json!(l.count));
                entry.insert("ok".into(), json!(l.ok));
                entry.insert("errors".into(), json!(l.count - l.ok));
                entry.extend(l.quantiles());
                (route.clone(), Value::Object(entry))
            })
            .collect();
        let kind =
            |by: &BTreeMap<String, u64>| json!({"total": by.values().sum::<u64>(), "by": by});
        let mut by_tier = json!({
            "local": {"hits": self.hits_local, "rate": rate(self.hits_local)},
            "redis": {"hits": self.hits_redis, "rate": rate(self.hits_redis)},
        });
        if self.hits_other > 0 {
            by_tier["unknown"] = json!({"hits": self.hits_other, "rate": rate(self.hits_other)});
        }
        json!({
            "loadgen": FORMAT,
            "config": config,
            "elapsed_s": elapsed_s,
            "sent": sent,
            "ok": self.all.ok,
            "errors": errors,
            "throughput_rps": if elapsed_s > 0.0 { sent as f64 / elapsed_s } else { 0.0 },
            "latency_ms": self.all.quantiles(),
            "routes": routes,
            "error_kinds": {
                "transport": kind(&self.transport),
                "jsonrpc": kind(&self.jsonrpc),
                "tool": kind(&self.tool),
                "timeout": {"total": self.timeout},
            },
            "cache": {"results": self.results, "hits": hits, "hit_rate": rate(hits), "by_tier": by_tier},
        })
    }
}

/// The report as a table for a terminal.
pub fn table(report: &Value) -> String {
    let mut out = String::new();
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    let config = &report["config"];
    let _ = writeln!(
        out,
        "mix {}, {}, {} connection(s) to {} target(s){}; measured {:.2} s after a {:.1} s warm-up",
        config["mix"].as_str().unwrap_or("?"),
        match config["wire"].as_str() {
            Some(wire) => format!("http ({wire} wire)"),
            None => config["transport"].as_str().unwrap_or("?").to_owned(),
        },
        n(&config["connections"]),
        config["targets"].as_array().map_or(0, Vec::len),
        match config["rate"].as_f64() {
            Some(rate) => format!(", {rate} req/s offered"),
            None => String::new(),
        },
        f(&report["elapsed_s"]),
        f(&config["warmup_s"]),
    );
    let _ = writeln!(
        out,
        "sent {}  ok {}  errors {}  throughput {:.1} req/s",
        n(&report["sent"]),
        n(&report["ok"]),
        n(&report["errors"]),
        f(&report["throughput_rps"])
    );
    let _ = writeln!(
        out,
        "{:<16} {:>9} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "route", "count", "ok", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let row = |out: &mut String, name: &str, count: u64, ok: u64, l: &Value| {
        let _ = writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            name,
            count,
            ok,
            count - ok,
            f(&l["p50"]),
            f(&l["p95"]),
            f(&l["p99"]),
            f(&l["max"])
        );
    };
    if let Some(routes) = report["routes"].as_object() {
        for (route, r) in routes {
            row(&mut out, route, n(&r["count"]), n(&r["ok"]), r);
        }
    }
    row(&mut out, "all", n(&report["sent"]), n(&report["ok"]), &report["latency_ms"]);
    let kinds = &report["error_kinds"];
    let _ = writeln!(
        out,
        "errors by kind: transport {}, json-rpc {}, tool {}, timeout {}",
        n(&kinds["transport"]["total"]),
        n(&kinds["jsonrpc"]["total"]),
        n(&kinds["tool"]["total"]),
        n(&kinds["timeout"]["total"])
    );
    for kind in ["transport", "jsonrpc", "tool"] {
        if let Some(by) = kinds[kind]["by"].as_object() {
            for (label, count) in by {
                let _ = writeln!(out, "  {kind} {label}: {}", n(count));
            }
        }
    }
    let cache = &report["cache"];
    let _ = writeln!(
        out,
        "cache hit rate {:.1} % of {} successful results (local {:.1} %, redis {:.1} %)",
        100.0 * f(&cache["hit_rate"]),
        n(&cache["results"]),
        100.0 * f(&cache["by_tier"]["local"]["rate"]),
        100.0 * f(&cache["by_tier"]["redis"]["rate"]),
    );
    out
}

#[cfg(test)]
mod tests;
