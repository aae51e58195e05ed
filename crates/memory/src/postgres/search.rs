//! Ranked search in PostgreSQL: `ts_rank_cd` over the namespace's GIN index, widened tier by tier, with a scan and a trigram fallback for what the index cannot find.
//!
//! The query's words ([`SearchTerms`]) become `tsquery`s only on the
//! server (`phraseto_tsquery` per word, so `mysql-ro-2` or `O'Reilly's`
//! must match as written); [`tsquery`] keeps what the server answered for
//! each word and combines those answers, and the statements bind the
//! result. Nothing the user types is ever parsed as `tsquery` syntax.
//!
//! Words are OR-ed, but scoring every memory that holds any common word
//! ("staging", "port") would read thousands of rows per search. So a search
//! first asks for memories holding all `n` words, then at least `n - 1`, …,
//! down to one, and stops at the first tier with `limit` hits: those hold
//! the most words, and `ts_rank_cd` orders them. With fewer memories than
//! `limit` holding any word, the last tier is the plain OR, ranked whole.
//!
//! All the tiers are one statement, one round trip, that tries them lazily
//! in order (see [`indexed_sql`]): a tier runs only when every narrower one
//! found fewer than `limit`. (One statement per tier, as before, started
//! the executor and sent the rows of every tier tried; running the tiers
//! in a PL/pgSQL function measured three times slower still.)
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
use super::tsquery::{self, Words};
use crate::validate::unique;
use crate::{MemoryError, SearchTerms, cjk};

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

    /// What the server normalises for the plan: its pieces, phrases and
    /// excluded words, in that order ([`Queries::new`] reads them back).
    pub(super) fn words(&self) -> Vec<&str> {
        self.pieces.iter().chain(&self.phrases).chain(&self.excluded).map(String::as_str).collect()
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

/// The `tsquery`s of a plan, as text ([`tsquery`]): what the statements
/// bind.
#[derive(Debug)]
pub(super) struct Queries {
    /// Each word of which any may match, that holds a lexeme: its pieces
    /// OR-ed.
    pub units: Vec<String>,
    /// Every phrase, AND-ed.
    pub required: Option<String>,
    /// Any excluded word or phrase, OR-ed.
    pub excluded: Option<String>,
    /// The words and the phrases OR-ed: what `ts_rank_cd` scores.
    pub ranker: Option<String>,
}

impl Queries {
    /// The plan's queries, from the `tsquery` of each of its pieces,
    /// phrases and excluded words ([`Plan::words`], in that order).
    pub(super) fn new(plan: &Plan, tsqueries: &[String]) -> Self {
        let (pieces, rest) = tsqueries.split_at(plan.pieces.len());
        let (phrases, excluded) = rest.split_at(plan.phrases.len());
        let units: Vec<String> = (1..=plan.units() as i32)
            .filter_map(|unit| {
                let of_unit: Vec<&String> = plan
                    .unit_of
                    .iter()
                    .zip(pieces)
                    .filter(|(u, _)| **u == unit)
                    .map(|(_, q)| q)
                    .collect();
                tsquery::any(&of_unit)
            })
            .collect();
        let ranker = tsquery::any(&units.iter().chain(phrases).collect::<Vec<_>>());
        Queries { units, required: tsquery::all(phrases), excluded: tsquery::any(excluded), ranker }
    }

    /// What each of `tiers` matches (at least `k` of the units, and every
    /// phrase), without a tier that matches what the one before it did
    /// (fewer units hold a lexeme than the plan has words); empty when
    /// nothing can match.
    pub(super) fn tiers(&self, tiers: &[i32]) -> Vec<String> {
        let mut wanted: Vec<String> = tiers
            .iter()
            .filter_map(|&k| {
                match (tsquery::at_least(&self.units, k.max(0) as usize), &self.required) {
                    (Some(words), Some(phrases)) => tsquery::all(&[words, phrases.clone()]),
                    (words, phrases) => words.or_else(|| phrases.clone()),
                }
            })
            .collect();
        wanted.dedup();
        wanted
    }
}

/// Conditions every path applies: `$1` namespace, `$5` the excluded
/// `tsquery` (NULL for none), `$6` tags (all required), `$7` phrases that
/// must be substrings, `$8` excluded substrings.
///
/// A bound `tsquery` is read as `(SELECT $n::text::tsquery)`: parsed once
/// per statement (an InitPlan), not once per row, and a value the planner
/// treats as a parameter, so `m.search @@ (SELECT …)` is a GIN index
/// condition.
const FILTERS: &str = "
    m.namespace = $1
    AND ((SELECT $5::text::tsquery) IS NULL OR NOT m.search @@ (SELECT $5::text::tsquery))
    AND (cardinality($6::text[]) = 0 OR m.tags @> $6::text[])
    AND (cardinality($7::text[]) = 0 OR NOT EXISTS (
        SELECT 1 FROM unnest($7::text[]) AS s (t) WHERE strpos(lower(m.content), lower(s.t)) = 0))
    AND (cardinality($8::text[]) = 0 OR NOT EXISTS (
        SELECT 1 FROM unnest($8::text[]) AS s (t) WHERE strpos(lower(m.content), lower(s.t)) > 0))";

/// How many of a tier's memories, at most, are scored with `ts_rank_cd`:
/// [`POOL_PER_RESULT`] per result asked for, at least [`POOL_MIN`].
const POOL_PER_RESULT: i64 = 5;
const POOL_MIN: i64 = 50;

/// The tiers, `$3` (what each matches, in the order to try them), and the
/// memories of the first with `$2` (the limit) hits, or of the last: best
/// `ts_rank_cd` against `$4` (the ranker) first, normalised by the log of
/// their length, ties to the more important, then the newer.
///
/// The tiers are the outer side of a nested loop and each one's ranked
/// memories its inner side, so a tier's index scan runs only when the loop
/// reaches it. A tier yielding fewer than `$2` rows (`found`) is filtered
/// out unless it is the last, and the outer `LIMIT` stops pulling tiers as
/// soon as one yields its `$2` rows, which come out in their ranked order.
/// The statement has no outer `ORDER BY` on purpose: sorting would pull,
/// and so run, every tier.
///
/// `ts_rank_cd` weighs how close the words are, and costs some 7 µs a row;
/// `ts_rank` counts them, at a twentieth of that. A tier matching more
/// memories than the pool holds keeps those `ts_rank` scores best, and only
/// they are ordered by `ts_rank_cd`: a memory left out holds the words less
/// often than every one kept.
fn indexed_sql() -> String {
    format!(
        "SELECT r.* FROM unnest($3::text[]::tsquery[]) WITH ORDINALITY AS t (wanted, ord)
         CROSS JOIN LATERAL (
             SELECT r.*, count(*) OVER () AS found FROM (
                 SELECT {cols}, ts_rank_cd(m.search, (SELECT $4::text::tsquery), 1)::float8 AS score
                 FROM (
                     SELECT {cols}, m.search
                     FROM memories AS m
                     WHERE m.search @@ t.wanted
                       AND {FILTERS}
                     ORDER BY ts_rank(m.search, (SELECT $4::text::tsquery), 1) DESC,
                              m.importance DESC, m.created_at DESC, m.id DESC
                     LIMIT greatest($2::int8 * {POOL_PER_RESULT}, {POOL_MIN})
                 ) AS m
                 ORDER BY score DESC, m.importance DESC, m.created_at DESC, m.id DESC
                 LIMIT $2
             ) AS r
         ) AS r
         WHERE r.found >= $2 OR t.ord = cardinality($3::text[])
         LIMIT $2",
        cols = row::COLUMNS
    )
}

/// Every memory of the namespace holding every phrase (`$4`), scored by
/// how many of the words match: `$9` the units, `$10` those only a
/// substring search finds; when there are words and no phrase (`$3` = 1),
/// at least one must match.
fn scan_sql() -> String {
    format!(
        "SELECT * FROM (
             SELECT {cols},
                 ((SELECT count(*) FROM unnest((SELECT $9::text[]::tsquery[])) AS u (q)
                   WHERE m.search @@ u.q)
                  + (SELECT count(*) FROM unnest($10::text[]) AS s (t)
                     WHERE strpos(lower(m.content), lower(s.t)) > 0))::float8 AS score
             FROM memories AS m
             WHERE ((SELECT $4::text::tsquery) IS NULL OR m.search @@ (SELECT $4::text::tsquery))
               AND {FILTERS}
         ) AS m
         WHERE $3::int4 = 0 OR m.score > 0
         ORDER BY m.score DESC, m.importance DESC, m.created_at DESC, m.id DESC
         LIMIT $2",
        cols = row::COLUMNS
    )
}

/// Memories holding one of the identifiers (`$9`) anywhere in their
/// content, any case, through the trigram index, and every phrase (`$4`),
/// other than those already found (`$3`), most important and newest
/// first. Every character but letters and digits is escaped before it
/// goes into the expression.
fn identifier_sql() -> String {
    format!(
        "WITH pattern AS MATERIALIZED (
             SELECT string_agg(regexp_replace(t, '([^[:alnum:]])', '\\\\\\1', 'g'), '|') AS re
             FROM unnest($9::text[]) AS t
         )
         SELECT {cols}, 0::float8 AS score
         FROM memories AS m
         WHERE m.content ~* (SELECT re FROM pattern)
           AND NOT m.id = ANY($3::int8[])
           AND ((SELECT $4::text::tsquery) IS NULL OR m.search @@ (SELECT $4::text::tsquery))
           AND {FILTERS}
         ORDER BY m.importance DESC, m.created_at DESC, m.id DESC
         LIMIT $2",
        cols = row::COLUMNS
    )
}

/// Runs a search whose namespace is valid and whose limit is at least one.
pub(super) async fn search(
    client: &Client,
    words: &Words,
    query: &SearchQuery,
) -> Result<Vec<Memory>, MemoryError> {
    let plan = Plan::new(&SearchTerms::parse(&query.text));
    let path = plan.path();
    if path == Path::Nothing {
        return Ok(Vec::new());
    }
    let queries = Queries::new(&plan, &words.tsqueries(client, &plan.words()).await?);
    let limit = query.limit as i64;
    let tags = unique(query.tags.clone());
    let binds = Binds { namespace: &query.namespace, plan: &plan, queries: &queries, tags: &tags };

    if path == Path::Scan {
        let must_match = i32::from(
            plan.phrases.is_empty()
                && plan.required_substrings.is_empty()
                && (plan.units() > 0 || !plan.any_substrings.is_empty()),
        );
        let stmt = client.prepare_cached(&scan_sql()).await.map_err(pg_error)?;
        let mut params = binds.params(&limit, &must_match, &queries.required);
        params.push(&queries.units);
        params.push(&plan.any_substrings);
        return read(&client.query(&stmt, &params).await.map_err(pg_error)?);
    }

    let mut found = indexed(client, &binds, &limit, &queries.tiers(&plan.tiers())).await?;
    if found.len() < query.limit && !plan.identifiers.is_empty() {
        let seen: Vec<i64> = found.iter().map(|m| m.id).collect();
        let more = limit - found.len() as i64;
        let stmt = client.prepare_cached(&identifier_sql()).await.map_err(pg_error)?;
        let mut params = binds.params(&more, &seen, &queries.required);
        params.push(&plan.identifiers);
        found.extend(read(&client.query(&stmt, &params).await.map_err(pg_error)?)?);
    }
    Ok(found)
}

/// The memories of the first of `tiers` with `limit` hits, or of the last
/// ([`indexed_sql`]); none without tiers.
async fn indexed(
    client: &Client,
    binds: &Binds<'_>,
    limit: &i64,
    tiers: &[String],
) -> Result<Vec<Memory>, MemoryError> {
    if tiers.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = client.prepare_cached(&indexed_sql()).await.map_err(pg_error)?;
    let params = binds.params(limit, &tiers, &binds.queries.ranker);
    read(&client.query(&stmt, &params).await.map_err(pg_error)?)
}

/// The parameters the three statements share.
struct Binds<'a> {
    namespace: &'a String,
    plan: &'a Plan,
    queries: &'a Queries,
    tags: &'a Vec<String>,
}

impl<'a> Binds<'a> {
    /// `$1` … `$8`; `$2`, `$3` and `$4` differ between statements, which
    /// add their own from `$9`.
    fn params(
        &self,
        limit: &'a i64,
        third: &'a (dyn ToSql + Sync),
        fourth: &'a (dyn ToSql + Sync),
    ) -> Vec<&'a (dyn ToSql + Sync)> {
        vec![
            self.namespace,
            limit,
            third,
            fourth,
            &self.queries.excluded,
            self.tags,
            &self.plan.required_substrings,
            &self.plan.excluded_substrings,
        ]
    }
}

fn read(rows: &[tokio_postgres::Row]) -> Result<Vec<Memory>, MemoryError> {
    rows.iter().map(|r| row::memory(r, true)).collect::<Result<_, _>>().map_err(pg_error)
}

#[cfg(test)]
mod tests;
