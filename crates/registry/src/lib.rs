//! Pattern registry of pattern-mcp: pattern files, built-in patterns, validation, matching and capture templates.
//!
//! [`Registry::load`] reads the built-in patterns and the user's TOML
//! pattern files (docs/CONTRACT.md §4) into a validated, immutable set;
//! [`Registry::match_query`] picks the pattern of a query (exact name, then
//! the triggers whose required literals the query contains, in priority
//! order, behind a bounded LRU match cache);
//! [`template`] renders a pattern's tool arguments and memory text from the
//! captures. Nothing here performs I/O beyond reading the pattern files.

mod builtin;
mod error;
mod fallback;
mod file;
mod match_cache;
mod matcher;
mod needles;
mod registry;
pub mod template;
mod validate;

pub use builtin::{BUILTIN_FILE, BUILTIN_TOML, Builtin};
pub use error::{PatternError, RegistryError};
pub use fallback::{fallback_name, fallback_route};
pub use file::{PatternFile, RawPattern, patterns_file_schema};
pub use match_cache::MATCH_CACHE_CAPACITY;
pub use matcher::COMPILED_TRIGGERS_MAX;
pub use registry::{LoadOptions, Loaded, PatternMatch, Registry};
pub use validate::{
    CACHE_TTL_MAX_S, DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_RANGE, NAME_MAX_CHARS, PRIORITY_RANGE,
    REGEX_DFA_SIZE_LIMIT, REGEX_SIZE_LIMIT, TRIGGER_MAX_CHARS, default_cost_tokens, valid_name,
};
