//! What the pool is told about each downstream server: the resolved runtime form of `[servers.NAME]`.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

/// One downstream MCP server, already validated by the config layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// The name tools are addressed by (`server.tool`) and logs and metrics are labelled with.
    pub name: String,
    pub transport: Transport,
    /// Bound on one call (and on one connection attempt), so a hung server
    /// cannot hold a request of ours for ever.
    pub timeout: Duration,
    /// A disabled server is listed in the status but never started.
    pub enabled: bool,
    /// Which of its tools' results may be cached, and for how long.
    pub cache: CachePolicy,
}

/// The operator's caching of a server's tool results: `cache_ttl_s` and
/// `cache_side_effects` of `[servers.NAME]`, overridden per tool by
/// `[servers.NAME.tools.TOOL]`. A tool's result is cached only when a TTL
/// (here or in the pattern) asks for it; see `pattern_cache::cacheability`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CachePolicy {
    /// TTL of every tool of the server without one of its own; 0 = never cache.
    pub ttl_s: Option<u64>,
    /// Cache results of tools not annotated `readOnlyHint: true` too.
    pub side_effects: bool,
    /// Per-tool settings, by tool name.
    pub tools: BTreeMap<String, ToolCachePolicy>,
}

/// `[servers.NAME.tools.TOOL]`: what is unset here is the server's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolCachePolicy {
    pub ttl_s: Option<u64>,
    pub side_effects: Option<bool>,
}

impl CachePolicy {
    /// The TTL and side-effects override that apply to `tool`.
    pub fn for_tool(&self, tool: &str) -> (Option<u64>, bool) {
        let own = self.tools.get(tool);
        let ttl_s = own.and_then(|t| t.ttl_s).or(self.ttl_s);
        let side_effects = own.and_then(|t| t.side_effects).unwrap_or(self.side_effects);
        (ttl_s, side_effects)
    }
}

impl ServerSpec {
    /// The default bound on one call.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// An enabled stdio server with the default timeout, no extra environment and the current directory.
    pub fn stdio(
        name: impl Into<String>,
        command: impl Into<String>,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            name: name.into(),
            transport: Transport::Stdio {
                command: command.into(),
                args: args.into_iter().map(Into::into).collect(),
                env: BTreeMap::new(),
                cwd: None,
            },
            timeout: Self::DEFAULT_TIMEOUT,
            enabled: true,
            cache: CachePolicy::default(),
        }
    }

    /// An enabled Streamable HTTP server with the default timeout and no extra headers.
    pub fn http(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            transport: Transport::Http { url: url.into(), headers: BTreeMap::new() },
            timeout: Self::DEFAULT_TIMEOUT,
            enabled: true,
            cache: CachePolicy::default(),
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Adds environment variables for a stdio child; ignored for HTTP servers.
    pub fn with_env(
        mut self,
        vars: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        if let Transport::Stdio { env, .. } = &mut self.transport {
            env.extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        }
        self
    }

    /// Adds a header sent with every request to an HTTP server; ignored for stdio children.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Transport::Http { headers, .. } = &mut self.transport {
            headers.insert(name.into(), value.into());
        }
        self
    }

    pub fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    pub fn with_cache(mut self, cache: CachePolicy) -> Self {
        self.cache = cache;
        self
    }
}

/// How the pool reaches a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A child process speaking MCP on its stdin and stdout, kept alive and
    /// restarted by the pool. It inherits our environment plus `env`; its
    /// stderr goes to our logs, tagged with the server's name.
    Stdio {
        command: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        cwd: Option<PathBuf>,
    },
    /// A Streamable HTTP endpoint. `headers` go with every request (an
    /// `Authorization: Bearer …` among them is sent as the session's token).
    Http { url: String, headers: BTreeMap<String, String> },
}

#[cfg(test)]
mod tests;
