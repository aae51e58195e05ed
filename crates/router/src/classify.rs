//! The balanced-mode classifier: weighs live-system, stored-knowledge and combination cues.
//!
//! Transparent on purpose: every cue is a lexicon phrase or one of a few
//! structural rules, and the decision is a short list of rules over their
//! summed weights:
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

use crate::lexicon::{Kind, Lexicon, lexicon};
use crate::tokenize::{Shape, Token, tokenize};

#[cfg(test)]
mod tests;

/// Confidence of each rule: about how often the rule's route was right on
/// the labelled sets of `tests/data` (between 0.95 and 1.0 for the clear
/// rules, 0.8 to 0.85 for the weak ones), set a little lower for wording
/// those sets lack. `tests/it/calibration.rs` holds them to the data.
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

/// Enough weight to count as a signal on its own.
const CLEAR: f32 = 0.8;
/// Verbs away from the start of a clause are usually not the request itself.
const MID_CLAUSE_VERB: f32 = 0.3;
/// A verb opening a clause is the request: full weight, whatever its entry.
const CLAUSE_VERB: f32 = 1.0;
/// An unknown word opening a statement.
const IMPERATIVE_GUESS: f32 = 0.5;
/// Chinese and Japanese verbs, found by substring.
const CJK_VERB: f32 = 0.6;
/// A capitalised name after "in", "on", "from", "to".
const NAMED_SYSTEM: f32 = 0.5;

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

/// Summed cue weights of one query.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Scores {
    pub live: f32,
    /// The part of `live` that asks for action or the present (verbs, time
    /// words, commands), as opposed to live things merely mentioned.
    pub live_core: f32,
    /// The query is a question about a fact ("what did we …", "which hotel …")
    /// that already carries a stored-knowledge cue.
    pub memory_question: bool,
    /// Weight of machine text (commands, paths, flags, arithmetic), part of
    /// `live`; a topic, not a request, inside a memory question.
    pub machine: f32,
    pub memory: f32,
    pub store: f32,
    pub combine: f32,
    pub contrast: f32,
}

/// Which rule decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
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

/// What a cue ended up counting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Live,
    Memory,
    Store,
    Combine,
    Contrast,
    None,
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    /// Token range; empty for substring (CJK) cues.
    start: usize,
    end: usize,
    kind: Kind,
    weight: f32,
    label: Option<&'static str>,
    class: Class,
}

/// Classifies `query` from its words alone; also returns the summed cue
/// weights, which rank the alternatives.
pub fn classify_with_scores(query: &str) -> (Classification, Scores) {
    let lowered = query.to_lowercase();
    let mut tokens = Vec::with_capacity(32);
    let shape = tokenize(&lowered, &mut tokens);
    let lex = lexicon();
    let has_content = shape.command_like > 0
        || shape.arithmetic
        || tokens.iter().any(|t| is_content(lex, t.text));
    let mut hits = Vec::with_capacity(16);
    let scores = analyze(query, &lowered, &tokens, shape, &mut hits);
    let (route, confidence, rule) = decide(scores, has_content);
    let keywords = keywords(&tokens, &hits);
    let reasoning = reasoning(rule, scores, &keywords, &tokens);
    (Classification { route, confidence, keywords, reasoning, has_content }, scores)
}

/// A word that names something to act on or look for.
fn is_content(lex: &Lexicon, word: &str) -> bool {
    !lex.is_filler(word) && !lex.is_closed(word) && !lex.is_interjection(word)
}

fn analyze(
    query: &str,
    lowered: &str,
    tokens: &[Token<'_>],
    shape: Shape,
    hits: &mut Vec<Hit>,
) -> Scores {
    let lex = lexicon();
    let canon: Vec<&str> = tokens.iter().map(|t| lex.canonical(t.text)).collect();
    match_phrases(lex, tokens, &canon, hits);
    structural_cues(lex, tokens, hits);
    if shape.has_cjk {
        cjk_cues(lex, lowered, hits);
    }
    resolve_verbs(lex, tokens, hits);
    guess_imperative(lex, tokens, shape, hits);

    let machine_text = shape.command_like > 0;
    let mut s = Scores::default();
    for h in hits.iter_mut() {
        let class = match h.kind {
            Kind::Act | Kind::Read => h.class,
            Kind::Live | Kind::Now | Kind::Cmd => Class::Live,
            Kind::CmdAmbiguous if machine_text || h.start == 0 && h.end > h.start => Class::Live,
            Kind::CmdAmbiguous => Class::None,
            Kind::Store => Class::Store,
            Kind::Recall | Kind::MemNoun => Class::Memory,
            Kind::Combine => Class::Combine,
            Kind::Contrast => Class::Contrast,
            Kind::Neutral => Class::None,
        };
        h.class = class;
        match class {
            Class::Live => {
                s.live += h.weight;
                // Tool names are topics ("what did we change in the helm
                // release?"); machine text and verbs are requests.
                if matches!(h.kind, Kind::Now | Kind::Act | Kind::Read) || h.label.is_none() {
                    s.live_core += h.weight;
                }
            }
            Class::Memory => s.memory += h.weight,
            Class::Store => s.store += h.weight,
            Class::Combine => s.combine += h.weight,
            Class::Contrast => s.contrast += h.weight,
            Class::None => {}
        }
    }
    let machine = (shape.command_like as f32).min(2.0) + if shape.arithmetic { 1.0 } else { 0.0 };
    s.live += named_system(query);
    s.live += machine;
    s.machine = machine;
    // The request itself is about memory when the query opens with a question
    // word or with a memory cue ("remind me how we fixed the nginx errors").
    let opener = tokens.iter().position(|t| !lex.is_filler(t.text));
    s.memory_question = s.memory >= CLEAR
        && opener.is_some_and(|i| {
            lex.is_wh(tokens[i].text)
                || (!matches!(tokens[i].text, "did" | "do" | "have" | "has")
                    && hits.iter().any(|h| h.start == i && matches!(h.class, Class::Memory)))
        });
    s
}

/// "in TurboTax", "to Strava", "from Chewy": a capitalised name after a
/// preposition of place is usually a product or system to call.
fn named_system(query: &str) -> f32 {
    let mut prev = "";
    for (n, word) in query.split_whitespace().enumerate() {
        let named = word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && word.chars().skip(1).any(|c| c.is_ascii_alphabetic());
        let place =
            ["in", "on", "from", "into", "via", "to"].iter().any(|p| prev.eq_ignore_ascii_case(p));
        if n > 1 && named && place {
            return NAMED_SYSTEM;
        }
        prev = word;
    }
    0.0
}

/// An unknown word opening a statement, followed by an object, is most
/// likely an imperative verb the lexicon lacks ("rebalance my portfolio"):
/// a weak live cue.
fn guess_imperative(lex: &Lexicon, tokens: &[Token<'_>], shape: Shape, hits: &mut Vec<Hit>) {
    if shape.question {
        return;
    }
    let Some(i) = tokens.iter().position(|t| !lex.is_filler(t.text)) else { return };
    let w = tokens[i].text;
    let known = hits.iter().any(|h| h.start <= i && i < h.end);
    // A verb has an object: "asdf" or "hmm" alone is not an instruction.
    let object = tokens[i + 1..].iter().any(|t| is_content(lex, t.text));
    if known
        || !object
        || lex.is_interjection(w)
        || lex.is_closed(w)
        || !w.chars().all(char::is_alphabetic)
        || w.chars().any(crate::tokenize::is_cjk)
    {
        return;
    }
    hits.push(Hit {
        start: i,
        end: i + 1,
        kind: Kind::Live,
        weight: IMPERATIVE_GUESS,
        label: None,
        class: Class::None,
    });
}

/// Greedy longest match of lexicon phrases, left to right.
fn match_phrases(lex: &Lexicon, tokens: &[Token<'_>], canon: &[&str], hits: &mut Vec<Hit>) {
    let mut i = 0;
    while i < canon.len() {
        let mut matched = 0;
        for p in lex.phrases(canon[i]) {
            let end = i + 1 + p.rest.len();
            if end > canon.len() {
                continue;
            }
            let same = canon[i + 1..end].iter().zip(&p.rest).all(|(a, b)| a == b);
            // A phrase never spans a clause mark ("note, that" is not "note that").
            let one_clause = tokens[i + 1..end].iter().all(|t| !t.clause_start);
            if same && one_clause {
                hits.push(Hit {
                    start: i,
                    end,
                    kind: p.kind,
                    weight: p.weight,
                    label: Some(p.text),
                    class: Class::None,
                });
                matched = end - i;
                break;
            }
        }
        i += matched.max(1);
    }
}

/// Rules over sentence structure that a word list cannot express.
fn structural_cues(lex: &Lexicon, tokens: &[Token<'_>], hits: &mut Vec<Hit>) {
    let n = tokens.len();
    for i in 0..n {
        let w = tokens[i].text;
        // "the list I gave you", "what we decided", "the hotel we stayed at":
        // a first-person past verb points at something already known.
        // "the list I gave you", "what we decided", "the rooms they prefer":
        // a past verb or a habit of a person points at something already known.
        // Not "have I walked today?": an inverted perfect asks about the present.
        let first_person = w == "i" || w == "we";
        let inverted = i > 0 && matches!(tokens[i - 1].text, "have" | "has");
        if (first_person || matches!(w, "he" | "she" | "they")) && !inverted {
            // "I pushed a fix; run the tests" narrates; "the list I gave you"
            // refers back. Only the second is a memory.
            let narrating = clause_initial(lex, tokens, i);
            let weight = match (first_person, narrating) {
                (true, false) => 1.0,
                (true, true) => 0.5,
                (false, _) => 0.8,
            };
            let mut j = i + 1;
            while j < n && j < i + 4 && lex.is_auxiliary(tokens[j].text) {
                j += 1;
            }
            if j < n && !tokens[j].clause_start {
                let v = tokens[j].text;
                if lex.is_past(v) && (first_person || j == i + 1) {
                    hits.push(structural(i, j + 1, Kind::Recall, weight));
                } else if lex.is_habit(v) {
                    hits.push(structural(i, j + 1, Kind::Recall, 0.8));
                }
            }
        }
        // "I prefer aisle seats": a statement about oneself, to be kept.
        if i == 0 && w == "i" && tokens.get(1).is_some_and(|t| lex.is_habit(t.text)) {
            hits.push(structural(0, 2, Kind::Store, 1.2));
        }
        // "our approved list", "my saved searches".
        // "my saved address" is itself a memory an action can edit.
        if let Some(next) =
            tokens.get(i + 1).filter(|t| (w == "my" || w == "our") && lex.is_kept(t.text))
        {
            let memory_object = matches!(next.text, "saved" | "stored" | "noted" | "recorded");
            let kind = if memory_object { Kind::MemNoun } else { Kind::Recall };
            hits.push(structural(i, i + 2, kind, 0.8));
        }
        // "Quais servidores reiniciamos ontem?": a question with a
        // first-person plural verb asks what we did (Spanish, Portuguese).
        if i > 0
            && lex.is_wh(tokens[0].text)
            && w.chars().count() > 6
            && (w.ends_with("amos") || w.ends_with("imos"))
        {
            hits.push(structural(i, i + 1, Kind::Recall, 0.8));
        }
        // "que fijamos", "que combinamos": the thing we set (Spanish, Portuguese).
        if i > 0
            && tokens[i - 1].text == "que"
            && w.chars().count() > 5
            && (w.ends_with("amos") || w.ends_with("imos"))
        {
            hits.push(structural(i - 1, i + 1, Kind::Recall, 0.8));
        }
        // "what did the vet say", "where did we park": a question about the past.
        let did = tokens.iter().take(4).position(|t| t.text == "did");
        if let Some(d) = did.filter(|_| i == 0 && lex.is_wh(w)) {
            hits.push(structural(0, d + 1, Kind::Recall, 0.8));
        }
        // "is the invoice paid?", "are the configs still matching …": a yes/no
        // question about a thing asks for its state, and checks it against a
        // reference when one is recalled.
        if i == 0
            && matches!(w, "is" | "are" | "does" | "do" | "has" | "have")
            && tokens.get(1).is_some_and(|t| !matches!(t.text, "i" | "we" | "you"))
        {
            hits.push(structural(0, 1, Kind::Contrast, 0.6));
            if matches!(w, "is" | "are") {
                hits.push(structural(0, 1, Kind::Live, 0.4));
            }
        }
        // "que nous avons fixé", "che abbiamo deciso", "die ich notiert habe".
        if i + 1 < n && lex.is_romance_perfect(w, tokens[i + 1].text) {
            hits.push(structural(i, i + 2, Kind::Recall, 1.0));
        }
        if i + 1 < n && lex.is_german_perfect(w, tokens[i + 1].text) {
            hits.push(structural(i, i + 2, Kind::Recall, 1.0));
        }
        // "you told me", "you recommended".
        if w == "you" && i + 1 < n {
            let j = if tokens[i + 1].text == "already" || tokens[i + 1].text == "just" {
                i + 2
            } else {
                i + 1
            };
            if j < n && lex.is_you_recall(tokens[j].text) {
                hits.push(structural(i, j + 1, Kind::Recall, 1.0));
            }
        }
    }
    // "Remember: …", "Note the …" at the start of a clause store what follows;
    // "remember when …" or "do you remember" ask to recall.
    for h in hits.iter_mut() {
        let leading = h.start < n && clause_initial(lex, tokens, h.start);
        let next = tokens.get(h.end).map(|t| t.text);
        let asks = matches!(
            next,
            Some(
                "to" | "when"
                    | "what"
                    | "who"
                    | "which"
                    | "how"
                    | "where"
                    | "if"
                    | "why"
                    | "whether"
            )
        );
        match (h.label, h.kind) {
            (Some("remember" | "ricorda" | "recuerda" | "lembre" | "lembra"), Kind::Recall)
                if leading && !asks =>
            {
                h.kind = Kind::Store;
                h.weight = 1.5;
            }
            (Some("note" | "a note"), Kind::MemNoun) if leading => {
                h.kind = Kind::Store;
                h.weight = 1.5;
            }
            _ => {}
        }
    }
}

fn structural(start: usize, end: usize, kind: Kind, weight: f32) -> Hit {
    Hit { start, end, kind, weight, label: None, class: Class::None }
}

fn cjk_cues(lex: &Lexicon, lowered: &str, hits: &mut Vec<Hit>) {
    let first = hits.len();
    for cue in &lex.cjk {
        if !lowered.contains(cue.text) {
            continue;
        }
        // 覚えておいて already counted: 覚えて inside it is the same cue.
        if hits[first..].iter().any(|h| h.label.is_some_and(|l| l.contains(cue.text))) {
            continue;
        }
        hits.push(Hit {
            start: usize::MAX,
            end: usize::MAX,
            kind: cue.kind,
            weight: cue.weight,
            label: Some(cue.text),
            class: Class::None,
        });
    }
}

/// True when only filler words stand between the clause start and `at`.
fn clause_initial(lex: &Lexicon, tokens: &[Token<'_>], at: usize) -> bool {
    let mut i = at;
    loop {
        if tokens[i].clause_start {
            return true;
        }
        if i == 0 {
            return true;
        }
        i -= 1;
        if !lex.is_filler(tokens[i].text) {
            return false;
        }
    }
}

/// Decides, for each verb, whether it is the request (clause-initial) and
/// whether it acts on the live world or on memory itself ("search my notes").
fn resolve_verbs(lex: &Lexicon, tokens: &[Token<'_>], hits: &mut [Hit]) {
    for k in 0..hits.len() {
        let h = hits[k];
        if !h.kind.is_verb() {
            continue;
        }
        if h.start == usize::MAX {
            // CJK verbs: no word boundaries to find the main verb by, and
            // many double as nouns (部署 deploy/deployment): half weight.
            hits[k].class = Class::Live;
            hits[k].weight *= CJK_VERB;
            continue;
        }
        hits[k].weight = if clause_initial(lex, tokens, h.start) {
            CLAUSE_VERB
        } else {
            h.weight * MID_CLAUSE_VERB
        };
        // The object: words after the verb up to a preposition, a relative
        // pronoun, a clause mark or the next verb.
        let mut end = h.end;
        while end < tokens.len()
            && end < h.end + 7
            && !tokens[end].clause_start
            && !lex.is_boundary(tokens[end].text)
            && !hits
                .iter()
                .any(|o| o.start == end && o.kind.is_verb() && clause_initial(lex, tokens, o.start))
        {
            end += 1;
        }
        let inside = |o: &&Hit| o.start >= h.end && o.start < end.max(h.end + 1);
        let object_memory = hits.iter().filter(inside).any(|o| match h.kind {
            Kind::Read => o.kind.is_memory(),
            _ => o.kind == Kind::MemNoun,
        });
        let object_live = hits.iter().filter(inside).any(|o| o.kind.is_live());
        // "delete the note about …", "update my saved preference": a write
        // to memory itself.
        hits[k].class = match (object_memory && !object_live, h.kind) {
            (true, Kind::Read) => Class::Memory,
            (true, _) => Class::Store,
            _ => Class::Live,
        };
        // "store: the staging URL is …", "save: …".
        if matches!(h.label, Some("store" | "save" | "record"))
            && tokens.get(h.end).is_some_and(|t| t.clause_start)
        {
            hits[k].class = Class::Store;
        }
    }
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
