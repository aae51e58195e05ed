//! HybridDecisionRouter of pattern-mcp: picks infrastructure, memory or hybrid for a query.
//!
//! [`Router::route`] applies the mode and pattern rules and, in balanced mode,
//! the transparent cue classifier of [`classify`](Router::classify): lexicon
//! phrases per class (`lexicon.rs`, loaded from one data file per language in
//! `lexicons/`) and a few structural rules ("the list I gave you" is stored
//! knowledge, "search my notes" acts on memory) found by `cues.rs`, and a
//! short rule list over the summed weights (`classify.rs`). Then availability (`availability.rs`):
//! a route whose path cannot answer (no connected downstream server, no
//! memories in the namespace) gives way to the other path when that one can.
//! Estimates start at the configured per-route targets and follow observed
//! executions (moving averages).
//!
//! **Invariant:** nothing per request is compiled or built: lexicon tables are
//! parsed from the embedded files once, behind a `LazyLock`.
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
pub use classify::Classification;
pub use router::{Decision, RouteTarget, Router, RouterConfig};
