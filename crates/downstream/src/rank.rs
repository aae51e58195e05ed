//! Ranking downstream tools against a query with BM25 over name, description and parameter names (the infrastructure fallback).
//!
//! A tool's text is a handful of words that restate each other: the name
//! comes back in the description, and parameters echo both (`convert_time`
//! takes a `time`). Counting every repetition would favour the tool that says
//! a word most often, not the one about it, so each word counts once, and
//! twice when it is in the tool's name, which says what the tool is for.
//! Length normalisation over the distinct words then prefers, among tools
//! matching alike, the one the matched words make up more of.

use std::collections::HashMap;

use super::tools::ToolEntry;

/// BM25 term-frequency saturation and length normalisation, the usual values.
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// The weight (BM25's term frequency) of a word in the tool's name; a word
/// only in its description or parameter names weighs 1.
const NAME_WEIGHT: f64 = 2.0;

/// A tool with its BM25 score against the query; higher is better.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedTool {
    pub entry: ToolEntry,
    pub score: f64,
}

/// The `limit` tools that best match `query`, best first; tools sharing no
/// term with the query are left out. Ties keep the order of `tools`.
pub fn rank_tools(tools: &[ToolEntry], query: &str, limit: usize) -> Vec<RankedTool> {
    let query_terms = {
        let mut terms = terms(query);
        terms.sort_unstable();
        terms.dedup();
        terms
    };
    if tools.is_empty() || query_terms.is_empty() {
        return Vec::new();
    }
    let documents: Vec<HashMap<String, f64>> = tools.iter().map(document_terms).collect();
    let count = documents.len() as f64;
    let average_len = (documents.iter().map(HashMap::len).sum::<usize>() as f64 / count).max(1.0);
    let mut document_frequency: HashMap<&str, usize> = HashMap::new();
    for document in &documents {
        for term in document.keys() {
            *document_frequency.entry(term).or_default() += 1;
        }
    }
    let mut ranked: Vec<RankedTool> = tools
        .iter()
        .zip(&documents)
        .filter_map(|(entry, document)| {
            let len = document.len() as f64;
            let score: f64 = query_terms
                .iter()
                .filter_map(|term| {
                    let frequency = *document.get(term)?;
                    let df = document_frequency.get(term.as_str()).copied().unwrap_or(0) as f64;
                    let idf = ((count - df + 0.5) / (df + 0.5) + 1.0).ln();
                    Some(
                        idf * frequency * (K1 + 1.0)
                            / (frequency + K1 * (1.0 - B + B * len / average_len)),
                    )
                })
                .sum();
            (score > 0.0).then(|| RankedTool { entry: entry.clone(), score })
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    ranked.truncate(limit);
    ranked
}

/// The distinct words of a tool (its name, its description and its
/// parameter names), each with its weight: [`NAME_WEIGHT`] in the name, else 1.
fn document_terms(entry: &ToolEntry) -> HashMap<String, f64> {
    let mut document = HashMap::new();
    if let Some(description) = &entry.tool.description {
        document.extend(terms(description).into_iter().map(|term| (term, 1.0)));
    }
    if let Some(serde_json::Value::Object(properties)) = entry.tool.input_schema.get("properties") {
        for name in properties.keys() {
            document.extend(terms(name).into_iter().map(|term| (term, 1.0)));
        }
    }
    document.extend(terms(&entry.tool.name).into_iter().map(|term| (term, NAME_WEIGHT)));
    document
}

/// Lower-cased alphanumeric words, split also at `_`, `-`, `.` and camelCase
/// humps, in the singular, without a few English function words that carry
/// no meaning here.
fn terms(text: &str) -> Vec<String> {
    const STOP: &[&str] = &[
        "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "is", "are", "it", "me",
        "my", "what", "with", "by", "at", "be", "this", "that", "from", "as", "do", "does",
    ];
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && previous_lower && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = c.is_lowercase() || c.is_numeric();
            word.extend(c.to_lowercase());
        } else {
            previous_lower = false;
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words.retain(|w| !STOP.contains(&w.as_str()));
    words.into_iter().map(singular).collect()
}

/// The English plural folded away (`timezones`, `files`, `directories`), so a
/// query and a description need not agree in number. Words in `ss`, `us` and
/// `is`, and short ones, are left as they are (`process`, `status`, `has`).
fn singular(word: String) -> String {
    if word.len() > 4
        && let Some(stem) = word.strip_suffix("ies")
    {
        return format!("{stem}y");
    }
    let keep = word.len() <= 3 || ["ss", "us", "is"].iter().any(|end| word.ends_with(end));
    match word.strip_suffix('s') {
        Some(stem) if !keep => stem.to_owned(),
        _ => word,
    }
}

#[cfg(test)]
mod tests;
