//! Confidence means something: on the labelled sets, each confidence level is
//! about as often right as it claims.

use std::collections::BTreeMap;

use pattern_router::{Router, RouterConfig};

use crate::accuracy::{SETS, labelled};

#[test]
fn confidence_levels_match_how_often_they_are_right() {
    let router = Router::new(RouterConfig::default());
    // confidence (in hundredths) → (right, total)
    let mut levels: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    for set in SETS {
        for item in labelled(set) {
            let c = router.classify(&item.query);
            let level = levels.entry((c.confidence * 100.0).round() as u32).or_default();
            level.0 += usize::from(c.route == item.route);
            level.1 += 1;
        }
    }
    let total: usize = levels.values().map(|(_, n)| n).sum();
    let mut gap = 0.0;
    // The most accurate lower level so far, as its rate smoothed by one right
    // and one wrong answer: a lower level right 30 times in 30 is not proof
    // that its answers are always right.
    let mut best_below = 0.0_f64;
    for (level, (right, n)) in &levels {
        let claimed = f64::from(*level) / 100.0;
        let observed = *right as f64 / *n as f64;
        eprintln!("confidence {claimed:.2}: {right}/{n} right ({observed:.3})");
        gap += (claimed - observed).abs() * *n as f64 / total as f64;
        if *n >= 20 {
            // As often right as claimed, up to chance: a level whose answers are
            // right with the claimed probability scores this low under 1 % of the time.
            let tail = binomial_cdf(*right, *n, claimed);
            assert!(
                tail >= 0.01,
                "confidence {claimed} is right only {right}/{n} ({observed:.3}): P = {tail:.4} if it were calibrated"
            );
            // Not right less often than a lower level, up to chance: a level
            // as accurate as the best lower one scores this low under 1 % of
            // the time.
            let tail = binomial_cdf(*right, *n, best_below);
            assert!(
                tail >= 0.01,
                "confidence {claimed} is right less often ({observed:.3}) than a lower level ({best_below:.3}): P = {tail:.4}"
            );
            best_below = best_below.max((*right as f64 + 1.0) / (*n as f64 + 2.0));
        }
    }
    eprintln!("expected calibration error {gap:.3} over {total} queries");
    assert!(gap <= 0.1, "confidence is off from observed accuracy by {gap:.3} on average");
}

/// P(X ≤ k) for X ~ Binomial(n, p), summed in logarithms: (1 - p)^n alone
/// underflows for a few hundred answers.
fn binomial_cdf(k: usize, n: usize, p: f64) -> f64 {
    if k >= n {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    if p <= 0.0 {
        return 1.0;
    }
    let (ln_p, ln_q) = (p.ln(), (1.0 - p).ln());
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut sum = 0.0;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64 / i as f64).ln();
        }
        sum += (ln_choose + i as f64 * ln_p + (n - i) as f64 * ln_q).exp();
    }
    sum.min(1.0)
}

#[test]
fn the_binomial_tail_is_right() {
    assert!((binomial_cdf(22, 25, 0.96) - 0.0765).abs() < 0.001);
    assert!((binomial_cdf(20, 25, 0.96) - 0.0028).abs() < 0.0005);
    assert!((binomial_cdf(5, 10, 0.5) - 0.623).abs() < 0.001);
    assert!((binomial_cdf(10, 10, 0.9) - 1.0).abs() < 1e-9);
    assert_eq!(binomial_cdf(9, 10, 1.0), 0.0);
    // Many answers, all right, against a high rate: certain, not 0 by underflow.
    assert_eq!(binomial_cdf(400, 400, 0.98), 1.0);
    assert!((binomial_cdf(399, 400, 0.98) - (1.0 - 0.98f64.powi(400))).abs() < 1e-9);
}

#[test]
fn weak_evidence_is_stated_with_less_confidence() {
    let router = Router::new(RouterConfig::default());
    let clear = router.classify("kubectl rollout restart deploy/api -n prod").confidence;
    for q in ["hmm", "asdf", "ok", "?"] {
        let weak = router.classify(q).confidence;
        assert!(weak <= 0.5 && weak < clear, "{q}: {weak} (clear: {clear})");
    }
    // A cue-less fragment of known words is read by the learned model, which
    // may lean either way. Since the fourth round taught it verbless notes, it
    // leaned to memory, the cue rules' own guess for a query without cues, ever
    // more surely (0.72 in the fourth round, 0.81 in the fifth, 0.88 in the
    // sixth). The seventh round gave the model the query's length in words, so
    // a three-word fragment is no longer read as a verbless note (memory at
    // 0.65 in the seventh round, infrastructure at 0.70 in the eighth, memory
    // at 0.61 in the ninth, infrastructure at 0.58 in the tenth and 0.66 in
    // the eleventh); it must say it is clearly less sure than of a clear
    // request.
    let fragment = router.classify("the blue one").confidence;
    assert!(
        fragment < 0.85 && fragment + 0.05 < clear,
        "the blue one: {fragment} (clear: {clear})"
    );
}

#[test]
fn expected_calibration_error_over_ten_bins_is_small() {
    let router = Router::new(RouterConfig::default());
    // Per bin: (sum of confidences, right, total).
    let mut bins = [(0.0f64, 0usize, 0usize); 10];
    for set in SETS {
        for item in labelled(set) {
            let c = router.classify(&item.query);
            let b = ((c.confidence * 10.0) as usize).min(9);
            bins[b].0 += c.confidence;
            bins[b].1 += usize::from(c.route == item.route);
            bins[b].2 += 1;
        }
    }
    let total: usize = bins.iter().map(|b| b.2).sum();
    let ece: f64 = bins
        .iter()
        .filter(|b| b.2 > 0)
        .map(|&(sum, right, n)| (sum / n as f64 - right as f64 / n as f64).abs() * n as f64)
        .sum::<f64>()
        / total as f64;
    eprintln!("expected calibration error (10 bins) {ece:.3} over {total} queries");
    assert!(ece <= 0.1, "ECE {ece:.3}");
}
