//! The full-text queries of a search, as `tsquery` text: each word normalised by the server once and remembered, the words combined here.
//!
//! A word becomes a `tsquery` only on the server (`phraseto_tsquery` with
//! the schema's `memory_search` configuration: `unaccent`, the English
//! stemmer), so that a query is normalised exactly as the memories were.
//! That is a pure function of the word, so [`Words`] asks it once per word
//! and keeps the answer; a search then binds finished `tsquery` texts.
//! Building them on the server instead, in every statement, from the bound
//! words (`phraseto_tsquery` per word, aggregates, the PL/pgSQL
//! `memory_at_least`) made the benchmark's concurrent searches some 12%
//! slower.
//!
//! What is combined here is only the server's own output for a word (its
//! canonical text, every lexeme quoted and escaped by `tsqueryout`), each in
//! parentheses, joined by `&` and `|`. Nothing the user types is ever
//! parsed as `tsquery` syntax, and the texts reach SQL only as bound
//! parameters.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use deadpool_postgres::Client;

use super::error::pg_error;
use crate::MemoryError;

/// Most words [`Words`] keeps: about a megabyte at most. When it is full it
/// starts again empty, which costs one more round trip per new word until
/// the words in use are back; the vocabulary of the questions asked of one
/// store rarely comes near.
const MAX_WORDS: usize = 8192;

/// Longest word, in bytes, that [`Words`] keeps: longer ones (pasted
/// identifiers, CJK phrases) are rare, and normalised on every search.
const MAX_KEPT_BYTES: usize = 64;

/// Each word's `tsquery` as `phraseto_tsquery('memory_search', word)::text`,
/// in order.
const NORMALISE: &str = "
    SELECT phraseto_tsquery('memory_search', w.word)::text
    FROM unnest($1::text[]) WITH ORDINALITY AS w (word, n)
    ORDER BY w.n";

/// The `tsquery` of each word the store was asked about, as the server
/// wrote it (empty when the word holds no lexeme), by the word.
#[derive(Debug, Default)]
pub(super) struct Words {
    known: Mutex<HashMap<String, String>>,
}

impl Words {
    /// The `tsquery` text of each of `words`, in order: from what is known,
    /// the rest from the server in one round trip.
    pub(super) async fn tsqueries(
        &self,
        client: &Client,
        words: &[&str],
    ) -> Result<Vec<String>, MemoryError> {
        let mut found: Vec<Option<String>> = {
            let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
            words.iter().map(|w| known.get(*w).cloned()).collect()
        };
        let missing: Vec<&str> =
            words.iter().zip(&found).filter(|(_, q)| q.is_none()).map(|(w, _)| *w).collect();
        if missing.is_empty() {
            return Ok(found.into_iter().flatten().collect());
        }
        let stmt = client.prepare_cached(NORMALISE).await.map_err(pg_error)?;
        let rows = client.query(&stmt, &[&missing]).await.map_err(pg_error)?;
        let mut normalised = rows.iter().map(|r| r.get::<_, String>(0));
        {
            let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
            if known.len() + missing.len() > MAX_WORDS {
                known.clear();
            }
            for (word, q) in words.iter().zip(&mut found).filter(|(_, q)| q.is_none()) {
                let tsquery = normalised.next().ok_or_else(|| MemoryError::Internal {
                    backend: super::BACKEND,
                    reason: "the server normalised fewer words than it was given".into(),
                })?;
                if word.len() <= MAX_KEPT_BYTES {
                    known.insert((*word).to_owned(), tsquery.clone());
                }
                *q = Some(tsquery);
            }
        }
        Ok(found.into_iter().flatten().collect())
    }
}

/// Matches when any of `queries` matches; `None` when none holds a lexeme.
pub(super) fn any<S: AsRef<str>>(queries: &[S]) -> Option<String> {
    join(queries, " | ")
}

/// Matches when all of `queries` match; `None` when none holds a lexeme.
pub(super) fn all<S: AsRef<str>>(queries: &[S]) -> Option<String> {
    join(queries, " & ")
}

/// The non-empty `queries`, each in parentheses, joined by `operator`.
fn join<S: AsRef<str>>(queries: &[S], operator: &str) -> Option<String> {
    let mut joined: Option<String> = None;
    for query in queries.iter().map(AsRef::as_ref).filter(|q| !q.trim().is_empty()) {
        let text = joined.get_or_insert_with(String::new);
        if !text.is_empty() {
            text.push_str(operator);
        }
        text.push('(');
        text.push_str(query);
        text.push(')');
    }
    joined
}

/// Matches when at least `k` of `units` (queries that each hold a lexeme)
/// match: all of them for `k` at least their number, any for `k` up to
/// one, else `(u1 & at_least(rest, k - 1)) | at_least(rest, k)`; `None`
/// without units. The expansion has `C(n, k)` alternatives, which
/// [`super::search`] keeps small.
pub(super) fn at_least(units: &[String], k: usize) -> Option<String> {
    let n = units.len();
    if n == 0 {
        None
    } else if k <= 1 {
        any(units)
    } else if k >= n {
        all(units)
    } else {
        let with_first = all(&[units[0].clone(), at_least(&units[1..], k - 1)?]);
        any(&[with_first?, at_least(&units[1..], k)?])
    }
}

#[cfg(test)]
mod tests;
