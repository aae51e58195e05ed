//! Trigger matching: a literal prefilter picks the few triggers a query can match, then their own regexes decide.
//!
//! One `RegexSet` over every trigger was the first design; it does not
//! scale: a case-insensitive trigger with Unicode word classes compiles to
//! about 75 KB (once alone, once more in the set), and the set's build time
//! grows faster than its size, so 10,000 patterns took gigabytes and minutes.
//! Instead each trigger's required literals ([`crate::needles`]) go into one
//! Aho-Corasick automaton; a query's scan yields the candidates, and only
//! those are tried, highest priority first, each with its own regex. Regexes
//! are compiled when a query first needs them and kept in a bounded LRU
//! ([`COMPILED_TRIGGERS_MAX`]), so memory stays bounded however many
//! patterns are loaded; a registry no larger than the bound keeps them all.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use aho_corasick::{AhoCorasick, MatchKind};
use lru::LruCache;
use pattern_core::Captures;
use regex::Regex;

use crate::needles::needles;
use crate::validate::compile_trigger;

/// Compiled trigger regexes kept at once. A compiled trigger with Unicode
/// word classes takes about 75 KB, and its lazy-DFA cache about 90 KB more
/// once it has searched, so the bound is about 200 MB (docs/PERFORMANCE.md,
/// *Growth*); a trigger evicted and needed again is compiled again (about
/// 0.4 ms). A registry of no more patterns than this keeps them all.
pub const COMPILED_TRIGGERS_MAX: usize = 1024;

/// A trigger's source and its needles.
#[derive(Debug)]
pub(crate) struct Trigger {
    source: String,
    /// `None`: no required literal is known, the trigger runs on every query.
    needles: Option<Vec<Vec<u8>>>,
}

impl Trigger {
    /// A trigger that validated (it compiles within the limits).
    pub fn new(source: &str) -> Arc<Self> {
        Arc::new(Trigger { source: source.to_owned(), needles: needles(source) })
    }
}

/// The triggers of all matchable patterns, in priority order (highest
/// first, ties in load order), so that the lowest matching index is the winner.
#[derive(Debug)]
pub(crate) struct Matcher {
    triggers: Vec<Arc<Trigger>>,
    /// Every distinct needle of every trigger, searched ASCII-case-insensitively.
    needles: AhoCorasick,
    /// For each needle (by its index in `needles`), the triggers that have it, ascending.
    owners: Vec<Vec<u32>>,
    /// Triggers without needles, ascending: tried on every query.
    always: Vec<u32>,
    /// Compiled regexes by trigger index, the most recently used kept. An
    /// `Arc`, because a cloned `Regex` would start a new pool of search caches.
    /// The lock is held to look up or insert, never while compiling or searching.
    compiled: Mutex<LruCache<u32, Arc<Regex>>>,
}

impl Matcher {
    /// Builds the prefilter once; `triggers` must already be in priority order.
    pub fn new(triggers: Vec<Arc<Trigger>>) -> Result<Self, String> {
        Self::with_capacity(triggers, COMPILED_TRIGGERS_MAX)
    }

    /// As [`Matcher::new`], keeping at most `capacity` compiled regexes.
    fn with_capacity(triggers: Vec<Arc<Trigger>>, capacity: usize) -> Result<Self, String> {
        let mut index: HashMap<&[u8], usize> = HashMap::new();
        let mut patterns: Vec<&[u8]> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        for (i, trigger) in triggers.iter().enumerate() {
            let i = u32::try_from(i).map_err(|_| "more than 2^32 triggers".to_owned())?;
            let Some(set) = &trigger.needles else {
                always.push(i);
                continue;
            };
            for needle in set {
                let slot = *index.entry(needle.as_slice()).or_insert_with(|| {
                    patterns.push(needle);
                    owners.push(Vec::new());
                    patterns.len() - 1
                });
                owners[slot].push(i);
            }
        }
        let needles = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| format!("the trigger prefilter does not build: {e}"))?;
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Ok(Self {
            triggers,
            needles,
            owners,
            always,
            compiled: Mutex::new(LruCache::new(capacity)),
        })
    }

    /// The index of the highest-priority trigger found in `query`, with its
    /// named captures (only the groups that participated).
    pub fn find(&self, query: &str) -> Option<(usize, Captures)> {
        // Each needle once, however often the query repeats it.
        let mut found: Vec<usize> =
            self.needles.find_overlapping_iter(query).map(|m| m.pattern().as_usize()).collect();
        found.sort_unstable();
        found.dedup();
        let mut candidates = self.always.clone();
        for needle in found {
            candidates.extend_from_slice(&self.owners[needle]);
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.into_iter().find_map(|index| {
            let regex = self.regex(index);
            let found = regex.captures(query)?;
            let captures = regex
                .capture_names()
                .flatten()
                .filter_map(|name| Some((name.to_owned(), found.name(name)?.as_str().to_owned())))
                .collect();
            Some((index as usize, captures))
        })
    }

    /// The compiled regex of trigger `index`, compiled now if it is not kept.
    fn regex(&self, index: u32) -> Arc<Regex> {
        let lock = || self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(regex) = lock().get(&index) {
            return Arc::clone(regex);
        }
        let source = &self.triggers[index as usize].source;
        let regex =
            Arc::new(compile_trigger(source).expect("a trigger that validated compiles again"));
        lock().put(index, Arc::clone(&regex));
        regex
    }

    /// True when trigger `index` is compiled and kept.
    #[cfg(test)]
    pub fn is_compiled(&self, index: u32) -> bool {
        self.compiled.lock().unwrap_or_else(PoisonError::into_inner).contains(&index)
    }
}

#[cfg(test)]
mod tests;
