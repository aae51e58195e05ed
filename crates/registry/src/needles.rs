//! Required literals of a trigger: the prefilter that lets a query skip every trigger it cannot match.
//!
//! A trigger's *needles* are literals of which every match contains at least
//! one, ASCII letters lowercased (the matcher looks for them ASCII-case-
//! insensitively). `(?i)\bcommand_7\b\s+(?P<arg>\w+)` has the one needle
//! `command_7`; `(?i)\b(?:fetch|retrieve)\b` has `fetch` and `retrieve`. A
//! trigger with no known needles (`\w+\s+now`) is tried on every query.
//!
//! The extraction walks the parsed regex and only ever answers with
//! literals that are really required; when unsure it answers `None`, which
//! costs speed, never a match. A case-insensitive letter counts as a
//! literal character only when its case variants are all ASCII (`(?i)e` is
//! `[Ee]`): `(?i)k` also matches the Kelvin sign and `(?i)s` the long s,
//! which an ASCII-case-insensitive search would miss, so they end a literal.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Most needles one trigger may have; a trigger with more (a long
/// alternation of short words) is tried on every query instead.
const MAX_NEEDLES: usize = 64;

/// The needles of `trigger`, or `None` when it must be tried on every query.
pub(crate) fn needles(trigger: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::parse(trigger).ok()?;
    required(&hir).filter(|set| set.len() <= MAX_NEEDLES && set.iter().all(|n| !n.is_empty()))
}

/// Literals of which every match of `hir` contains one.
fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(_) | HirKind::Class(_) => piece(hir).map(|p| vec![p]),
        HirKind::Capture(capture) => required(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => required(&repetition.sub),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(required(branch)?);
                if all.len() > MAX_NEEDLES {
                    return None;
                }
            }
            all.sort_unstable();
            all.dedup();
            Some(all)
        }
        HirKind::Concat(parts) => {
            // The best of: each run of adjacent literal characters, and each
            // part's own needles.
            let mut best = None;
            let mut run = Vec::new();
            for part in parts {
                if let Some(bytes) = piece(part) {
                    run.extend(bytes);
                    continue;
                }
                // Zero-width: `\bfoo\b` still puts `foo` in the text.
                if matches!(part.kind(), HirKind::Look(_) | HirKind::Empty) {
                    continue;
                }
                if !run.is_empty() {
                    keep_better(&mut best, vec![std::mem::take(&mut run)]);
                }
                if let Some(set) = required(part) {
                    keep_better(&mut best, set);
                }
            }
            if !run.is_empty() {
                keep_better(&mut best, vec![run]);
            }
            best
        }
        // Empty, a look-around, or a repetition that may match nothing.
        _ => None,
    }
}

/// The bytes one literal or one case-folded ASCII letter stands for, lowercased.
fn piece(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(literal) => Some(literal.0.to_ascii_lowercase()),
        HirKind::Class(Class::Unicode(class)) => {
            one_ascii_letter(class.iter().flat_map(|r| r.start()..=r.end()).map(u32::from))
        }
        HirKind::Class(Class::Bytes(class)) => {
            one_ascii_letter(class.iter().flat_map(|r| r.start()..=r.end()).map(u32::from))
        }
        _ => None,
    }
}

/// `[Ee]` (or `[e]`): the one ASCII letter a class of at most two ASCII
/// members, equal but for case, stands for.
fn one_ascii_letter(members: impl Iterator<Item = u32>) -> Option<Vec<u8>> {
    let mut folded = None;
    for (n, member) in members.enumerate() {
        let byte = u8::try_from(member).ok().filter(u8::is_ascii)?.to_ascii_lowercase();
        if n >= 2 || folded.is_some_and(|f| f != byte) {
            return None;
        }
        folded = Some(byte);
    }
    folded.map(|b| vec![b])
}

/// Keeps the more selective of two needle sets: the longer shortest needle,
/// then fewer needles.
fn keep_better(best: &mut Option<Vec<Vec<u8>>>, candidate: Vec<Vec<u8>>) {
    let score = |set: &Vec<Vec<u8>>| {
        (set.iter().map(Vec::len).min().unwrap_or(0), std::cmp::Reverse(set.len()))
    };
    if best.as_ref().is_none_or(|b| score(&candidate) > score(b)) {
        *best = Some(candidate);
    }
}

#[cfg(test)]
mod tests;
