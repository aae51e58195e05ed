//! Downstream MCP servers: `[servers.NAME]` in the config file and Claude Desktop `mcpServers` files (`--servers`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pattern_downstream::{CachePolicy, ServerSpec, ToolCachePolicy, Transport};
use schemars::JsonSchema;
use serde::Deserialize;

use super::ConfigError;

/// `[servers.NAME]`: one downstream MCP server, a stdio child (`command`) or
/// a Streamable HTTP endpoint (`url`). Its tools are addressed as `NAME.tool`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// Program to run as a child speaking MCP on stdin/stdout (looked up in PATH).
    pub command: Option<String>,
    /// Its arguments.
    pub args: Option<Vec<String>>,
    /// Environment variables added to ours for the child.
    pub env: Option<BTreeMap<String, String>>,
    /// Working directory of the child; relative to the config file's directory.
    pub cwd: Option<PathBuf>,
    /// Streamable HTTP endpoint (`http://…` or `https://…`), instead of `command`.
    pub url: Option<String>,
    /// Headers sent with every HTTP request (`Authorization` among them).
    pub headers: Option<BTreeMap<String, String>>,
    /// Longest one call (and one connection attempt) may take, 1..=3600 s (default 30).
    pub timeout_s: Option<u64>,
    /// Start this server (default true); a disabled one is listed but never started.
    pub enabled: Option<bool>,
    /// Cache the results of this server's read-only tools for at most this
    /// many seconds, 0..=86400 (0 = never). Unset, a tool's result is cached
    /// only when its pattern sets `cache_ttl_s`.
    pub cache_ttl_s: Option<u64>,
    /// Also cache the results of tools not annotated `readOnlyHint: true`
    /// when a TTL asks for it (default false).
    pub cache_side_effects: Option<bool>,
    /// Settings of single tools, by the name the server lists them under;
    /// they win over the server's.
    pub tools: Option<BTreeMap<String, RawTool>>,
}

/// `[servers.NAME.tools.TOOL]`: caching of one tool's results.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTool {
    /// Cache this tool's results for at most this many seconds, 0..=86400 (0 = never).
    pub cache_ttl_s: Option<u64>,
    /// Cache them even though the tool is not annotated `readOnlyHint: true`.
    pub cache_side_effects: Option<bool>,
}

/// Longest operator TTL of a tool's results: a day.
const MAX_CACHE_TTL_S: u64 = 86_400;

/// A Claude Desktop `claude_desktop_config.json`: only `mcpServers` is read.
#[derive(Debug, Deserialize)]
struct ClaudeFile {
    #[serde(rename = "mcpServers")]
    mcp_servers: BTreeMap<String, ClaudeServer>,
}

/// One entry of `mcpServers`: our keys plus the ones Claude Desktop itself writes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaudeServer {
    command: Option<String>,
    args: Option<Vec<String>>,
    env: Option<BTreeMap<String, String>>,
    cwd: Option<PathBuf>,
    url: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    timeout_s: Option<u64>,
    enabled: Option<bool>,
    cache_ttl_s: Option<u64>,
    cache_side_effects: Option<bool>,
    tools: Option<BTreeMap<String, RawTool>>,
    /// Claude Desktop's switch: `disabled: true` is `enabled: false`.
    disabled: Option<bool>,
    /// `stdio`, `http` or `streamable-http`; only checked against `command`/`url`.
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Reads a Claude Desktop `mcpServers` file; relative `cwd`s are relative to it.
pub fn from_claude_file(path: &Path) -> Result<Vec<ServerSpec>, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Read { path: origin.clone(), reason: e.to_string() })?;
    let file: ClaudeFile = serde_json::from_str(&text)
        .map_err(|e| ConfigError::Parse { path: origin.clone(), reason: e.to_string() })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    file.mcp_servers
        .into_iter()
        .map(|(name, s)| {
            let key = format!("mcpServers.{name}");
            if let Some(kind) = &s.kind {
                let fits = match kind.as_str() {
                    "stdio" => s.command.is_some(),
                    "http" | "streamable-http" | "streamableHttp" => s.url.is_some(),
                    _ => false,
                };
                if !fits {
                    return Err(ConfigError::invalid(
                        &origin,
                        &format!("{key}.type"),
                        format!(
                            "is `{kind}`; use `stdio` with `command` or `http` with `url` (SSE servers are not supported)"
                        ),
                    ));
                }
            }
            let raw = RawServer {
                command: s.command,
                args: s.args,
                env: s.env,
                cwd: s.cwd,
                url: s.url,
                headers: s.headers,
                timeout_s: s.timeout_s,
                enabled: Some(s.enabled.unwrap_or(true) && !s.disabled.unwrap_or(false)),
                cache_ttl_s: s.cache_ttl_s,
                cache_side_effects: s.cache_side_effects,
                tools: s.tools,
            };
            resolve_one(&name, raw, &origin, &key, &base)
        })
        .collect()
}

/// Resolves `[servers.*]` of the config file.
pub fn resolve(
    raw: Option<BTreeMap<String, RawServer>>,
    origin: &str,
    base: &Path,
) -> Result<Vec<ServerSpec>, ConfigError> {
    raw.unwrap_or_default()
        .into_iter()
        .map(|(name, server)| resolve_one(&name, server, origin, &format!("servers.{name}"), base))
        .collect()
}

/// Both sources together; a name defined twice is an error naming it.
pub fn merge(
    mut from_config: Vec<ServerSpec>,
    from_file: Vec<ServerSpec>,
    file: &Path,
) -> Result<Vec<ServerSpec>, ConfigError> {
    for spec in from_file {
        if from_config.iter().any(|s| s.name == spec.name) {
            return Err(ConfigError::invalid(
                &file.display().to_string(),
                &format!("mcpServers.{}", spec.name),
                "is also defined under [servers] in the config file; keep one".to_owned(),
            ));
        }
        from_config.push(spec);
    }
    Ok(from_config)
}

fn resolve_one(
    name: &str,
    raw: RawServer,
    origin: &str,
    key: &str,
    base: &Path,
) -> Result<ServerSpec, ConfigError> {
    let bad = |field: &str, reason: &str| {
        let key = if field.is_empty() { key.to_owned() } else { format!("{key}.{field}") };
        ConfigError::invalid(origin, &key, reason.to_owned())
    };
    let name_ok = (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !name_ok {
        return Err(bad("", "is not a valid server name: use 1 to 64 of A-Z a-z 0-9 _ -"));
    }
    let timeout_s = raw.timeout_s.unwrap_or(ServerSpec::DEFAULT_TIMEOUT.as_secs());
    if !(1..=3600).contains(&timeout_s) {
        return Err(bad("timeout_s", &format!("is {timeout_s}; it must be between 1 and 3600")));
    }
    let cache = resolve_cache(raw.cache_ttl_s, raw.cache_side_effects, raw.tools, &bad)?;
    let transport = match (raw.command, raw.url) {
        (Some(_), Some(_)) => {
            return Err(bad("", "has both `command` and `url`; a server is one or the other"));
        }
        (None, None) => {
            return Err(bad("", "needs `command` (a stdio child) or `url` (Streamable HTTP)"));
        }
        (Some(command), None) => {
            if command.trim().is_empty() {
                return Err(bad("command", "is empty"));
            }
            if raw.headers.is_some() {
                return Err(bad("headers", "applies to `url` servers only"));
            }
            Transport::Stdio {
                command,
                args: raw.args.unwrap_or_default(),
                env: raw.env.unwrap_or_default(),
                cwd: raw.cwd.map(|cwd| base.join(cwd)),
            }
        }
        (None, Some(url)) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(bad(
                    "url",
                    &format!("is `{url}`; it must start with http:// or https://"),
                ));
            }
            for (field, set) in [
                ("args", raw.args.is_some()),
                ("env", raw.env.is_some()),
                ("cwd", raw.cwd.is_some()),
            ] {
                if set {
                    return Err(bad(field, "applies to `command` servers only"));
                }
            }
            Transport::Http { url, headers: raw.headers.unwrap_or_default() }
        }
    };
    Ok(ServerSpec {
        name: name.to_owned(),
        transport,
        timeout: Duration::from_secs(timeout_s),
        enabled: raw.enabled.unwrap_or(true),
        cache,
    })
}

/// The caching keys of one server; `bad(field, reason)` names the key at fault.
fn resolve_cache(
    ttl_s: Option<u64>,
    side_effects: Option<bool>,
    tools: Option<BTreeMap<String, RawTool>>,
    bad: &dyn Fn(&str, &str) -> ConfigError,
) -> Result<CachePolicy, ConfigError> {
    let check_ttl = |field: &str, ttl_s: Option<u64>| match ttl_s {
        Some(ttl) if ttl > MAX_CACHE_TTL_S => Err(bad(
            field,
            &format!("is {ttl}; it must be between 0 and {MAX_CACHE_TTL_S} (0 = never cache)"),
        )),
        _ => Ok(ttl_s),
    };
    let mut policy = CachePolicy {
        ttl_s: check_ttl("cache_ttl_s", ttl_s)?,
        side_effects: side_effects.unwrap_or(false),
        tools: BTreeMap::new(),
    };
    for (tool, raw) in tools.unwrap_or_default() {
        let name_ok = (1..=128).contains(&tool.len())
            && !tool.chars().any(|c| c.is_whitespace() || c.is_control());
        if !name_ok {
            return Err(bad(
                &format!("tools.{tool}"),
                "is not a tool name: 1 to 128 characters, no spaces",
            ));
        }
        let ttl_s = check_ttl(&format!("tools.{tool}.cache_ttl_s"), raw.cache_ttl_s)?;
        policy.tools.insert(tool, ToolCachePolicy { ttl_s, side_effects: raw.cache_side_effects });
    }
    Ok(policy)
}

#[cfg(test)]
mod tests;
