//! The cue words of each class and how strongly each one speaks for it, built once
//! from the data files of `lexicons/` (one per language, embedded at build time).
//!
//! Entries are phrases of one or more words, written as a person types them;
//! they are tokenized like queries. Each language file states its own
//! inflection rules (English `-s`, `-ed`, `-ing`…; plurals for the Romance
//! languages and German; none for Japanese and Chinese, matched by
//! substring); an inflected form maps back to the written word, so
//! `restarting` finds `restart`. A written form always wins over an
//! inflection, so `saved` (a memory cue) is not `save` (an action), and
//! languages are loaded in a fixed order (English first), so the first
//! written word claims a form two rules produce. The file format is parsed
//! by `lexicon/parse.rs`.

use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use crate::tokenize::{Token, tokenize};

mod parse;

use parse::LanguageFile;

#[cfg(test)]
mod tests;

/// What a cue says about the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A verb that changes or drives a live system (send, book, restart, turn on).
    /// Live even when its object was recalled from memory.
    Act,
    /// A verb that fetches or shows something (show, list, check, find). Live
    /// unless its object is memory itself ("search my notes").
    Read,
    /// Live state or an external system: status, weather, inbox. Topical in
    /// a question about the past ("what did we decide about the inbox").
    Live,
    /// Time words that ask for the present state: now, current, today, latest.
    Now,
    /// A command-line tool (`kubectl`, `docker`, `git`).
    Cmd,
    /// A command-line tool whose name is also an English word (`make`, `top`):
    /// counts only when the query has other machine text.
    CmdAmbiguous,
    /// Writing to memory: "remember that", "keep in mind", "note to self".
    Store,
    /// Stored knowledge: "we agreed", "last time", "my notes", "recall".
    Recall,
    /// A memory object an action can target: note, memories.
    MemNoun,
    /// Explicit combination of data: compare, analyze, audit, versus.
    Combine,
    /// A comparison that needs a reference point: still, since, against, drift.
    /// Counts for hybrid only beside stored knowledge.
    Contrast,
    /// Phrases that look like cues but are not ("living room", "memory usage"
    /// is Live). Matching them keeps their words from matching alone.
    Neutral,
}

impl Kind {
    pub fn is_verb(self) -> bool {
        matches!(self, Kind::Act | Kind::Read)
    }

    pub fn is_memory(self) -> bool {
        matches!(self, Kind::Store | Kind::Recall | Kind::MemNoun)
    }

    pub fn is_live(self) -> bool {
        matches!(self, Kind::Live | Kind::Now | Kind::Cmd | Kind::CmdAmbiguous)
    }
}

/// FNV-1a: the lexicon's keys are short words looked up several times per
/// query, where SipHash's start-up cost dominates. Its keys are the
/// repository's own data, so flooding is not a concern.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<Fnv>>;
type HashSet<K> = StdHashSet<K, BuildHasherDefault<Fnv>>;

/// One lexicon phrase.
#[derive(Debug)]
pub struct Phrase {
    /// Canonical words after the first.
    pub rest: Vec<&'static str>,
    pub kind: Kind,
    pub weight: f32,
    /// The phrase as written, reported in `matched_keywords`.
    pub text: &'static str,
}

/// A substring cue for scripts without spaces (Chinese, Japanese).
#[derive(Debug)]
pub struct CjkCue {
    pub text: &'static str,
    pub kind: Kind,
    pub weight: f32,
}

/// The language files, in load order: English first, so its forms claim
/// collisions ("stopped" is `stop`) and the build is deterministic.
const LANGUAGES: &[(&str, &str)] = &[
    ("en", include_str!("../lexicons/en.txt")),
    ("fr", include_str!("../lexicons/fr.txt")),
    ("de", include_str!("../lexicons/de.txt")),
    ("es", include_str!("../lexicons/es.txt")),
    ("pt", include_str!("../lexicons/pt.txt")),
    ("it", include_str!("../lexicons/it.txt")),
    ("ja", include_str!("../lexicons/ja.txt")),
    ("zh", include_str!("../lexicons/zh.txt")),
];

/// Everything the classifier looks up, built once.
#[derive(Debug)]
pub struct Lexicon {
    /// Any written or inflected word → the written form.
    canonical: HashMap<String, &'static str>,
    /// First canonical word → phrases starting with it, longest first.
    phrases: HashMap<&'static str, Vec<Phrase>>,
    pub cjk: Vec<CjkCue>,
    fillers: HashSet<&'static str>,
    boundaries: HashSet<&'static str>,
    past: HashSet<&'static str>,
    not_past: HashSet<&'static str>,
    habits: HashSet<&'static str>,
    you_recall: HashSet<&'static str>,
    auxiliaries: HashSet<&'static str>,
    closed: HashSet<&'static str>,
    wh: HashSet<&'static str>,
    kept: HashSet<&'static str>,
    /// Auxiliary → participle endings that follow it (French, Italian,
    /// Spanish, Portuguese): "que nous avons fixé".
    perfect: HashMap<&'static str, Vec<&'static str>>,
    /// Auxiliaries after a participle (German): "die ich notiert habe".
    perfect_after: HashSet<&'static str>,
    /// Squeezed (see `squeeze`).
    interjections: HashSet<String>,
    /// State verbs that make a statement of a fact: is, has, was, ist, é.
    copulas: HashSet<&'static str>,
    /// Words saying a fact holds from now on: now, anymore, désormais.
    lasting: HashSet<&'static str>,
    /// The CJK entries of both lists, matched by substring.
    pub cjk_copulas: Vec<&'static str>,
    pub cjk_lasting: Vec<&'static str>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let files: Vec<LanguageFile> = LANGUAGES
        .iter()
        .map(|(lang, text)| {
            parse::parse(text).unwrap_or_else(|e| panic!("lexicons/{lang}.txt: {e}"))
        })
        .collect();
    Lexicon::build(&files)
});

pub fn lexicon() -> &'static Lexicon {
    &LEXICON
}

impl Lexicon {
    fn build(files: &[LanguageFile]) -> Self {
        let mut words = Vec::new();
        let mut split = |text: &'static str| -> Vec<&'static str> {
            words.clear();
            tokenize(text, &mut words);
            words.iter().map(|t: &Token<'static>| t.text).collect()
        };
        // (language, words, kind, weight, text), in load order.
        let mut entries: Vec<(usize, Vec<&'static str>, Kind, f32, &'static str)> = Vec::new();
        for (n, file) in files.iter().enumerate() {
            for cue in &file.cues {
                entries.push((n, split(cue.text), cue.kind, cue.weight, cue.text));
            }
        }
        // Single written words first, then their inflections (by the rules
        // of their own language) where no written word claims the form.
        let mut canonical: HashMap<String, &'static str> = HashMap::default();
        for (_, words, ..) in &entries {
            if let [w] = words.as_slice() {
                canonical.insert((*w).to_owned(), w);
            }
        }
        for (n, words, ..) in &entries {
            if let [w] = words.as_slice() {
                for form in files[*n].inflection.forms(w) {
                    canonical.entry(form).or_insert(w);
                }
            }
        }
        let mut phrases: HashMap<&'static str, Vec<Phrase>> = HashMap::default();
        for (_, words, kind, weight, text) in entries {
            let words: Vec<&'static str> =
                words.iter().map(|w| canonical.get(*w).copied().unwrap_or(w)).collect();
            let list = phrases.entry(words[0]).or_default();
            // The same phrase listed twice (shared by two languages) counts once.
            if list.iter().any(|p| p.rest == words[1..]) {
                continue;
            }
            list.push(Phrase { rest: words[1..].to_vec(), kind, weight, text });
        }
        for list in phrases.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.rest.len()));
        }
        let set = |pick: fn(&LanguageFile) -> &Vec<&'static str>| -> HashSet<&'static str> {
            files.iter().flat_map(|f| pick(f).iter().copied()).collect()
        };
        let mut perfect: HashMap<&'static str, Vec<&'static str>> = HashMap::default();
        for file in files {
            for (aux, endings) in &file.perfect {
                perfect.entry(aux).or_default().extend(endings.iter().copied());
            }
        }
        let cjk = |w: &&'static str| w.chars().any(crate::tokenize::is_cjk);
        let cjk_only = |pick: fn(&LanguageFile) -> &Vec<&'static str>| -> Vec<&'static str> {
            files.iter().flat_map(|f| pick(f).iter().copied()).filter(|w| cjk(w)).collect()
        };
        Lexicon {
            cjk_copulas: cjk_only(|f| &f.copulas),
            cjk_lasting: cjk_only(|f| &f.lasting),
            copulas: set(|f| &f.copulas),
            lasting: set(|f| &f.lasting),
            canonical,
            phrases,
            cjk: files
                .iter()
                .flat_map(|f| &f.substrings)
                .map(|c| CjkCue { text: c.text, kind: c.kind, weight: c.weight })
                .collect(),
            fillers: set(|f| &f.fillers),
            boundaries: set(|f| &f.boundaries),
            past: set(|f| &f.past),
            not_past: set(|f| &f.not_past),
            habits: set(|f| &f.habits),
            you_recall: set(|f| &f.you_recall),
            auxiliaries: set(|f| &f.auxiliaries),
            closed: set(|f| &f.closed),
            wh: set(|f| &f.wh),
            kept: set(|f| &f.kept),
            perfect,
            perfect_after: set(|f| &f.perfect_after),
            interjections: files
                .iter()
                .flat_map(|f| &f.interjections)
                .map(|w| squeeze(w))
                .collect(),
        }
    }

    /// The written lexicon form of `word`, or `word` itself.
    pub fn canonical<'a>(&self, word: &'a str) -> &'a str {
        match self.canonical.get(word) {
            Some(c) => c,
            None => word,
        }
    }

    pub fn phrases(&self, first: &str) -> &[Phrase] {
        self.phrases.get(first).map_or(&[], Vec::as_slice)
    }

    /// Words that may precede an imperative verb: please, can you, and, then.
    pub fn is_filler(&self, word: &str) -> bool {
        self.fillers.contains(word)
    }

    /// Words that end the object of a verb: prepositions, relative pronouns.
    pub fn is_boundary(&self, word: &str) -> bool {
        self.boundaries.contains(word)
    }

    /// A past-tense verb or participle ("gave", "flagged").
    pub fn is_past(&self, word: &str) -> bool {
        if self.past.contains(word) {
            return true;
        }
        word.len() >= 5 && word.ends_with("ed") && !self.not_past.contains(word)
    }

    /// Habit and preference verbs after "I": usually, prefer, like.
    pub fn is_habit(&self, word: &str) -> bool {
        self.habits.contains(word)
            || word.strip_suffix('s').is_some_and(|w| self.habits.contains(w))
    }

    /// Verbs that make "you …" point back at what was said before.
    pub fn is_you_recall(&self, word: &str) -> bool {
        self.you_recall.contains(word)
    }

    /// Words that cannot open an imperative: articles, pronouns, question words.
    pub fn is_closed(&self, word: &str) -> bool {
        self.closed.contains(word)
    }

    /// After "my"/"our", a word naming something kept: saved, approved, usual.
    pub fn is_kept(&self, word: &str) -> bool {
        self.kept.contains(word)
    }

    /// Question words asking for a fact: what, which, when, who, where.
    pub fn is_wh(&self, word: &str) -> bool {
        self.wh.contains(word)
    }

    /// `aux participle` in a Romance language: a perfect tense, the past.
    pub fn is_romance_perfect(&self, aux: &str, participle: &str) -> bool {
        self.perfect.get(aux).is_some_and(|endings| {
            participle.chars().count() > 3 && endings.iter().any(|e| participle.ends_with(e))
        })
    }

    /// `participle aux` in German: "notiert habe", "gesagt hast".
    pub fn is_german_perfect(&self, participle: &str, aux: &str) -> bool {
        self.perfect_after.contains(aux)
            && participle.len() > 5
            && (participle.starts_with("ge") || participle.ends_with("iert"))
            && (participle.ends_with('t') || participle.ends_with("en"))
    }

    /// Sounds and acknowledgements that carry no request: "hmm", "ok", "thanks".
    /// Letters held longer ("hmmmm", "okkk") count as the short form.
    pub fn is_interjection(&self, word: &str) -> bool {
        let held = word.as_bytes().windows(2).any(|pair| pair[0] == pair[1]);
        // Most words hold no doubled letter: no allocation for them.
        if held {
            self.interjections.contains(&squeeze(word))
        } else {
            self.interjections.contains(word)
        }
    }

    /// A state verb that makes a statement of a fact: is, has, was, ist, é.
    pub fn is_copula(&self, word: &str) -> bool {
        self.copulas.contains(word)
    }

    /// A word saying that a fact holds from now on: now, anymore, désormais.
    pub fn is_lasting(&self, word: &str) -> bool {
        self.lasting.contains(word)
    }

    /// Words between a subject and its past verb: have, had, already, 've.
    pub fn is_auxiliary(&self, word: &str) -> bool {
        self.auxiliaries.contains(word)
    }
}

/// `word` with each run of one letter cut to one: "hmmm" → "hm", "okkk" → "ok".
fn squeeze(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}
