//! HybridDecisionRouter of pattern-mcp: picks infrastructure, memory or hybrid for a query.
//!
//! [`Router::route`] applies the mode and pattern rules and, in balanced mode,
//! classifies the query: first the transparent cue rules (lexicon phrases per
//! class, `lexicon.rs`, loaded from one data file per language in
//! `lexicons/`; structural rules found by `cues.rs`; a short rule list over the
//! summed weights, `classify.rs`), then a logistic-regression model over word
//! and character n-grams and the cue rules' verdict, trained by `build.rs` from
//! `data/*.jsonl` and calibrated so `confidence` is the probability that the
//! route is right (`model.rs`; docs/ROUTING.md). Then availability
//! (`availability.rs`): a route whose path cannot answer (no connected
//! downstream server, no memories in the namespace) gives way to the other
//! path when that one can. Estimates start at the configured per-route targets
//! and follow observed executions (moving averages).
//!
//! **Invariant:** nothing per request is compiled, built or trained: lexicon
//! tables are parsed from the embedded files once, and the embedded model
//! weights decoded once, behind `LazyLock`s.
//! **Invariant:** this crate never talks to a store, a cache or a downstream
//! server; it learns whether a namespace holds memories through
//! `pattern_core::MemoryAvailability` and whether a downstream server can be
//! called through [`DownstreamAvailability`].

mod availability;
mod classify;
mod cues;
mod estimate;
mod lexicon;
#[doc(hidden)]
pub mod model;
mod router;
mod tokenize;

pub use availability::{DownstreamAvailability, DownstreamState, NoAnswer};
pub use classify::{Classification, Rule};
pub use router::{Decision, RouteTarget, Router, RouterConfig, VERDICT_CACHE_CAPACITY};
