//! Ranking downstream tools against a query with BM25 over name, description and parameter names (the infrastructure fallback).

use std::collections::HashMap;

use super::tools::ToolEntry;

/// BM25 term-frequency saturation and length normalisation, the usual values.
const K1: f64 = 1.2;
const B: f64 = 0.75;

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
    let documents: Vec<Vec<String>> = tools.iter().map(document_terms).collect();
    let count = documents.len() as f64;
    let average_len = (documents.iter().map(Vec::len).sum::<usize>() as f64 / count).max(1.0);
    let mut document_frequency: HashMap<&str, usize> = HashMap::new();
    for document in &documents {
        let mut seen: Vec<&str> = document.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for term in seen {
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
                    let frequency = document.iter().filter(|t| *t == term).count() as f64;
                    if frequency == 0.0 {
                        return None;
                    }
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

/// The words of a tool: its name, its description and its parameter names.
fn document_terms(entry: &ToolEntry) -> Vec<String> {
    let mut document = terms(&entry.tool.name);
    if let Some(description) = &entry.tool.description {
        document.extend(terms(description));
    }
    if let Some(serde_json::Value::Object(properties)) = entry.tool.input_schema.get("properties") {
        for name in properties.keys() {
            document.extend(terms(name));
        }
    }
    document
}

/// Lower-cased alphanumeric words, split also at `_`, `-`, `.` and camelCase
/// humps, without a few English function words that carry no meaning here.
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
    words
}

#[cfg(test)]
mod tests;
