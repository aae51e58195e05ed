//! Token counting with a real BPE (o200k_base), built once per process, at start-up;
//! and the cuts at which a text's count is the sum of its parts' counts, so a
//! cached result, which many answers share, is counted once.
//!
//! The BPE is the `tiktoken` crate's: the same tokens as OpenAI's tiktoken and
//! tiktoken-rs (which the tests hold it to, on every text of the repository),
//! with a hand-written pre-tokenizer instead of a backtracking regex, so an
//! answer of a few hundred bytes counts in a few µs rather than tens.

use std::sync::OnceLock;

use pattern_cache::CountedText;
use tiktoken::CoreBpe;

/// The o200k_base tables, built at most once per process.
static BPE: OnceLock<&'static CoreBpe> = OnceLock::new();

fn bpe() -> &'static CoreBpe {
    BPE.get_or_init(|| {
        tiktoken::get_encoding("o200k_base").expect("o200k_base is embedded in tiktoken")
    })
}

/// Counts tokens of serialized results.
///
/// The BPE tables take a noticeable time (about a tenth of a second, to
/// decompress the embedded vocabulary) and memory to build, so they are
/// built once per process: a server starts building them on a thread of
/// their own as it starts ([`TokenCounter::warm_up`]), so the first request
/// finds them ready, and an execution waits for them before its clock
/// starts, never inside it.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenCounter;

impl TokenCounter {
    pub fn new() -> Self {
        Self
    }

    /// Starts building the tables on a thread of their own, once per process;
    /// returns at once. Call it as early as possible: whatever the process
    /// does meanwhile (reading config, opening the store, spawning servers)
    /// overlaps the build.
    pub fn warm_up() {
        static STARTED: std::sync::Once = std::sync::Once::new();
        STARTED.call_once(|| {
            let spawned = std::thread::Builder::new().name("bpe-warm-up".into()).spawn(|| {
                bpe();
            });
            if let Err(e) = spawned {
                // The first execution builds them instead.
                tracing::debug!(error = %e, "cannot start the tokenizer warm-up thread");
            }
        });
    }

    /// Builds the tables off the async runtime if they are not built yet
    /// (waits for [`warm_up`](Self::warm_up)'s build when one is running).
    pub async fn ensure_loaded(&self) {
        if BPE.get().is_none() {
            // A failed join only means the build panicked; `count` would then panic too.
            let _ = tokio::task::spawn_blocking(bpe).await;
        }
    }

    /// True once the tables are built.
    pub fn is_loaded(&self) -> bool {
        BPE.get().is_some()
    }

    /// Tokens of `text` (special tokens are counted as plain text).
    pub fn count(&self, text: &str) -> u64 {
        bpe().count(text) as u64
    }

    /// Tokens of a JSON value as compactly serialized.
    pub fn count_json(&self, value: &serde_json::Value) -> u64 {
        self.count(&value.to_string())
    }

    /// Tokens of `text`, of which `text[start..start + part.bytes]` is a
    /// part already counted (`part.tokens`): only the rest is tokenised when
    /// both ends of the part are additive cuts (`is_additive_cut`), else the
    /// whole text is. The caller vouches that the part is the text it
    /// counted; the result is exact either way.
    pub fn count_around(&self, text: &str, start: usize, part: CountedText) -> u64 {
        let end = start.saturating_add(part.bytes);
        if end <= text.len() && is_additive_cut(text, start) && is_additive_cut(text, end) {
            self.count(&text[..start]) + part.tokens + self.count(&text[end..])
        } else {
            self.count(text)
        }
    }

    /// Tokens of a text that states its own token count: `render(n)` is the
    /// text with `n` written as a JSON integer. See `self_counting_total`.
    pub fn count_self_counting(&self, render: impl FnOnce(u64) -> String) -> u64 {
        self_counting_total(self.count(&render(0)))
    }
}

/// The count of a text that states its own token count, from `base`, the
/// count of the text stating `0`. o200k_base pre-splits digits into groups
/// of at most three, each one token, whatever surrounds them, so `base`
/// (where `0` is one token) fixes the count of the text stating `n` up to
/// the digits of `n`; the loop finds the `n` that is its own count (a fixed
/// point exists and is reached in a step or two).
pub fn self_counting_total(base: u64) -> u64 {
    let digit_tokens = |n: u64| n.to_string().len().div_ceil(3) as u64;
    let mut total = base;
    for _ in 0..8 {
        let next = base - 1 + digit_tokens(total);
        if next == total {
            break;
        }
        total = next;
    }
    total
}

/// True when the o200k_base count of `text` is the count of `text[..at]`
/// plus the count of `text[at..]`.
///
/// The BPE runs inside the pieces its pre-tokenizer regex cuts the text
/// into, scanning left to right, so the count is additive at `at` when the
/// scan of the whole text cuts there and scans each side as it would alone.
/// The regex (o200k_base's split pattern, tiktoken-rs `O200K_BASE_PAT_STR`,
/// which the `tiktoken` crate's scanner implements) has no look-behind and no
/// anchor, so the scan after a cut at `at` depends only on `text[at..]`; and
/// its one look-ahead, `\s+(?!\S)`, follows whitespace only, so a match
/// before `at` that does not cross it is the same with or without what
/// follows, unless the character before `at` is whitespace. What is left is
/// that no match can hold both the character before `at` and the one after,
/// which two cases prove (ASCII only, so no Unicode table is involved):
/// - a letter, then anything but a letter or `'`: letters are matched only
///   by the two letter alternatives, where a letter is followed only by
///   letters, marks (none in ASCII) or a contraction (`'s`, `'t`, …);
/// - anything but whitespace or a digit, then a digit: digits are matched
///   only by `\p{N}{1,3}`, which holds nothing else.
///
/// Conservative: many other cuts are additive too; this says yes only where
/// the proof holds. The ends of the text are always cuts.
pub fn is_additive_cut(text: &str, at: usize) -> bool {
    if at == 0 || at == text.len() {
        return true;
    }
    if !text.is_char_boundary(at) {
        return false;
    }
    match (text[..at].chars().next_back(), text[at..].chars().next()) {
        (Some(before), Some(after)) => cut_between(before, after),
        _ => false,
    }
}

/// The two cases of [`is_additive_cut`]'s proof, for the characters either
/// side of a cut inside a text.
fn cut_between(before: char, after: char) -> bool {
    let letter_then_no_letter = before.is_ascii_alphabetic()
        && after.is_ascii()
        && !after.is_ascii_alphabetic()
        && after != '\'';
    let then_digit = after.is_ascii_digit()
        && before.is_ascii()
        && !before.is_ascii_digit()
        && !before.is_ascii_whitespace();
    letter_then_no_letter || then_digit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_real_bpe_tokens() {
        let t = TokenCounter::new();
        t.ensure_loaded().await;
        assert!(t.is_loaded());
        assert_eq!(t.count(""), 0);
        assert_eq!(t.count("hello world"), 2);
        // JSON punctuation is tokenised too, so a JSON object costs more than its words.
        let v = serde_json::json!({"memories": [{"content": "hello world"}]});
        assert!(t.count_json(&v) > 2);
    }

    /// A deterministic generator (xorshift64*), so a failure names its text.
    struct Texts(u64);

    impl Texts {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[(self.next() % from.len() as u64) as usize]
        }

        /// A text of `parts` fragments: JSON punctuation, words, contractions,
        /// digits, every kind of whitespace, non-ASCII letters, marks and
        /// digits, so every alternative of the pre-tokenizer meets every other.
        fn text(&mut self, parts: usize) -> String {
            const FRAGMENTS: &[&str] = &[
                "{",
                "}",
                "[",
                "]",
                "\"",
                ":",
                ",",
                "\":\"",
                "\",\"",
                "\"}",
                "}]",
                "},{",
                "null",
                "true",
                "result",
                "Backups",
                "run",
                "at",
                "UTC",
                "the",
                "I",
                "s",
                "'s",
                "'re",
                "'",
                "don't",
                "0",
                "7",
                "42",
                "5433",
                "02:00",
                "1234567",
                "3.25",
                "-1",
                "1e-5",
                " ",
                "  ",
                "\n",
                "\r\n",
                "\t",
                " \n ",
                "/",
                "//",
                "\\",
                "\\n",
                "é",
                "Ünïcödé",
                "日本語",
                "Привет",
                "\u{301}",
                "e\u{301}",
                "\u{a0}",
                "\u{2028}",
                "٣",
                "²",
                "ⅷ",
                "!?",
                "...",
                "_",
                "-",
                "\u{1f600}",
                "ǅ",
                "ʰ",
                "ß",
                "İ",
            ];
            let mut text = String::new();
            for _ in 0..parts {
                text.push_str(self.pick(FRAGMENTS));
            }
            text
        }
    }

    /// Every text of the repository's own data (the router's labelled
    /// requests in eight languages, with their typos; the built-in patterns;
    /// the documentation) and the generated texts below, each whole and each
    /// line of it.
    fn repository_texts() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in
            ["crates/router/data", "crates/router/tests/data", "crates/registry/src", "docs", "."]
        {
            let entries = std::fs::read_dir(root.join(dir)).expect("a directory of the repository");
            for entry in entries {
                let path = entry.expect("a directory entry").path();
                let kept =
                    path.extension().is_some_and(|e| e == "jsonl" || e == "toml" || e == "md");
                if kept && path.is_file() {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 20, "the repository's texts are found: {files:?}");
        let mut texts = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).expect("a UTF-8 file");
            texts.extend(text.lines().map(str::to_owned));
            texts.push(text);
        }
        let mut generated = Texts(0x2545_f491_4f6c_dd1d);
        for _ in 0..4000 {
            let parts = 1 + (generated.next() % 48) as usize;
            texts.push(generated.text(parts));
        }
        texts
    }

    /// The counter is a faster implementation of the same BPE: it must give
    /// the reference implementation's count on every text, or the
    /// `tokens_used` of every answer would drift from what clients are billed.
    #[tokio::test]
    async fn counts_as_the_reference_tiktoken_does() {
        let t = TokenCounter::new();
        t.ensure_loaded().await;
        let reference = tiktoken_rs::o200k_base().expect("o200k_base is embedded in tiktoken-rs");
        let texts = repository_texts();
        assert!(texts.len() > 20_000, "{} texts", texts.len());
        for text in &texts {
            let expected = reference.encode_ordinary(text).len() as u64;
            assert_eq!(t.count(text), expected, "{text:?}");
        }
    }

    #[tokio::test]
    async fn a_count_is_the_sum_of_its_parts_at_every_additive_cut() {
        let t = TokenCounter::new();
        t.ensure_loaded().await;
        let mut texts = Texts(0x9e37_79b9_7f4a_7c15);
        let (mut cuts, mut refused) = (0, 0);
        for _ in 0..6000 {
            let parts = 1 + (texts.next() % 24) as usize;
            let text = texts.text(parts);
            let whole = t.count(&text);
            for at in (1..text.len()).filter(|&at| text.is_char_boundary(at)) {
                if is_additive_cut(&text, at) {
                    cuts += 1;
                    let sum = t.count(&text[..at]) + t.count(&text[at..]);
                    assert_eq!(whole, sum, "cut at {at} of {text:?}");
                } else {
                    refused += 1;
                }
            }
        }
        // Both answers are common, so the test above checked many cuts.
        assert!(cuts > 10_000 && refused > 10_000, "{cuts} cuts, {refused} refused");
    }

    #[tokio::test]
    async fn a_cut_inside_json_punctuation_is_not_additive_and_is_refused() {
        let t = TokenCounter::new();
        t.ensure_loaded().await;
        // `":{"` is one piece of the pre-tokenizer: cutting it changes the count.
        let text = r#"{"success":true,"result":{"memories":[]}}"#;
        let at = text.find(":{").unwrap() + 1;
        assert_ne!(t.count(text), t.count(&text[..at]) + t.count(&text[at..]));
        assert!(!is_additive_cut(text, at));
        // The cuts the engine uses: after `true`, and before a number.
        let after_true = text.find(",\"result\"").unwrap();
        assert!(is_additive_cut(text, after_true));
        assert!(is_additive_cut(r#""execution_time_ms":0.25"#, 20));
        assert!(!is_additive_cut("don't", 3), "a contraction follows");
        assert!(!is_additive_cut("a 1", 2), "whitespace before: a look-ahead may see past");
        assert!(!is_additive_cut("é,", 2), "not ASCII: outside the proof");
    }

    #[tokio::test]
    async fn counting_around_a_known_part_gives_the_whole_count() {
        let t = TokenCounter::new();
        t.ensure_loaded().await;
        let head = r#"{"request_id":"r-1","success":true"#;
        let part = r#","result":{"memories":[{"content":"backups run at 02:00 UTC"}]},"ms":"#;
        let tail = r#"0.5,"tokens_used":0}"#;
        let text = format!("{head}{part}{tail}");
        let known = CountedText { bytes: part.len(), tokens: t.count(part) };
        assert_eq!(t.count_around(&text, head.len(), known), t.count(&text));
        // A part whose ends are not additive cuts is not trusted: the whole text is counted.
        let wrong = CountedText { bytes: part.len() - 2, tokens: 0 };
        assert_eq!(t.count_around(&text, head.len() + 1, wrong), t.count(&text));
    }

    #[tokio::test]
    async fn a_text_stating_its_own_token_count_states_it_exactly() {
        let t = TokenCounter::new();
        t.ensure_loaded().await;
        for filler in [0usize, 1, 7, 90, 400, 1500] {
            let words = "note about the staging port 5433, ".repeat(filler);
            let render = |n: u64| format!(r#"{{"result":"{words}","tokens_used":{n},"x":1}}"#);
            let stated = t.count_self_counting(render);
            assert_eq!(stated, t.count(&render(stated)), "filler {filler}");
        }
    }
}
