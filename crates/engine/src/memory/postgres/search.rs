//! Ranked search in PostgreSQL: `ts_rank_cd` over the namespace's GIN index, widened tier by tier, with a scan and a trigram fallback for what the index cannot find.
//!
//! The query's words ([`SearchTerms`]) reach the server only as bound
//! arrays of text; the server turns each into a `tsquery` itself
//! (`phraseto_tsquery` per word, so `mysql-ro-2` or `O'Reilly's` must match
//! as written) and combines them with the aggregates and functions of the
//! schema. Nothing the user types is ever parsed as `tsquery` syntax.
//!
//! Words are OR-ed, but scoring every memory that holds any common word
//! ("staging", "port") would read thousands of rows per search. So a search
//! first asks for memories holding all `n` words, then at least `n - 1`, …,
//! down to one, and stops at the first tier with `limit` hits: those hold
//! the most words, and `ts_rank_cd` orders them. With fewer memories than
//! `limit` holding any word, the last tier is the plain OR, ranked whole.
//! Each tier is one round trip. (Running the tiers in a PL/pgSQL function,
//! one round trip in all, measured three times slower: the function's
//! plans and its calls cost more than the round trips they save.)
//!
//! Terms the index cannot hold (emoji, bare punctuation, a single CJK
//! character, a word too long to index) are looked for as substrings of the
//! namespace's memories instead, each term matched adding one to the score,
//! as SQLite does. Identifiers the word parser splits badly (`run-117`,
//! `db-01.eu-west`) are also looked for with a trigram-indexed regular
//! expression when the full-text tiers find fewer than `limit`.

use deadpool_postgres::Client;
use pattern_core::{Memory, SearchQuery};
use tokio_postgres::types::ToSql;

use super::error::pg_error;
use super::row;
use crate::memory::validate::unique;
use crate::memory::{MemoryError, SearchTerms, cjk};

/// Longest word, in bytes, that PostgreSQL indexes (its limit is 2047);
/// longer ones are searched as substrings.
const MAX_WORD_BYTES: usize = 2000;

/// Most alternatives in one "at least k of n" tier: tiers that would need
/// more (`C(n, k)`) are skipped, so long queries stay cheap to evaluate.
const MAX_TIER_COMBINATIONS: u64 = 64;

/// What one search asks the server, in the form the statements bind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Plan {
    /// The words of which any may match, as full-text pieces: each word is
    /// one unit (`unit_of` gives its number), matched when any of its pieces
    /// is. A CJK word's pieces are its character pairs.
    pub pieces: Vec<String>,
    pub unit_of: Vec<i32>,
    /// Words of which any may match that only a substring search finds.
    pub any_substrings: Vec<String>,
    /// Phrases that must match, with CJK runs as bigram phrases.
    pub phrases: Vec<String>,
    /// Phrases that must match, as substrings.
    pub required_substrings: Vec<String>,
    /// Words and phrases that must not match, in the index.
    pub excluded: Vec<String>,
    /// Words and phrases that must not match, as substrings.
    pub excluded_substrings: Vec<String>,
    /// Words that look like identifiers, also looked for as substrings by
    /// the trigram fallback.
    pub identifiers: Vec<String>,
}

/// How a plan is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Path {
    /// Nothing to look for: no result.
    Nothing,
    /// Through the GIN index, tier by tier.
    Indexed,
    /// Over the namespace's rows, counting matched terms.
    Scan,
}

impl Plan {
    pub(super) fn new(terms: &SearchTerms) -> Self {
        let mut plan = Plan::default();
        let mut units = 0;
        for term in &terms.any {
            match free_pieces(term) {
                Some(pieces) => {
                    units += 1;
                    plan.unit_of.extend(std::iter::repeat_n(units, pieces.len()));
                    plan.pieces.extend(pieces);
                    if is_identifier(term) {
                        plan.identifiers.push(term.clone());
                    }
                }
                None => plan.any_substrings.push(term.clone()),
            }
        }
        for phrase in &terms.phrases {
            match strict_piece(phrase) {
                Some(piece) => plan.phrases.push(piece),
                None => plan.required_substrings.push(phrase.clone()),
            }
        }
        for phrase in &terms.excluded {
            match strict_piece(phrase) {
                Some(piece) => plan.excluded.push(piece),
                None => plan.excluded_substrings.push(phrase.clone()),
            }
        }
        plan
    }

    /// Words of which any may match, through the index.
    pub(super) fn units(&self) -> usize {
        self.unit_of.last().map_or(0, |&n| n as usize)
    }

    pub(super) fn path(&self) -> Path {
        let positive = self.units() > 0
            || !self.any_substrings.is_empty()
            || !self.phrases.is_empty()
            || !self.required_substrings.is_empty();
        if positive
            && self.any_substrings.is_empty()
            && (self.units() > 0 || !self.phrases.is_empty())
        {
            Path::Indexed
        } else if positive || !self.excluded.is_empty() || !self.excluded_substrings.is_empty() {
            Path::Scan
        } else {
            Path::Nothing
        }
    }

    /// The tiers to try, most words first: at least `k` of the `units()`
    /// words must match. `[0]` when there are no optional words (the
    /// phrases alone decide).
    pub(super) fn tiers(&self) -> Vec<i32> {
        let n = self.units() as u64;
        if n == 0 {
            return vec![0];
        }
        (1..=n)
            .rev()
            .filter(|&k| binomial(n, k) <= MAX_TIER_COMBINATIONS)
            .map(|k| k as i32)
            .collect()
    }
}

/// The full-text pieces of a word of which any may match, or `None` when
/// only a substring search can find it.
fn free_pieces(term: &str) -> Option<Vec<String>> {
    if !term.chars().any(char::is_alphanumeric) || term.len() > MAX_WORD_BYTES {
        return None;
    }
    if !cjk::has_cjk(term) {
        return Some(vec![term.to_owned()]);
    }
    // One CJK character is part of many pairs and in no index entry.
    term.chars().nth(1)?;
    let mut pieces: Vec<String> = Vec::new();
    for run in cjk::runs(term) {
        if !run.cjk {
            if run.text.chars().any(char::is_alphanumeric) {
                pieces.push(run.text.to_owned());
            }
        } else {
            pieces.extend(cjk::bigrams(run.text).into_iter().map(str::to_owned));
        }
    }
    Some(unique(pieces))
}

/// A phrase (or excluded word) as one full-text phrase, its words adjacent
/// and in order, CJK text as consecutive pairs; `None` when only a
/// substring search can find it.
fn strict_piece(phrase: &str) -> Option<String> {
    let indexable = phrase.chars().any(char::is_alphanumeric)
        && phrase.len() <= MAX_WORD_BYTES
        && cjk::runs(phrase).all(|run| !run.cjk || run.text.chars().nth(1).is_some());
    indexable.then(|| cjk::segment(phrase).trim().to_owned())
}

/// A word the full-text parser may split or read differently from what was
/// written: at least three characters, with a digit or punctuation inside
/// (`run-117`, `db-01.eu-west`, `p99`, `v1.2.3`).
fn is_identifier(term: &str) -> bool {
    term.chars().count() >= 3
        && !cjk::has_cjk(term)
        && term.chars().any(|c| c.is_ascii_alphanumeric())
        && term.chars().any(|c| c.is_ascii_digit() || !c.is_alphanumeric())
}

fn binomial(n: u64, k: u64) -> u64 {
    let k = k.min(n - k);
    (0..k).fold(1u64, |acc, i| acc.saturating_mul(n - i) / (i + 1))
}

/// The tsqueries of a plan, computed once per statement from its bound
/// arrays (`$4` pieces, `$5` their units, `$6` phrases, `$7` excluded) and
/// read by the statement as `(SELECT … FROM q)`: a value the planner treats
/// as a parameter, so `m.search @@ (SELECT … FROM q)` is a GIN index
/// condition and nothing is recomputed per row.
const QUERIES: &str = "
    units AS (
        SELECT unit, memory_tsquery_or(phraseto_tsquery('memory_search', piece)) AS q
        FROM unnest($4::text[], $5::int4[]) AS p (piece, unit)
        GROUP BY unit
    ),
    q AS MATERIALIZED (
        SELECT
            (SELECT array_agg(q ORDER BY unit) FROM units WHERE numnode(q) > 0) AS each_unit,
            (SELECT memory_tsquery_and(phraseto_tsquery('memory_search', p))
             FROM unnest($6::text[]) AS p) AS required,
            (SELECT memory_tsquery_or(phraseto_tsquery('memory_search', p))
             FROM unnest($7::text[]) AS p) AS excluded,
            (SELECT memory_tsquery_or(x) FROM (
                SELECT q FROM units
                UNION ALL SELECT phraseto_tsquery('memory_search', p) FROM unnest($6::text[]) AS p
             ) AS r (x)) AS ranker
    )";

/// Conditions every path applies: `$1` namespace, `$8` tags (all
/// required), `$9` phrases that must be substrings, `$10` excluded
/// substrings.
const FILTERS: &str = "
    m.namespace = $1
    AND ((SELECT excluded FROM q) IS NULL OR NOT m.search @@ (SELECT excluded FROM q))
    AND (cardinality($8::text[]) = 0 OR m.tags @> $8::text[])
    AND (cardinality($9::text[]) = 0 OR NOT EXISTS (
        SELECT 1 FROM unnest($9::text[]) AS s (t) WHERE strpos(lower(m.content), lower(s.t)) = 0))
    AND (cardinality($10::text[]) = 0 OR NOT EXISTS (
        SELECT 1 FROM unnest($10::text[]) AS s (t) WHERE strpos(lower(m.content), lower(s.t)) > 0))";

/// How many of a tier's memories, at most, are scored with `ts_rank_cd`:
/// [`POOL_PER_RESULT`] per result asked for, at least [`POOL_MIN`].
const POOL_PER_RESULT: i64 = 5;
const POOL_MIN: i64 = 50;

/// One tier: memories matching at least `$3` of the words and every
/// phrase, best `ts_rank_cd` first (normalised by the log of their
/// length), ties to the more important, then the newer. `$2` limit.
///
/// `ts_rank_cd` weighs how close the words are, and costs some 7 µs a row;
/// `ts_rank` counts them, at a twentieth of that. A tier matching more
/// memories than the pool holds keeps those `ts_rank` scores best, and only
/// they are ordered by `ts_rank_cd`: a memory left out holds the words less
/// often than every one kept.
fn indexed_sql() -> String {
    format!(
        "WITH {QUERIES},
         tier AS MATERIALIZED (
             SELECT coalesce(memory_at_least(each_unit, $3::int4) && required,
                             memory_at_least(each_unit, $3::int4), required) AS wanted
             FROM q
         ),
         pool AS MATERIALIZED (
             SELECT {cols}, m.search
             FROM memories AS m
             WHERE m.search @@ (SELECT wanted FROM tier)
               AND {FILTERS}
             ORDER BY ts_rank(m.search, (SELECT ranker FROM q), 1) DESC,
                      m.importance DESC, m.created_at DESC, m.id DESC
             LIMIT greatest($2::int8 * {POOL_PER_RESULT}, {POOL_MIN})
         )
         SELECT {cols}, ts_rank_cd(m.search, (SELECT ranker FROM q), 1)::float8 AS score
         FROM pool AS m
         ORDER BY score DESC, m.importance DESC, m.created_at DESC, m.id DESC
         LIMIT $2",
        cols = row::COLUMNS
    )
}

/// Every memory of the namespace, scored by how many of the words match
/// (`$11` those only a substring search finds); when there are words and no
/// phrase (`$3` = 1), at least one must match.
fn scan_sql() -> String {
    format!(
        "WITH {QUERIES}
         SELECT * FROM (
             SELECT {cols},
                 ((SELECT count(*) FROM unnest((SELECT each_unit FROM q)) AS u (q)
                   WHERE m.search @@ u.q)
                  + (SELECT count(*) FROM unnest($11::text[]) AS s (t)
                     WHERE strpos(lower(m.content), lower(s.t)) > 0))::float8 AS score
             FROM memories AS m
             WHERE ((SELECT required FROM q) IS NULL OR m.search @@ (SELECT required FROM q))
               AND {FILTERS}
         ) AS m
         WHERE $3::int4 = 0 OR m.score > 0
         ORDER BY m.score DESC, m.importance DESC, m.created_at DESC, m.id DESC
         LIMIT $2",
        cols = row::COLUMNS
    )
}

/// Memories holding one of the identifiers (`$11`) anywhere in their
/// content, any case, through the trigram index, other than those already
/// found (`$3`), most important and newest first. Every character but
/// letters and digits is escaped before it goes into the expression.
fn identifier_sql() -> String {
    format!(
        "WITH {QUERIES},
         pattern AS MATERIALIZED (
             SELECT string_agg(regexp_replace(t, '([^[:alnum:]])', '\\\\\\1', 'g'), '|') AS re
             FROM unnest($11::text[]) AS t
         )
         SELECT {cols}, 0::float8 AS score
         FROM memories AS m
         WHERE m.content ~* (SELECT re FROM pattern)
           AND NOT m.id = ANY($3::int8[])
           AND ((SELECT required FROM q) IS NULL OR m.search @@ (SELECT required FROM q))
           AND {FILTERS}
         ORDER BY m.importance DESC, m.created_at DESC, m.id DESC
         LIMIT $2",
        cols = row::COLUMNS
    )
}

/// Runs a search whose namespace is valid and whose limit is at least one.
pub(super) async fn search(
    client: &Client,
    query: &SearchQuery,
) -> Result<Vec<Memory>, MemoryError> {
    let plan = Plan::new(&SearchTerms::parse(&query.text));
    let path = plan.path();
    if path == Path::Nothing {
        return Ok(Vec::new());
    }
    let limit = query.limit as i64;
    let tags = unique(query.tags.clone());
    let binds = Binds { namespace: &query.namespace, plan: &plan, tags: &tags };

    if path == Path::Scan {
        let must_match = i32::from(
            plan.phrases.is_empty()
                && plan.required_substrings.is_empty()
                && (plan.units() > 0 || !plan.any_substrings.is_empty()),
        );
        let stmt = client.prepare_cached(&scan_sql()).await.map_err(pg_error)?;
        let params = binds.params(&limit, &must_match, &plan.any_substrings);
        return read(&client.query(&stmt, &params).await.map_err(pg_error)?);
    }

    let stmt = client.prepare_cached(&indexed_sql()).await.map_err(pg_error)?;
    let mut found = Vec::new();
    for tier in plan.tiers() {
        // The tier statement has no `$11`.
        let params = binds.params(&limit, &tier, &plan.any_substrings);
        found = read(&client.query(&stmt, &params[..10]).await.map_err(pg_error)?)?;
        if found.len() >= query.limit {
            return Ok(found);
        }
    }
    if !plan.identifiers.is_empty() {
        let seen: Vec<i64> = found.iter().map(|m| m.id).collect();
        let more = limit - found.len() as i64;
        let stmt = client.prepare_cached(&identifier_sql()).await.map_err(pg_error)?;
        let params = binds.params(&more, &seen, &plan.identifiers);
        found.extend(read(&client.query(&stmt, &params).await.map_err(pg_error)?)?);
    }
    Ok(found)
}

/// The parameters the three statements share.
struct Binds<'a> {
    namespace: &'a String,
    plan: &'a Plan,
    tags: &'a Vec<String>,
}

impl<'a> Binds<'a> {
    /// `$1` … `$11`; `$2`, `$3` and `$11` differ between statements.
    fn params(
        &self,
        limit: &'a i64,
        third: &'a (dyn ToSql + Sync),
        eleventh: &'a Vec<String>,
    ) -> [&'a (dyn ToSql + Sync); 11] {
        let plan = self.plan;
        [
            self.namespace,
            limit,
            third,
            &plan.pieces,
            &plan.unit_of,
            &plan.phrases,
            &plan.excluded,
            self.tags,
            &plan.required_substrings,
            &plan.excluded_substrings,
            eleventh,
        ]
    }
}

fn read(rows: &[tokio_postgres::Row]) -> Result<Vec<Memory>, MemoryError> {
    rows.iter().map(|r| row::memory(r, true)).collect::<Result<_, _>>().map_err(pg_error)
}

#[cfg(test)]
mod tests;
