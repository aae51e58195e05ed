//! Trigger matching: one `RegexSet` pass over every trigger, then the winner's own regex for captures.

use pattern_core::Captures;
use regex::{Regex, RegexSet, RegexSetBuilder};

use crate::validate::{REGEX_DFA_SIZE_LIMIT, REGEX_SIZE_LIMIT};

/// Lazy-DFA cache budget of the set per trigger: a set of many triggers
/// needs a larger cache than one regex, or its DFA thrashes and falls back
/// to the much slower NFA simulation.
const SET_DFA_BYTES_PER_TRIGGER: usize = 64 << 10;

/// The compiled triggers of all matchable patterns, in priority order
/// (highest first, ties in load order), so that the lowest matching index
/// of the set is the winner.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    set: RegexSet,
    regexes: Vec<Regex>,
}

impl Matcher {
    /// Builds the set once; `regexes` must already be in priority order.
    pub fn new(regexes: Vec<Regex>) -> Result<Self, String> {
        let n = regexes.len().max(1);
        let set = RegexSetBuilder::new(regexes.iter().map(Regex::as_str))
            // Each trigger is within REGEX_SIZE_LIMIT, so the set is within n of them.
            .size_limit(REGEX_SIZE_LIMIT.saturating_mul(n + 1))
            .dfa_size_limit(REGEX_DFA_SIZE_LIMIT.max(SET_DFA_BYTES_PER_TRIGGER.saturating_mul(n)))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { set, regexes })
    }

    /// The index of the highest-priority trigger found in `query`, with its
    /// named captures (only the groups that participated).
    pub fn find(&self, query: &str) -> Option<(usize, Captures)> {
        let matches = self.set.matches(query);
        // The set and the single regex agree on whether a trigger matches;
        // trying the next index is only a safety net.
        matches.iter().find_map(|index| {
            let regex = &self.regexes[index];
            let found = regex.captures(query)?;
            let captures = regex
                .capture_names()
                .flatten()
                .filter_map(|name| Some((name.to_owned(), found.name(name)?.as_str().to_owned())))
                .collect();
            Some((index, captures))
        })
    }
}

#[cfg(test)]
mod tests;
