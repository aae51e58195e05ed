//! Token counting with a real BPE (o200k_base), loaded once and lazily.

use std::sync::OnceLock;

use tiktoken_rs::CoreBPE;

/// The o200k_base tables, built at most once per process.
static BPE: OnceLock<CoreBPE> = OnceLock::new();

fn bpe() -> &'static CoreBPE {
    BPE.get_or_init(|| tiktoken_rs::o200k_base().expect("o200k_base is embedded in tiktoken-rs"))
}

/// Counts tokens of serialized results.
///
/// The BPE tables take a noticeable time and memory to build, so they are
/// built once per process, on first use or by [`TokenCounter::warm_up`] on a
/// thread of its own, never per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenCounter;

impl TokenCounter {
    pub fn new() -> Self {
        Self
    }

    /// Builds the tables on a thread of its own so the first request does not pay for them.
    pub fn warm_up(&self) {
        if BPE.get().is_none() {
            std::thread::Builder::new()
                .name("bpe-warm-up".into())
                .spawn(|| {
                    bpe();
                })
                .ok();
        }
    }

    /// Tokens of `text` (special tokens are counted as plain text).
    pub fn count(&self, text: &str) -> u64 {
        bpe().encode_ordinary(text).len() as u64
    }

    /// Tokens of a JSON value as compactly serialized.
    pub fn count_json(&self, value: &serde_json::Value) -> u64 {
        self.count(&value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_real_bpe_tokens() {
        let t = TokenCounter::new();
        assert_eq!(t.count(""), 0);
        assert_eq!(t.count("hello world"), 2);
        // JSON punctuation is tokenised too, so a JSON object costs more than its words.
        let v = serde_json::json!({"memories": [{"content": "hello world"}]});
        assert!(t.count_json(&v) > 2);
    }
}
