//! The command line: flags, their environment variables, and the subcommands.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use pattern_core::ExecutionMode;

/// pattern-mcp: an MCP server that routes natural-language requests to tools,
/// memory or both, with a result cache. With no subcommand it serves MCP over stdio, or over HTTP with --http.
#[derive(Debug, Parser)]
#[command(name = "pattern-mcp", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings shared by every subcommand. Flags win over the environment, which
/// wins over the config file.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Config file (TOML).
    #[arg(long, global = true, env = "PATTERN_MCP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Pattern file (TOML), repeatable; loaded after the built-ins, in order.
    /// The environment variable takes a comma-separated list.
    #[arg(
        long = "patterns",
        global = true,
        env = "PATTERN_MCP_PATTERNS",
        value_name = "FILE",
        value_delimiter = ','
    )]
    pub patterns: Vec<PathBuf>,
    /// Memory store: sqlite:PATH (default: the user's data directory), sqlite::memory:, or postgres://…
    #[arg(long, global = true, env = "PATTERN_MCP_MEMORY", value_name = "URL")]
    pub memory: Option<String>,
    /// Shared cache tier: redis://, rediss://, redis-cluster:// or redis-sentinel:// (default: none, the
    /// in-process tier only). Instances behind one Redis share results and memory generations.
    #[arg(long, global = true, env = "PATTERN_MCP_REDIS", value_name = "URL")]
    pub redis: Option<String>,
    /// Downstream MCP servers from a Claude Desktop `mcpServers` JSON file,
    /// added to the config file's `[servers.*]`.
    #[arg(long, global = true, env = "PATTERN_MCP_SERVERS", value_name = "FILE")]
    pub servers: Option<PathBuf>,
    /// Do not load the built-in patterns (the route fallbacks stay).
    #[arg(long, global = true, env = "PATTERN_MCP_NO_BUILTIN_PATTERNS")]
    pub no_builtin_patterns: bool,
    /// Refuse to start when any pattern is invalid, instead of skipping it with a warning.
    #[arg(long, global = true, env = "PATTERN_MCP_STRICT")]
    pub strict: bool,
    /// Serve MCP over HTTP on ADDR (IP:PORT; a bare PORT or :PORT binds
    /// 127.0.0.1) instead of stdio: /mcp, /sse, /metrics, /healthz, /readyz.
    #[arg(long, global = true, env = "PATTERN_MCP_HTTP", value_name = "ADDR")]
    pub http: Option<String>,
    /// Bearer token accepted over HTTP, repeatable; the Nth acts as principal
    /// `token-N` with role admin. The environment variable takes a comma-separated list.
    #[arg(
        long = "auth-token",
        global = true,
        env = "PATTERN_MCP_AUTH_TOKEN",
        value_name = "TOKEN",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub auth_tokens: Vec<String>,
    /// Extra Host accepted over HTTP besides the loopback names (`name` or `name:port`), repeatable.
    #[arg(
        long = "allowed-host",
        global = true,
        env = "PATTERN_MCP_ALLOWED_HOST",
        value_name = "H",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// Extra Origin accepted over HTTP (`scheme://name[:port|:*]`), repeatable.
    #[arg(
        long = "allowed-origin",
        global = true,
        env = "PATTERN_MCP_ALLOWED_ORIGIN",
        value_name = "O",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show how a query would be routed, without executing it.
    Route(QueryArgs),
    /// Execute a query once and print the result.
    Exec(ExecArgs),
    /// Validate the config and the patterns; exit 0 if all is well, 1 otherwise.
    Check,
    /// Write the JSON Schemas of the tools, the pattern file and the config file.
    Schema {
        /// Directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The request in natural language.
    pub query: String,
    /// fast, balanced or comprehensive.
    #[arg(long, default_value = "balanced", value_parser = parse_mode)]
    pub mode: ExecutionMode,
    /// Memory namespace.
    #[arg(long, default_value = pattern_core::DEFAULT_NAMESPACE)]
    pub namespace: String,
    /// Print the whole JSON answer instead of a summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Bypass the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// A JSON object passed as the call's `context`, e.g.
    /// '{"arguments": {"timezone": "Asia/Tokyo"}}'.
    #[arg(long, value_name = "JSON")]
    pub context: Option<String>,
    /// Include the router's whole decision in the result.
    #[arg(long)]
    pub explain: bool,
}

/// Flags that only serving uses, by clap id and as written.
const SERVING_FLAGS: &[(&str, &str)] = &[
    ("http", "--http"),
    ("auth_tokens", "--auth-token"),
    ("allowed_hosts", "--allowed-host"),
    ("allowed_origins", "--allowed-origin"),
];

impl Cli {
    /// Parses the process's arguments, exiting with clap's message on an
    /// error. A serving flag written on the command line of a subcommand that
    /// does not serve is refused rather than silently ignored (from the
    /// environment it is ignored: the variable may be meant for the server).
    pub fn parse_args() -> Self {
        let matches = <Self as CommandFactory>::command().get_matches();
        let cli = Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        if let Some((name, sub)) = matches.subcommand() {
            for (id, flag) in SERVING_FLAGS {
                let written = [&matches, sub]
                    .iter()
                    .any(|m| m.value_source(id) == Some(ValueSource::CommandLine));
                if written {
                    <Self as CommandFactory>::command()
                        .error(
                            ErrorKind::ArgumentConflict,
                            format!(
                                "{flag} configures serving; `pattern-mcp {name}` does not serve"
                            ),
                        )
                        .exit();
                }
            }
        }
        cli
    }
}

fn parse_mode(s: &str) -> Result<ExecutionMode, String> {
    s.parse()
}
