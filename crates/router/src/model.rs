//! The learned half of the balanced-mode classifier, and how it joins the cue rules.
//!
//! A multinomial logistic regression over hashed word and character n-grams
//! and the cue rules' verdict (`model/features.rs`), trained by `build.rs`
//! from `data/*.jsonl` when the crate is built (`model/train.rs`) and
//! embedded. Its probabilities are divided by a temperature fitted on
//! out-of-fold predictions (whole domains held out), so `confidence` is the
//! probability that the route is right. A query with nothing to act on or
//! look for ("hmm", "?") is left to the cue rules, and so is a query without
//! any cue none of whose words the model ever saw ("asdf"), both with every
//! route about as likely; every other query follows the model, whose
//! features include the cue rules' verdict.
//! (Blending towards the cue rules' confidence where n-grams were unseen, or
//! keeping their guess whenever no cue fired and the model was under 0.75,
//! both cost accuracy in grouped cross-validation.)

pub mod features;
pub mod train;

#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use pattern_core::Route;

use crate::classify::{Classification, Rule};
use crate::cues::Scores;
use features::{Features, ROUTES, extract, route_index};
use train::{Trained, softmax};

/// Below this probability, the reasoning says the decision is unsure.
pub const LOW_CONFIDENCE: f64 = 0.6;
/// Probabilities for a query with nothing to act on or look for.
const NO_CONTENT: [f64; 3] = [0.33, 0.34, 0.33];

static MODEL: LazyLock<Trained> = LazyLock::new(|| {
    Trained::from_bytes(include_bytes!(concat!(env!("OUT_DIR"), "/router-model.bin")))
        .unwrap_or_else(|e| panic!("the embedded router model is corrupt: {e}"))
});

/// The trained model shipped in this build.
pub fn shipped() -> &'static Trained {
    &MODEL
}

/// A balanced-mode verdict: the classification, the cue scores and the
/// probability of each route (in `features::ROUTES` order).
#[derive(Debug, Clone)]
pub struct Verdict {
    pub class: Classification,
    pub scores: Scores,
    pub probabilities: [f64; 3],
}

impl Verdict {
    pub fn probability(&self, route: Route) -> f64 {
        self.probabilities[route_index(route)]
    }
}

/// The cue rules' verdict alone, without the model (for comparison).
pub fn cue_rules(query: &str) -> Verdict {
    let mut f = Features::default();
    let cues = extract(query, &mut f);
    let probabilities = std::array::from_fn(|i| {
        if ROUTES[i] == cues.class.route {
            cues.class.confidence
        } else {
            (1.0 - cues.class.confidence) / 2.0
        }
    });
    Verdict { class: cues.class, scores: cues.scores, probabilities }
}

/// Classifies `query` with the shipped model.
pub fn classify(query: &str) -> Verdict {
    classify_with(shipped(), query)
}

/// Classifies `query` with `model`: the cue rules, then the model over them.
pub fn classify_with(model: &Trained, query: &str) -> Verdict {
    // About 4 features per character: one allocation for most queries.
    let mut f = Features::with_capacity(query.len());
    let cues = extract(query, &mut f);
    let cue_route = cues.class.route;
    if cues.rule == Rule::NoContent {
        // Nothing to go on: every route about as likely, memory first.
        let class = Classification { confidence: NO_CONTENT[1], ..cues.class };
        return Verdict { class, scores: cues.scores, probabilities: NO_CONTENT };
    }
    // No cue, and not one word the model saw in training ("asdf", "xyzzy"):
    // its reading would rest on the bias and on chance character n-grams,
    // which say nothing about this query, so the cue rules' guess (memory,
    // the cheaper lookup) stands, every route about as likely. (A share of
    // known n-grams, the rule before, cost accuracy in grouped
    // cross-validation at any threshold that caught "asdf", whose "<as" and
    // "df>" are common; the whole-word rule costs none. CJK text has no
    // words to check: it follows the model.)
    let unknown = cues.rule == Rule::NoSignal
        && !f.cjk
        && f.words.iter().all(|&w| !model.seen(f.signatures[w]));
    let probabilities = if unknown {
        ROUTES.map(|r| if r == cue_route { NO_CONTENT[1] } else { NO_CONTENT[0] })
    } else {
        softmax(model.weights.logits(&f.values), model.temperature)
    };
    let best = (0..3)
        .max_by(|a, b| {
            probabilities[*a]
                .total_cmp(&probabilities[*b])
                // On a tie, the cue rules' route.
                .then_with(|| (ROUTES[*a] == cue_route).cmp(&(ROUTES[*b] == cue_route)))
        })
        .unwrap_or(0);
    let (route, confidence) = (ROUTES[best], probabilities[best]);
    let mut reasoning = if route == cue_route {
        cues.class.reasoning.clone()
    } else {
        format!(
            "The learned model reads the wording as a request for {}, though the cue rules alone said {cue_route}.",
            route.as_str()
        )
    };
    if confidence < LOW_CONFIDENCE {
        let runner = (0..3)
            .filter(|i| *i != best)
            .max_by(|a, b| probabilities[*a].total_cmp(&probabilities[*b]))
            .unwrap_or(0);
        reasoning.push_str(&format!(
            " Low confidence ({confidence:.2}); {} has {:.2}.",
            ROUTES[runner].as_str(),
            probabilities[runner]
        ));
    }
    let class = Classification {
        route,
        confidence,
        keywords: cues.class.keywords,
        reasoning,
        has_content: cues.class.has_content,
    };
    Verdict { class, scores: cues.scores, probabilities }
}
