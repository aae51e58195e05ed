//! Who is asking: identity, role and namespace limits of the caller.

use pattern_core::Role;

/// The caller of a request. It is part of every cache key, so no cached
/// result crosses principals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable identifier: `local` for stdio and the CLI, the token's or
    /// JWT's subject over HTTP.
    pub id: String,
    pub role: Role,
    /// When set, the only namespaces this principal may use.
    pub namespaces: Option<Vec<String>>,
}

impl Principal {
    /// The local user of stdio and the CLI: admin, every namespace.
    pub fn local() -> Self {
        Self { id: "local".into(), role: Role::Admin, namespaces: None }
    }

    pub fn may_use_namespace(&self, namespace: &str) -> bool {
        self.namespaces.as_ref().is_none_or(|allowed| allowed.iter().any(|n| n == namespace))
    }
}
