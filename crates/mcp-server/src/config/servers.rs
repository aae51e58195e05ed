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

/// One entry of `mcpServers`: the keys pattern-mcp reads (Claude Desktop's
/// and ours); whatever else an MCP client wrote there lands in `other`.
#[derive(Debug, Deserialize)]
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
    /// The transport: `stdio`, `http` (or `streamable-http`), `sse`, …;
    /// unset, `command` means stdio and `url` Streamable HTTP.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Cline's name for `type`.
    #[serde(rename = "transportType")]
    transport_type: Option<String>,
    #[serde(flatten)]
    other: BTreeMap<String, serde_json::Value>,
}

/// Keys other MCP clients keep in an entry for their own use (tool approval
/// lists, a note, their own request timeout): ignored without a word.
const CLIENT_KEYS: &[&str] =
    &["autoApprove", "alwaysAllow", "disabledTools", "description", "timeout"];

/// What pattern-mcp takes from a Claude Desktop file: the servers it can run,
/// and one sentence for each entry it skipped and each key it ignored.
#[derive(Debug)]
pub(crate) struct ClaudeServers {
    pub specs: Vec<ServerSpec>,
    pub warnings: Vec<String>,
}

/// Reads a Claude Desktop `mcpServers` file; relative `cwd`s are relative to
/// it. Entries pattern-mcp cannot run are skipped, each with a warning in the log.
pub fn from_claude_file(path: &Path) -> Result<Vec<ServerSpec>, ConfigError> {
    let read = read_claude_file(path)?;
    for warning in &read.warnings {
        tracing::warn!(file = %path.display(), "{warning}");
    }
    Ok(read.specs)
}

/// Reads a Claude Desktop `claude_desktop_config.json` (only `mcpServers`
/// is read). A file that is not a JSON object with an `mcpServers` object is
/// an error, and so is a bad value of a key pattern-mcp reads; an entry that
/// names a transport pattern-mcp does not speak (`sse`), or neither `command`
/// nor `url`, is skipped with a warning, and the other entries load.
pub(crate) fn read_claude_file(path: &Path) -> Result<ClaudeServers, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Read { path: origin.clone(), reason: e.to_string() })?;
    let file: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ConfigError::Parse { path: origin.clone(), reason: e.to_string() })?;
    let parse = |reason: &str| ConfigError::Parse { path: origin.clone(), reason: reason.into() };
    let serde_json::Value::Object(mut file) = file else {
        return Err(parse(
            "is not a JSON object; a Claude Desktop config is `{\"mcpServers\": {…}}`",
        ));
    };
    let entries = match file.remove("mcpServers") {
        Some(serde_json::Value::Object(entries)) => entries,
        Some(_) => return Err(parse("`mcpServers` is not an object of servers by name")),
        None => {
            return Err(parse(
                "has no `mcpServers`; a Claude Desktop config is `{\"mcpServers\": {…}}`",
            ));
        }
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut read = ClaudeServers { specs: Vec::new(), warnings: Vec::new() };
    for (name, entry) in entries.into_iter().collect::<BTreeMap<_, _>>() {
        let key = format!("mcpServers.{name}");
        if !entry.is_object() {
            read.warnings.push(format!("`{key}` skipped: it is not an object"));
            continue;
        }
        let server: ClaudeServer = serde_json::from_value(entry).map_err(|e| {
            ConfigError::invalid(&origin, &key, format!("is not a server entry: {e}"))
        })?;
        match claude_entry(&name, server, &key, &mut read.warnings) {
            Ok(raw) => read.specs.push(resolve_one(&name, raw, &origin, &key, &base)?),
            Err(reason) => read.warnings.push(format!("`{key}` skipped: {reason}")),
        }
    }
    Ok(read)
}

/// The entry as `[servers.NAME]` would say it, or why pattern-mcp cannot run
/// it. Keys that do not apply to its transport, and keys no one reads, are
/// left out with a warning.
fn claude_entry(
    name: &str,
    s: ClaudeServer,
    key: &str,
    warnings: &mut Vec<String>,
) -> Result<RawServer, String> {
    let mut ignore =
        |field: &str, why: &str| warnings.push(format!("`{key}.{field}` ignored: {why}"));
    for field in s.other.keys().filter(|field| !CLIENT_KEYS.contains(&field.as_str())) {
        ignore(field, "not a key pattern-mcp knows");
    }
    if !valid_server_name(name) {
        return Err("its name is not a valid server name: use 1 to 64 of A-Z a-z 0-9 _ -".into());
    }
    let stdio = match s.kind.as_deref().or(s.transport_type.as_deref()) {
        Some("stdio") if s.command.is_some() => true,
        Some("stdio") => return Err("it is a `stdio` server without `command`".into()),
        Some("http" | "streamable-http" | "streamableHttp" | "streamable_http")
            if s.url.is_some() =>
        {
            false
        }
        Some("http" | "streamable-http" | "streamableHttp" | "streamable_http") => {
            return Err("it is an `http` server without `url`".into());
        }
        Some("sse") => {
            return Err("it uses the SSE transport, which pattern-mcp does not speak; \
                 give the server's Streamable HTTP endpoint as `url` with `type: http`"
                .into());
        }
        Some(other) => {
            return Err(format!(
                "its transport `{other}` is not one pattern-mcp speaks (`stdio` or `http`)"
            ));
        }
        None => match (&s.command, &s.url) {
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(_), Some(_)) => {
                return Err("it has both `command` and `url`, and no `type` to choose".into());
            }
            (None, None) => return Err("it has neither `command` nor `url`".into()),
        },
    };
    let mut raw = RawServer {
        timeout_s: s.timeout_s,
        enabled: Some(s.enabled.unwrap_or(true) && !s.disabled.unwrap_or(false)),
        cache_ttl_s: s.cache_ttl_s,
        cache_side_effects: s.cache_side_effects,
        tools: s.tools,
        ..RawServer::default()
    };
    if stdio {
        let command = s.command.unwrap_or_default();
        if command.trim().is_empty() {
            return Err("its `command` is empty".into());
        }
        for (field, set) in [("url", s.url.is_some()), ("headers", s.headers.is_some())] {
            if set {
                ignore(field, "applies to `http` servers only");
            }
        }
        (raw.command, raw.args, raw.env, raw.cwd) = (Some(command), s.args, s.env, s.cwd);
    } else {
        let url = s.url.unwrap_or_default();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("its `url` `{url}` is not http:// or https://"));
        }
        for (field, set) in [
            ("command", s.command.is_some()),
            ("args", s.args.is_some()),
            ("env", s.env.is_some()),
            ("cwd", s.cwd.is_some()),
        ] {
            if set {
                ignore(field, "applies to `stdio` servers only");
            }
        }
        (raw.url, raw.headers) = (Some(url), s.headers);
    }
    Ok(raw)
}

/// What a server may be called: its tools are addressed as `NAME.tool`.
fn valid_server_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
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
    if !valid_server_name(name) {
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
            let headers = raw.headers.unwrap_or_default();
            for (header, value) in &headers {
                if axum::http::HeaderName::try_from(header.as_str()).is_err() {
                    return Err(bad(
                        &format!("headers.{header}"),
                        "is not a valid HTTP header name",
                    ));
                }
                if axum::http::HeaderValue::try_from(value.as_str()).is_err() {
                    return Err(bad(
                        &format!("headers.{header}"),
                        "has a value that is not valid in an HTTP header (a control character?)",
                    ));
                }
            }
            Transport::Http { url, headers }
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
