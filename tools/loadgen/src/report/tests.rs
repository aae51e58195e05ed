use super::*;

fn ok(route: &str, tier: Option<&str>) -> Outcome {
    Outcome::Ok(
        json!({"routing": {"route": route}, "cache_hit": tier.is_some(), "cache_tier": tier}),
    )
}

#[test]
fn counts_add_up_and_rates_are_fractions() {
    let mut a = Stats::default();
    a.record(&ok("memory", None), Duration::from_millis(2));
    a.record(&ok("memory", Some("local")), Duration::from_micros(300));
    let mut b = Stats::default();
    b.record(&ok("infrastructure", Some("redis")), Duration::from_millis(1));
    b.record(
        &Outcome::Tool(Some(
            json!({"pattern_type": "memory", "metadata": {"error_reason": "store_unavailable"}}),
        )),
        Duration::from_millis(5),
    );
    b.record(&Outcome::Transport("http_503".into()), Duration::from_millis(1));
    b.record(&Outcome::Timeout, Duration::from_secs(30));
    b.record(&Outcome::JsonRpc(-32602), Duration::from_millis(1));
    a.merge(&b);
    let report = a.to_json(json!({}), Duration::from_secs(2));
    assert_eq!(report["sent"], 7);
    assert_eq!(report["ok"], 3);
    assert_eq!(report["errors"], 4);
    assert_eq!(report["throughput_rps"], 3.5);
    assert_eq!(report["routes"]["memory"]["count"], 3);
    assert_eq!(report["routes"]["memory"]["errors"], 1);
    assert_eq!(report["routes"]["none"]["count"], 3);
    assert_eq!(report["error_kinds"]["tool"]["by"]["store_unavailable"], 1);
    assert_eq!(report["error_kinds"]["transport"]["by"]["http_503"], 1);
    assert_eq!(report["error_kinds"]["jsonrpc"]["by"]["-32602"], 1);
    assert_eq!(report["error_kinds"]["timeout"]["total"], 1);
    assert_eq!(report["cache"]["results"], 3);
    assert_eq!(report["cache"]["hits"], 2);
    assert!(
        (report["cache"]["by_tier"]["local"]["rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9
    );
    assert!(report["latency_ms"]["max"].as_f64().unwrap() >= 29_000.0);
    let text = table(&report);
    assert!(text.contains("tool store_unavailable: 1"), "{text}");
    assert!(text.contains("cache hit rate 66.7 %"), "{text}");
}
