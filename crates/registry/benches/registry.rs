//! Benchmarks of `registry/match` (one 100-character query against 10, 100, 1,000 and 10,000
//! generated patterns, and the built-ins) and `registry/load` (parse, validate, compile).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pattern_registry::{LoadOptions, Registry};

/// A pattern file of `n` memory patterns with distinct triggers and one capture each.
fn patterns(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "[[pattern]]\nname = \"generated_{i}\"\ntype = \"memory\"\ntrigger = '(?i)\\bcommand_{i}\\b\\s+(?P<arg>\\w+)'\npriority = {}\n[pattern.memory]\nop = \"search\"\ntext = \"{{arg}}\"\n\n",
                i % 7
            )
        })
        .collect()
}

/// A 100-character query that matches the last generated pattern only.
fn query(n: usize) -> String {
    let mut q = format!("please run command_{} deploy and then report the results back", n - 1);
    while q.len() < 100 {
        q.push_str(" now");
    }
    q.truncate(100);
    q
}

fn bench_match(c: &mut Criterion) {
    let mut group = c.benchmark_group("registry/match");
    for n in [10, 100, 1_000, 10_000] {
        let opts = LoadOptions { builtins: false, ..LoadOptions::default() };
        let registry = Registry::from_toml_str(&patterns(n), "bench.toml", &opts).unwrap().registry;
        let q = query(n);
        let found = registry.match_uncached(&q).unwrap();
        assert_eq!(found.pattern.name, format!("generated_{}", n - 1));
        assert_eq!(found.captures["arg"], "deploy");
        group.bench_with_input(BenchmarkId::new("uncached", n), &q, |b, q| {
            b.iter(|| registry.match_uncached(black_box(q)))
        });
        group.bench_with_input(BenchmarkId::new("cached", n), &q, |b, q| {
            b.iter(|| registry.match_query(black_box(q)))
        });
    }
    // The shipped built-ins on a realistic 100-character request.
    let registry = Registry::with_builtins();
    let q = "what did we note about the staging database port and the replica lag we saw after the last failover?";
    assert_eq!(q.len(), 100);
    assert_eq!(registry.match_uncached(q).unwrap().pattern.name, "recall_memory");
    group.bench_function("uncached/builtins", |b| b.iter(|| registry.match_uncached(black_box(q))));
    group.bench_function("cached/builtins", |b| b.iter(|| registry.match_query(black_box(q))));
    group.finish();
}

fn bench_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("registry/load");
    group.sample_size(10);
    for n in [100, 1_000] {
        let src = patterns(n);
        let opts = LoadOptions::default();
        group.bench_with_input(BenchmarkId::from_parameter(n), &src, |b, src| {
            b.iter(|| Registry::from_toml_str(black_box(src), "bench.toml", &opts).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_match, bench_load);
criterion_main!(benches);
