//! Token counting with a real BPE (o200k_base), built once per process, at start-up.

use std::sync::OnceLock;

use tiktoken_rs::CoreBPE;

/// The o200k_base tables, built at most once per process.
static BPE: OnceLock<CoreBPE> = OnceLock::new();

fn bpe() -> &'static CoreBPE {
    BPE.get_or_init(|| tiktoken_rs::o200k_base().expect("o200k_base is embedded in tiktoken-rs"))
}

/// Counts tokens of serialized results.
///
/// The BPE tables take a noticeable time (a fifth of a second) and memory
/// (tens of MiB) to build, so they are built once per process: a server
/// starts building them on a thread of their own as it starts
/// ([`TokenCounter::warm_up`]), so the first request finds them ready, and an
/// execution waits for them before its clock starts, never inside it.
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
        bpe().encode_ordinary(text).len() as u64
    }

    /// Tokens of a JSON value as compactly serialized.
    pub fn count_json(&self, value: &serde_json::Value) -> u64 {
        self.count(&value.to_string())
    }

    /// Tokens of a text that states its own token count: `render(n)` is the
    /// text with `n` written as a JSON integer. o200k_base pre-splits digits
    /// into groups of at most three, each one token, whatever surrounds them,
    /// so the count of `render(0)` (where `0` is one token) fixes the count
    /// of `render(n)` up to the digits of `n`; the loop finds the `n` that is
    /// its own count (a fixed point exists and is reached in a step or two).
    pub fn count_self_counting(&self, render: impl FnOnce(u64) -> String) -> u64 {
        let base = self.count(&render(0));
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
