//! FTS5 match expressions and index text: user words only ever inside double-quoted FTS5 strings.
//!
//! Every word or phrase becomes `"…"` with inner `"` doubled, so `AND`,
//! `NEAR(`, `*`, `^`, `:` and the rest are searched as text, never read as
//! FTS5 syntax. The expression itself is a bound parameter of the query.

use crate::cjk;

/// One search term as SQLite can look for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unit {
    /// An FTS5 expression over the `body` and `tags` columns.
    Fts(String),
    /// Text the full-text index cannot find (a single CJK character, emoji,
    /// punctuation): looked for as a substring of the content instead.
    Substring(String),
}

/// `text` as one FTS5 string: `"…"` with `"` doubled.
pub(super) fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// What the index holds for a memory's content.
pub(super) fn body_text(content: &str) -> String {
    cjk::segment(content)
}

/// What the index holds for a memory's tags.
pub(super) fn tags_text(tags: &[String]) -> String {
    cjk::segment(&tags.join(" "))
}

/// A word of which any may match. A CJK word matches on its own or by any
/// of its character pairs, ranked by how many match: a whole Japanese
/// question is one "word", and the memory sharing most of it comes first.
pub(super) fn free_term(term: &str) -> Unit {
    if !term.chars().any(char::is_alphanumeric) {
        return Unit::Substring(term.to_owned());
    }
    if !cjk::has_cjk(term) {
        return Unit::Fts(quote(term));
    }
    if term.chars().count() == 1 {
        return Unit::Substring(term.to_owned());
    }
    let mut pieces = vec![quote(&cjk::segment(term))];
    for run in cjk::runs(term) {
        if !run.cjk {
            if run.text.chars().any(char::is_alphanumeric) {
                pieces.push(quote(run.text));
            }
        } else if run.text.chars().nth(1).is_none() {
            // One character between other text: any pair starting with it.
            pieces.push(format!("{}*", quote(run.text)));
        } else {
            pieces.extend(cjk::bigrams(run.text).into_iter().map(quote));
        }
    }
    let mut unique: Vec<String> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        if !unique.contains(&piece) {
            unique.push(piece);
        }
    }
    if unique.len() == 1 {
        Unit::Fts(unique.remove(0))
    } else {
        Unit::Fts(format!("({})", unique.join(" OR ")))
    }
}

/// A phrase (or excluded word) that must match exactly: its words adjacent
/// and in order, CJK text as a contiguous substring.
pub(super) fn strict_term(phrase: &str) -> Unit {
    let indexable = phrase.chars().any(char::is_alphanumeric)
        && cjk::runs(phrase).all(|run| !run.cjk || run.text.chars().nth(1).is_some());
    if indexable {
        Unit::Fts(quote(&cjk::segment(phrase)))
    } else {
        Unit::Substring(phrase.to_owned())
    }
}

/// Combines FTS fragments: every `required` one, with the `any` ones adding
/// to the rank (and matching on their own when nothing is required), and
/// none of the `excluded`. `None` when nothing positive is asked.
pub(super) fn combine(required: &[String], any: &[String], excluded: &[String]) -> Option<String> {
    let positive = match (required.is_empty(), any.is_empty()) {
        (true, true) => return None,
        (true, false) => format!("({})", any.join(" OR ")),
        (false, true) => format!("({})", required.join(" AND ")),
        // Repeating the required fragments inside the OR keeps it true for
        // every row, so the optional words only add to the rank.
        (false, false) => format!(
            "({} AND ({} OR {}))",
            required.join(" AND "),
            required.join(" OR "),
            any.join(" OR ")
        ),
    };
    Some(if excluded.is_empty() {
        positive
    } else {
        format!("{positive} NOT ({})", excluded.join(" OR "))
    })
}

/// An expression over the content and tags columns.
pub(super) fn in_text(expression: &str) -> String {
    format!("{{body tags}}:({expression})")
}

/// Narrows a search to memories whose tags hold the words of every
/// requested tag: a superset of the exact tag filter, which still applies.
/// Tags without letters or digits cannot be looked up in the index.
pub(super) fn with_tags(expression: &str, tags: &[String]) -> String {
    let mut out = in_text(expression);
    for tag in tags.iter().filter(|t| t.chars().any(char::is_alphanumeric)) {
        out.push_str(&format!(" AND tags:{}", quote(&cjk::segment(tag))));
    }
    out
}

#[cfg(test)]
mod tests;
