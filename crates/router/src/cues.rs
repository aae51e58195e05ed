//! Cue extraction of the balanced-mode classifier: which words and sentence
//! shapes of a query speak for live systems, stored knowledge or a combination.
//!
//! Lexicon phrases (greedy longest match, `lexicon.rs`), a few structural
//! rules ("the list I gave you" is stored knowledge, "search my notes" acts on
//! memory), CJK substrings, and the verbs resolved by position and object.
//! The result is a list of hits and their summed weights ([`Scores`]); what
//! route those weights make is `classify.rs`'s business.

use crate::lexicon::{Kind, Lexicon, lexicon};
use crate::tokenize::{Shape, Token};

/// Enough weight to count as a signal on its own.
pub const CLEAR: f32 = 0.8;
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
    /// The query states a fact ("the pump at station 4 was rebuilt", "Drucker 9
    /// hat jetzt eine gehärtete Düse"): a state verb after its subject, no
    /// question and no verb opening the request.
    pub stated: bool,
    /// A word saying that something holds from now on (now, désormais, 今後).
    pub lasting: bool,
    /// What opens the query, and whether a label and a colon open it.
    pub form: Form,
}

/// The written form of a query, apart from its words: a request opens with a
/// verb ("set timer: 35 minutes"), a note with a label and a colon ("gate
/// code: 4471", "Jenna's colour formula: 7N + 20 vol").
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    pub opener: Opener,
    /// Words before the first colon (or `=`), 0 without one; capped at 6.
    pub label_words: u8,
    /// The query holds a digit.
    pub digits: bool,
    /// The opening word is followed by a possessive `'s` or by a number
    /// ("jenna's formula", "pitch 17 floods"): a noun, not a verb.
    pub noun_opener: bool,
}

/// What kind of word opens the query (after filler words).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Opener {
    /// No word, or CJK text (no word boundaries to tell by).
    #[default]
    None,
    /// A lexicon verb: the request itself.
    Verb,
    /// An unknown word taken for a verb (`guess_imperative`).
    Guessed,
    /// A question word or a copula ("what …", "is the pump …").
    Question,
    /// Anything else: a noun, a name, a pronoun.
    Other,
}

/// What a cue ended up counting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Live,
    Memory,
    Store,
    Combine,
    Contrast,
    None,
}

#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Token range; empty for substring (CJK) cues.
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub weight: f32,
    pub label: Option<&'static str>,
    pub class: Class,
}

/// A word that names something to act on or look for.
pub fn is_content(lex: &Lexicon, word: &str) -> bool {
    !lex.is_filler(word) && !lex.is_closed(word) && !lex.is_interjection(word)
}

pub fn analyze(
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
    (s.stated, s.lasting) = statement_form(lex, lowered, tokens, shape, hits);
    s.form = form(lex, lowered, tokens, shape, hits);
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

/// Whether the query is a statement of a fact rather than a request or a
/// question, and whether it says the fact holds from now on. A fact stated
/// without a verb asking to store it ("the gaffer's day rate is 650 now") is
/// kept; "set the day rate to 650" and "is the rate 650 right now?" are not.
fn statement_form(
    lex: &Lexicon,
    lowered: &str,
    tokens: &[Token<'_>],
    shape: Shape,
    hits: &[Hit],
) -> (bool, bool) {
    let lasting_word = tokens.iter().enumerate().any(|(i, t)| {
        lex.is_lasting(t.text)
            // "right now", "ahora mismo", "agora mesmo" ask about this moment.
            && !(i > 0 && tokens[i - 1].text == "right")
            && !tokens.get(i + 1).is_some_and(|n| matches!(n.text, "mismo" | "mesmo"))
    });
    let lasting = lasting_word || lex.cjk_lasting.iter().any(|w| lowered.contains(w));
    let question = shape.question || lowered.trim_start().starts_with('¿');
    if question {
        return (false, lasting);
    }
    if shape.has_cjk {
        let verb = hits.iter().any(|h| h.kind.is_verb());
        let copula = lex.cjk_copulas.iter().any(|w| lowered.contains(w));
        return (copula && !verb, lasting);
    }
    let Some(opener) = tokens.iter().position(|t| !lex.is_filler(t.text)) else {
        return (false, lasting);
    };
    let first = tokens[opener].text;
    // "I'm vegetarian now": the subject is a filler word, the verb opens.
    let subject = opener > 0 && matches!(tokens[opener - 1].text, "i" | "we" | "you" | "they");
    // "is the pump running", "what is the rate": a question without its mark.
    if lex.is_wh(first) || (lex.is_copula(first) && !subject) {
        return (false, lasting);
    }
    // A lexicon verb opening the query is the request ("set the rate …").
    let imperative = hits.iter().any(|h| h.start == opener && h.kind.is_verb());
    let from = if subject { opener } else { opener + 1 };
    let copula = tokens[from..].iter().any(|t| lex.is_copula(t.text));
    (copula && !imperative, lasting)
}

fn form(lex: &Lexicon, lowered: &str, tokens: &[Token<'_>], shape: Shape, hits: &[Hit]) -> Form {
    let opener = tokens.iter().position(|t| !lex.is_filler(t.text));
    let kind = match opener {
        _ if shape.has_cjk => Opener::None,
        None => Opener::None,
        Some(i) if hits.iter().any(|h| h.start == i && h.kind.is_verb()) => Opener::Verb,
        Some(i) if hits.iter().any(|h| h.start == i && is_guessed_imperative(h)) => Opener::Guessed,
        Some(i) if lex.is_wh(tokens[i].text) || lex.is_copula(tokens[i].text) => Opener::Question,
        Some(_) => Opener::Other,
    };
    let colon = lowered.find([':', '=', '：']);
    let label_words = colon.map_or(0, |at| {
        let before = tokens.iter().filter(|t| offset(lowered, t.text) < at).count();
        before.min(6) as u8
    });
    let noun_opener =
        opener.is_some_and(|i| tokens.get(i + 1).is_some_and(|n| is_possessive_or_number(n.text)));
    Form {
        opener: kind,
        label_words,
        digits: lowered.bytes().any(|b| b.is_ascii_digit()),
        noun_opener,
    }
}

fn is_guessed_imperative(h: &Hit) -> bool {
    h.kind == Kind::Live && h.label.is_none() && h.weight == IMPERATIVE_GUESS
}

/// Byte offset of `part`, a slice of `whole`, in `whole`.
fn offset(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// `s` after an apostrophe ("jenna's" splits into "jenna", "s") or a number.
fn is_possessive_or_number(word: &str) -> bool {
    word == "s" || word.bytes().all(|b| b.is_ascii_digit())
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
