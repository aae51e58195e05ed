//! The three execution paths a pattern can take: memory, infrastructure, and both (hybrid, in `engine.rs`).

pub(crate) mod infrastructure;
pub(crate) mod memory;
