//! Start-up: from a resolved `Config` to a running `Engine`.

use std::sync::Arc;
use std::time::Duration;

use pattern_cache::{CacheError, RedisTier};
use pattern_downstream::{DownstreamPool, unknown_tools};
use pattern_engine::Engine;
use pattern_memory::{MemoryError, open_store};
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
    #[error("cache: {0}")]
    Cache(#[from] CacheError),
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

/// Builds the engine: patterns, memory store, cache, router, and the
/// downstream pool, whose servers start in the background (nothing waits for
/// them). The caller ends with [`shutdown`].
pub async fn build_engine(config: &Config) -> Result<Arc<Engine>, StartError> {
    let mut registry = load_registry(config)?;
    let known: Vec<&str> = config.servers.iter().map(|s| s.name.as_str()).collect();
    let unknown = registry.unknown_servers(&known);
    if !unknown.is_empty() {
        if config.strict {
            return Err(RegistryError::Invalid(unknown).into());
        }
        for error in &unknown {
            tracing::warn!(%error, "pattern skipped: it names a downstream server that is not configured");
        }
        registry.retain(|p| p.tool.as_ref().is_none_or(|t| known.contains(&t.server.as_str())));
    }
    let store = open_store(&config.memory).await?;
    tracing::info!(
        patterns = registry.patterns().len(),
        pattern_set_version = registry.version(),
        memory_backend = store.backend(),
        memories = store.total(),
        "engine ready"
    );
    let registry = Arc::new(registry);
    let pool = DownstreamPool::start(config.servers.clone());
    if !config.servers.is_empty() {
        tokio::spawn(warn_unknown_tools(Arc::clone(&registry), Arc::clone(&pool)));
    }
    let mut engine = Engine::new(registry, store, config.engine.clone()).with_downstream(pool);
    if let Some(redis) = &config.redis {
        // Connects in the background: a Redis that is down only degrades the tier.
        engine = engine.with_shared_tier(Arc::new(RedisTier::connect(redis)?));
        tracing::info!("shared cache tier: Redis");
    }
    Ok(Arc::new(engine))
}

/// Once the servers' tools are known, one warning per pattern naming a tool
/// its server does not list.
async fn warn_unknown_tools(registry: Arc<Registry>, pool: Arc<DownstreamPool>) {
    pool.wait_ready(Duration::from_secs(60)).await;
    for problem in unknown_tools(&registry, &pool) {
        tracing::warn!(%problem, "a pattern names an unknown downstream tool");
    }
}

/// Ends the engine's downstream sessions and stops and reaps every child
/// process; returns when all are gone.
pub async fn shutdown(engine: &Engine) {
    engine.downstream().shutdown().await;
}
