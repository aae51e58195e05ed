//! Configuration in two layers: what a user may write (`RawConfig`), and the resolved `Config`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use pattern_cache::{CacheConfig, Coherence, RedisConfig};
use pattern_engine::{EngineConfig, Timeouts};
use pattern_memory::{MemoryError, StoreUrl};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::http::HttpConfigError;

pub mod servers;

pub use crate::http::{HttpSettings, RawHttp};
pub use servers::RawServer;

/// `pattern-mcp.toml` as written by a user. Every key is optional; unknown
/// keys are refused so a typo never goes unnoticed.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Memory store URL: `sqlite:PATH`, `sqlite::memory:` or `postgres://…`.
    /// Default: `sqlite:` in the user's data directory.
    pub memory: Option<String>,
    /// `[redis]`: the shared (L2) cache tier. Default: none (the in-process tier only).
    pub redis: Option<RawRedis>,
    /// Pattern files, loaded in order after the built-ins. Relative paths are
    /// relative to this file's directory.
    pub patterns: Option<Vec<PathBuf>>,
    /// Load the built-in patterns (default true).
    pub builtin_patterns: Option<bool>,
    /// Refuse to start when any pattern is invalid (default false: skip it with a warning).
    pub strict: Option<bool>,
    pub cache: Option<RawCache>,
    pub timeouts: Option<RawTimeouts>,
    pub log: Option<RawLog>,
    pub http: Option<RawHttp>,
    /// Downstream MCP servers by name; their tools are addressed as `NAME.tool`.
    pub servers: Option<std::collections::BTreeMap<String, RawServer>>,
}

/// `[cache]`: the in-process tier.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    /// Longest a result stays in the local tier, 1..=3600 s (default 60).
    pub local_ttl_s: Option<u64>,
    /// Most results kept in the local tier, 1..=10,000,000 (default 10,000).
    pub local_capacity: Option<u64>,
}

/// `[redis]`: the cache tier shared by every instance pointed at one Redis.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRedis {
    /// `redis://HOST:PORT`, `rediss://` (TLS), `redis-cluster://…` or
    /// `redis-sentinel://…?sentinelServiceName=…`; `--redis` wins.
    pub url: Option<String>,
    /// Longest any Redis call may take before the request carries on without
    /// it, 1..=1000 ms (default 5).
    pub timeout_ms: Option<u64>,
    /// Start of every key and channel, so deployments can share one Redis
    /// without seeing each other's entries (default `pattern-mcp:`).
    pub key_prefix: Option<String>,
    /// PEM file of the CAs to trust for `rediss://` instead of the system's;
    /// relative to this file's directory.
    pub tls_ca: Option<PathBuf>,
    /// Heartbeat of the invalidation link, 10..=10,000 ms (default 100); five
    /// heartbeats make its trust window: the staleness bound of `coherence =
    /// "bounded"`, and the longest a strict write waits for an instance that
    /// does not acknowledge it.
    pub heartbeat_ms: Option<u64>,
    /// `strict` (default): a recall never misses a memory write another
    /// instance completed before it; a write waits until every instance has
    /// acknowledged it (one pub/sub round trip), and a recall reads its
    /// generation from Redis only when the invalidation link cannot vouch for
    /// it. `bounded`: writes do not wait and recalls never read, but a recall
    /// may be served from before such a write for up to five heartbeats.
    pub coherence: Option<String>,
}

/// `[timeouts]`: longest an execution may take per mode, in milliseconds (1..=600,000).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTimeouts {
    pub fast_ms: Option<u64>,
    pub balanced_ms: Option<u64>,
    pub comprehensive_ms: Option<u64>,
}

/// `[log]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    /// `error`, `warn`, `info` (default), `debug` or `trace`; `RUST_LOG` wins.
    pub level: Option<String>,
}

/// The resolved settings the program runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub memory: String,
    /// The shared cache tier, if a Redis URL is given.
    pub redis: Option<RedisConfig>,
    pub patterns: Vec<PathBuf>,
    pub builtin_patterns: bool,
    pub strict: bool,
    pub engine: EngineConfig,
    pub log_level: Option<String>,
    /// How to serve over HTTP, and whether to (`http.addr`).
    pub http: HttpSettings,
    /// Downstream MCP servers: `[servers.*]` plus the `--servers` file.
    pub servers: Vec<pattern_downstream::ServerSpec>,
}

/// A configuration error: the key, where it was found, and why it is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {reason}")]
    Parse { path: String, reason: String },
    #[error("{origin}: `{key}` {reason}")]
    Invalid { origin: String, key: String, reason: String },
}

impl ConfigError {
    /// A bad value of `key`, read from `origin` (a file's path, or the flags).
    pub(crate) fn invalid(origin: &str, key: &str, reason: String) -> Self {
        Self::Invalid { origin: origin.to_owned(), key: key.to_owned(), reason }
    }
}

/// `value`, or `default` when unset; an error naming `key` when outside `lo..=hi`.
pub(crate) fn in_range(
    origin: &str,
    key: &str,
    value: Option<u64>,
    default: u64,
    lo: u64,
    hi: u64,
) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) if (lo..=hi).contains(&v) => Ok(v),
        Some(v) => Err(ConfigError::invalid(
            origin,
            key,
            format!("is {v}; it must be between {lo} and {hi}"),
        )),
    }
}

impl RawConfig {
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            reason: e.to_string().trim_end().to_owned(),
        })
    }
}

impl Config {
    /// Resolves flags and environment (already merged by clap: flags win)
    /// over the config file over the defaults.
    pub fn resolve(args: &GlobalArgs) -> Result<Self, ConfigError> {
        let (raw, origin, base) = match &args.config {
            Some(path) => {
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                (RawConfig::from_file(path)?, path.display().to_string(), base)
            }
            None => (RawConfig::default(), "defaults".to_owned(), PathBuf::new()),
        };
        let invalid = |key: &str, reason: String| ConfigError::invalid(&origin, key, reason);
        let in_range = |key: &str, value: Option<u64>, default: u64, lo: u64, hi: u64| {
            in_range(&origin, key, value, default, lo, hi)
        };

        // A bad value is reported against where it came from: the flag (or its
        // variable), else the file.
        let (memory, memory_origin) = match (&args.memory, raw.memory) {
            (Some(url), _) => (url.clone(), "--memory (PATTERN_MCP_MEMORY)"),
            (None, Some(url)) => (url, origin.as_str()),
            (None, None) => ("sqlite:".to_owned(), origin.as_str()),
        };
        let memory = resolve_memory_url(&memory)
            .map_err(|reason| ConfigError::invalid(memory_origin, "memory", reason))?;

        let raw_redis = raw.redis.unwrap_or_default();
        let redis = match args.redis.clone().or(raw_redis.url) {
            None => None,
            Some(url) => {
                let defaults = RedisConfig::new(url);
                let ms = |key: &str, value, default: Duration, lo, hi| {
                    in_range(key, value, default.as_millis() as u64, lo, hi)
                        .map(Duration::from_millis)
                };
                let key_prefix =
                    raw_redis.key_prefix.unwrap_or_else(|| defaults.key_prefix.clone());
                if key_prefix.is_empty() || key_prefix.len() > 128 {
                    return Err(invalid("redis.key_prefix", "must be 1 to 128 bytes".to_owned()));
                }
                let coherence = match raw_redis.coherence.as_deref() {
                    None => defaults.coherence,
                    Some(value) => Coherence::parse(value)
                        .map_err(|reason| invalid("redis.coherence", reason))?,
                };
                Some(RedisConfig {
                    coherence,
                    timeout: ms(
                        "redis.timeout_ms",
                        raw_redis.timeout_ms,
                        defaults.timeout,
                        1,
                        1000,
                    )?,
                    heartbeat: ms(
                        "redis.heartbeat_ms",
                        raw_redis.heartbeat_ms,
                        defaults.heartbeat,
                        10,
                        10_000,
                    )?,
                    tls_ca: raw_redis.tls_ca.map(|p| base.join(p)),
                    key_prefix,
                    ..defaults
                })
            }
        };

        let patterns = if args.patterns.is_empty() {
            raw.patterns.unwrap_or_default().into_iter().map(|p| base.join(p)).collect()
        } else {
            args.patterns.clone()
        };

        let cache = raw.cache.unwrap_or_default();
        let defaults = CacheConfig::default();
        let local_ttl_s = in_range(
            "cache.local_ttl_s",
            cache.local_ttl_s,
            defaults.local_ttl.as_secs(),
            1,
            3600,
        )?;
        let local_capacity = in_range(
            "cache.local_capacity",
            cache.local_capacity,
            defaults.local_capacity,
            1,
            10_000_000,
        )?;

        let t = raw.timeouts.unwrap_or_default();
        let d = Timeouts::default();
        let ms = |key: &str, v: Option<u64>, default: Duration| {
            in_range(key, v, default.as_millis() as u64, 1, 600_000).map(Duration::from_millis)
        };
        let timeouts = Timeouts {
            fast: ms("timeouts.fast_ms", t.fast_ms, d.fast)?,
            balanced: ms("timeouts.balanced_ms", t.balanced_ms, d.balanced)?,
            comprehensive: ms("timeouts.comprehensive_ms", t.comprehensive_ms, d.comprehensive)?,
        };

        let log_level = raw.log.and_then(|l| l.level);
        if let Some(level) = &log_level
            && !matches!(level.as_str(), "error" | "warn" | "info" | "debug" | "trace")
        {
            return Err(invalid(
                "log.level",
                format!("is `{level}`; use error, warn, info, debug or trace"),
            ));
        }

        let http =
            crate::http::resolve_settings(raw.http, args).map_err(|e| invalid(&e.key, e.reason))?;
        // Refuse malformed digests, short JWT secrets and bad origins now, so
        // `check` reports them and serving never starts half-configured.
        crate::http::validate(&http.config).map_err(|e| {
            let key = if matches!(e, HttpConfigError::Origin(_)) {
                "http.allowed_origins"
            } else {
                "http"
            };
            invalid(key, e.to_string())
        })?;

        let mut downstream = servers::resolve(raw.servers, &origin, &base)?;
        if let Some(file) = &args.servers {
            downstream = servers::merge(downstream, servers::from_claude_file(file)?, file)?;
        }

        Ok(Config {
            memory,
            redis,
            patterns,
            builtin_patterns: !args.no_builtin_patterns && raw.builtin_patterns.unwrap_or(true),
            strict: args.strict || raw.strict.unwrap_or(false),
            engine: EngineConfig {
                timeouts,
                cache: CacheConfig {
                    local_ttl: Duration::from_secs(local_ttl_s),
                    local_capacity,
                    ..CacheConfig::default()
                },
                ..EngineConfig::default()
            },
            log_level,
            http,
            servers: downstream,
        })
    }
}

/// Reads a memory URL as `open_store` will, before anything is opened; `sqlite:`
/// alone becomes the default file, spelled out so `check` and logs show it.
fn resolve_memory_url(url: &str) -> Result<String, String> {
    match StoreUrl::parse(url) {
        Ok(StoreUrl::SqliteFile(path)) => Ok(format!("sqlite:{}", path.display())),
        Ok(_) => Ok(url.to_owned()),
        Err(MemoryError::InvalidInput(reason)) => Err(reason),
        Err(other) => Err(other.to_string()),
    }
}
