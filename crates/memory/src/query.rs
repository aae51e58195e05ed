//! Natural language to search terms (stop words, quoted phrases, `-term`), shared by every backend.
//!
//! "what did we note about the staging database port?" becomes the terms
//! `staging`, `database`, `port`, any of which may match. What the user
//! writes explicitly is honoured: `"quoted phrases"` must match, `-term` and
//! `-"a phrase"` exclude. The terms are plain text: each backend quotes them
//! for its own search syntax, so nothing the user types is ever syntax.

/// At most this many terms of each kind are kept; the rest of a very long
/// query is ignored rather than turned into a huge search expression.
pub const MAX_TERMS: usize = 32;

/// What a search asks for, independent of any backend's query syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchTerms {
    /// Words of which any may match (OR); the more match, the better the rank.
    /// Stop words are gone unless nothing else was asked for.
    pub any: Vec<String>,
    /// `"quoted phrases"`: each must match, its words adjacent and in order.
    pub phrases: Vec<String>,
    /// `-word` and `-"phrase"`: memories matching any of these are left out.
    pub excluded: Vec<String>,
}

impl SearchTerms {
    /// Reads a natural-language query. Never fails: text without any
    /// searchable word gives terms that are empty.
    pub fn parse(text: &str) -> Self {
        let mut words = Vec::new();
        let mut stop = Vec::new();
        let mut punctuation = Vec::new();
        let mut phrases = Vec::new();
        let mut excluded = Vec::new();

        for token in tokens(text) {
            match token {
                Token::Phrase { text, negated } => {
                    let phrase = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if has_searchable(&phrase) {
                        push_unique(if negated { &mut excluded } else { &mut phrases }, phrase);
                    }
                }
                Token::Word { text, negated: true } => {
                    let word = trim_punctuation(text);
                    if has_searchable(word) {
                        push_unique(&mut excluded, word.to_owned());
                    }
                }
                Token::Word { text, negated: false } => {
                    let word = trim_punctuation(text);
                    if text.is_empty() {
                        continue;
                    } else if !has_searchable(word) {
                        // `&`, `%`, `:*` alone: searched literally only when
                        // the query holds nothing else.
                        push_unique(&mut punctuation, text.to_owned());
                    } else if is_stop_word(word) {
                        push_unique(&mut stop, word.to_owned());
                    } else {
                        push_unique(&mut words, word.to_owned());
                    }
                }
            }
        }

        let any = if !words.is_empty() || !phrases.is_empty() {
            words
        } else if !stop.is_empty() {
            stop
        } else if excluded.is_empty() {
            punctuation
        } else {
            Vec::new()
        };
        Self { any, phrases, excluded }
    }

    /// Nothing at all to search for: the search finds nothing.
    pub fn is_empty(&self) -> bool {
        self.any.is_empty() && self.phrases.is_empty() && self.excluded.is_empty()
    }

    /// Something must match (a word or a phrase), as opposed to a query made
    /// only of exclusions.
    pub fn has_positive(&self) -> bool {
        !self.any.is_empty() || !self.phrases.is_empty()
    }
}

/// Is this word (any case, `'` or `’`) too common to say anything about what
/// is searched for?
pub fn is_stop_word(word: &str) -> bool {
    let folded: String = word
        .chars()
        .map(|c| if c == '\u{2019}' { '\'' } else { c })
        .collect::<String>()
        .to_lowercase();
    STOP_WORDS.binary_search(&folded.as_str()).is_ok()
}

/// English stop words, sorted: articles, pronouns, prepositions,
/// conjunctions, auxiliaries, question words, and the verbs people use to
/// ask their memory for something ("remember", "note", "tell"). Words that
/// carry meaning in operations work ("down", "up", "off") are kept out.
pub const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anything",
    "are",
    "aren't",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "could",
    "couldn't",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don't",
    "during",
    "each",
    "ever",
    "few",
    "for",
    "from",
    "further",
    "get",
    "got",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "he'd",
    "he'll",
    "he's",
    "her",
    "here",
    "here's",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "how's",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "know",
    "let",
    "let's",
    "me",
    "mention",
    "mentioned",
    "might",
    "more",
    "most",
    "must",
    "mustn't",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "note",
    "noted",
    "of",
    "on",
    "once",
    "only",
    "or",
    "other",
    "ought",
    "our",
    "ours",
    "ourselves",
    "please",
    "recall",
    "remember",
    "remind",
    "said",
    "same",
    "say",
    "shall",
    "shan't",
    "she",
    "she'd",
    "she'll",
    "she's",
    "should",
    "shouldn't",
    "so",
    "some",
    "something",
    "such",
    "tell",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "this",
    "those",
    "through",
    "to",
    "told",
    "too",
    "until",
    "us",
    "very",
    "was",
    "wasn't",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "were",
    "weren't",
    "what",
    "what's",
    "whats",
    "when",
    "when's",
    "where",
    "where's",
    "which",
    "while",
    "who",
    "who's",
    "whom",
    "why",
    "why's",
    "will",
    "with",
    "won't",
    "would",
    "wouldn't",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

enum Token<'a> {
    Word { text: &'a str, negated: bool },
    Phrase { text: &'a str, negated: bool },
}

/// Splits on whitespace; a `"` opening a token starts a phrase that runs to
/// the next `"` (an unclosed quote is ignored); a leading `-` before a letter,
/// a digit or a quote negates the token.
fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return out;
        }
        let negated = rest.starts_with('-')
            && rest[1..].chars().next().is_some_and(|c| c == '"' || c.is_alphanumeric());
        let body = if negated { &rest[1..] } else { rest };
        if let Some(inner) = body.strip_prefix('"')
            && let Some(end) = inner.find('"')
        {
            out.push(Token::Phrase { text: &inner[..end], negated });
            rest = &inner[end + 1..];
            continue;
        }
        let body = body.strip_prefix('"').unwrap_or(body);
        let end = body.find(char::is_whitespace).unwrap_or(body.len());
        out.push(Token::Word { text: &body[..end], negated });
        rest = &body[end..];
    }
}

/// Strips punctuation from both ends: `port?` is `port`, `(NEAR` is `NEAR`.
/// Symbols such as emoji stay: they are what the user is looking for.
fn trim_punctuation(word: &str) -> &str {
    word.trim_matches(is_punctuation)
}

/// Contains something a search can look for: a letter, a digit or a symbol.
fn has_searchable(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace() && !is_punctuation(c))
}

/// ASCII punctuation, general punctuation (dashes, curly quotes, ellipsis),
/// CJK and full-width punctuation, Latin-1 punctuation (`¿`, `«`).
pub(crate) fn is_punctuation(c: char) -> bool {
    if c.is_alphanumeric() {
        return false;
    }
    c.is_ascii_punctuation()
        || matches!(c as u32,
            0x00A1..=0x00BF | 0x2000..=0x206F | 0x2E00..=0x2E7F | 0x3000..=0x303F
            | 0xFE10..=0xFE1F | 0xFE30..=0xFE4F | 0xFF00..=0xFF65)
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if list.len() >= MAX_TERMS {
        return;
    }
    let folded = item.to_lowercase();
    if !list.iter().any(|seen| seen.to_lowercase() == folded) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests;
