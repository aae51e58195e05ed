//! Round trips, the choice between raw and compressed, corrupt input, and the sizes quoted in the module header.

use serde_json::{Value, json};

use super::*;

/// The entry whose JSON is `value`.
fn typed(value: Value) -> CachedResult {
    serde_json::from_value(value).unwrap()
}

/// An entry whose result is `{"v": value}`.
fn holding(value: Value) -> CachedResult {
    typed(json!({"result": {"v": value}}))
}

fn recall() -> CachedResult {
    let texts = [
        "The deploy pipeline for the billing service runs on GitHub Actions and pushes images to the internal registry; staging is promoted to prod by hand after the smoke tests pass.",
        "Alice prefers short answers with code first, and wants every SQL migration reviewed by the data team before it reaches production.",
        "Postgres 16 runs with max_connections 200 behind pgbouncer in transaction mode; long analytics queries go to the read replica at db-replica-2.",
        "The on-call rotation changes on Mondays at 09:00 UTC; escalate to the platform lead if the pager is not acknowledged within 15 minutes.",
        "Decided on 2026-11-02: the cache key covers the namespace, the principal and the pattern-set version, and recalls also carry the memory generation.",
    ];
    let memories: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            json!({
                "id": 1041 + i as i64, "namespace": "team-platform", "content": text,
                "tags": ["ops", "decision"], "importance": 0.5 + i as f64 / 10.0,
                "metadata": {"pattern": "remember_fact"},
                "created_at": format!("2026-11-{:02}T09:{:02}:17.123456Z", 2 + i, 10 + i),
                "score": 3.2 - i as f64 * 0.41,
            })
        })
        .collect();
    typed(json!({
        "result": {"count": 5, "memories": memories, "query": "how do we deploy billing"},
        "metadata": {"memory_op": "search", "namespace": "team-platform"},
    }))
}

fn small_tool_result() -> CachedResult {
    typed(json!({
        "result": {"content": [{"type": "text", "text": "{\n  \"timezone\": \"Europe/Paris\",\n  \"datetime\": \"2026-12-03T14:24:18+01:00\",\n  \"is_dst\": false\n}"}], "isError": false},
        "metadata": {"server": "time", "tool": "get_current_time", "downstream_ms": 3},
    }))
}

fn listing_tool_result() -> CachedResult {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "-rw-r--r--  1 dev dev  {:>6} Nov {:>2} 10:{:02} src/module_{i}/handler_{i}.rs\n",
            1000 + i * 137,
            1 + i % 28,
            i
        ));
    }
    typed(json!({
        "result": {"content": [{"type": "text", "text": text}], "isError": false},
        "metadata": {"server": "filesystem", "tool": "list_directory", "downstream_ms": 12},
    }))
}

#[test]
fn encoded_sizes() {
    let mut sizes = Vec::new();
    for (name, value) in [
        ("recall of 5 memories", recall()),
        ("small tool result", small_tool_result()),
        ("directory listing", listing_tool_result()),
    ] {
        let json = serde_json::to_vec(&value).unwrap().len();
        let stored = encode(&value).unwrap();
        println!(
            "{name}: JSON {json} B, stored {} B (tag {})",
            stored.len(),
            char::from(stored[0])
        );
        assert_eq!(decode(&stored).unwrap(), value, "{name} round trip");
        sizes.push((json, stored.len()));
    }
    // The figures the module header quotes.
    assert_eq!(sizes[0].0, 1856);
    assert_eq!(sizes[1], (247, 248), "small values stay raw: tag byte only");
    assert_eq!(sizes[2].0, 3004);
    assert!(sizes[0].1 <= 1064 && sizes[2].1 <= 1115, "{sizes:?}");
}

#[test]
fn values_below_the_threshold_are_stored_raw() {
    let value = holding(json!("x".repeat(COMPRESS_FROM / 2)));
    let stored = encode(&value).unwrap();
    assert_eq!(stored[0], b'j');
    assert_eq!(&stored[1..], serde_json::to_vec(&value).unwrap().as_slice());
}

#[test]
fn incompressible_values_are_stored_raw() {
    // Distinct pseudo-random digits: LZ4 finds no repeats worth encoding.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let text: String = (0..400)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'!' + (state % 90) as u8)
        })
        .collect();
    let value = holding(Value::String(text));
    let stored = encode(&value).unwrap();
    assert_eq!(stored[0], b'j');
    assert_eq!(decode(&stored).unwrap(), value);
}

#[test]
fn corrupt_values_are_codec_errors() {
    for bytes in [
        &b""[..],
        b"x{}",
        b"j{not json",
        b"j[1, 2]",
        b"j{\"result\": 3}",
        b"z\xff\xff\xff\x7f",
        b"z\x10\x00\x00\x00garbage",
    ] {
        let error = decode(bytes).unwrap_err();
        assert_eq!(error.reason(), "codec", "{bytes:?}: {error}");
    }
}
