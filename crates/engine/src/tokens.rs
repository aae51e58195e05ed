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
/// The BPE tables take a noticeable time (about a tenth of a second) and
/// memory (tens of MiB) to build, so they are built once per process, on a
/// blocking thread, when the first execution needs them: an idle server
/// never pays for them, and no request thread ever builds them.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenCounter;

impl TokenCounter {
    pub fn new() -> Self {
        Self
    }

    /// Builds the tables off the async runtime if they are not built yet.
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
}
