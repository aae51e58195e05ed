//! Errors of this crate: invalid tool input, named by field and rule.

/// A request argument broke one of the rules of docs/CONTRACT.md §3.
///
/// The message names the field and the rule so that a calling model can
/// correct itself; it never echoes the (possibly huge) offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid argument `{field}`: {rule}")]
pub struct InputError {
    /// The JSON field at fault (`query`, `context.arguments`, …).
    pub field: String,
    /// The rule it broke, in words.
    pub rule: String,
}

impl InputError {
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self { field: field.into(), rule: rule.into() }
    }

    /// Fixed label for metrics.
    pub fn reason(&self) -> &'static str {
        "invalid_argument"
    }
}
