//! Errors of the registry: unreadable files, broken TOML, invalid patterns.

use std::fmt;

use serde::Serialize;

/// One bad pattern (or one bad top-level key) of a pattern file.
///
/// Its `Display` is the line `check` and the start-up log print:
/// `FILE:LINE: pattern `NAME`: REASON`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatternError {
    /// File path, or `<builtin>`.
    pub file: String,
    /// 1-based line of the pattern's `[[pattern]]` header (or of the bad key).
    pub line: usize,
    /// The pattern's name, when it has one that can be read.
    pub pattern: Option<String>,
    /// What is wrong, in words a user can act on.
    pub reason: String,
}

impl PatternError {
    pub fn new(
        file: impl Into<String>,
        line: usize,
        pattern: Option<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self { file: file.into(), line, pattern, reason: reason.into() }
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pattern {
            Some(name) => {
                write!(f, "{}:{}: pattern `{name}`: {}", self.file, self.line, self.reason)
            }
            None => write!(f, "{}:{}: {}", self.file, self.line, self.reason),
        }
    }
}

impl std::error::Error for PatternError {}

/// Why the registry could not be built (or changed).
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A pattern file named on the command line cannot be read. Always fatal:
    /// a missing file is a mistake, not a pattern to skip.
    #[error("cannot read pattern file {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or its `pattern` key is not an array of
    /// tables. Always fatal: nothing in the file can be trusted.
    #[error("{file}:{line}: invalid pattern file: {message}")]
    Parse { file: String, line: usize, message: String },
    /// Patterns failed validation: in strict mode every error of the load,
    /// or the errors of a pattern given to [`crate::Registry::insert`].
    #[error("{}", InvalidList(.0))]
    Invalid(Vec<PatternError>),
    /// Every pattern is valid on its own, but the matcher over all of them
    /// (the automaton of their required literals) could not be built.
    #[error("the triggers of all patterns together are too large to match: {0}")]
    TooLarge(String),
}

impl RegistryError {
    /// Fixed label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            RegistryError::Io { .. } => "io",
            RegistryError::Parse { .. } => "parse",
            RegistryError::Invalid(_) => "invalid_pattern",
            RegistryError::TooLarge(_) => "too_large",
        }
    }

    /// The pattern errors carried, if any (empty for the other variants).
    pub fn pattern_errors(&self) -> &[PatternError] {
        match self {
            RegistryError::Invalid(errors) => errors,
            _ => &[],
        }
    }
}

/// Formats `Invalid` as a count followed by one error per line.
struct InvalidList<'a>(&'a [PatternError]);

impl fmt::Display for InvalidList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} invalid pattern{}", if n == 1 { "" } else { "s" })?;
        for error in self.0 {
            write!(f, "\n  {error}")?;
        }
        Ok(())
    }
}
