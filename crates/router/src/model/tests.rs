//! Unit tests of the learned model: training, calibration, the shipped weights.

use pattern_core::Route;

use super::features::{DIM, Features, extract};
use super::train::{Example, build, featurize, fit_temperature, folds, parse_jsonl, softmax};
use super::{classify, shipped};

fn example(query: &str, route: Route, domain: &str) -> Example {
    Example { query: query.into(), route, lang: "en".into(), domain: domain.into() }
}

fn tiny() -> Vec<Example> {
    let mut out = Vec::new();
    for (n, d) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        out.push(example(&format!("restart the worker {n} now"), Route::Infrastructure, d));
        out.push(example(&format!("what did we decide about plan {n}?"), Route::Memory, d));
        out.push(example(&format!("deploy {n} with the limits we agreed"), Route::Hybrid, d));
    }
    out
}

#[test]
fn training_is_deterministic() {
    let a = build(&tiny());
    let b = build(&tiny());
    assert_eq!(a.to_bytes(), b.to_bytes());
}

#[test]
fn a_trained_model_learns_its_examples() {
    let model = build(&tiny());
    let v = super::classify_with(&model, "restart the worker 2 now");
    assert_eq!(v.class.route, Route::Infrastructure);
    let v = super::classify_with(&model, "what did we decide about plan 3?");
    assert_eq!(v.class.route, Route::Memory);
}

#[test]
fn the_model_file_round_trips_and_refuses_garbage() {
    let model = build(&tiny());
    let bytes = model.to_bytes();
    let back = super::train::Trained::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes(), bytes);
    assert!(super::train::Trained::from_bytes(b"PRM1 too short").is_err());
}

#[test]
fn the_temperature_softens_an_overconfident_model() {
    // Logits that say 0.99 but are right only about 2 times in 3.
    let logits = vec![[5.0, 0.0, 0.0]; 30];
    let labels: Vec<usize> = (0..30).map(|i| if i % 3 == 0 { 1 } else { 0 }).collect();
    let t = fit_temperature(&logits, &labels);
    let p = softmax(logits[0], t)[0];
    assert!((p - 2.0 / 3.0).abs() < 0.02, "t {t}, p {p}");
}

#[test]
fn folds_keep_a_domain_together() {
    let data = tiny();
    let fold = folds(&data, 5);
    for (e, f) in data.iter().zip(&fold) {
        for (o, g) in data.iter().zip(&fold) {
            if e.domain == o.domain {
                assert_eq!(f, g);
            }
        }
    }
    assert_eq!(fold.iter().max(), Some(&4));
}

#[test]
fn features_are_bounded_and_stable() {
    let mut f = Features::default();
    extract("Restart the payments worker on node 3 now, please", &mut f);
    let first = f.values.clone();
    assert!(f.ngrams > 10 && f.values.len() > f.ngrams);
    assert!(f.values.iter().all(|(i, _)| (*i as usize) < DIM));
    extract("Restart the payments worker on node 3 now, please", &mut f);
    assert_eq!(f.values, first);
    assert_eq!(featurize(&tiny()).len(), 15);
}

#[test]
fn labelled_lines_are_parsed_and_bad_ones_named() {
    let ok = parse_jsonl(
        "{\"query\":\"q\",\"route\":\"hybrid\",\"why\":\"w\",\"lang\":\"fr\",\"domain\":\"d\"}\n\n",
        "f",
    )
    .unwrap();
    assert_eq!((ok.len(), ok[0].route, ok[0].lang.as_str()), (1, Route::Hybrid, "fr"));
    let e = parse_jsonl("{\"query\":\"q\",\"route\":\"both\"}", "f").unwrap_err();
    assert!(e.starts_with("f:1: route"), "{e}");
    assert!(parse_jsonl("not json", "f").unwrap_err().starts_with("f:1:"));
}

#[test]
fn the_shipped_model_is_embedded_and_calibrated() {
    let m = shipped();
    assert!(m.temperature > 0.05 && m.temperature < 20.0, "{}", m.temperature);
    let v = classify("kubectl rollout restart deploy/api -n prod");
    assert_eq!(v.class.route, Route::Infrastructure);
    assert!(v.class.confidence > 0.8, "{}", v.class.confidence);
}

#[test]
fn the_seen_set_knows_training_words_and_not_made_up_ones() {
    let m = shipped();
    let mut f = Features::default();
    extract("restart the worker", &mut f);
    assert_eq!(f.words.len(), 3);
    assert_eq!(f.signatures.len(), f.ngrams);
    assert!(f.words.iter().all(|&w| m.seen(f.signatures[w])), "training words look unseen");
    extract("xyzzyq blorfle", &mut f);
    assert!(f.words.iter().all(|&w| !m.seen(f.signatures[w])), "made-up words look seen");
    // Far fewer places are taken than the set holds, so chance hits are rare.
    let taken: u32 = m.seen.iter().map(|b| b.count_ones()).sum();
    assert!(f64::from(taken) < 0.1 * super::features::SEEN_BITS as f64, "{taken} places taken");
}
