//! The balanced-mode decision: a short rule list over the summed cue weights.
//!
//! Transparent on purpose: every cue is a lexicon phrase or one of a few
//! structural rules (found by `cues.rs`), and the decision is a short list of
//! rules over their summed weights:
//!
//! 1. No word to act on or look for ("hmm", "ok", "?") → memory, barely sure.
//! 2. An instruction to store something ("remember that …") → memory.
//! 3. Stored-knowledge cues together with live cues, an explicit combination
//!    (compare, audit) or a contrast that needs a reference (still, since,
//!    drifted) → hybrid.
//! 4. Stored-knowledge cues alone → memory.
//! 5. An explicit combination alone → hybrid.
//! 6. Live cues alone → infrastructure.
//! 7. No cue → memory (a lookup is the cheaper guess), with low confidence.
//!
//! This is what the words say. What is available (memories in the
//! namespace, downstream servers) is the router's business (`router.rs`).

use pattern_core::{MatchedKeywords, Route};

use crate::cues::{CLEAR, Class, Hit, Scores, analyze, is_content};
use crate::lexicon::lexicon;
#[cfg(test)]
use crate::tokenize::tokenize;
use crate::tokenize::{Shape, Token};

#[cfg(test)]
mod tests;

/// Confidence of each rule: about how often the rule's route was right on
/// the labelled sets of `tests/data` (between 0.95 and 1.0 for the clear
/// rules, 0.8 to 0.85 for the weak ones), set a little lower for wording
/// those sets lack. In balanced mode the learned model (`model.rs`) takes
/// the cue rules' verdict as features and gives its own probabilities.
const CONF_INFRASTRUCTURE: f64 = 0.9;
const CONF_MEMORY: f64 = 0.9;
const CONF_HYBRID: f64 = 0.95;
/// Live cues that add up to less than one clear cue ("reindex the catalogue").
const CONF_WEAK_LIVE: f64 = 0.7;
/// A decision made from weak cues only.
const CONF_WEAK: f64 = 0.7;
/// Words, but no cue for any route: a guess.
const CONF_NO_SIGNAL: f64 = 0.5;
/// Nothing but fillers, interjections or punctuation.
const CONF_NO_CONTENT: f64 = 0.2;

/// The balanced-mode answer for a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub route: Route,
    /// 0..1
    pub confidence: f64,
    pub keywords: MatchedKeywords,
    /// One sentence saying why.
    pub reasoning: String,
    /// The query holds a word to act on or look for, not only fillers,
    /// interjections ("hmm", "ok") or punctuation.
    pub has_content: bool,
}

/// Which rule decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    NoContent,
    Store,
    Mixed,
    MemoryOnly,
    CombineOnly,
    LiveOnly,
    WeakMemory,
    WeakLive,
    NoSignal,
}

impl Rule {
    pub const ALL: [Rule; 9] = [
        Rule::NoContent,
        Rule::Store,
        Rule::Mixed,
        Rule::MemoryOnly,
        Rule::CombineOnly,
        Rule::LiveOnly,
        Rule::WeakMemory,
        Rule::WeakLive,
        Rule::NoSignal,
    ];

    pub fn index(self) -> usize {
        Rule::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

/// The cue rules' answer for `query` from its words alone.
#[cfg(test)]
pub fn classify_with_scores(query: &str) -> (Classification, Scores) {
    let (c, s, _) = cue_classify(query);
    (c, s)
}

/// Classifies `query` from its words alone by the cue rules; also returns
/// the summed cue weights and the rule that decided.
#[cfg(test)]
pub fn cue_classify(query: &str) -> (Classification, Scores, Rule) {
    let lowered = query.to_lowercase();
    let mut tokens = Vec::with_capacity(32);
    let shape = tokenize(&lowered, &mut tokens);
    cue_classify_tokens(query, &lowered, &tokens, shape)
}

/// The cue rules over a query already lowercased and tokenized.
pub fn cue_classify_tokens(
    query: &str,
    lowered: &str,
    tokens: &[Token<'_>],
    shape: Shape,
) -> (Classification, Scores, Rule) {
    let lex = lexicon();
    let has_content = shape.command_like > 0
        || shape.arithmetic
        || tokens.iter().any(|t| is_content(lex, t.text));
    let mut hits = Vec::with_capacity(16);
    let scores = analyze(query, lowered, tokens, shape, &mut hits);
    let (route, confidence, rule) = decide(scores, has_content);
    let keywords = keywords(tokens, &hits);
    let reasoning = reasoning(rule, scores, &keywords, tokens);
    (Classification { route, confidence, keywords, reasoning, has_content }, scores, rule)
}

fn decide(s: Scores, has_content: bool) -> (Route, f64, Rule) {
    if !has_content {
        return (Route::Memory, CONF_NO_CONTENT, Rule::NoContent);
    }
    let has_memory = s.memory >= CLEAR;
    // In "what did we decide about the inbox rules?" the inbox is the topic,
    // not a request to read it.
    let mixed_live = if s.memory_question { s.live_core } else { s.live };
    let has_live = mixed_live >= 1.0;
    // "what was the difference between the options we discussed" compares
    // memories with each other; a contrast needs a live side there.
    let contrast = if s.memory_question && s.live == 0.0 { 0.0 } else { s.contrast };
    if s.store > 0.0 && s.combine == 0.0 {
        (Route::Memory, CONF_MEMORY, Rule::Store)
    } else if has_memory && (has_live || s.combine > 0.0 || contrast >= 0.6) {
        (Route::Hybrid, CONF_HYBRID, Rule::Mixed)
    } else if has_memory {
        (Route::Memory, CONF_MEMORY, Rule::MemoryOnly)
    } else if s.combine > 0.0 {
        (Route::Hybrid, CONF_HYBRID, Rule::CombineOnly)
    } else if s.live >= 0.5 {
        // Half a cue routes, but only a clear one makes the route likely.
        let confidence = if s.live >= CLEAR { CONF_INFRASTRUCTURE } else { CONF_WEAK_LIVE };
        (Route::Infrastructure, confidence, Rule::LiveOnly)
    } else if s.memory > 0.0 && s.memory > s.live {
        (Route::Memory, CONF_WEAK, Rule::WeakMemory)
    } else if s.live > 0.0 {
        (Route::Infrastructure, CONF_WEAK, Rule::WeakLive)
    } else {
        (Route::Memory, CONF_NO_SIGNAL, Rule::NoSignal)
    }
}

fn keywords(tokens: &[Token<'_>], hits: &[Hit]) -> MatchedKeywords {
    let mut k = MatchedKeywords::default();
    for h in hits {
        let list = match h.class {
            Class::Live => &mut k.infrastructure,
            Class::Memory | Class::Store => &mut k.memory,
            Class::Combine | Class::Contrast => &mut k.hybrid,
            Class::None => continue,
        };
        let word = match h.label {
            Some(l) => l.to_owned(),
            None => tokens[h.start..h.end].iter().map(|t| t.text).collect::<Vec<_>>().join(" "),
        };
        if !list.contains(&word) {
            list.push(word);
        }
    }
    k
}

fn reasoning(rule: Rule, s: Scores, k: &MatchedKeywords, tokens: &[Token<'_>]) -> String {
    // " ('a', 'b')", or nothing when the cue was structural rather than a word.
    let few = |v: &[String]| {
        if v.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                v.iter().take(3).map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", ")
            )
        }
    };
    let (why, route) = match rule {
        Rule::NoContent => {
            let words: Vec<String> = tokens.iter().take(3).map(|t| t.text.to_owned()).collect();
            return format!(
                "The query holds no word to act on or look for{}: nothing points to a route.",
                few(&words)
            );
        }
        Rule::NoSignal => {
            return "No routing cue in the query: a memory lookup is the first guess.".to_owned();
        }
        Rule::Store => (format!("asks to store knowledge{}", few(&k.memory)), Route::Memory),
        Rule::Mixed if s.combine > 0.0 || s.contrast >= 0.6 => (
            format!(
                "checks live data against stored knowledge{}",
                few(&[k.hybrid.as_slice(), k.memory.as_slice()].concat())
            ),
            Route::Hybrid,
        ),
        Rule::Mixed => (
            format!(
                "needs live systems{} and stored knowledge{}",
                few(&k.infrastructure),
                few(&k.memory)
            ),
            Route::Hybrid,
        ),
        Rule::MemoryOnly | Rule::WeakMemory => {
            (format!("asks for stored knowledge{}", few(&k.memory)), Route::Memory)
        }
        Rule::CombineOnly => {
            (format!("asks to combine or compare data{}", few(&k.hybrid)), Route::Hybrid)
        }
        Rule::LiveOnly | Rule::WeakLive => (
            format!("asks for a live action or current state{}", few(&k.infrastructure)),
            Route::Infrastructure,
        ),
    };
    format!("The query {why}: {route}.")
}
