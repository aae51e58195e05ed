//! Execution counters and latency histograms behind the `stats` tool.

use std::collections::BTreeMap;
use std::sync::Mutex;

use hdrhistogram::Histogram;
use pattern_core::{ExecutionStats, LatencyPercentiles, PatternType, TokenStats};

/// What one finished execution contributes to the stats.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    pub pattern: &'a str,
    pub pattern_type: PatternType,
    pub success: bool,
    pub latency_us: u64,
    pub tokens: u64,
}

/// Running totals since start. One short critical section per execution;
/// never held across an `.await`.
#[derive(Debug)]
pub struct StatsRecorder {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    executions: ExecutionStats,
    tokens_total: u64,
    latency: BTreeMap<PatternType, Histogram<u64>>,
}

/// Upper bound of the histograms: one hour in microseconds; longer values are clamped.
const MAX_LATENCY_US: u64 = 3_600_000_000;

impl Default for StatsRecorder {
    fn default() -> Self {
        let latency = PatternType::ALL
            .into_iter()
            .map(|t| (t, Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("valid bounds")))
            .collect();
        Self {
            inner: Mutex::new(Inner {
                executions: ExecutionStats::default(),
                tokens_total: 0,
                latency,
            }),
        }
    }
}

impl StatsRecorder {
    pub fn record(&self, o: Outcome<'_>) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let e = &mut g.executions;
        e.total += 1;
        if o.success {
            e.successful += 1;
        } else {
            e.failed += 1;
        }
        *e.by_type.entry(o.pattern_type.as_str().to_owned()).or_default() += 1;
        match e.by_pattern.get_mut(o.pattern) {
            Some(n) => *n += 1,
            None => {
                e.by_pattern.insert(o.pattern.to_owned(), 1);
            }
        }
        g.tokens_total += o.tokens;
        if let Some(h) = g.latency.get_mut(&o.pattern_type) {
            h.saturating_record(o.latency_us.clamp(1, MAX_LATENCY_US));
        }
    }

    /// Executions, tokens and latency percentiles (milliseconds) per pattern type.
    pub fn snapshot(&self) -> (ExecutionStats, TokenStats, BTreeMap<String, LatencyPercentiles>) {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let tokens = TokenStats {
            total: g.tokens_total,
            mean: if g.executions.total == 0 {
                0.0
            } else {
                g.tokens_total as f64 / g.executions.total as f64
            },
        };
        let ms = |h: &Histogram<u64>, q: f64| {
            if h.is_empty() { 0.0 } else { h.value_at_quantile(q) as f64 / 1000.0 }
        };
        let latency = g
            .latency
            .iter()
            .map(|(t, h)| {
                let p = LatencyPercentiles { p50: ms(h, 0.50), p95: ms(h, 0.95), p99: ms(h, 0.99) };
                (t.as_str().to_owned(), p)
            })
            .collect();
        (g.executions.clone(), tokens, latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_recorded_latencies() {
        let s = StatsRecorder::default();
        for i in 1..=100u64 {
            s.record(Outcome {
                pattern: "recall_memory",
                pattern_type: PatternType::Memory,
                success: i != 100,
                latency_us: i * 1000,
                tokens: 10,
            });
        }
        let (exec, tokens, latency) = s.snapshot();
        assert_eq!((exec.total, exec.successful, exec.failed), (100, 99, 1));
        assert_eq!(exec.by_pattern["recall_memory"], 100);
        assert_eq!(tokens.total, 1000);
        assert!((tokens.mean - 10.0).abs() < f64::EPSILON);
        let m = latency["memory"];
        assert!((m.p50 - 50.0).abs() < 0.1, "{m:?}");
        assert!((m.p99 - 99.0).abs() < 0.1, "{m:?}");
        assert_eq!(latency["infrastructure"].p50, 0.0);
    }
}
