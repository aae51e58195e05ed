use super::*;
use serde_json::json;

#[test]
fn every_profile_parses() {
    for (name, _) in PROFILES {
        let mix = Mix::profile(name).unwrap();
        assert!(mix.len() > 0, "{name}");
    }
}

#[test]
fn weights_set_the_frequencies() {
    let mix = Mix::parse(
        "t",
        r#"{"requests": [{"weight": 3, "arguments": {"query": "a"}}, {"arguments": {"query": "b"}}]}"#,
    )
    .unwrap();
    let mut rng = Rng::new(7);
    let a = (0..40_000).filter(|_| mix.pick(&mut rng)["query"] == "a").count();
    assert!((29_000..31_000).contains(&a), "{a} of 40000 should be about 30000");
}

#[test]
fn zipf_ranks_follow_file_order() {
    let mix = Mix::parse(
        "t",
        r#"{"zipf": 1.0, "requests": [{"arguments": {"query": "a"}}, {"arguments": {"query": "b"}}]}"#,
    )
    .unwrap();
    let mut rng = Rng::new(1);
    let a = (0..30_000).filter(|_| mix.pick(&mut rng)["query"] == "a").count();
    // Weights 1 and 1/2: two thirds are `a`.
    assert!((19_000..21_000).contains(&a), "{a}");
}

#[test]
fn namespace_and_use_cache_are_applied() {
    let mut mix = Mix::parse(
        "t",
        r#"{"namespace": "x", "seed": [{"query": "s"}],
            "requests": [{"arguments": {"query": "a"}}, {"arguments": {"query": "b", "namespace": "y"}}]}"#,
    )
    .unwrap();
    assert_eq!(mix.seed[0]["namespace"], "x");
    assert_eq!(mix.requests[1]["namespace"], "y");
    mix.set_namespace("z", true);
    mix.set_use_cache(false);
    assert_eq!(mix.requests[1]["namespace"], "z");
    assert_eq!(mix.requests[0]["use_cache"], false);
    assert!(mix.seed[0].get("use_cache").is_none());
}

#[test]
fn mistakes_are_refused_with_their_place() {
    for (text, needle) in [
        (r#"{"requests": []}"#, "empty"),
        (r#"{"request": []}"#, "unknown key `request`"),
        (r#"{"requests": [{"arguments": {}}]}"#, "requests[0]"),
        (r#"{"requests": [{"weight": 0, "arguments": {"query": "a"}}]}"#, "requests[0]"),
        (r#"{"requests": [{"arguments": {"query": "a"}}], "seed": [1]}"#, "seed[0]"),
    ] {
        let error = format!("{:#}", Mix::parse("t", text).unwrap_err());
        assert!(error.contains(needle), "{text}: {error}");
    }
    assert!(format!("{:#}", Mix::profile("nope").unwrap_err()).contains("cached"));
}

#[test]
fn placeholders_expand_everywhere() {
    let value = json!({"query": "q {seq}", "idempotency_key": "k-{run}-{seq}", "context": {"tags": ["c{client}"]}});
    let out = expand(&value, Vars { run: "r1", seq: 42, client: 3 });
    assert_eq!(
        out,
        json!({"query": "q 42", "idempotency_key": "k-r1-42", "context": {"tags": ["c3"]}})
    );
}
