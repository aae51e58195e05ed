//! CJK text for word-based full-text indexes: runs of Chinese, Japanese or Korean characters become overlapping bigrams.
//!
//! Word tokenizers split on spaces and punctuation, which Japanese and
//! Chinese do not use between words: "データベースのポート番号は5433です"
//! would be one token and "ポート番号" could never match it. Indexing every
//! CJK run as its overlapping character pairs ("ポー ート ト番 番号 …") makes
//! any substring of two or more characters findable as a phrase of pairs,
//! with the index's usual ranking. The same function prepares the stored
//! text and the searched text, so both sides agree.

/// A letter of a script written without spaces between words: Han
/// ideographs, Hiragana, Katakana (full and half width) and Hangul.
pub fn is_cjk(c: char) -> bool {
    c.is_alphabetic()
        && matches!(c as u32,
            0x1100..=0x11FF       // Hangul Jamo
            | 0x3005..=0x3007     // 々 〆 〇
            | 0x3040..=0x30FF     // Hiragana, Katakana (ー included)
            | 0x3130..=0x318F     // Hangul compatibility Jamo
            | 0x31F0..=0x31FF     // Katakana phonetic extensions
            | 0x3400..=0x4DBF     // CJK extension A
            | 0x4E00..=0x9FFF     // CJK unified ideographs
            | 0xA960..=0xA97F     // Hangul Jamo extended A
            | 0xAC00..=0xD7AF     // Hangul syllables
            | 0xF900..=0xFAFF     // CJK compatibility ideographs
            | 0xFF66..=0xFF9F     // half-width Katakana
            | 0x20000..=0x3FFFF) // CJK extensions B and later
}

pub fn has_cjk(text: &str) -> bool {
    text.chars().any(is_cjk)
}

/// A maximal stretch of text that is either all CJK letters or has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run<'a> {
    pub text: &'a str,
    pub cjk: bool,
}

/// Splits `text` into alternating CJK and non-CJK runs.
pub fn runs(text: &str) -> impl Iterator<Item = Run<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let cjk = is_cjk(first);
        let end = rest.find(|c: char| is_cjk(c) != cjk).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some(Run { text: run, cjk })
    })
}

/// The overlapping character pairs of a CJK run; a one-character run is
/// its own single "pair".
pub fn bigrams(run: &str) -> Vec<&str> {
    let starts: Vec<usize> = run.char_indices().map(|(i, _)| i).collect();
    match starts.len() {
        0 => Vec::new(),
        1 => vec![run],
        n => (0..n - 1)
            .map(|k| {
                let end = starts.get(k + 2).copied().unwrap_or(run.len());
                &run[starts[k]..end]
            })
            .collect(),
    }
}

/// `text` with every CJK run replaced by its bigrams, space separated and
/// set apart from the text around it; text without CJK comes back as is.
pub fn segment(text: &str) -> String {
    if !has_cjk(text) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() * 2);
    for run in runs(text) {
        if run.cjk {
            out.push(' ');
            out.push_str(&bigrams(run.text).join(" "));
            out.push(' ');
        } else {
            out.push_str(run.text);
        }
    }
    out
}

#[cfg(test)]
mod tests;
