//! The cue words of each class and how strongly each one speaks for it, built once.
//!
//! Entries are phrases of one or more words, written as a person types them;
//! they are tokenized like queries. Inflections of single English words
//! (`-s`, `-es`, `-ed`, `-d`, `-ing`, `-ies`, doubled consonants) map back to
//! the written form, so `restarting` finds `restart`. A written form always
//! wins over an inflection, so `saved` (a memory cue) is not `save` (an action).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::tokenize::{Token, tokenize};

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
    /// Squeezed (see `squeeze`).
    interjections: HashSet<String>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::build);

pub fn lexicon() -> &'static Lexicon {
    &LEXICON
}

impl Lexicon {
    fn build() -> Self {
        let mut words = Vec::new();
        let mut split = |text: &'static str| -> Vec<&'static str> {
            words.clear();
            tokenize(text, &mut words);
            words.iter().map(|t: &Token<'static>| t.text).collect()
        };
        let entries: Vec<(Vec<&'static str>, Kind, f32, &'static str)> =
            CUES.iter().map(|&(text, kind, weight)| (split(text), kind, weight, text)).collect();
        // Single written words first, then their inflections where no written
        // word claims the form.
        let mut canonical: HashMap<String, &'static str> = HashMap::new();
        for (words, ..) in &entries {
            if let [w] = words.as_slice() {
                canonical.insert((*w).to_owned(), w);
            }
        }
        // In table order, so English forms claim collisions ("stopped" is
        // `stop`, not German `stoppe`) and the build is deterministic.
        let written: Vec<&'static str> =
            entries.iter().filter(|(w, ..)| w.len() == 1).map(|(w, ..)| w[0]).collect();
        for w in written {
            for form in inflections(w) {
                canonical.entry(form).or_insert(w);
            }
        }
        let mut phrases: HashMap<&'static str, Vec<Phrase>> = HashMap::new();
        for (words, kind, weight, text) in entries {
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
        let set = |xs: &[&'static str]| xs.iter().copied().collect::<HashSet<_>>();
        Lexicon {
            canonical,
            phrases,
            cjk: CJK.iter().map(|&(text, kind, weight)| CjkCue { text, kind, weight }).collect(),
            fillers: set(FILLERS),
            boundaries: set(BOUNDARIES),
            past: set(PAST_IRREGULAR),
            not_past: set(NOT_PAST),
            habits: set(HABITS),
            you_recall: set(YOU_RECALL),
            auxiliaries: set(AUXILIARIES),
            closed: set(CLOSED),
            wh: set(WH),
            kept: set(KEPT),
            interjections: INTERJECTIONS.iter().map(|w| squeeze(w)).collect(),
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
        ROMANCE_PERFECT.iter().any(|(a, endings)| {
            *a == aux
                && participle.chars().count() > 3
                && endings.iter().any(|e| participle.ends_with(e))
        })
    }

    /// `participle aux` in German: "notiert habe", "gesagt hast".
    pub fn is_german_perfect(&self, participle: &str, aux: &str) -> bool {
        GERMAN_PERFECT.contains(&aux)
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

/// English inflections of a lowercase ASCII word.
fn inflections(w: &str) -> Vec<String> {
    let mut out = Vec::new();
    if w.len() < 3 || !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return out;
    }
    let b = w.as_bytes();
    let last = b[b.len() - 1];
    let vowel = |c: u8| b"aeiou".contains(&c);
    out.push(format!("{w}s"));
    out.push(format!("{w}es"));
    if last == b'e' {
        out.push(format!("{w}d"));
        out.push(format!("{}ing", &w[..w.len() - 1]));
    } else {
        out.push(format!("{w}ed"));
        out.push(format!("{w}ing"));
    }
    if last == b'y' && !vowel(b[b.len() - 2]) {
        out.push(format!("{}ies", &w[..w.len() - 1]));
        out.push(format!("{}ied", &w[..w.len() - 1]));
    }
    // stop → stopped, run → running, set → setting.
    if w.len() <= 5
        && !vowel(last)
        && !b"wxy".contains(&last)
        && vowel(b[b.len() - 2])
        && !vowel(b[b.len() - 3])
    {
        let c = last as char;
        out.push(format!("{w}{c}ed"));
        out.push(format!("{w}{c}ing"));
    }
    out
}

use Kind::*;

/// The cue phrases. Weights are in "votes": about 1.0 is a clear signal,
/// 0.3–0.6 a hint that needs company.
#[rustfmt::skip]
const CUES: &[(&str, Kind, f32)] = &[
    // ── Actions on live systems (English) ──
    ("run", Act, 1.0), ("execute", Act, 1.0), ("restart", Act, 1.0), ("reboot", Act, 1.0),
    ("deploy", Act, 1.0), ("redeploy", Act, 1.0), ("install", Act, 1.0), ("uninstall", Act, 1.0),
    ("configure", Act, 1.0), ("set up", Act, 1.0), ("setup", Act, 1.0), ("start", Act, 1.0),
    ("stop", Act, 1.0), ("kill", Act, 1.0), ("build", Act, 1.0), ("compile", Act, 1.0),
    ("scale", Act, 1.0), ("send", Act, 1.0), ("email", Act, 1.0), ("e-mail", Act, 1.0),
    ("text", Act, 0.8), ("message", Act, 0.8), ("call", Act, 0.8), ("ping", Act, 1.0),
    ("turn on", Act, 1.0), ("turn off", Act, 1.0), ("turn", Act, 0.8), ("switch", Act, 0.8),
    ("dim", Act, 1.0), ("brighten", Act, 1.0), ("lock", Act, 1.0), ("unlock", Act, 1.0),
    ("open", Act, 0.8), ("close", Act, 0.8), ("book", Act, 1.0), ("reserve", Act, 1.0),
    ("order", Act, 1.0), ("reorder", Act, 1.0), ("buy", Act, 1.0), ("sell", Act, 1.0),
    ("pay", Act, 1.0), ("transfer", Act, 1.0), ("cancel", Act, 1.0), ("reschedule", Act, 1.0),
    ("move", Act, 0.8), ("invite", Act, 1.0), ("schedule", Act, 1.0), ("add", Act, 0.8),
    ("create", Act, 1.0), ("delete", Act, 1.0), ("remove", Act, 1.0), ("update", Act, 1.0),
    ("upgrade", Act, 1.0), ("rename", Act, 1.0), ("set", Act, 1.0), ("play", Act, 1.0),
    ("pause", Act, 1.0), ("resume", Act, 1.0), ("skip", Act, 0.6), ("print", Act, 1.0),
    ("download", Act, 1.0), ("upload", Act, 1.0), ("push", Act, 1.0), ("merge", Act, 1.0),
    ("commit", Act, 0.8), ("rollback", Act, 1.0), ("roll back", Act, 1.0), ("revert", Act, 1.0),
    ("backup", Act, 1.0), ("back up", Act, 1.0), ("restore", Act, 1.0), ("archive", Act, 0.8),
    ("post", Act, 0.8), ("publish", Act, 1.0), ("tweet", Act, 1.0), ("share", Act, 0.6),
    ("forward", Act, 1.0), ("reply", Act, 1.0), ("respond", Act, 0.8), ("draft", Act, 1.0),
    ("translate", Act, 1.0), ("convert", Act, 1.0), ("calculate", Act, 1.0), ("compute", Act, 1.0),
    ("generate", Act, 1.0), ("train", Act, 1.0), ("fine-tune", Act, 1.0), ("migrate", Act, 1.0),
    ("provision", Act, 1.0), ("spin up", Act, 1.0), ("tear down", Act, 1.0), ("drain", Act, 1.0),
    ("mute", Act, 1.0), ("unmute", Act, 1.0), ("preheat", Act, 1.0), ("heat", Act, 0.8),
    ("cool", Act, 0.6), ("water", Act, 0.6), ("feed", Act, 0.6), ("launch", Act, 1.0),
    ("trigger", Act, 1.0), ("submit", Act, 1.0), ("file", Act, 0.5), ("assign", Act, 1.0),
    ("approve", Act, 1.0), ("reject", Act, 1.0), ("label", Act, 0.6), ("flag", Act, 0.8),
    ("mark", Act, 0.8), ("clear", Act, 0.8), ("flush", Act, 1.0), ("purge", Act, 1.0),
    ("wipe", Act, 1.0), ("reset", Act, 1.0), ("refresh", Act, 1.0), ("reload", Act, 1.0),
    ("charge", Act, 0.8), ("refund", Act, 1.0), ("invoice", Act, 0.6), ("notify", Act, 1.0),
    ("alert", Act, 0.6), ("snooze", Act, 1.0), ("wake", Act, 0.8), ("arm", Act, 0.8),
    ("disarm", Act, 1.0), ("vacuum", Act, 0.8), ("brew", Act, 1.0), ("mount", Act, 1.0),
    ("unmount", Act, 1.0), ("encrypt", Act, 1.0), ("decrypt", Act, 1.0), ("rotate", Act, 1.0),
    ("renew", Act, 0.8), ("register", Act, 1.0), ("sign", Act, 0.6), ("enroll", Act, 1.0),
    ("apply", Act, 0.8), ("accept", Act, 0.8), ("decline", Act, 0.8), ("rsvp", Act, 1.0),
    ("repeat", Act, 0.6), ("restock", Act, 1.0), ("rebook", Act, 1.0), ("edit", Act, 0.8),
    ("write", Act, 0.6), ("fix", Act, 0.8), ("patch", Act, 1.0), ("enable", Act, 1.0),
    ("disable", Act, 1.0), ("block", Act, 0.8), ("unblock", Act, 1.0), ("connect", Act, 1.0),
    ("disconnect", Act, 1.0), ("pair", Act, 0.8), ("stream", Act, 0.8), ("record", Act, 0.6),
    ("take", Act, 0.4), ("make", Act, 0.5), ("put", Act, 0.5), ("raise", Act, 0.6),
    ("lower", Act, 0.6), ("increase", Act, 0.6), ("decrease", Act, 0.6), ("adjust", Act, 0.8),
    ("cook", Act, 0.6), ("bake", Act, 0.6), ("boil", Act, 0.6), ("ship", Act, 0.8),
    ("track", Act, 0.8), ("monitor", Act, 0.8), ("watch", Act, 0.5), ("follow", Act, 0.4),
    ("import", Act, 1.0), ("export", Act, 1.0), ("sync", Act, 0.8), ("test", Act, 0.6),
    ("benchmark", Act, 1.0), ("profile", Act, 0.5), ("debug", Act, 0.8), ("rerun", Act, 1.0),
    ("retry", Act, 1.0), ("kick off", Act, 1.0), ("shut down", Act, 1.0), ("shutdown", Act, 1.0),
    ("power", Act, 0.6), ("unsubscribe", Act, 1.0), ("subscribe", Act, 1.0), ("join", Act, 0.6),
    ("leave", Act, 0.4), ("bump", Act, 0.8), ("tag", Act, 0.5), ("release", Act, 0.8),
    ("greet", Act, 0.6), ("dial", Act, 1.0), ("remind me to", Act, 1.0), ("remind us to", Act, 1.0),
    ("remember to", Act, 0.6), ("set a reminder", Act, 1.0), ("fill", Act, 0.6), ("sort", Act, 0.6),
    ("clean", Act, 0.6), ("cleanup", Act, 0.8), ("categorize", Act, 0.8), ("categorise", Act, 0.8),
    ("split", Act, 0.5), ("resize", Act, 1.0), ("crop", Act, 1.0), ("zip", Act, 0.8),
    ("unzip", Act, 1.0), ("extract", Act, 0.8), ("parse", Act, 0.8), ("scrape", Act, 1.0),
    ("crawl", Act, 1.0), ("index", Act, 0.6), ("rebuild", Act, 1.0), ("recompile", Act, 1.0),
    // ── Retrieval verbs (English) ──
    ("show", Read, 1.0), ("list", Read, 1.0), ("get", Read, 0.8), ("fetch", Read, 1.0),
    ("check", Read, 1.0), ("find", Read, 0.8), ("search", Read, 0.8), ("look up", Read, 1.0),
    ("lookup", Read, 1.0), ("look at", Read, 0.8), ("look for", Read, 0.8), ("look", Read, 0.5),
    ("tell", Read, 0.6), ("give", Read, 0.6), ("display", Read, 1.0), ("view", Read, 0.8),
    ("read", Read, 0.8), ("see", Read, 0.4), ("query", Read, 1.0), ("count", Read, 0.8),
    ("describe", Read, 0.8), ("inspect", Read, 1.0), ("tail", Read, 1.0), ("grep", Read, 1.0),
    ("summarize", Read, 0.6), ("summarise", Read, 0.6), ("recap", Read, 0.4), ("review", Read, 0.6),
    ("explain", Read, 0.5), ("retrieve", Read, 0.8), ("pull", Read, 1.0), ("pull up", Read, 1.0),
    ("browse", Read, 0.8), ("scan", Read, 0.8), ("verify", Read, 1.0), ("confirm", Read, 0.6),
    ("measure", Read, 0.8), ("report", Read, 0.5), ("go through", Read, 0.4), ("run through", Read, 0.4),
    ("walk me through", Read, 0.4), ("print out", Read, 0.8), ("dump", Read, 1.0),
    ("ask", Read, 0.5), ("estimate", Read, 0.6), ("detect", Read, 0.8), ("locate", Read, 0.8),
    ("identify", Read, 0.6), ("diagnose", Read, 0.8), ("troubleshoot", Read, 0.8),
    ("investigate", Read, 0.8), ("debug", Read, 0.8),
    // ── Live state and external systems (English) ──
    ("now", Now, 1.0), ("right now", Now, 1.0), ("currently", Now, 1.0), ("current", Now, 1.0),
    ("at the moment", Now, 1.0), ("live", Now, 0.8), ("latest", Now, 0.8), ("newest", Now, 0.6),
    ("today", Now, 0.7), ("tonight", Now, 0.6), ("tomorrow", Live, 0.6), ("this week", Now, 0.5),
    ("this month", Now, 0.5), ("this morning", Now, 0.5), ("real-time", Now, 1.0),
    ("realtime", Now, 1.0), ("up to date", Now, 0.6), ("status", Live, 1.0), ("state", Live, 0.5),
    ("health", Live, 0.6), ("healthy", Live, 0.8), ("uptime", Live, 1.0), ("usage", Live, 0.8),
    ("logs", Live, 0.8), ("log", Live, 0.5), ("metrics", Live, 0.8), ("cpu", Live, 1.0),
    ("disk", Live, 0.8), ("ram", Live, 1.0), ("memory usage", Live, 1.2), ("memory leak", Live, 1.0),
    ("free memory", Live, 1.0), ("out of memory", Live, 1.0), ("memory consumption", Live, 1.0),
    ("weather", Live, 1.0), ("forecast", Live, 1.0), ("temperature", Live, 0.6), ("price", Live, 0.8),
    ("exchange rate", Live, 1.0), ("rate", Live, 0.4), ("stock price", Live, 1.0),
    ("trading", Live, 1.0), ("market", Live, 0.6), ("balance", Live, 1.0), ("inbox", Live, 1.0),
    ("unread", Live, 1.0), ("calendar", Live, 0.8), ("traffic", Live, 1.0), ("flights", Live, 0.8),
    ("flight", Live, 0.6), ("availability", Live, 0.8), ("available", Live, 0.5), ("free", Live, 0.3),
    ("online", Live, 0.8), ("offline", Live, 0.8), ("reachable", Live, 1.0), ("running", Live, 0.6),
    ("pods", Live, 1.0), ("pod", Live, 1.0), ("container", Live, 0.8), ("cluster", Live, 0.8),
    ("server", Live, 0.5), ("servers", Live, 0.6), ("service", Live, 0.3), ("database", Live, 0.4),
    ("queue", Live, 0.6), ("tickets", Live, 0.5), ("open tickets", Live, 1.0), ("how many", Live, 0.8),
    ("how much", Live, 0.6), ("is there", Live, 0.3), ("are there", Live, 0.3), ("latency", Live, 0.8),
    ("error rate", Live, 1.0), ("errors", Live, 0.4), ("checking account", Live, 1.0),
    ("account", Live, 0.3), ("portfolio", Live, 0.4), ("transactions", Live, 0.5), ("sensor", Live, 0.8),
    ("sensors", Live, 0.8), ("thermostat", Live, 1.0), ("lights", Live, 0.8), ("light", Live, 0.5),
    ("speaker", Live, 0.6), ("camera", Live, 0.6), ("doorbell", Live, 0.8), ("battery", Live, 0.6),
    ("web", Live, 0.8), ("online store", Live, 0.8), ("website", Live, 0.6), ("internet", Live, 0.8),
    ("google", Live, 0.6), ("wikipedia", Live, 0.6), ("news", Live, 0.8), ("headlines", Live, 0.8),
    ("score", Live, 0.5), ("scores", Live, 0.5), ("delivery", Live, 0.5), ("package", Live, 0.3),
    ("shipment", Live, 0.6), ("tracking", Live, 0.6), ("api", Live, 0.6), ("endpoint", Live, 0.8),
    ("dashboard", Live, 0.6), ("pipeline", Live, 0.5), ("build status", Live, 1.0), ("ci", Live, 0.6),
    ("deployment", Live, 0.6), ("deployments", Live, 0.6), ("replicas", Live, 1.0), ("nodes", Live, 0.6),
    ("github", Live, 0.5), ("gitlab", Live, 0.5), ("jira", Live, 0.5), ("slack", Live, 0.5),
    ("stripe", Live, 0.5), ("shopify", Live, 0.5), ("salesforce", Live, 0.5), ("hubspot", Live, 0.5),
    ("zendesk", Live, 0.5), ("aws", Live, 0.5), ("s3", Live, 0.6), ("ec2", Live, 0.6),
    ("kubernetes", Live, 0.6), ("k8s", Live, 0.6), ("nginx", Live, 0.6), ("postgres", Live, 0.4),
    ("redis", Live, 0.4), ("kafka", Live, 0.4), ("grafana", Live, 0.6), ("prometheus", Live, 0.6),
    ("datadog", Live, 0.6), ("sentry", Live, 0.6), ("jenkins", Live, 0.6), ("pubmed", Live, 0.8),
    ("arxiv", Live, 0.6), ("spotify", Live, 0.6), ("netflix", Live, 0.4), ("uber", Live, 0.6),
    ("amazon", Live, 0.4), ("is it raining", Live, 1.0), ("open now", Live, 1.0), ("is open", Live, 0.8),
    ("in stock", Live, 0.8), ("inventory", Live, 0.5), ("stock level", Live, 0.8), ("vacancy", Live, 0.5),
    ("slots", Live, 0.6), ("seats left", Live, 1.0), ("queue length", Live, 1.0), ("ports", Live, 0.6),
    ("port", Live, 0.4), ("processes", Live, 0.8), ("process", Live, 0.3), ("certificate", Live, 0.4),
    ("expires", Live, 0.4), ("bill", Live, 0.3), ("due", Live, 0.3),
    // ── Command-line tools ──
    ("kubectl", Cmd, 1.5), ("docker", Cmd, 1.2), ("docker-compose", Cmd, 1.5), ("git", Cmd, 1.2),
    ("ssh", Cmd, 1.2), ("scp", Cmd, 1.5), ("curl", Cmd, 1.5), ("wget", Cmd, 1.5), ("psql", Cmd, 1.5),
    ("mysql", Cmd, 1.0), ("redis-cli", Cmd, 1.5), ("systemctl", Cmd, 1.5), ("journalctl", Cmd, 1.5),
    ("npm", Cmd, 1.5), ("npx", Cmd, 1.5), ("yarn", Cmd, 1.2), ("pnpm", Cmd, 1.5), ("pip", Cmd, 1.2),
    ("cargo", Cmd, 1.0), ("rustc", Cmd, 1.5), ("gcloud", Cmd, 1.5), ("az", Cmd, 0.6),
    ("terraform", Cmd, 1.2), ("helm", Cmd, 1.2), ("ansible", Cmd, 1.2), ("ls", Cmd, 1.5),
    ("df", Cmd, 1.5), ("du", CmdAmbiguous, 1.2), ("htop", Cmd, 1.5), ("ps", Cmd, 1.0), ("chmod", Cmd, 1.5),
    ("chown", Cmd, 1.5), ("sudo", Cmd, 1.5), ("apt", Cmd, 1.2), ("apt-get", Cmd, 1.5), ("yum", Cmd, 1.5),
    ("brew", CmdAmbiguous, 1.0), ("python", Cmd, 0.8), ("python3", Cmd, 1.2), ("node", CmdAmbiguous, 1.0),
    ("mvn", Cmd, 1.5), ("gradle", Cmd, 1.2), ("traceroute", Cmd, 1.5), ("nslookup", Cmd, 1.5),
    ("dig", CmdAmbiguous, 1.0), ("netstat", Cmd, 1.5), ("lsof", Cmd, 1.5), ("pkill", Cmd, 1.5),
    ("mkdir", Cmd, 1.5), ("rm", Cmd, 1.2), ("cp", CmdAmbiguous, 1.0), ("mv", Cmd, 1.2), ("tar", Cmd, 1.0),
    ("rsync", Cmd, 1.5), ("nmap", Cmd, 1.5), ("openssl", Cmd, 1.5), ("jq", Cmd, 1.5), ("ffmpeg", Cmd, 1.5),
    ("pytest", Cmd, 1.5), ("minikube", Cmd, 1.5), ("oc", CmdAmbiguous, 1.0), ("vault", CmdAmbiguous, 0.8),
    ("pulumi", Cmd, 1.5), ("gh", Cmd, 1.2), ("sqlite3", Cmd, 1.5), ("mongosh", Cmd, 1.5),
    ("crontab", Cmd, 1.5), ("iptables", Cmd, 1.5), ("ifconfig", Cmd, 1.5), ("uname", Cmd, 1.5),
    ("whoami", Cmd, 1.5), ("nvidia-smi", Cmd, 1.5), ("tmux", Cmd, 1.2), ("vim", Cmd, 1.0),
    ("make", CmdAmbiguous, 0.8), ("top", CmdAmbiguous, 0.8), ("cat", CmdAmbiguous, 0.8),
    ("head", CmdAmbiguous, 0.6), ("echo", CmdAmbiguous, 0.8), ("sed", Cmd, 1.2), ("awk", Cmd, 1.2),
    ("go", CmdAmbiguous, 0.5), ("sql", Live, 0.6), ("select", CmdAmbiguous, 0.8),
    // ── Writing to memory (English) ──
    ("remember that", Store, 1.5), ("keep in mind", Store, 1.5), ("keep that in mind", Store, 1.5),
    ("keep this in mind", Store, 1.5), ("keep it in mind", Store, 1.5), ("keep that on file", Store, 1.5),
    ("keep on file", Store, 1.5), ("new rule", Store, 1.2), ("navigate", Act, 1.0), ("bear in mind", Store, 1.5),
    ("note that", Store, 1.5), ("note to self", Store, 1.5), ("make a note", Store, 1.5),
    ("take a note", Store, 1.5), ("take note", Store, 1.5), ("save this", Store, 1.5),
    ("save that", Store, 1.5), ("save a note", Store, 1.5), ("store this", Store, 1.5),
    ("store that", Store, 1.5), ("store it", Store, 1.2), ("memorize", Store, 1.5), ("memorise", Store, 1.5),
    ("don't forget that", Store, 1.5), ("never forget", Store, 1.2), ("for future reference", Store, 1.5),
    ("jot down", Store, 1.5), ("write down", Store, 1.0), ("add to memory", Store, 1.5),
    ("to my notes", Store, 1.2), ("to memory", Store, 1.2), ("log that", Store, 1.0),
    ("record that", Store, 1.2), ("learn that", Store, 1.2), ("from now on", Store, 1.0),
    ("going forward", Store, 0.8), ("fyi", Store, 0.8), ("for the record", Store, 1.2),
    ("remember this", Store, 1.5), ("remember my", Store, 1.2), ("save", Act, 0.8),
    // ── Stored knowledge (English) ──
    ("remember", Recall, 1.0), ("remembered", Recall, 1.0), ("recall", Recall, 1.0),
    ("memory", MemNoun, 0.8), ("memories", MemNoun, 1.0), ("remind me", Recall, 1.0),
    ("remind us", Recall, 1.0), ("told you", Recall, 1.0), ("told me", Recall, 0.6), ("i said", Recall, 1.0),
    ("we said", Recall, 1.0), ("agreed", Recall, 1.0), ("decided", Recall, 1.0), ("decision", Recall, 0.5),
    ("decisions", Recall, 1.0), ("discussed", Recall, 1.0), ("noted", Recall, 1.0),
    ("notes", MemNoun, 1.0), ("note", MemNoun, 0.8), ("memo", MemNoun, 0.8), ("journal", MemNoun, 0.8),
    ("diary", MemNoun, 0.8), ("saved", Recall, 1.0), ("stored", Recall, 1.0), ("history", Recall, 0.6),
    ("previously", Recall, 1.0), ("previous", Recall, 0.6), ("last time", Recall, 1.0),
    ("earlier", Recall, 0.8), ("before", Recall, 0.4), ("ago", Recall, 0.4), ("past", Recall, 0.5),
    ("what was", Recall, 0.5), ("what were", Recall, 0.5), ("did i", Recall, 1.0), ("did we", Recall, 1.0),
    ("did you", Recall, 0.4), ("have i", Recall, 0.6), ("have we", Recall, 0.6), ("had we", Recall, 0.8),
    ("you know about", Recall, 1.2), ("do you know", Recall, 0.8), ("you remember", Recall, 1.0),
    ("preferences", MemNoun, 1.0), ("preference", MemNoun, 1.0), ("fact", MemNoun, 0.5), ("facts", MemNoun, 0.5), ("store", Act, 0.6), ("log this", Store, 1.5), ("record this", Store, 1.2), ("note this", Store, 1.5), ("save the fact", Store, 1.5), ("store the fact", Store, 1.5), ("remember the fact", Store, 1.5), ("preferred", Recall, 0.8),
    ("prefer", Recall, 0.6), ("favourite", Recall, 0.8), ("favorite", Recall, 0.8), ("usual", Recall, 0.5),
    ("usually", Recall, 0.6), ("again", Recall, 0.4), ("the same", Recall, 0.4), ("mentioned", Recall, 1.0),
    ("wrote down", Recall, 1.0), ("recorded", Recall, 0.8), ("forget", Recall, 1.2),
    ("according to my", Recall, 1.0), ("we talked about", Recall, 1.2), ("talked about", Recall, 0.8),
    ("conversation", Recall, 0.6), ("we chose", Recall, 1.0), ("what s my", Recall, 0.5),
    ("what is my", Recall, 0.5), ("what are my", Recall, 0.5), ("what s our", Recall, 0.6),
    ("our", Recall, 0.4), ("as always", Recall, 0.6), ("like last time", Recall, 1.0),
    ("last visit", Recall, 0.8), ("last meeting", Recall, 0.8), ("last session", Recall, 0.8),
    ("knowledge base", MemNoun, 0.8), ("what you know", Recall, 1.2), ("you have on", Recall, 0.6),
    ("on file", Recall, 0.8), ("do we have on", Recall, 0.8), ("anything about", Recall, 0.3),
    ("baseline", Recall, 0.6), ("agreement", Recall, 0.4), ("agreed on", Recall, 1.0),
    ("promised", Recall, 0.8), ("learned", Recall, 0.6), ("lessons", Recall, 0.6),
    // ── Combining live data with knowledge (English) ──
    ("compare", Combine, 1.0), ("comparison", Combine, 1.0), ("versus", Combine, 1.0), ("vs", Combine, 1.0),
    ("analyze", Combine, 1.0), ("analyse", Combine, 1.0), ("analysis", Combine, 1.0),
    ("correlate", Combine, 1.0), ("correlation", Combine, 1.0), ("audit", Combine, 1.0),
    ("reconcile", Combine, 1.0), ("cross-check", Combine, 1.0), ("cross-reference", Combine, 1.0),
    ("similar", Combine, 0.8), ("related", Combine, 0.6), ("trend", Combine, 0.8), ("trends", Combine, 0.8), ("trending", Live, 1.0),
    ("benchmark against", Combine, 1.0),
    ("against", Contrast, 0.8), ("still", Contrast, 0.8), ("since", Contrast, 0.6), ("above", Contrast, 0.6),
    ("below", Contrast, 0.6), ("exceed", Contrast, 0.8), ("match", Contrast, 0.8), ("differ", Contrast, 1.0),
    ("different", Contrast, 0.6), ("difference", Contrast, 0.8), ("drift", Contrast, 1.0),
    ("drifted", Contrast, 1.0), ("changed", Contrast, 0.8), ("consistent", Contrast, 0.8),
    ("in sync", Contrast, 1.0), ("respect", Contrast, 0.8), ("fit", Contrast, 0.6), ("fits", Contrast, 0.6),
    ("deviate", Contrast, 1.0), ("diverge", Contrast, 1.0), ("gone up", Contrast, 1.0),
    ("gone down", Contrast, 1.0), ("went over", Contrast, 0.8), ("over the limit", Contrast, 1.0),
    ("compliant", Contrast, 0.8), ("comply", Contrast, 0.8), ("violate", Contrast, 0.8),
    ("within", Contrast, 0.5), ("using", Contrast, 0.5), ("based on", Contrast, 0.8),
    ("according to", Neutral, 0.0), ("same as", Contrast, 0.6), ("line up", Contrast, 0.8),
    ("worse", Contrast, 0.6), ("better", Contrast, 0.4), ("improved", Contrast, 0.6), ("regress", Contrast, 0.8),
    ("any new", Contrast, 0.6), ("new", Contrast, 0.2), ("missing", Contrast, 0.6), ("outdated", Contrast, 0.6),
    // ── Not cues ──
    ("living room", Neutral, 0.0), ("set of", Neutral, 0.0), ("last five", Neutral, 0.0),
    ("last ten", Neutral, 0.0), ("last few", Neutral, 0.0), ("last hour", Live, 0.6),
    ("last 24 hours", Live, 0.8), ("in the last", Live, 0.4), ("past hour", Live, 0.8),
    ("past 24 hours", Live, 0.8), ("past week", Live, 0.3), ("last night", Live, 0.3),
    ("running late", Neutral, 0.0), ("for running", Neutral, 0.0), ("use for", Neutral, 0.0),
    ("to do list", Neutral, 0.0), ("shopping list", Neutral, 0.0), ("reading list", MemNoun, 0.6),
    ("the list", Neutral, 0.0), ("a list", Neutral, 0.0), ("list of", Neutral, 0.0),
    ("the note", MemNoun, 0.8), ("a note", MemNoun, 0.8), ("check-up", Neutral, 0.0),
    ("check in", Act, 1.0), ("check out", Act, 0.8), ("hold on", Neutral, 0.0),
    ("how much did", Recall, 0.6), ("how many did", Recall, 0.6), ("with a note", Neutral, 0.0),
    ("add a note", Act, 1.0), ("leave a note", Act, 1.0), ("post a note", Act, 1.0),
    ("our last", Recall, 0.8), ("when was", Recall, 0.6), ("do we", Recall, 0.4),
    ("action items", MemNoun, 0.8), ("takeaways", MemNoun, 0.8), ("meeting notes", MemNoun, 1.0),
    ("yesterday", Recall, 0.2), ("runbook", MemNoun, 0.8), ("playbook", MemNoun, 0.8),
    ("postmortem", MemNoun, 0.8), ("post-mortem", MemNoun, 0.8), ("documented", Recall, 0.8),
    ("procedure", MemNoun, 0.4), ("policy", MemNoun, 0.5), ("guidelines", MemNoun, 0.6),
    ("conventions", MemNoun, 0.6), ("convention", MemNoun, 0.5), ("checklist", MemNoun, 0.5),
    ("last incident", Recall, 0.8), ("last outage", Recall, 0.8), ("last deploy", Recall, 0.5),
    ("last release", Recall, 0.5), ("last review", Recall, 0.8), ("last call", Recall, 0.6),
    ("last sprint", Recall, 0.6), ("last quarter", Recall, 0.4), ("last year", Recall, 0.4),
    ("tell me about", Recall, 0.6), ("explain how", Recall, 0.5), ("explain why", Recall, 0.5),
    ("page", Act, 0.8), ("ip", Live, 0.6), ("ip address", Live, 0.8), ("dns", Live, 0.5),
    // Infinitives after "can you" / "peux-tu" / "kannst du" / "puoi" / "pode".
    ("reiniciar", Act, 1.0), ("mostrar", Read, 1.0), ("listar", Read, 1.0), ("ejecutar", Act, 1.0),
    ("desplegar", Act, 1.0), ("instalar", Act, 1.0), ("enviar", Act, 1.0), ("borrar", Act, 1.0),
    ("crear", Act, 1.0), ("apagar", Act, 1.0), ("encender", Act, 1.0), ("comprobar", Read, 1.0),
    ("revisar", Read, 1.0), ("verificar", Read, 1.0), ("buscar", Read, 0.8), ("reservar", Act, 1.0),
    ("redémarrer", Act, 1.0), ("exécuter", Act, 1.0), ("déployer", Act, 1.0), ("installer", Act, 1.0),
    ("envoyer", Act, 1.0), ("supprimer", Act, 1.0), ("créer", Act, 1.0), ("allumer", Act, 1.0),
    ("éteindre", Act, 1.0), ("chercher", Read, 0.8), ("lancer", Act, 1.0), ("arrêter", Act, 1.0),
    ("montrer", Read, 1.0), ("réserver", Act, 1.0), ("neu starten", Act, 1.0), ("starten", Act, 1.0),
    ("anzeigen", Read, 1.0), ("zeigen", Read, 1.0), ("auflisten", Read, 1.0), ("ausführen", Act, 1.0),
    ("installieren", Act, 1.0), ("senden", Act, 1.0), ("löschen", Act, 1.0), ("erstellen", Act, 1.0),
    ("prüfen", Read, 1.0), ("überprüfen", Read, 1.0), ("stoppen", Act, 1.0), ("buchen", Act, 1.0),
    ("riavviare", Act, 1.0), ("mostrare", Read, 1.0), ("elencare", Read, 1.0), ("eseguire", Act, 1.0),
    ("installare", Act, 1.0), ("inviare", Act, 1.0), ("eliminare", Act, 1.0), ("creare", Act, 1.0),
    ("accendere", Act, 1.0), ("spegnere", Act, 1.0), ("controllare", Read, 1.0), ("verificare", Read, 1.0),
    ("cercare", Read, 0.8), ("avviare", Act, 1.0), ("fermare", Act, 1.0), ("prenotare", Act, 1.0),
    ("executar", Act, 1.0), ("criar", Act, 1.0), ("ligar", Act, 0.8), ("desligar", Act, 1.0),
    ("procurar", Read, 0.8), ("contenedor", Live, 0.6), ("conteneur", Live, 0.6), ("conteneurs", Live, 0.6),
    ("contenedores", Live, 0.6), ("servidor", Live, 0.5), ("servidores", Live, 0.5),
    // German participle adjectives: "die vereinbarten Ziele", "unserer dokumentierten Richtlinie".
    ("festgelegten", Recall, 1.0), ("vereinbarten", Recall, 1.0), ("gespeicherten", Recall, 1.0),
    ("notierten", Recall, 1.0), ("besprochenen", Recall, 1.0), ("beschlossenen", Recall, 1.0),
    ("dokumentiert", Recall, 0.8), ("dokumentierten", Recall, 1.0), ("unser", Recall, 0.4),
    ("unsere", Recall, 0.4), ("unserer", Recall, 0.4), ("unseren", Recall, 0.4), ("passen", Contrast, 0.6),
    ("passt", Contrast, 0.6), ("notre", Recall, 0.4), ("nos", Recall, 0.3), ("nuestro", Recall, 0.4),
    ("nuestra", Recall, 0.4), ("nosso", Recall, 0.4), ("nossa", Recall, 0.4), ("nostro", Recall, 0.4),
    ("nostra", Recall, 0.4), ("than", Contrast, 0.6), ("so far", Now, 1.0), ("ready", Live, 0.6), ("overdue", Live, 0.6), ("my reading list", MemNoun, 0.8), ("on my list", MemNoun, 0.8), ("in my list", MemNoun, 0.8), ("my watchlist", MemNoun, 0.8), ("my wishlist", MemNoun, 0.8), ("lower than", Contrast, 0.8), ("higher than", Contrast, 0.8),
    ("more than", Contrast, 0.6), ("less than", Contrast, 0.6), ("greater than", Contrast, 0.8),
    ("air quality", Live, 1.0), ("humidity", Live, 0.8), ("moisture", Live, 0.8), ("pollen", Live, 0.8),
    ("uv index", Live, 1.0), ("outside", Live, 0.4), ("done", Live, 0.4), ("listings", Live, 0.6),
    ("meet the", Contrast, 0.6), ("meets the", Contrast, 0.6), ("ich dir", Recall, 0.8),
    ("überschreiten", Contrast, 0.8), ("rent", Act, 1.0), ("hire", Act, 0.8), ("lease", Act, 0.6),
    ("borrow", Act, 0.8), ("return", Act, 0.6), ("plot", Act, 1.0), ("chart", Act, 0.6), ("draw", Act, 0.6),
    ("queue", Act, 0.6), ("lint", Act, 1.0), ("format", Act, 0.8), ("rebalance", Act, 1.0),
    ("tune", Act, 0.6), ("optimize", Act, 0.8), ("refactor", Act, 1.0), ("load", Act, 0.5),
    ("wire", Act, 0.8), ("top up", Act, 1.0), ("withdraw", Act, 1.0), ("deposit", Act, 1.0),
    ("cast", Act, 0.8), ("mirror", Act, 0.6), ("toggle", Act, 1.0), ("arm the", Act, 1.0),
    ("reheat", Act, 1.0), ("defrost", Act, 1.0), ("grind", Act, 0.8), ("fill up", Act, 1.0),
    // ── French ──
    ("allume", Act, 1.0), ("éteins", Act, 1.0), ("eteins", Act, 1.0), ("redémarre", Act, 1.0),
    ("redemarre", Act, 1.0), ("déploie", Act, 1.0), ("deploie", Act, 1.0), ("lance", Act, 1.0),
    ("exécute", Act, 1.0), ("installe", Act, 1.0), ("envoie", Act, 1.0), ("réserve", Act, 1.0),
    ("commande", Act, 0.8), ("achète", Act, 1.0), ("paie", Act, 1.0), ("transfère", Act, 1.0),
    ("vire", Act, 0.8), ("annule", Act, 1.0), ("ajoute", Act, 1.0), ("crée", Act, 1.0), ("supprime", Act, 1.0),
    ("démarre", Act, 1.0), ("arrête", Act, 1.0), ("ouvre", Act, 1.0), ("ferme", Act, 1.0), ("règle", Act, 0.8),
    ("mets", Act, 1.0), ("joue", Act, 1.0), ("imprime", Act, 1.0), ("télécharge", Act, 1.0),
    ("planifie", Act, 1.0), ("programme", Act, 0.6), ("appelle", Act, 1.0), ("écris", Act, 0.6),
    ("mets à jour", Act, 1.0), ("baisse", Act, 0.8), ("monte", Act, 0.8), ("réponds", Act, 1.0),
    ("liste", Read, 1.0), ("lister", Read, 1.0), ("affiche", Read, 1.0), ("afficher", Read, 1.0),
    ("montre", Read, 1.0), ("donne", Read, 0.6), ("vérifie", Read, 1.0), ("verifie", Read, 1.0),
    ("vérifier", Read, 1.0), ("cherche", Read, 0.8), ("trouve", Read, 0.8), ("consulte", Read, 0.8),
    ("regarde", Read, 0.6), ("dis", Read, 0.4), ("récupère", Read, 1.0), ("résume", Read, 0.5),
    ("actuel", Now, 1.0), ("actuelle", Now, 1.0), ("actuellement", Now, 1.0), ("maintenant", Now, 1.0),
    ("aujourd hui", Now, 0.7), ("en ce moment", Now, 1.0), ("état", Live, 0.8), ("statut", Live, 1.0),
    ("solde", Live, 1.0), ("météo", Live, 1.0), ("prix", Live, 0.6), ("température", Live, 0.6),
    ("fichiers", Live, 0.6), ("dossier", Live, 0.4), ("serveur", Live, 0.5), ("journaux", Live, 0.6),
    ("chauffage", Live, 0.6), ("lumière", Live, 0.6), ("boîte de réception", Live, 1.0),
    ("souviens", Store, 1.5), ("souviens-toi", Store, 1.5), ("retiens", Store, 1.5), ("note que", Store, 1.5),
    ("rappelle-toi", Recall, 1.0), ("te souviens", Recall, 1.0), ("tu te souviens", Recall, 1.2),
    ("rappelle", Recall, 0.6), ("noté", Recall, 1.0), ("notée", Recall, 1.0), ("notés", Recall, 1.0),
    ("décidé", Recall, 1.0), ("décidés", Recall, 1.0), ("convenu", Recall, 1.0), ("discuté", Recall, 1.0),
    ("enregistré", Recall, 1.0), ("sauvegardé", Recall, 1.0), ("ai dit", Recall, 1.0), ("t ai", Recall, 1.0),
    ("nous avons", Recall, 0.8), ("avons", Recall, 0.6), ("avions", Recall, 0.8), ("dernière fois", Recall, 1.0),
    ("mémoire", Recall, 0.8), ("notes", MemNoun, 1.0), ("historique", Recall, 0.6), ("précédent", Recall, 0.6),
    ("auparavant", Recall, 0.8), ("préféré", Recall, 0.8), ("préfère", Recall, 0.6), ("habituel", Recall, 0.5),
    ("comparer", Combine, 1.0), ("compare-le", Combine, 1.0), ("compare-la", Combine, 1.0),
    ("analyse", Combine, 1.0), ("par rapport", Contrast, 0.8), ("toujours", Contrast, 0.6),
    ("depuis", Contrast, 0.5), ("correspond", Contrast, 0.8), ("fixé", Recall, 0.8),
    // ── German ──
    ("starte", Act, 1.0), ("stoppe", Act, 1.0), ("schalte", Act, 1.0), ("mach", Act, 0.8), ("mache", Act, 0.8),
    ("sende", Act, 1.0), ("schicke", Act, 1.0), ("schick", Act, 1.0), ("buche", Act, 1.0),
    ("bestelle", Act, 1.0), ("kaufe", Act, 1.0), ("bezahle", Act, 1.0), ("überweise", Act, 1.0),
    ("lösche", Act, 1.0), ("erstelle", Act, 1.0), ("füge", Act, 1.0), ("installiere", Act, 1.0),
    ("konfiguriere", Act, 1.0), ("spiele", Act, 1.0), ("öffne", Act, 1.0), ("schließe", Act, 1.0),
    ("drucke", Act, 1.0), ("lade", Act, 0.8), ("plane", Act, 0.6), ("stelle", Act, 0.8), ("führe", Act, 1.0),
    ("rufe", Act, 0.8), ("ruf", Act, 0.8), ("aktualisiere", Act, 1.0), ("verschiebe", Act, 1.0),
    ("zeig", Read, 1.0), ("zeige", Read, 1.0), ("liste", Read, 1.0), ("prüfe", Read, 1.0), ("pruefe", Read, 1.0),
    ("überprüfe", Read, 1.0), ("suche", Read, 0.8), ("finde", Read, 0.8), ("gib", Read, 0.6),
    ("hole", Read, 1.0), ("hol", Read, 1.0), ("sag", Read, 0.4), ("sage", Read, 0.4),
    ("aktuell", Now, 1.0), ("aktuellen", Now, 1.0), ("aktuelle", Now, 1.0), ("jetzt", Now, 1.0),
    ("heute", Now, 0.7), ("heutigen", Now, 0.7), ("gerade", Now, 0.6), ("kontostand", Live, 1.0),
    ("wetter", Live, 1.0), ("preis", Live, 0.6), ("lagerbestand", Live, 0.8), ("temperatur", Live, 0.6),
    ("merk dir", Store, 1.5), ("merke dir", Store, 1.5), ("speichere", Store, 1.2), ("notiere", Store, 1.5),
    ("erinnerst", Recall, 1.2), ("erinnere", Recall, 0.8), ("erinnern", Recall, 0.8),
    ("gespeichert", Recall, 1.0), ("beschlossen", Recall, 1.0), ("notiert", Recall, 1.0),
    ("besprochen", Recall, 1.0), ("vereinbart", Recall, 1.0), ("festgelegt", Recall, 1.0),
    ("gesagt", Recall, 1.0), ("erzählt", Recall, 1.0), ("entschieden", Recall, 1.0),
    ("aufgeschrieben", Recall, 1.0), ("erwähnt", Recall, 1.0), ("letztes mal", Recall, 1.0),
    ("letzte mal", Recall, 1.0), ("zuletzt", Recall, 0.6), ("früher", Recall, 0.6), ("notizen", MemNoun, 1.0),
    ("gedächtnis", Recall, 0.8), ("lieblings", Recall, 0.8),
    ("vergleiche", Combine, 1.0), ("vergleich", Combine, 1.0), ("vergleichen", Combine, 1.0),
    ("analysiere", Combine, 1.0), ("abgleichen", Combine, 1.0), ("noch", Contrast, 0.5), ("seit", Contrast, 0.5),
    // ── Spanish ──
    ("apaga", Act, 1.0), ("enciende", Act, 1.0), ("reinicia", Act, 1.0), ("despliega", Act, 1.0),
    ("ejecuta", Act, 1.0), ("instala", Act, 1.0), ("configura", Act, 1.0), ("envía", Act, 1.0),
    ("envia", Act, 1.0), ("manda", Act, 1.0), ("reserva", Act, 1.0), ("compra", Act, 1.0), ("paga", Act, 1.0),
    ("transfiere", Act, 1.0), ("cancela", Act, 1.0), ("añade", Act, 1.0), ("agrega", Act, 1.0),
    ("crea", Act, 1.0), ("borra", Act, 1.0), ("elimina", Act, 1.0), ("pon", Act, 1.0), ("abre", Act, 1.0),
    ("cierra", Act, 1.0), ("programa", Act, 0.6), ("imprime", Act, 1.0), ("descarga", Act, 1.0),
    ("inicia", Act, 1.0), ("detén", Act, 1.0), ("llama", Act, 0.8), ("actualiza", Act, 1.0),
    ("muestra", Read, 1.0), ("muéstrame", Read, 1.0), ("lista", Read, 1.0), ("dame", Read, 0.6),
    ("revisa", Read, 1.0), ("comprueba", Read, 1.0), ("verifica", Read, 1.0), ("busca", Read, 0.8),
    ("encuentra", Read, 0.8), ("consulta", Read, 0.8), ("dime", Read, 0.4),
    ("actual", Now, 1.0), ("ahora", Now, 1.0), ("hoy", Now, 0.7), ("estado", Live, 0.8),
    ("saldo", Live, 1.0), ("precio", Live, 0.8), ("clima", Live, 1.0), ("temperatura", Live, 0.6),
    ("recuerda que", Store, 1.5), ("anota", Store, 1.5), ("apunta", Store, 1.2), ("guarda esto", Store, 1.5),
    ("recuerdas", Recall, 1.2), ("recuerda", Recall, 0.8), ("acuerdas", Recall, 1.2), ("guardamos", Recall, 1.0),
    ("guardé", Recall, 1.0), ("decidimos", Recall, 1.0), ("decidiste", Recall, 1.0), ("elegimos", Recall, 1.0),
    ("acordamos", Recall, 1.0), ("fijamos", Recall, 1.0), ("definimos", Recall, 1.0), ("establecimos", Recall, 1.0), ("dijimos", Recall, 1.0), ("quedamos", Recall, 1.0), ("pusimos", Recall, 1.0), ("te di", Recall, 1.0), ("superan", Contrast, 0.8), ("supera", Contrast, 0.8), ("dije", Recall, 1.0), ("dijiste", Recall, 1.0), ("hablamos", Recall, 1.0),
    ("anoté", Recall, 1.0), ("anotamos", Recall, 1.0), ("notas", MemNoun, 1.0), ("memoria", Recall, 0.8),
    ("última vez", Recall, 1.0), ("ultima vez", Recall, 1.0), ("anterior", Recall, 0.6),
    ("el mismo", Recall, 0.5), ("la misma", Recall, 0.5), ("favorito", Recall, 0.8), ("favorita", Recall, 0.8),
    ("compara", Combine, 1.0), ("todavía", Contrast, 0.6), ("desde", Contrast, 0.4), ("coincide", Contrast, 0.8),
    // ── Portuguese ──
    ("liga", Act, 1.0), ("desliga", Act, 1.0), ("reinicie", Act, 1.0), ("executa", Act, 1.0),
    ("execute", Act, 1.0), ("envie", Act, 1.0), ("transfere", Act, 1.0), ("adiciona", Act, 1.0),
    ("adicione", Act, 1.0), ("cria", Act, 1.0), ("crie", Act, 1.0), ("fecha", Act, 0.6), ("agenda", Act, 0.6),
    ("agende", Act, 1.0), ("baixa", Act, 0.6), ("ligue", Act, 1.0), ("desligue", Act, 1.0), ("abra", Act, 1.0),
    ("mostre", Read, 1.0), ("mostra", Read, 1.0), ("mostrar", Read, 1.0), ("liste", Read, 1.0),
    ("verifique", Read, 1.0), ("confira", Read, 1.0), ("procure", Read, 0.8), ("encontre", Read, 0.8),
    ("diga", Read, 0.4), ("atual", Now, 1.0), ("agora", Now, 1.0), ("hoje", Now, 0.7), ("preço", Live, 0.8),
    ("lembre-se", Store, 1.5), ("lembre se", Store, 1.5), ("anote", Store, 1.5), ("guarde", Store, 1.2),
    ("lembra", Recall, 1.0), ("lembre", Recall, 1.0), ("lembrar", Recall, 0.8), ("anotamos", Recall, 1.0),
    ("anotei", Recall, 1.0), ("combinamos", Recall, 1.0), ("falamos", Recall, 1.0), ("disse", Recall, 1.0),
    ("te disse", Recall, 1.2), ("salvamos", Recall, 1.0), ("guardei", Recall, 1.0), ("memória", Recall, 0.8),
    ("batem", Contrast, 0.8), ("ultrapassa", Contrast, 0.8), ("ultrapassam", Contrast, 0.8), ("te dei", Recall, 1.0), ("bate", Contrast, 0.6), ("ainda", Contrast, 0.6),
    // ── Italian ──
    ("accendi", Act, 1.0), ("spegni", Act, 1.0), ("riavvia", Act, 1.0), ("esegui", Act, 1.0),
    ("installa", Act, 1.0), ("invia", Act, 1.0), ("prenota", Act, 1.0), ("ordina", Act, 1.0),
    ("trasferisci", Act, 1.0), ("annulla", Act, 1.0), ("aggiungi", Act, 1.0), ("cancella", Act, 1.0),
    ("apri", Act, 1.0), ("chiudi", Act, 1.0), ("imposta", Act, 1.0), ("suona", Act, 0.8), ("stampa", Act, 1.0),
    ("scarica", Act, 1.0), ("avvia", Act, 1.0), ("ferma", Act, 1.0), ("chiama", Act, 0.8), ("aggiorna", Act, 1.0),
    ("mostrami", Read, 1.0), ("elenca", Read, 1.0), ("dammi", Read, 0.6), ("controlla", Read, 1.0),
    ("cerca", Read, 0.8), ("trova", Read, 0.8), ("dimmi", Read, 0.4),
    ("attuale", Now, 1.0), ("attuali", Now, 1.0), ("adesso", Now, 1.0), ("oggi", Now, 0.7),
    ("stato", Live, 0.8), ("prezzo", Live, 0.8), ("prezzi", Live, 0.8), ("meteo", Live, 1.0),
    ("ricorda che", Store, 1.5), ("ricordati", Store, 1.5), ("annota", Store, 1.5), ("salva", Act, 0.8),
    ("ricordi", Recall, 1.2), ("ricorda", Recall, 0.8), ("ricordami", Recall, 1.0), ("deciso", Recall, 1.0),
    ("abbiamo", Recall, 0.6), ("avevamo", Recall, 0.8), ("ho detto", Recall, 1.0), ("ti ho", Recall, 1.0),
    ("detto", Recall, 0.8), ("annotato", Recall, 1.0), ("salvato", Recall, 1.0), ("discusso", Recall, 1.0),
    ("concordato", Recall, 1.0), ("ultima volta", Recall, 1.0), ("preferito", Recall, 0.8),
    ("confronta", Combine, 1.0), ("paragona", Combine, 1.0), ("ancora", Contrast, 0.6), ("sotto", Contrast, 0.5),
    ("sopra", Contrast, 0.5),
];

/// Substring cues for Chinese and Japanese.
#[rustfmt::skip]
const CJK: &[(&str, Kind, f32)] = &[
    // Japanese
    ("覚えておいて", Store, 1.5), ("覚えといて", Store, 1.5), ("メモして", Store, 1.5), ("記録して", Store, 1.2),
    ("覚えて", Recall, 1.0), ("記録", Recall, 0.8), ("前回", Recall, 1.0), ("決めた", Recall, 1.0),
    ("前に", Recall, 0.6), ("話した", Recall, 1.0), ("言った", Recall, 1.0), ("メモ", MemNoun, 0.8),
    ("保存した", Recall, 1.0), ("記憶", Recall, 1.0), ("以前", Recall, 0.8), ("好きな", Recall, 0.6),
    ("いつもの", Recall, 0.6), ("約束", Recall, 0.5),
    ("実行", Act, 1.0), ("再起動", Act, 1.0), ("追加して", Act, 1.0), ("送って", Act, 1.0), ("送信", Act, 1.0),
    ("予約", Act, 1.0), ("起動", Act, 1.0), ("停止", Act, 1.0), ("削除", Act, 1.0), ("作成", Act, 1.0),
    ("開いて", Act, 1.0), ("つけて", Act, 1.0), ("消して", Act, 1.0), ("インストール", Act, 1.0),
    ("デプロイ", Act, 1.0), ("一覧", Read, 0.6), ("表示", Read, 0.6), ("調べて", Read, 1.0),
    ("確認して", Read, 1.0), ("教えて", Read, 0.3), ("見せて", Read, 0.6),
    ("天気", Live, 1.0), ("現在", Now, 1.0), ("今日", Now, 0.7), ("最新", Now, 0.8), ("状態", Live, 0.8),
    ("在庫", Live, 0.5), ("価格", Live, 0.6), ("カレンダー", Live, 0.8), ("明日", Live, 0.5),
    ("比べて", Combine, 1.0), ("比較", Combine, 1.0),
    // Chinese
    ("记住", Store, 1.5), ("记下", Store, 1.5), ("记得", Recall, 1.2), ("之前", Recall, 0.8), ("上次", Recall, 1.0),
    ("决定", Recall, 0.8), ("讨论", Recall, 0.8), ("记录", Recall, 0.8), ("说过", Recall, 1.0),
    ("保存的", Recall, 1.0), ("笔记", MemNoun, 1.0), ("备注", MemNoun, 0.8), ("以前", Recall, 0.8),
    ("喜欢", Recall, 0.6), ("偏好", Recall, 1.0),
    ("运行", Act, 1.0), ("重启", Act, 1.0), ("打开", Act, 1.0), ("关闭", Act, 1.0), ("部署", Act, 1.0),
    ("安装", Act, 1.0), ("发送", Act, 1.0), ("预订", Act, 1.0), ("执行", Act, 1.0), ("启动", Act, 1.0),
    ("删除", Act, 1.0), ("创建", Act, 1.0), ("列出", Read, 1.0), ("显示", Read, 1.0), ("检查", Read, 1.0),
    ("查看", Read, 1.0), ("查询", Read, 1.0), ("查一下", Read, 1.0), ("搜索", Read, 0.8),
    ("当前", Now, 1.0), ("现在", Now, 1.0), ("今天", Now, 0.7), ("实时", Now, 1.0), ("状态", Live, 0.8),
    ("价格", Live, 0.8), ("天气", Live, 1.0), ("服务器", Live, 0.5),
    ("比较", Combine, 1.0), ("对比", Combine, 1.0),
];

/// Words that may stand between a clause start and its imperative verb.
#[rustfmt::skip]
const FILLERS: &[&str] = &[
    "please", "pls", "plz", "kindly", "can", "could", "would", "will", "you", "hey", "hi", "ok", "okay",
    "now", "then", "and", "also", "just", "quickly", "go", "ahead", "so", "i", "we", "want", "need",
    "to", "like", "d", "id", "help", "me", "us", "let", "s", "lets", "try", "first", "next", "finally",
    "ll", "should", "must", "immediately", "asap", "again", "assistant", "bot", "claude", "but",
    "et", "puis", "peux", "tu", "pouvez", "vous", "stp", "svp", "und", "dann", "bitte", "kannst", "du",
    "y", "luego", "puedes", "por", "favor", "e", "depois", "pode", "você", "poi", "puoi", "per",
];

/// Words that end the object of a verb.
#[rustfmt::skip]
const BOUNDARIES: &[&str] = &[
    "to", "for", "from", "with", "in", "on", "at", "into", "onto", "about", "by", "via", "using",
    "that", "which", "who", "where", "when", "if", "whether", "and", "then", "so", "but", "than",
    "as", "against", "per", "after", "before", "since", "until", "like", "under", "over",
    "à", "pour", "dans", "avec", "sur", "que", "qui", "et", "für", "mit", "auf", "von", "und", "dass",
    "para", "con", "en", "y", "per", "che", "e", "com", "da", "no", "na",
];

/// Irregular English past forms.
#[rustfmt::skip]
const PAST_IRREGULAR: &[&str] = &[
    "told", "gave", "given", "said", "made", "set", "chose", "chosen", "picked", "put", "wrote",
    "written", "sent", "left", "kept", "bought", "paid", "got", "gotten", "took", "taken", "found",
    "thought", "heard", "saw", "seen", "met", "liked", "built", "drew", "drawn", "ran", "did", "had",
    "went", "came", "knew", "known", "read", "sang", "spoke", "spoken", "meant", "lent", "brought",
    "taught", "felt", "stood", "held", "won", "lost", "fixed", "shared", "used", "agreed", "noted",
];

/// Words ending in -ed that are not past forms.
#[rustfmt::skip]
const NOT_PAST: &[&str] = &[
    "speed", "breed", "bleed", "proceed", "succeed", "exceed", "embed", "indeed", "seabed", "hundred",
    "sacred", "wicked", "naked", "rugged",
];

/// Habit and preference verbs after "I" or "we".
#[rustfmt::skip]
const HABITS: &[&str] = &[
    "usually", "always", "normally", "typically", "often", "never", "prefer", "like", "love", "hate",
    "dislike", "enjoy", "tend", "use",
];

/// Participles that, after "my" or "our", name something kept: "our approved list".
#[rustfmt::skip]
const KEPT: &[&str] = &[
    "saved", "stored", "approved", "agreed", "noted", "flagged", "marked", "chosen", "picked",
    "recorded", "bookmarked", "starred", "pinned", "shortlisted", "documented", "preferred",
    "favourite", "favorite", "usual", "previous", "old", "original", "planned", "agreed-upon",
];

/// "you <verb>" pointing back at what was said.
#[rustfmt::skip]
const YOU_RECALL: &[&str] = &[
    "told", "said", "mentioned", "suggested", "recommended", "noted", "saved", "stored", "remembered",
    "wrote", "gave", "promised", "proposed", "found", "learned", "recorded",
];

/// Words that cannot be an imperative verb at the start of a query.
#[rustfmt::skip]
const CLOSED: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "my", "our", "your", "his", "her", "their",
    "its", "i", "we", "you", "he", "she", "they", "it", "me", "us", "what", "which", "when", "who",
    "whom", "whose", "where", "why", "how", "is", "are", "am", "was", "were", "be", "do", "does",
    "did", "have", "has", "had", "can", "could", "would", "will", "should", "shall", "may", "might",
    "must", "any", "all", "some", "there", "here", "in", "on", "at", "for", "from", "to", "of",
    "with", "about", "if", "not", "no", "yes", "hi", "hello", "hey", "thanks", "so", "ok", "okay",
    "also", "just", "only", "again", "yesterday", "today", "tomorrow", "now", "last", "next",
    "every", "each", "one", "both", "please", "whats", "s", "hows", "wheres", "whos", "don", "t",
    "le", "la", "les", "un", "une", "des", "mon", "ma", "mes", "notre", "nos", "quel", "quelle",
    "qu", "que", "est", "der", "die", "das", "ein", "eine", "mein", "meine", "unser", "was", "wie",
    "wo", "wann", "ist", "el", "los", "las", "mi", "mis", "nuestro", "qué", "cuál", "cuándo",
    "dónde", "es", "o", "os", "as", "meu", "minha", "nosso", "qual", "quando", "onde", "é", "il",
    "lo", "gli", "mio", "mia", "nostro", "cosa", "che", "quale", "dove", "è", "ce", "c", "l", "d",
];

/// Sounds, greetings and acknowledgements: a query made of these alone asks
/// for nothing. A letter held longer ("hmmmm", "okkk") matches too.
#[rustfmt::skip]
const INTERJECTIONS: &[&str] = &[
    "hm", "hmm", "um", "umm", "uh", "uhm", "er", "erm", "ah", "aha", "oh", "ooh", "huh", "eh", "meh",
    "ha", "haha", "lol", "ok", "okay", "k", "kk", "yes", "yeah", "yep", "yup", "no", "nope", "nah",
    "thanks", "thank", "thx", "ty", "cheers", "cool", "nice", "great", "sure", "fine", "wow", "oops",
    "hi", "hello", "hey", "yo", "bye", "goodbye", "please", "sorry", "test", "testing",
    "whatever", "idk", "dunno", "hmph", "psst", "shh", "sh", "bah",
];

/// Question words that open a question about a fact.
#[rustfmt::skip]
const WH: &[&str] = &[
    "what", "which", "when", "who", "whom", "whose", "where", "whats", "whens", "whos", "wheres",
    "quel", "quelle", "quels", "quelles", "welche", "welcher", "welches", "wann", "qué", "cuál",
    "how", "why", "cuáles", "cuándo", "dónde", "qual", "quais", "quando", "onde", "cosa", "quale", "quali", "dove",
];

/// Perfect-tense auxiliaries (French, Italian, Spanish, Portuguese) and
/// the participle endings that follow them: "que nous avons fixé", "che
/// abbiamo deciso", "que hemos acordado".
#[rustfmt::skip]
const ROMANCE_PERFECT: &[(&str, &[&str])] = &[
    ("ai", &["é", "ée", "és", "ées", "i", "is", "ise", "it", "ite", "u", "ue", "ert", "erte"]),
    ("avons", &["é", "ée", "és", "ées", "i", "is", "ise", "it", "ite", "u", "ue", "ert", "erte"]),
    ("avions", &["é", "ée", "és", "ées", "i", "is", "ise", "it", "ite", "u", "ue", "ert", "erte"]),
    ("as", &["é", "ée", "és", "ées", "is", "it", "u", "ue"]),
    ("avez", &["é", "ée", "és", "ées", "is", "it", "u", "ue"]),
    ("a", &["é", "ée", "és", "ées"]),
    ("ho", &["ato", "ata", "ati", "ate", "ito", "ita", "uto", "uta", "so", "sa", "to", "ta"]),
    ("abbiamo", &["ato", "ata", "ati", "ate", "ito", "ita", "uto", "uta", "so", "sa", "to", "ta"]),
    ("avevamo", &["ato", "ata", "ati", "ate", "ito", "ita", "uto", "uta", "so", "sa", "to", "ta"]),
    ("hai", &["ato", "ata", "ito", "ita", "uto", "so", "to"]),
    ("he", &["ado", "ada", "ido", "ida", "cho", "to"]),
    ("hemos", &["ado", "ada", "ido", "ida", "cho", "to"]),
    ("habíamos", &["ado", "ada", "ido", "ida", "cho", "to"]),
    ("has", &["ado", "ido"]),
    ("tinha", &["ado", "ada", "ido", "ida"]),
    ("tínhamos", &["ado", "ada", "ido", "ida"]),
    ("temos", &["ado", "ido"]),
];

/// German perfect auxiliaries after a participle: "die ich notiert habe".
#[rustfmt::skip]
const GERMAN_PERFECT: &[&str] = &["habe", "haben", "hatte", "hatten", "hast", "hat", "hattest"];

/// Between a subject and its past verb.
#[rustfmt::skip]
const AUXILIARIES: &[&str] = &[
    "ve", "have", "had", "d", "already", "just", "previously", "once", "all", "both", "originally",
    "initially", "last", "recently", "also", "then", "finally", "jointly", "together", "specifically",
];
