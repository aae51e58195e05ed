//! Start-up: from a resolved `Config` to a running `Engine`.

use std::sync::Arc;

use pattern_engine::Engine;
use pattern_engine::memory::{MemoryError, open_store};
use pattern_registry::{LoadOptions, Registry, RegistryError};

use crate::config::{Config, ConfigError};

/// Why the program could not start. Shown to the operator; never contains
/// a connection string.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("config: {0}")]
    Config(#[from] ConfigError),
    #[error("patterns: {0}")]
    Patterns(#[from] RegistryError),
    #[error("memory store: {0}")]
    Memory(#[from] MemoryError),
}

/// Loads the patterns as the config says; in strict mode any invalid pattern is an error.
pub fn load_registry(config: &Config) -> Result<Registry, RegistryError> {
    let loaded = Registry::load(&LoadOptions {
        files: config.patterns.clone(),
        builtins: config.builtin_patterns,
        strict: config.strict,
    })?;
    for name in &loaded.replaced {
        tracing::info!(pattern = %name, "a file pattern replaces the built-in pattern of the same name");
    }
    Ok(loaded.registry)
}

/// Builds the engine: patterns, memory store, cache, router.
pub async fn build_engine(config: &Config) -> Result<Arc<Engine>, StartError> {
    let registry = load_registry(config)?;
    let store = open_store(&config.memory).await?;
    tracing::info!(
        patterns = registry.patterns().len(),
        pattern_set_version = registry.version(),
        memory_backend = store.backend(),
        memories = store.total(),
        "engine ready"
    );
    Ok(Arc::new(Engine::new(Arc::new(registry), store, config.engine.clone())))
}
